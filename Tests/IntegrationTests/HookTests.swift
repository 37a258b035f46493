import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite {
    /// Issue 22: the traffic hooks through the binary against the twin, and the weighted-alias
    /// rule (the same role and dead-letter config) refused before any change.
    @Suite("Traffic hooks and weighted-alias preconditions")
    struct HookTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        func fixture(_ prefix: String) async throws -> (function: String, bucket: String, source: String) {
            let function = uniqueName(prefix)
            try await twin.seedFunction(function)
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            return (function, bucket, try sourceDirectory(returning: prefix))
        }

        func deploy(_ f: (function: String, bucket: String, source: String), _ extra: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--environment",
                    "production",
                ]
                    + extra,
                environment: twin.environment().variables)
        }

        func alias(_ function: String) async throws -> AliasConfiguration {
            try await LambdaClient(client: try twin.client()).getAlias(function, alias: "live")
        }

        @Test("a hook gets the signals any command gets, though lambda-shift itself ignores INT and TERM")
        func signals() async throws {
            let f = try await fixture("sig")
            let result = try deploy(
                f,
                [
                    "--strategy", "AllAtOnce", "--pre-traffic-command",
                    "trap 'exit 5' TERM; kill -TERM $$; sleep 2; exit 0",
                ])
            #expect(result.status == 3 && result.stderr.contains("(exit 5"), "\(result.all)")
            // Nothing blocked, INT and TERM not ignored: what the command starts inherits the same.
            // The program reads its own status, after `exec`: reading the shell's from a child
            // raced dash, which blocks every signal around its vfork until the child has exec'd.
            let masks = try deploy(
                f,
                [
                    "--strategy", "AllAtOnce", "--pre-traffic-command",
                    "exec grep -E '^Sig(Blk|Ign)' /proc/self/status",
                ])
            #expect(masks.status == 0, "\(masks.all)")
            let lines = masks.stderr.split(separator: "\n").filter {
                $0.hasPrefix("SigBlk:") || $0.hasPrefix("SigIgn:")
            }
            let values = Dictionary(
                uniqueKeysWithValues: lines.map {
                    ($0.prefix(6), UInt64($0.split(separator: "\t").last ?? "", radix: 16) ?? .max)
                })
            #expect(values["SigBlk"] == 0, "\(lines)")
            let interruptAndTerminate: UInt64 = (1 << UInt64(SIGINT - 1)) | (1 << UInt64(SIGTERM - 1))
            let ignored: UInt64 = values["SigIgn"] ?? .max
            #expect(ignored & interruptAndTerminate == 0, "\(lines)")
        }

        @Test("a role other than the live version's is exit 2 with no mutating request; all at once it deploys")
        func roleMismatch() async throws {
            let f = try await fixture("role")
            _ = try await twin.controlJSON(
                "POST", "/_twin/function-config",
                ["function": f.function, "role": "arn:aws:iam::123456789012:role/another-role"])
            try await twin.clearRequests()
            let refused = try deploy(f, ["--strategy", "canary:10%:1s"])
            #expect(refused.status == 2, "\(refused.all)")
            #expect(
                refused.stderr.contains(
                    "but $LATEST, which this deploy publishes, runs as arn:aws:iam::123456789012:role/another-role"))
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
            let flipped = try deploy(f, ["--strategy", "AllAtOnce"])
            #expect(flipped.status == 0 && flipped.outputs["outcome"] == "deployed", "\(flipped.all)")
        }

        @Test(
            "the hooks see the new version's ARN; a failing pre-traffic command moves nothing, a failing post-traffic one restores"
        )
        func hooks() async throws {
            let f = try await fixture("hook")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("arn-\(UUID().uuidString)").path
            let passing = try deploy(
                f,
                [
                    "--strategy", "canary:50%:1s", "--pre-traffic-command",
                    "echo \"$LAMBDA_SHIFT_QUALIFIED_ARN\" > \(file)",
                    "--post-traffic-command", "echo post-traffic ran for $LAMBDA_SHIFT_VERSION", "--output", "json",
                ])
            #expect(passing.status == 0, "\(passing.all)")
            let arn = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(arn == "arn:aws:lambda:us-east-1:123456789012:function:\(f.function):2", "\(arn)")
            #expect(passing.stderr.contains("post-traffic ran for 2"), "\(passing.stderr)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(passing.stdout.utf8)) as? [String: Any])
            let hooks = try #require(document["hooks"] as? [[String: Any]])
            #expect(hooks.compactMap { $0["name"] as? String } == ["pre-traffic", "post-traffic"])

            let before = try await alias(f.function)
            let g = (f.function, f.bucket, try sourceDirectory(returning: "hook-v3"))
            let pre = try deploy(g, ["--strategy", "canary:50%:1s", "--pre-traffic-command", "exit 7"])
            #expect(
                pre.status == 3 && pre.stderr.contains("The pre-traffic command failed for version 3 (exit 7"),
                "\(pre.all)")
            let afterPre = try await alias(f.function)
            #expect(afterPre.functionVersion == before.functionVersion && afterPre.additionalVersionWeights.isEmpty)

            let h = (f.function, f.bucket, try sourceDirectory(returning: "hook-v4"))
            let post = try deploy(h, ["--strategy", "canary:50%:1s", "--post-traffic-command", "exit 9"])
            #expect(post.status == 3 && post.stderr.contains("the post-traffic command failed (exit 9"), "\(post.all)")
            let afterPost = try await alias(f.function)
            #expect(afterPost.functionVersion == before.functionVersion && afterPost.additionalVersionWeights.isEmpty)
            #expect(DeployHistory(description: afterPost.description).failed.contains("4"), "\(afterPost.description)")
        }
    }
}
