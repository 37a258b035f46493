import AWSCore
import Foundation
import Testing

extension TwinSuite {
    /// PRODUCT.md, "Output streams": stdout is the result and nothing else, in every CI. Each
    /// command runs as GitHub Actions, GitLab CI, CodeBuild and a terminal would run it; with
    /// `--output json` the whole of stdout must parse as one document that matches
    /// `schema/output.schema.json`, failures included, and hold no secret and no workflow command.
    @Suite("stdout is the result; everything else on stderr")
    struct OutputStreamTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        static let ciKinds: [(String, [String: String])] = [
            (
                "github",
                [
                    "GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "develop", "GITHUB_REF_TYPE": "branch",
                    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REPOSITORY": "octo/app",
                ]
            ),
            (
                "gitlab",
                [
                    "GITLAB_CI": "true", "CI_COMMIT_BRANCH": "develop", "CI_COMMIT_SHA": "feedface00",
                    "CI_PROJECT_PATH": "group/app",
                ]
            ),
            (
                "codebuild",
                [
                    "CODEBUILD_BUILD_ID": "proj:1", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/develop",
                    "CODEBUILD_RESOLVED_SOURCE_VERSION": "abcdef0123456789",
                ]
            ),
            ("terminal", [:]),
        ]

        /// Validates every document against the repository's JSON Schema (Python's jsonschema,
        /// an independent implementation); returns the problems, one line each.
        static func schemaProblems(_ documents: [String]) throws -> String {
            let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
                .appendingPathComponent("schema/output.schema.json").path
            let script = """
                import json, sys, jsonschema
                schema = json.load(open(sys.argv[1]))
                jsonschema.Draft202012Validator.check_schema(schema)
                validator = jsonschema.Draft202012Validator(schema)
                for i, text in enumerate(json.load(sys.stdin)):
                    for error in validator.iter_errors(json.loads(text)):
                        print(i, error.message, text[:200])
                """
            let input = String(decoding: try JSONSerialization.data(withJSONObject: documents), as: UTF8.self)
            let result = try Shell.run(["python3", "-c", script, schema], input: input)
            return result.status == 0 ? result.stdout : "validator failed: \(result.all)"
        }

        /// Whether any line is a workflow command (`::name …::`), which the runner would act on.
        static func hasWorkflowCommand(_ text: String) -> Bool {
            text.split(separator: "\n").contains {
                $0.range(of: "^::[a-z-]+( [^:]*)?::", options: .regularExpression) != nil
            }
        }

        func fixture(_ prefix: String) async throws -> (function: String, bucket: String, source: String) {
            let function = uniqueName(prefix)
            try await twin.seedFunction(function)
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            let source = try sourceDirectory(returning: "streams")
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 0])
            return (function, bucket, source)
        }

        @Test(
            "--output json: one document on stdout for every command in every CI, failures included; no secret, no workflow command"
        )
        func jsonEverywhere() async throws {
            var documents: [String] = []
            for (kind, variables) in Self.ciKinds {
                let f = try await fixture("out-\(kind)")
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "out-\(UUID().uuidString)"
                ).path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                var env = variables
                if kind == "github" {
                    env.merge(["GITHUB_OUTPUT": directory + "/output", "GITHUB_STEP_SUMMARY": directory + "/summary"]) {
                        $1
                    }
                }
                if kind == "gitlab" { env["CI_PROJECT_DIR"] = directory }
                let deploy = ["--function", f.function, "--bucket", f.bucket, "--source", f.source]
                // (arguments, expected exit code, expected outcome)
                let cases: [([String], Int32, String)] = [
                    (["plan"] + deploy + ["--environment", "staging"], 0, "would-deploy"),
                    (["deploy", "--dry-run"] + deploy + ["--environment", "staging"], 0, "would-deploy"),
                    (["deploy"] + deploy + ["--environment", "staging"], 0, "deployed"),
                    (["deploy"] + deploy + ["--environment", "staging"], 0, "skipped"),
                    (["deploy"] + deploy + ["--branch", "feature/x"], 0, "nothing-to-do"),
                    (["deploy"] + deploy + ["--environment", "staging", "--strategy", "Canary7Percent"], 2, "failed"),
                    (
                        [
                            "deploy", "--function", "no-such-\(kind)", "--bucket", f.bucket, "--source", f.source,
                            "--environment", "staging",
                        ], 2, "failed"
                    ),
                    (["status", "--function", f.function], 0, "ok"),
                    (["status", "--function", "no-such-\(kind)"], 2, "failed"),
                    (["promote", "--function", f.function], 0, "nothing-to-do"),
                    (["rollback", "--function", f.function], 0, "rolled-back"),
                    (["doctor", "--function", f.function, "--bucket", f.bucket], 0, "ok"),
                    (["package", "--source", f.source, "--out", directory + "/p.zip"], 0, "ok"),
                    (
                        ["iam-policy", "--function", f.function, "--bucket", f.bucket, "--environment", "staging"], 0,
                        "ok"
                    ),
                    (
                        [
                            "iam-policy", "--function", f.function, "--bucket", f.bucket, "--environment", "staging",
                            "--format", "terraform",
                        ], 0, "ok"
                    ),
                    (["status", "--no-such-flag"], 2, "failed"),
                    // A subcommand after an option: the root refuses it, and no command ran.
                    (["--function", f.function, "status"], 2, "failed"),
                    // No command runs: the program answers, still as one document.
                    (["--version"], 0, "version"),
                    (["status", "--help"], 0, "help"),
                ]
                for (arguments, code, outcome) in cases {
                    let result = try Shell.lambdaShift(
                        arguments + ["--output", "json"], environment: twin.environment(env).variables)
                    let label = "\(kind): \(arguments.prefix(2).joined(separator: " "))"
                    #expect(result.status == code, "\(label): \(result.all)")
                    let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
                    #expect(object != nil, "\(label): stdout is not one JSON document: \(result.stdout)")
                    #expect(object?["outcome"] as? String == outcome, "\(label): \(result.stdout)")
                    #expect(object?["exit-code"] as? Int == Int(code), "\(label): \(result.stdout)")
                    #expect(!result.stdout.contains(Twin.secretAccessKey), "\(label)")
                    #expect(
                        !Self.hasWorkflowCommand(result.stdout),
                        "\(label): a workflow command on stdout: \(result.stdout)")
                    #expect(!result.stdout.contains("\u{1B}"), "\(label): ANSI on stdout")
                    if code != 0 {
                        #expect((object?["error"] as? String)?.isEmpty == false, "\(label): no error sentence")
                    }
                    // The command that ran (deploy --dry-run is plan); lambda-shift itself when none
                    // did, never a flag's value.
                    let ran =
                        arguments.contains("--dry-run")
                        ? "plan"
                        : arguments.first.flatMap { $0.hasPrefix("-") || arguments.contains("--help") ? nil : $0 }
                    #expect(object?["command"] as? String == ran ?? "lambda-shift", "\(label): \(result.stdout)")
                    if outcome == "version" {
                        let plain = try Shell.lambdaShift(["--version"], environment: [:]).stdout
                        #expect(object?["version"] as? String == plain.trimmingCharacters(in: .newlines), "\(label)")
                    }
                    if outcome == "help" {
                        #expect((object?["message"] as? String)?.contains("--function") == true, "\(label)")
                    }
                    if arguments.first == "deploy" && arguments.count > 1 && arguments[1] != "--dry-run" {
                        #expect(object?["skipped"] is Bool, "\(label): skipped must be a boolean")
                    }
                    documents.append(result.stdout)
                }
            }
            let problems = try Self.schemaProblems(documents)
            #expect(problems.isEmpty, "\(problems)")
        }

        @Test(
            "text mode: stdout is the outputs or the command's text; in GitHub, masks and annotations go to stderr only"
        )
        func textMode() async throws {
            let f = try await fixture("out-text")
            let github = Self.ciKinds[0].1
            let version = try Shell.lambdaShift(["--version"], environment: twin.environment(github).variables)
            #expect(version.stdout == "0.1.0\n")
            // --version, --help and iam-policy write no workflow command at all, on either stream.
            #expect(version.stderr.isEmpty && !version.all.contains(Twin.secretAccessKey))
            let help = try Shell.lambdaShift(["--help"], environment: twin.environment(github).variables)
            #expect(
                help.status == 0 && help.stderr.isEmpty && !Self.hasWorkflowCommand(help.stdout)
                    && !help.all.contains(Twin.secretAccessKey))
            let policy = try Shell.lambdaShift(
                ["iam-policy", "--function", f.function, "--bucket", f.bucket, "--environment", "staging"],
                environment: twin.environment(github).variables)
            #expect(
                policy.status == 0 && !Self.hasWorkflowCommand(policy.stderr)
                    && !Self.hasWorkflowCommand(policy.stdout), "\(policy.all)")
            #expect(policy.stderr.contains("iam-policy for environment staging"), "what it assumed is said on stderr")
            #expect(!policy.all.contains(Twin.secretAccessKey))
            #expect((try? JSONSerialization.jsonObject(with: Data(policy.stdout.utf8))) != nil)

            let deploy = try Shell.lambdaShift(
                ["deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source],
                environment: twin.environment(github).variables)
            #expect(deploy.status == 0, "\(deploy.all)")
            let outLines = deploy.stdout.split(separator: "\n").map(String.init)
            #expect(
                outLines.map { $0.split(separator: "=").first.map(String.init) ?? "" } == [
                    "version", "previous-version", "published-version", "alias", "function", "environment", "sha256",
                    "code-sha256", "s3-key", "s3-version-id", "outcome", "skipped",
                ])
            #expect(outLines.contains("outcome=deployed"))
            #expect(deploy.stderr.hasPrefix("::add-mask::\(Twin.secretAccessKey)\n"))
            #expect(deploy.stderr.contains("::group::") && deploy.stderr.contains("::endgroup::"))
            let groups = deploy.stderr.components(separatedBy: "::group::").count - 1
            #expect(groups == deploy.stderr.components(separatedBy: "::endgroup::").count - 1, "every group is closed")

            for (kind, variables) in Self.ciKinds.dropFirst() {
                let failed = try Shell.lambdaShift(
                    ["status", "--function", "no-such-fn"], environment: twin.environment(variables).variables)
                #expect(failed.status == 2, "\(kind): \(failed.all)")
                #expect(failed.stdout.isEmpty, "\(kind): an error on stdout: \(failed.stdout)")
                #expect(failed.stderr.contains("no-such-fn"), "\(kind): \(failed.stderr)")
            }
        }

        @Test("an unknown flag's --output json document validates against the schema, for every command")
        func unknownFlagDocuments() throws {
            var documents: [String] = []
            for command in [
                "deploy", "advance", "plan", "status", "promote", "rollback", "cleanup", "doctor", "package",
            ]
                + ["iam-policy"]
            {
                let result = try Shell.lambdaShift(
                    [command, "--no-such-flag", "--output", "json"], environment: twin.environment().variables)
                #expect(result.status == 2, "\(command): \(result.all)")
                documents.append(result.stdout)
            }
            let problems = try Self.schemaProblems(documents)
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}
