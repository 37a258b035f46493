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

        /// A hook that writes its environment to DIR/env and, with the credentials it got, asks
        /// the twin (curl signs SigV4 itself, independently of lambda-shift) to invoke the new
        /// version, invoke version 1, and set the alias (to the version it serves: a change in name
        /// only, which still needs UpdateAlias): each status in DIR/NAME.status.
        func probingHook(_ dir: String) -> String {
            let sign =
                #"curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:lambda --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@""#
            let functions = #""$AWS_ENDPOINT_URL/2015-03-31/functions/$LAMBDA_SHIFT_FUNCTION"#
            return [
                "env > \(dir)/env",
                #"set --; [ -z "$AWS_SESSION_TOKEN" ] || set -- -H "x-amz-security-token: $AWS_SESSION_TOKEN""#,
                "\(sign) -X POST -d '{}' \(functions)/invocations?Qualifier=$LAMBDA_SHIFT_VERSION\" > \(dir)/new.status",
                "\(sign) -X POST -d '{}' \(functions)/invocations?Qualifier=1\" > \(dir)/old.status",
                "\(sign) -X PUT -H 'Content-Type: application/json' -d '{\"FunctionVersion\":\"'$LAMBDA_SHIFT_PREVIOUS_VERSION'\"}' \(functions)/aliases/live\" > \(dir)/alias.status",
                "true",
            ].joined(separator: "\n")
        }

        func probe(_ dir: String) throws -> (env: [String: String], new: String, old: String, alias: String) {
            func read(_ name: String) throws -> String { try String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8) }
            let env = Dictionary(
                try read("env").split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let equals = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<equals]), String(line[line.index(after: equals)...]))
                }, uniquingKeysWith: { $1 })
            return (env, try read("new.status"), try read("old.status"), try read("alias.status"))
        }

        func temporaryDirectory() throws -> String {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return dir
        }

        @Test(
            "issue 40: under role-to-assume a hook gets credentials that may only invoke the new version (the twin holds them to their session policy), and none of the CI's tokens"
        )
        func hookCredentialsInvoke() async throws {
            let f = try await fixture("hookcred")
            let dir = try temporaryDirectory()
            let idToken = webIdentityToken(expiresIn: 600)
            try await twin.clearRequests()
            let result = try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--environment",
                    "production", "--strategy", "AllAtOnce", "--role-to-assume",
                    "arn:aws:iam::123456789012:role/gha-deploy", "--pre-traffic-command", probingHook(dir),
                ],
                environment: twin.environment([
                    "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "GITHUB_ACTIONS": "true",
                    "ACTIONS_ID_TOKEN_REQUEST_URL": twin.metadata + "/oidc/token?api-version=2.0",
                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "twin-actions-request-token", "GITHUB_RUN_ID": "4343",
                    "CI_JOB_TOKEN": "glcbt-job-token-1234", "MY_ID_TOKEN": idToken,
                ]).variables)
            #expect(result.status == 0, "\(result.all)")
            let seen = try probe(dir)
            #expect(seen.env["LAMBDA_SHIFT_HOOK_CREDENTIALS"] == "invoke", "\(seen.env)")
            for withheld in [
                "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "CI_JOB_TOKEN", "MY_ID_TOKEN",
            ] {
                #expect(seen.env[withheld] == nil, "\(withheld) reached the hook")
            }
            #expect(seen.env["AWS_SESSION_TOKEN"]?.isEmpty == false)
            #expect(seen.new == "200" && seen.old == "403" && seen.alias == "403", "\(seen)")
            #expect(result.stderr.contains("gets credentials that may only invoke version 2"), "\(result.stderr)")
            // The deploy's session and the hook's: two web-identity exchanges, each with a fresh token.
            let assumed = try await twin.requests().filter {
                $0["operation"] as? String == "AssumeRoleWithWebIdentity"
            }
            #expect(assumed.count == 2 && assumed.allSatisfy { $0["status"] as? Int == 200 }, "\(assumed)")
            // Every token the run saw is masked, the OIDC token it fetched and the id_token variable
            // (a JWT by its shape) included.
            let masks = result.stderr.split(separator: "\n").filter { $0.hasPrefix("::add-mask::") }
            #expect(masks.contains { $0 == "::add-mask::\(idToken)" }, "\(masks)")
            #expect(
                masks.contains { $0.hasPrefix("::add-mask::eyJ") && $0 != "::add-mask::\(idToken)" },
                "no mask for the fetched OIDC token: \(masks)")
        }

        @Test(
            "issue 40: with the deploy's own keys a hook gets no AWS credentials by default, and the deploy's with --hook-credentials deploy"
        )
        func hookCredentialsNoneAndDeploy() async throws {
            let f = try await fixture("hooknone")
            let dir = try temporaryDirectory()
            let none = try deploy(f, ["--strategy", "AllAtOnce", "--pre-traffic-command", probingHook(dir)])
            #expect(none.status == 0, "\(none.all)")
            let unarmed = try probe(dir)
            #expect(unarmed.env["AWS_ACCESS_KEY_ID"] == nil && unarmed.env["AWS_SECRET_ACCESS_KEY"] == nil)
            #expect(unarmed.env["LAMBDA_SHIFT_HOOK_CREDENTIALS"] == "none")
            #expect(unarmed.env["AWS_SHARED_CREDENTIALS_FILE"] == "/dev/null")
            #expect(unarmed.new == "403" && unarmed.old == "403" && unarmed.alias == "403", "\(unarmed)")
            #expect(none.stderr.contains("gets no AWS credentials"), "\(none.stderr)")

            let g = (f.function, f.bucket, try sourceDirectory(returning: "hooknone-v3"))
            let deployOwn = try deploy(
                g,
                ["--strategy", "AllAtOnce", "--hook-credentials", "deploy", "--pre-traffic-command", probingHook(dir)])
            let armed = try probe(dir)
            #expect(armed.env["AWS_ACCESS_KEY_ID"] == Twin.accessKeyId)
            #expect(armed.env["LAMBDA_SHIFT_HOOK_CREDENTIALS"] == "deploy")
            // The deploy's keys can do what the deploy can: invoke any version, update the alias
            // (the deploy sees the alias's revision change under it and stops, as it must).
            #expect(armed.new == "200" && armed.old == "200" && armed.alias == "200", "\(armed)")
            #expect(
                deployOwn.status == 1
                    && deployOwn.stderr.contains("Someone else changed alias live during the rollout"),
                "\(deployOwn.all)")
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
