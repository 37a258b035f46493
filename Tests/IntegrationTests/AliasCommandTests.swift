import Hashing
import AWSCore
import AWSServices
import Foundation
import Testing

extension TwinSuite {
    /// `promote` and `rollback` through the twin.
    @Suite("promote and rollback")
    struct AliasCommandTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        /// A function with versions 1 and 2 and the alias on 1, with `weight` routed to 2.
        func midShift(_ prefix: String, weight: Double?) async throws -> (String, LambdaClient) {
            let name = uniqueName(prefix)
            try await twin.seedFunction(name)
            let lambda = LambdaClient(client: try twin.client())
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            let zip = try #require(Data(base64Encoded: Twin.zip("def handler(e, c):\n    return 2\n")))
            _ = try await S3Client(client: try twin.client()).putObject(
                bucket: bucket, key: "p.zip", body: .bytes(zip), sha256: SHA256Hasher.hash(zip))
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 0])
            _ = try await lambda.updateFunctionCode(name, s3Bucket: bucket, s3Key: "p.zip")
            _ = try await lambda.getFunctionConfiguration(name)
            _ = try await lambda.publishVersion(name)
            if let weight {
                let alias = try await lambda.getAlias(name, alias: "live")
                _ = try await lambda.updateAlias(
                    name, alias: "live", additionalVersionWeights: ["2": weight], revisionId: alias.revisionId)
            }
            return (name, lambda)
        }

        func run(_ arguments: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(arguments, environment: twin.environment().variables)
        }

        @Test("promote finishes an in-flight shift; with none in flight it changes nothing")
        func promote() async throws {
            let (name, lambda) = try await midShift("prm", weight: 0.1)
            let result = try run(["promote", "--function", name])
            #expect(result.status == 0, "\(result.all)")
            // The weight was set by hand (no lambda-shift rollout gated it): promoted, not recorded good.
            #expect(
                result.stdout
                    == "Promoted: alias live serves version 2 (was version 1 (90%) + version 2 (10%)): version 2 was weighted outside a lambda-shift rollout, so it is not recorded good.\n"
            )
            let alias = try await lambda.getAlias(name, alias: "live")
            #expect(alias.functionVersion == "2" && alias.additionalVersionWeights.isEmpty)
            try await twin.clearRequests()
            let again = try run(["promote", "--function", name])
            #expect(again.status == 0)
            #expect(again.stdout.contains("nothing to promote"))
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test(
            "rollback says what the history held and records the version it left as rolled back, not failed; status shows it"
        )
        func rollbackRecord() async throws {
            let (name, lambda) = try await midShift("rbh", weight: nil)
            let alias = try await lambda.getAlias(name, alias: "live")
            _ = try await lambda.updateAlias(
                name, alias: "live", version: "2", additionalVersionWeights: [:], revisionId: alias.revisionId,
                description: "[lambda-shift good=2 failed=]")
            let back = try run(["rollback", "--function", name])
            #expect(back.status == 0, "\(back.all)")
            #expect(!back.stdout.contains("no deploy history"), "\(back.stdout)")
            #expect(
                back.stdout.contains(
                    "the deploy history on the alias (good 2; failed none; rolled back none) holds no other version that was live and healthy"
                ), "\(back.stdout)")
            let after = try await lambda.getAlias(name, alias: "live")
            #expect(after.functionVersion == "1")
            #expect(after.description == "[lambda-shift good=2 failed= rolled-back=2]")
            let status = try run(["status", "--function", name])
            #expect(status.status == 0, "\(status.all)")
            #expect(
                status.stdout.contains(
                    "history:  good 2; failed none; rolled back 2: rollback returns only to a good version, never to a failed or rolled-back one"
                ), "\(status.stdout)")
            let json = try run(["status", "--function", name, "--output", "json"])
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let history = try #require(document["history"] as? [String: [String]])
            #expect(history == ["good": ["2"], "failed": [], "rolled-back": ["2"]])
        }

        @Test("rollback undoes an in-flight shift, goes back a version, or to --to-version")
        func rollback() async throws {
            let (name, lambda) = try await midShift("rbk", weight: 0.25)
            let undo = try run(["rollback", "--function", name])
            #expect(undo.status == 0, "\(undo.all)")
            var alias = try await lambda.getAlias(name, alias: "live")
            #expect(alias.functionVersion == "1" && alias.additionalVersionWeights.isEmpty)

            _ = try run(["promote", "--function", name])  // nothing in flight: unchanged
            alias = try await lambda.getAlias(name, alias: "live")
            _ = try await lambda.updateAlias(
                name, alias: "live", version: "2", additionalVersionWeights: [:], revisionId: alias.revisionId)
            let back = try run(["rollback", "--function", name])
            #expect(back.status == 0, "\(back.all)")
            // The undo above recorded version 2 as rolled back; with no version recorded good, the
            // newest earlier one is chosen, and the sentence says what the history held.
            #expect(
                back.stdout
                    == "Rolled back: alias live serves version 1 (was version 2): the newest earlier version; the deploy history on the alias (good none; failed none; rolled back 2) holds no other version that was live and healthy, so it is not known to have been healthy.\n"
            )

            let to = try run(["rollback", "--function", name, "--to-version", "2"])
            #expect(to.status == 0)
            #expect(try await lambda.getAlias(name, alias: "live").functionVersion == "2")
            let none = try run(["rollback", "--function", name, "--to-version", "1"])
            #expect(none.status == 0)
            let nothingEarlier = try run(["rollback", "--function", name])
            #expect(nothingEarlier.status == 2)
            #expect(
                nothingEarlier.stderr.contains(
                    "no earlier version is known to be good (deploy history: good none; failed none; rolled back 2): pass --to-version."
                ), "\(nothingEarlier.stderr)")
        }
    }
}
