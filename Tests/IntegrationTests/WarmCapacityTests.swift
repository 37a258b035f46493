import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite {
    /// Issue 22: provisioned concurrency (allocated asynchronously, again after every weight
    /// change) and Lambda Managed Instances through the binary against the twin.
    @Suite("Provisioned concurrency and Managed Instances")
    struct WarmCapacityTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        /// A function with alias live on version 1, provisioned concurrency on `qualifier`
        /// (allocated in 0.3 s of wall time), and a bucket.
        func fixture(_ prefix: String, provisioned qualifier: String?, capacityProvider: String? = nil) async throws
            -> (function: String, bucket: String, source: String)
        {
            let function = uniqueName(prefix)
            var body: [String: Any] = [
                "name": function, "runtime": "python3.12", "handler": "index.handler", "alias": "live",
                "zipBase64": Twin.zip("def handler(event, context):\n    return event\n"),
            ]
            if let qualifier { body["provisionedConcurrency"] = ["qualifier": qualifier, "amount": 4] }
            if let capacityProvider { body["capacityProvider"] = capacityProvider }
            _ = try await twin.controlJSON("POST", "/_twin/seed-function", body)
            if qualifier != nil {
                _ = try await twin.controlJSON(
                    "POST", "/_twin/provisioned-concurrency", ["function": function, "allocationSeconds": 0.3])
            }
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            return (function, bucket, try sourceDirectory(returning: prefix))
        }

        func deploy(_ f: (function: String, bucket: String, source: String), _ extra: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--environment",
                    "production",
                ] + extra,
                environment: twin.environment().variables)
        }

        func lambda() throws -> LambdaClient { LambdaClient(client: try twin.client()) }

        @Test("on the alias: after every weight change the request log shows reads until READY before the next move")
        func aliasWaits() async throws {
            let f = try await fixture("pca", provisioned: "live")
            try await twin.clearRequests()
            let result = try deploy(f, ["--strategy", "linear:50%:1s"])
            #expect(result.status == 0 && result.outputs["outcome"] == "deployed", "\(result.all)")
            let log = try await twin.requests().filter {
                ["UpdateAlias", "GetProvisionedConcurrencyConfig"].contains($0["operation"] as? String ?? "")
            }
            let updates = log.indices.filter { log[$0]["operation"] as? String == "UpdateAlias" }
            #expect(updates.count == 2, "50%, then the flip: \(log)")
            for (number, index) in updates.enumerated() {
                let end = number + 1 < updates.count ? updates[number + 1] : log.count
                let reads = log[(index + 1)..<end].map { $0["pcStatus"] as? String ?? "error" }
                #expect(reads.last == "READY", "after update \(number + 1): \(reads)")
                #expect(reads.first == "IN_PROGRESS", "the allocation was still going when first read: \(reads)")
            }
            #expect(
                result.stderr.contains("provisioned concurrency of alias live: READY: 4 of 4 allocated"),
                "\(result.all)")
            let config = try await lambda().provisionedConcurrency(f.function, qualifier: "live")
            #expect(config?.status == "READY" && config?.allocated == 4)
        }

        @Test(
            "on the alias: an allocation that FAILS (the new version's init) restores with exit 3 and Lambda's reason")
        func aliasFails() async throws {
            let f = try await fixture("pcf", provisioned: "live")
            _ = try await twin.controlJSON(
                "POST", "/_twin/provisioned-concurrency", ["function": f.function, "failVersions": ["2"]])
            let result = try deploy(f, ["--strategy", "canary:10%:1s"])
            #expect(result.status == 3 && result.outputs["outcome"] == "rolled-back", "\(result.all)")
            #expect(result.stderr.contains("provisioned concurrency of alias live FAILED"), "\(result.all)")
            #expect(result.stderr.contains("FUNCTION_ERROR_INIT_FAILURE"))
            let alias = try await lambda().getAlias(f.function, alias: "live")
            #expect(alias.functionVersion == "1" && alias.additionalVersionWeights.isEmpty)
        }

        @Test("on the live version: the new version gets as much and is READY before traffic; the old one's goes after")
        func versionLevel() async throws {
            let f = try await fixture("pcv", provisioned: "1")
            try await twin.clearRequests()
            let result = try deploy(f, ["--strategy", "canary:10%:1s"])
            #expect(result.status == 0 && result.outputs["outcome"] == "deployed", "\(result.all)")
            let log = try await twin.requests()
            let put = try #require(log.firstIndex { $0["operation"] as? String == "PutProvisionedConcurrencyConfig" })
            let shift = try #require(log.firstIndex { $0["operation"] as? String == "UpdateAlias" })
            #expect(put < shift && log[put]["qualifier"] as? String == "2")
            let ready = log[put..<shift].contains { $0["pcStatus"] as? String == "READY" }
            #expect(ready, "READY read before any traffic moved")
            #expect(try await lambda().provisionedConcurrency(f.function, qualifier: "1") == nil)
            #expect(try await lambda().provisionedConcurrency(f.function, qualifier: "2")?.requested == 4)
            #expect(result.stderr.contains("provisioned concurrency moved: version 1's configuration removed"))
        }

        @Test("Managed Instances: the new version is Pending while its environments start; traffic waits for Active")
        func managedInstances() async throws {
            let provider = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet"
            let f = try await fixture("mi", provisioned: nil, capacityProvider: provider)
            _ = try await twin.controlJSON(
                "POST", "/_twin/capacity-provider", ["function": f.function, "provisionSeconds": 1.5])
            let result = try deploy(f, ["--strategy", "canary:10%:1s", "--smoke-payload", "{}"])
            #expect(result.status == 0 && result.outputs["outcome"] == "deployed", "\(result.all)")
            #expect(result.stderr.contains("Lambda Managed Instances (capacity provider \(provider))"), "\(result.all)")
            #expect(result.stderr.contains("version 2 is Pending"), "\(result.all)")
            // The twin answers 409 to an invoke of a version that is not Active: the smoke test passed.
            #expect(result.stderr.contains("gate smoke: passed"), "\(result.all)")
        }

        @Test("Managed Instances: a version that fails to start is exit 1 with Lambda's reason, and no traffic moves")
        func managedInstancesFail() async throws {
            let f = try await fixture(
                "mif", provisioned: nil, capacityProvider: "arn:aws:lambda:us-east-1:123456789012:capacity-provider:x")
            _ = try await twin.controlJSON(
                "POST", "/_twin/capacity-provider",
                ["function": f.function, "failNextPublish": ["reasonCode": "InsufficientCapacity"]])
            let result = try deploy(f, ["--strategy", "canary:10%:1s"])
            #expect(result.status == 1, "\(result.all)")
            #expect(result.stderr.contains("InsufficientCapacity"), "\(result.all)")
            let alias = try await lambda().getAlias(f.function, alias: "live")
            #expect(alias.functionVersion == "1" && alias.additionalVersionWeights.isEmpty)
        }
    }
}
