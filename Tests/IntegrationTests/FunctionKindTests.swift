import AWSCore
import AWSServices
import Foundation
import Testing

extension TwinSuite {
    /// Issue 22: tenant-isolated and durable functions through the twin.
    @Suite("Tenant-isolated and durable functions")
    struct FunctionKindTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        func seed(_ prefix: String, _ kind: [String: Any]) async throws -> (function: String, bucket: String) {
            let function = uniqueName(prefix)
            var body: [String: Any] = [
                "name": function, "runtime": "python3.12", "handler": "index.handler",
                "zipBase64": Twin.zip("def handler(event, context):\n    return event\n"), "alias": "live",
            ]
            body.merge(kind) { $1 }
            _ = try await twin.controlJSON("POST", "/_twin/seed-function", body)
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            return (function, bucket)
        }

        func deploy(_ f: (function: String, bucket: String), code: String, _ extra: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source",
                    try sourceDirectory(returning: code), "--environment", "production", "--strategy", "AllAtOnce",
                ] + extra,
                environment: twin.environment().variables)
        }

        @Test(
            "a tenant-isolated function: no tenant id for the smoke test is exit 2 before any change; with one, the invoke carries it"
        )
        func tenancy() async throws {
            let f = try await seed("tnt", ["tenancy": "PER_TENANT"])
            try await twin.clearRequests()
            let refused = try deploy(f, code: "t1", ["--smoke-payload", "{}"])
            #expect(
                refused.status == 2 && refused.stderr.contains("is tenant-isolated, so every invoke needs a tenant id"),
                "\(refused.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
            let deployed = try deploy(f, code: "t1", ["--smoke-payload", "{}", "--smoke-tenant-id", "tenant-a"])
            #expect(deployed.status == 0, "\(deployed.all)")
            let invocations = try #require(
                try await twin.controlJSON("GET", "/_twin/tenant-invocations?function=\(f.function)")
                    as? [[String: Any]])
            #expect(
                !invocations.isEmpty && invocations.allSatisfy { $0["tenantId"] as? String == "tenant-a" },
                "\(invocations)")
        }

        @Test("pruning keeps the version durable executions still run on, and deletes the others")
        func durable() async throws {
            let f = try await seed("dur", ["durable": true])
            for code in ["d2", "d3"] {
                let result = try deploy(f, code: code, [])
                #expect(result.status == 0, "\(result.all)")
            }
            _ = try await twin.controlJSON(
                "POST", "/_twin/durable-executions", ["function": f.function, "version": "2", "running": 1])
            let pruned = try deploy(f, code: "d4", ["--keep-versions", "1"])
            #expect(pruned.status == 0, "\(pruned.all)")
            // 2: a durable execution runs on it; 3: served before this deploy, the rollback target.
            #expect(
                pruned.stderr.contains(
                    "Kept version(s) beyond --keep-versions 1 that something still uses: 2 (durable executions still run on it), 3 (alias live's rollback target, its last good version)."
                ), "\(pruned.stderr)")
            let left = try await LambdaClient(client: try twin.client()).listVersionsByFunction(f.function).map(
                \.version)
            #expect(left.contains("2") && !left.contains("1") && left.contains("3") && left.contains("4"), "\(left)")
        }
    }
}
