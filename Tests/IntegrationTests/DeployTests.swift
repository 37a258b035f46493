import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite {
    /// `lambda-shift deploy` end to end through the twin (its RevisionId, LastUpdateStatus and
    /// invoke semantics), every signature verified.
    @Suite("lambda-shift deploy")
    struct DeployTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        struct Fixture {
            var function: String
            var bucket: String
            var source: String
        }

        func fixture(_ prefix: String, alias: String? = "live", code: String = "v2") async throws -> Fixture {
            let function = uniqueName(prefix)
            try await twin.seedFunction(function, alias: alias)
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            let source = try sourceDirectory(returning: code)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            return Fixture(function: function, bucket: bucket, source: source)
        }

        func deploy(_ f: Fixture, _ extra: [String], env: [String: String] = [:]) throws -> Shell.Result {
            try Shell.lambdaShift(
                ["deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source] + extra,
                environment: twin.environment(env).variables)
        }

        func outputs(_ result: Shell.Result) -> [String: String] { result.outputs }

        func alias(_ f: Fixture) async throws -> AliasConfiguration {
            try await LambdaClient(client: try twin.client()).getAlias(f.function, alias: "live")
        }

        func expectVerified(_ requests: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!requests.isEmpty, sourceLocation: sourceLocation)
            #expect(
                requests.filter { $0["signed"] as? Bool == true }.allSatisfy {
                    $0["signatureVerified"] as? Bool == true
                }, sourceLocation: sourceLocation)
        }

        @Test("staging: develop flips all at once; deploying the same code again is skipped with no upload")
        func stagingAndSkip() async throws {
            let f = try await fixture("stg")
            try await twin.clearRequests()
            let first = try deploy(f, ["--branch", "develop"])
            #expect(first.status == 0, "\(first.all)")
            let out = outputs(first)
            #expect(
                out["outcome"] == "deployed" && out["version"] == "2" && out["previous-version"] == "1"
                    && out["environment"] == "staging")
            #expect(
                out["s3-key"]?.hasSuffix("/\(f.function)/unversioned/package.zip") == true
                    || out["s3-key"]?.contains(f.function) == true)
            #expect(try await alias(f).functionVersion == "2")
            let requests = try await twin.requests()
            expectVerified(requests)
            #expect(requests.filter { $0["operation"] as? String == "UpdateAlias" }.count == 1)

            try await twin.clearRequests()
            let again = try deploy(f, ["--branch", "develop"])
            #expect(again.status == 0, "\(again.all)")
            #expect(outputs(again)["outcome"] == "skipped" && outputs(again)["skipped"] == "true")
            let second = try await twin.requests()
            #expect(!second.contains { $0["operation"] as? String == "PutObject" })
            #expect(second.allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test("a first deploy creates the alias")
        func firstDeploy() async throws {
            let f = try await fixture("first", alias: nil)
            let result = try deploy(f, ["--environment", "staging"])
            #expect(result.status == 0, "\(result.all)")
            // A function with no alias has no published version yet: this deploy publishes version 1.
            #expect(result.stderr.contains("Created alias live on version 1 (first deploy)."))
            #expect(try await alias(f).functionVersion == "1")
        }

        @Test("production linear: weights rise strictly, then primary = new and no routing")
        func linear() async throws {
            let f = try await fixture("lin")
            let result = try deploy(f, ["--branch", "main", "--strategy", "linear:25%:1s"])
            #expect(result.status == 0, "\(result.all)")
            let shifts = result.stderr.split(separator: "\n").filter { $0.hasPrefix("shifted ") }
            #expect(shifts == ["shifted 25% to version 2", "shifted 50% to version 2", "shifted 75% to version 2"])
            let final = try await alias(f)
            #expect(final.functionVersion == "2" && final.additionalVersionWeights.isEmpty)
        }

        @Test(
            "too little traffic for the metrics gate is no verdict: the bake goes on to --max-bake, then rolls back (exit 3), alias as it was"
        )
        func metricRollback() async throws {
            let f = try await fixture("met")
            let result = try deploy(
                f,
                ["--branch", "main", "--strategy", "canary:10%:1s", "--max-error-rate", "1%", "--min-invocations", "5"])
            #expect(result.status == 3, "\(result.all)")
            #expect(
                result.stderr.contains(
                    "No verdict from the gates (inconclusive after 3s (--max-bake 3s), rolled back as --on-inconclusive rollback asks: metrics: 0 invocation(s) of version 2, fewer than --min-invocations 5"
                ), "\(result.stderr)")
            #expect(outputs(result)["outcome"] == "rolled-back")
            // The restore is announced before it is sent (a slow one is never silent).
            let lines = result.stderr.split(separator: "\n")
            let announced = try #require(lines.firstIndex(of: "restoring alias live to version 1…"), "\(result.stderr)")
            let restoredLine = try #require(
                lines.firstIndex(of: "alias live restored to version 1"), "\(result.stderr)")
            #expect(announced < restoredLine)
            let restored = try await alias(f)
            #expect(restored.functionVersion == "1" && restored.additionalVersionWeights.isEmpty)
        }

        @Test("a failed smoke invoke stops before any traffic moves: exit 3, no UpdateAlias")
        func smokeFailure() async throws {
            let f = try await fixture("smk")
            try await twin.control(
                "POST", "/_twin/invoke",
                [
                    "function": f.function, "qualifier": "2", "statusCode": 200,
                    "payload": #"{"errorMessage":"boom"}"#, "functionError": "Unhandled",
                ])
            try await twin.clearRequests()
            let result = try deploy(
                f, ["--branch", "main", "--strategy", "canary:10%:1s", "--smoke-payload", #"{"ping":true}"#])
            #expect(result.status == 3, "\(result.all)")
            #expect(result.stderr.contains("The smoke test of version 2 failed"))
            // Traffic never moved: the alias still serves version 1 alone; its description now
            // records version 2 as failed, so rollback never picks it.
            let after = try await alias(f)
            #expect(after.functionVersion == "1" && after.additionalVersionWeights.isEmpty)
            #expect(DeployHistory(description: after.description).failed == ["2"])
        }

        @Test("an alarm that fires mid-bake rolls back, and SIGTERM mid-bake restores the alias with exit 4")
        func alarmAndSigterm() async throws {
            let f = try await fixture("alm")
            let alarm = uniqueName("alm-errors")
            let seeder = Seeder(client: try twin.client())
            try await seeder.createAlarm(alarm, state: "OK")
            try await twin.clearRequests()
            let process = try startDeploy(f, ["--branch", "main", "--strategy", "canary:10%:4s", "--alarm", alarm])
            try await waitForShift()
            _ = try await seeder.cloudWatch(
                "SetAlarmState", ["AlarmName": alarm, "StateValue": "ALARM", "StateReason": "errors"])
            let alarmed = finish(process)
            #expect(alarmed.status == 3, "\(alarmed.output)")
            #expect(alarmed.output.contains("in ALARM: \(alarm)"))
            #expect(try await alias(f).functionVersion == "1")
            _ = try await seeder.cloudWatch(
                "SetAlarmState", ["AlarmName": alarm, "StateValue": "OK", "StateReason": "fixed"])

            let g = try await fixture("sig", code: "v3")
            try await twin.clearRequests()
            let running = try startDeploy(g, ["--branch", "main", "--strategy", "canary:10%:20s"])
            try await waitForShift()
            kill(running.process.processIdentifier, SIGTERM)
            let cancelled = finish(running)
            #expect(cancelled.status == 4, "\(cancelled.output)")
            #expect(cancelled.output.contains("Cancelled: alias live was restored to version 1."))
            let restored = try await alias(g)
            #expect(restored.functionVersion == "1" && restored.additionalVersionWeights.isEmpty)
        }

        @Test("bad input changes nothing: unknown strategy, 33.3% steps, invalid alias, wrong account, unmapped branch")
        func badInput() async throws {
            let f = try await fixture("bad")
            try await twin.clearRequests()
            let unknown = try deploy(f, ["--branch", "main", "--strategy", "blue-green"])
            #expect(unknown.status == 2)
            #expect(unknown.stderr.hasPrefix("error: Unknown strategy \"blue-green\""))
            let fractional = try deploy(f, ["--branch", "main", "--strategy", "linear:33.3%:1m"])
            #expect(fractional.status == 2)
            let badAlias = try deploy(f, ["--branch", "main", "--alias", "123"])
            #expect(badAlias.status == 2)
            #expect(try await twin.requests().isEmpty)
            let account = try deploy(f, ["--branch", "main", "--allowed-account-ids", "999999999999"])
            #expect(account.status == 2)
            #expect(account.stderr.contains("account 123456789012, which is not in --allowed-account-ids"))
            let unmapped = try deploy(f, ["--branch", "feature/x"])
            #expect(unmapped.status == 0)
            #expect(outputs(unmapped)["outcome"] == "nothing-to-do")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test(
            "a gate that resolves to nothing is exit 2 before any change: a prefix matching no alarm, an empty alarm list"
        )
        func emptyGates() async throws {
            let f = try await fixture("nogate")
            try await Seeder(client: try twin.client()).createAlarm(uniqueName("nogate-real"), state: "OK")
            try await twin.clearRequests()
            let production = ["--environment", "production", "--strategy", "canary:50%:1s"]
            let prefix = try deploy(f, production + ["--alarm-prefix", "nomatch-"])
            #expect(prefix.status == 2, "\(prefix.all)")
            #expect(
                prefix.stderr.contains(
                    "No CloudWatch alarm's name starts with \"nomatch-\", so that gate would watch nothing: check --alarm-prefix and the region."
                ), "\(prefix.stderr)")
            #expect(!prefix.all.contains("passed"))
            let planned = try Shell.lambdaShift(
                [
                    "plan", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--alarm-prefix",
                    "nomatch-",
                ]
                    + production, environment: twin.environment().variables)
            #expect(planned.status == 2 && planned.stderr.contains("starts with \"nomatch-\""), "\(planned.all)")
            let blank = try deploy(f, production + ["--alarm", ""])
            #expect(blank.status == 2 && blank.stderr.contains("--alarm is given but names no alarm"), "\(blank.all)")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nogate-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try "environments:\n  production:\n    branches: [main]\n    alarms: []\n".write(
                toFile: directory + "/.lambda-shift.yml", atomically: true, encoding: .utf8)
            let file = try Shell.run(
                [
                    Shell.lambdaShift, "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source,
                    "--branch", "main",
                ],
                environment: twin.environment().variables, directory: directory)
            #expect(
                file.status == 2
                    && file.stderr.contains(
                        "environments.production.alarms in \(directory)/.lambda-shift.yml is given but names no alarm"),
                "\(file.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
            #expect(try await alias(f).functionVersion == "1")
        }

        @Test("plan reads everything and prints the schedule, sending no mutating request")
        func plan() async throws {
            let f = try await fixture("pln")
            let alarm = uniqueName("pln-errors")
            try await Seeder(client: try twin.client()).createAlarm(alarm, state: "OK")
            try await twin.clearRequests()
            let result = try Shell.lambdaShift(
                [
                    "plan", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main",
                    "--strategy", "linear:50%:30s", "--alarm", alarm, "--bake", "1m",
                ],
                environment: twin.environment().variables)
            #expect(result.status == 0, "\(result.all)")
            #expect(result.stdout.contains("alias live now: version 1"))
            #expect(result.stdout.contains("  at 0s: 50% to the new version, bake 30s, then alarms"))
            #expect(result.stdout.contains("  at 30s: 100% to the new version, then bake 60s"))
            #expect(result.stdout.contains("total: 90s"))
            let requests = try await twin.requests()
            expectVerified(requests)
            #expect(
                requests.allSatisfy { $0["mutating"] as? Bool == false },
                "\(requests.filter { $0["mutating"] as? Bool == true })")
            #expect(try await alias(f).functionVersion == "1")
            let dry = try deploy(f, ["--branch", "main", "--dry-run"])
            #expect(dry.status == 0)
            #expect(dry.stdout.contains("would upload s3://\(f.bucket)/"))
        }

        @Test("someone else moving the alias mid-rollout is detected and left as they set it (exit 1)")
        func concurrentChange() async throws {
            let f = try await fixture("race")
            try await twin.clearRequests()
            let running = try startDeploy(f, ["--branch", "main", "--strategy", "steps:10%@3s,50%@3s"])
            try await waitForShift()
            let lambda = LambdaClient(client: try twin.client())
            let current = try await lambda.getAlias(f.function, alias: "live")
            _ = try await lambda.updateAlias(
                f.function, alias: "live", version: "1", additionalVersionWeights: [:], revisionId: current.revisionId)
            let result = finish(running)
            #expect(result.status == 1, "\(result.output)")
            #expect(
                result.output.contains(
                    "Someone else changed alias live during the rollout; it now serves version 1 and was left as they set it."
                ))
            let after = try await lambda.getAlias(f.function, alias: "live")
            #expect(after.functionVersion == "1" && after.additionalVersionWeights.isEmpty)
        }

        @Test("--keep-versions prunes old versions but never one an alias uses")
        func keepVersions() async throws {
            let f = try await fixture("keep")
            let lambda = LambdaClient(client: try twin.client())
            // A second alias pins version 1.
            _ = try await lambda.createAlias(f.function, alias: "pinned", version: "1")
            // Prune only on the last deploy: moto numbers a version after the count of versions, so a
            // publish after a deletion would reuse a number (real Lambda never does).
            for (code, keep) in [("a", [String]()), ("b", []), ("c", ["--keep-versions", "1"])] {
                try Data("def handler(e, c):\n    return '\(code)'\n".utf8).write(
                    to: URL(fileURLWithPath: f.source + "/index.py"))
                let result = try deploy(f, ["--branch", "develop"] + keep)
                #expect(result.status == 0, "\(result.all)")
            }
            // 1: alias pinned; 3: live before the last deploy, its rollback target; 4: live.
            let versions = try await lambda.listVersionsByFunction(f.function).map(\.version)
            #expect(versions == ["$LATEST", "1", "3", "4"])
        }

        @Test(
            ".lambda-shift.yml: environments with branches and templates; flags win over the file; bad files are exit 2"
        )
        func configFile() async throws {
            let prefix = uniqueName("cfg")
            let function = prefix + "-production"
            try await twin.seedFunction(function)
            let bucket = uniqueName("cfg-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            let f = Fixture(function: function, bucket: bucket, source: try await fixture("cfgsrc").source)
            let config = try temporaryFile(
                """
                function: \(prefix)-{environment}
                bucket: wrong-bucket
                source: \(f.source)
                environments:
                  production:
                    branches: [release]
                    strategy: canary:10%:1s
                    bucket: \(bucket)
                  staging:
                    branches: [develop]
                """)
            let viaFile = try Shell.lambdaShift(
                ["deploy", "--config", config, "--branch", "release"], environment: twin.environment().variables)
            #expect(viaFile.status == 0, "\(viaFile.all)")
            #expect(viaFile.stderr.contains("shifted 10% to version 2"))
            #expect(outputs(viaFile)["environment"] == "production" && outputs(viaFile)["function"] == function)
            #expect(try await alias(f).functionVersion == "2")

            try Data("def handler(e, c):\n    return 'flag'\n".utf8).write(
                to: URL(fileURLWithPath: f.source + "/index.py"))
            let flagWins = try Shell.lambdaShift(
                ["deploy", "--config", config, "--branch", "release", "--strategy", "AllAtOnce"],
                environment: twin.environment().variables)
            #expect(flagWins.status == 0, "\(flagWins.all)")
            #expect(!flagWins.stderr.contains("shifted"))
            #expect(try await alias(f).functionVersion == "3")

            try await twin.clearRequests()
            let typo = try Shell.lambdaShift(
                ["deploy", "--config", try temporaryFile("buckt: x\n"), "--branch", "main"],
                environment: twin.environment().variables)
            #expect(typo.status == 2)
            #expect(typo.stderr.contains("unknown setting buckt (did you mean bucket?)"))
            let broken = try Shell.lambdaShift(
                ["deploy", "--config", try temporaryFile("function: [x\n"), "--branch", "main"],
                environment: twin.environment().variables)
            #expect(broken.status == 2)
            #expect(broken.stderr.contains("is not valid YAML"))
            let badTemplate = try Shell.lambdaShift(
                [
                    "deploy", "--config", try temporaryFile("function: fn-{env}\nbucket: b\nsource: .\n"), "--branch",
                    "main",
                ], environment: twin.environment().variables)
            #expect(badTemplate.status == 2)
            #expect(badTemplate.stderr.contains("uses {env}, which is not a placeholder"))
            #expect(try await twin.requests().isEmpty)
        }

        @Test("a rollback that fails is exit 5 with ROLLBACK FAILED; an alarm already firing blocks unless ignored")
        func rollbackFailsAndFiringAlarm() async throws {
            let f = try await fixture("r5")
            try await twin.clearRequests()
            let running = try startDeploy(
                f,
                ["--branch", "main", "--strategy", "canary:10%:2s", "--max-error-rate", "1%", "--min-invocations", "5"])
            try await waitForShift()
            try await twin.setFaults([
                ["service": "lambda", "operation": "UpdateAlias", "kind": "server-error", "count": 20]
            ])
            let result = finish(running)
            try await twin.setFaults([])
            #expect(result.status == 5, "\(result.output)")
            #expect(result.output.contains("ROLLBACK FAILED: alias live may be split between version 1 and 2"))
            #expect(try await alias(f).additionalVersionWeights == ["2": 0.1])

            let g = try await fixture("fire")
            let alarm = uniqueName("fire-errors")
            try await Seeder(client: try twin.client()).createAlarm(alarm, state: "ALARM")
            try await twin.clearRequests()
            let blocked = try deploy(g, ["--branch", "main", "--strategy", "canary:10%:1s", "--alarm", alarm])
            #expect(blocked.status == 2)
            #expect(blocked.stderr.contains("Alarm \(alarm) is already in ALARM before the deploy"))
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
            let ignored = try deploy(
                g,
                ["--branch", "main", "--strategy", "AllAtOnce", "--alarm", alarm, "--alarm-already-firing", "ignore"])
            #expect(ignored.status == 0, "\(ignored.all)")
            #expect(
                ignored.stderr.contains("is already in ALARM, so this deploy does NOT watch it"), "\(ignored.stderr)")
        }

        @Test(
            "in GitHub Actions: masks first, groups, GITHUB_OUTPUT, a step summary, ::error:: on a rollback; no secret anywhere"
        )
        func gitHubActions() async throws {
            let f = try await fixture("gha")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gha-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let github = [
                "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": directory + "/output",
                "GITHUB_STEP_SUMMARY": directory + "/summary",
                "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch",
                "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
                "GITHUB_REPOSITORY": "octo/app", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42",
                "AWS_SESSION_TOKEN": "",
            ]
            let result = try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--strategy",
                    "canary:10%:1s",
                ],
                environment: twin.environment(github).variables)
            #expect(result.status == 0, "\(result.all)")
            // Workflow commands, masks first, on stderr; stdout holds the outputs and nothing else.
            let lines = result.stderr.split(separator: "\n").map(String.init)
            #expect(lines.first == "::add-mask::\(Twin.secretAccessKey)")
            #expect(!result.stdout.contains("::") && !result.stdout.contains(Twin.secretAccessKey))
            #expect(
                result.stdout.split(separator: "\n").allSatisfy { line in
                    DeployTestsNames.outputs.contains { line.hasPrefix($0 + "=") }
                }, "\(result.stdout)")
            #expect(lines.contains("::group::Package") && lines.contains("::endgroup::"))
            let outputs = try String(contentsOfFile: directory + "/output", encoding: .utf8)
            #expect(outputs.contains("outcome<<ghadelimiter_"))
            #expect(outputs.contains("\nversion<<") || outputs.hasPrefix("version<<"))
            #expect(
                outputs.contains("s3-key<<ghadelimiter_")
                    && outputs.contains("octo/app/\(f.function)/0123456/package.zip"))
            let summary = try String(contentsOfFile: directory + "/summary", encoding: .utf8)
            #expect(summary.hasPrefix("### ✅ lambda-shift: Deployed: alias live serves version 2 (was 1)."))
            #expect(summary.contains("| Version | `1 → 2` |"))
            #expect(summary.contains("shifted 10% to version 2"))
            #expect(summary.contains("[Run](https://github.com/octo/app/actions/runs/42)"))
            let everything =
                result.all.replacingOccurrences(of: "::add-mask::\(Twin.secretAccessKey)", with: "") + outputs + summary
            #expect(!everything.contains(Twin.secretAccessKey))

            let g = try await fixture("gha-rb", code: "v3")
            let failing = try Shell.lambdaShift(
                [
                    "deploy", "--function", g.function, "--bucket", g.bucket, "--source", g.source, "--strategy",
                    "canary:10%:1s",
                    "--max-error-rate", "1", "--min-invocations", "3",
                ],
                environment: twin.environment(
                    github.merging([
                        "GITHUB_OUTPUT": directory + "/output2", "GITHUB_STEP_SUMMARY": directory + "/summary2",
                    ]) { $1 }
                ).variables)
            #expect(failing.status == 3)
            #expect(
                failing.stderr.contains(
                    "::error::No verdict from the gates (inconclusive after 3s (--max-bake 3s), rolled back as --on-inconclusive rollback asks: metrics: 0 invocation(s) of version 2"
                ), "\(failing.stderr)")
            let failedSummary = try String(contentsOfFile: directory + "/summary2", encoding: .utf8)
            #expect(failedSummary.hasPrefix("### ↩️ lambda-shift: "))
            #expect(failedSummary.contains("> **Reason:** No verdict from the gates"))
            #expect(try parseOutcome(directory + "/output2") == "rolled-back")
            // The report tells what callers are served: version 1 again; 2 is named as published.
            #expect(failedSummary.hasPrefix("### ↩️ lambda-shift: Rolled back: alias live serves version 1\n"))
            #expect(failedSummary.contains("| Version | `2 (rolled back to 1)` |"), "\(failedSummary)")
            #expect(!failedSummary.contains("1 → 2"))
            #expect(
                failing.outputs["version"] == "1" && failing.outputs["published-version"] == "2", "\(failing.stdout)")
            #expect(failing.outputs["previous-version"] == "1")
        }

        @Test("in GitLab CI: the dotenv report with LAMBDA_SHIFT_ names")
        func gitLab() async throws {
            let f = try await fixture("gl")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let gitlab = [
                "GITLAB_CI": "true", "CI_PROJECT_DIR": directory, "CI_COMMIT_BRANCH": "develop",
                "CI_COMMIT_SHA": "feedface00",
                "CI_PROJECT_PATH": "group/app", "CI_JOB_URL": "https://gitlab.example/jobs/9",
            ]
            let result = try Shell.lambdaShift(
                ["deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source],
                environment: twin.environment(gitlab).variables)
            #expect(result.status == 0, "\(result.all)")
            let dotenv = try String(contentsOfFile: directory + "/lambda-shift.env", encoding: .utf8)
            #expect(dotenv.contains("LAMBDA_SHIFT_OUTCOME=deployed\n"))
            #expect(dotenv.contains("LAMBDA_SHIFT_PREVIOUS_VERSION=1\n"))
            #expect(dotenv.contains("LAMBDA_SHIFT_ENVIRONMENT=staging\n"))
            #expect(dotenv.contains("LAMBDA_SHIFT_S3_KEY=group/app/\(f.function)/feedfac/package.zip\n"))
            #expect(result.stderr.contains("section_start:") && !result.stdout.contains("section_start:"))
            #expect(
                dotenv.contains("LAMBDA_SHIFT_VERSION=2\n") && dotenv.contains("LAMBDA_SHIFT_PUBLISHED_VERSION=2\n"))
            // The final sentence once: as GitLab's last line, not again beside it.
            let final = "Deployed: alias live serves version 2 (was 1)."
            #expect(result.stderr.components(separatedBy: final).count == 2, "\(result.stderr)")
            #expect(result.stderr.contains("lambda-shift: deployed: \(final)"))
        }

        @Test(
            "GitLab, two jobs: the production job has the staging job's dotenv report loaded and still deploys to production"
        )
        func gitLabPipeline() async throws {
            let name = uniqueName("glp")
            for environment in ["staging", "production"] { try await twin.seedFunction("\(name)-\(environment)") }
            let bucket = uniqueName("glp-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            let source = try sourceDirectory(returning: "v2")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glp-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let job = [
                "GITLAB_CI": "true", "CI_PROJECT_DIR": directory, "CI_COMMIT_BRANCH": "main",
                "CI_COMMIT_REF_NAME": "main", "CI_COMMIT_SHA": "feedface00", "CI_PROJECT_PATH": "group/app",
            ]
            let arguments = [
                "deploy", "--function", name + "-{environment}", "--bucket", bucket, "--source", source,
                "--strategy", "linear:50%:1s",
            ]
            // Job 1 (a staging stage of the same pipeline on main): deploys staging, writes its report.
            let staging = try Shell.lambdaShift(
                arguments + ["--environment", "staging"], environment: twin.environment(job).variables)
            #expect(staging.status == 0, "\(staging.all)")
            let report = try String(contentsOfFile: directory + "/lambda-shift.env", encoding: .utf8)
            #expect(report.contains("LAMBDA_SHIFT_ENVIRONMENT=staging\n"))
            #expect(report.contains("LAMBDA_SHIFT_FUNCTION=\(name)-staging\n"))
            // Job 2: GitLab loads job 1's dotenv report into its environment, above its own variables.
            var loaded = job
            for line in report.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                loaded[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            #expect(loaded["LAMBDA_SHIFT_ALIAS"] == "live" && loaded["LAMBDA_SHIFT_OUTCOME"] == "deployed")
            try FileManager.default.removeItem(atPath: directory + "/lambda-shift.env")
            let production = try Shell.lambdaShift(arguments, environment: twin.environment(loaded).variables)
            #expect(production.status == 0, "\(production.all)")
            #expect(production.outputs["environment"] == "production", "\(production.all)")
            #expect(production.outputs["function"] == "\(name)-production", "\(production.all)")
            #expect(
                production.stderr.contains(
                    "not read as settings: LAMBDA_SHIFT_ALIAS, LAMBDA_SHIFT_ENVIRONMENT, LAMBDA_SHIFT_FUNCTION, outputs of an earlier job"
                ), "\(production.stderr)")
            let lambda = LambdaClient(client: try twin.client())
            #expect(try await lambda.getAlias("\(name)-production", alias: "live").functionVersion == "2")
            // $LATEST, 1 and job 1's 2: production's job published nothing on staging.
            #expect(try await lambda.listVersionsByFunction("\(name)-staging").count == 3)
            let second = try String(contentsOfFile: directory + "/lambda-shift.env", encoding: .utf8)
            #expect(second.contains("LAMBDA_SHIFT_ENVIRONMENT=production\n"))
        }

        @Test("iam-policy covers every call a deploy makes, and nothing beyond its bucket prefix, function and alarms")
        func iamPolicyCoversDeploy() async throws {
            let f = try await fixture("iam")
            let alarm = uniqueName("iam-errors")
            try await Seeder(client: try twin.client()).createAlarm(alarm, state: "OK")
            // iam-policy takes only the settings that change the policy; deploy takes the rest too.
            let policyFlags = [
                "--branch", "main", "--alarm", alarm, "--max-error-rate", "50", "--smoke-payload", "{}",
                "--keep-versions", "1",
            ]
            let flags = policyFlags + ["--min-invocations", "0", "--strategy", "canary:10%:1s"]
            let policyRun = try Shell.lambdaShift(
                ["iam-policy", "--function", f.function, "--bucket", f.bucket, "--account-id", "123456789012"]
                    + policyFlags,
                environment: twin.environment().variables)
            #expect(policyRun.status == 0, "\(policyRun.all)")
            let policy = try #require(
                try JSONSerialization.jsonObject(with: Data(policyRun.stdout.utf8)) as? [String: Any])
            let statements = try #require(policy["Statement"] as? [[String: Any]])
            let allowed = Set(statements.flatMap { ($0["Action"] as? [String]) ?? [] })
            let resources = statements.flatMap { ($0["Resource"] as? [String]) ?? [] }
            #expect(resources.contains("arn:aws:lambda:us-east-1:123456789012:function:\(f.function)"))
            #expect(resources.contains("arn:aws:cloudwatch:us-east-1:123456789012:alarm:\(alarm)"))
            #expect(resources.contains { $0.hasPrefix("arn:aws:s3:::\(f.bucket)/") && $0.contains("/\(f.function)/") })
            #expect(!allowed.contains("lambda:*") && !allowed.contains("s3:*"))

            try await twin.clearRequests()
            let deployed = try deploy(f, flags)
            #expect(deployed.status == 0, "\(deployed.all)")
            let needed: [String: String] = [
                "PutObject": "s3:PutObject", "GetObject": "s3:GetObject", "HeadObject": "s3:GetObject",
                "CreateMultipartUpload": "s3:PutObject",
                "UploadPart": "s3:PutObject", "CompleteMultipartUpload": "s3:PutObject",
                "AbortMultipartUpload": "s3:AbortMultipartUpload",
                "GetFunction": "lambda:GetFunction", "GetFunctionConfiguration": "lambda:GetFunctionConfiguration",
                "GetAlias": "lambda:GetAlias",
                "UpdateAlias": "lambda:UpdateAlias", "CreateAlias": "lambda:CreateAlias",
                "UpdateFunctionCode": "lambda:UpdateFunctionCode",
                "PublishVersion": "lambda:PublishVersion", "ListVersionsByFunction": "lambda:ListVersionsByFunction",
                "ListAliases": "lambda:ListAliases",
                "DeleteFunction": "lambda:DeleteFunction", "Invoke": "lambda:InvokeFunction",
                "DescribeAlarms": "cloudwatch:DescribeAlarms", "GetMetricData": "cloudwatch:GetMetricData",
                "GetFunctionCodeSigningConfig": "lambda:GetFunctionCodeSigningConfig",
                "GetCodeSigningConfig": "lambda:GetCodeSigningConfig",
                "GetProvisionedConcurrencyConfig": "lambda:GetProvisionedConcurrencyConfig",
                "PutProvisionedConcurrencyConfig": "lambda:PutProvisionedConcurrencyConfig",
                "DeleteProvisionedConcurrencyConfig": "lambda:DeleteProvisionedConcurrencyConfig",
                "DescribeAlarmHistory": "cloudwatch:DescribeAlarmHistory",
                "ListEventSourceMappings": "lambda:ListEventSourceMappings",
                "ListProvisionedConcurrencyConfigs": "lambda:ListProvisionedConcurrencyConfigs",
                "ListDurableExecutionsByFunction": "lambda:ListDurableExecutionsByFunction",
                "FilterLogEvents": "logs:FilterLogEvents",
            ]
            let operations = Set(try await twin.requests().compactMap { $0["operation"] as? String }).subtracting([
                "GetCallerIdentity"
            ])
            #expect(
                operations.isSuperset(of: [
                    "PutObject", "UpdateFunctionCode", "PublishVersion", "Invoke", "UpdateAlias", "DescribeAlarms",
                    "GetMetricData",
                ]))
            for operation in operations {
                let action = try #require(needed[operation], "no IAM action known for \(operation)")
                #expect(allowed.contains(action), "the policy lacks \(action) for \(operation)")
            }
        }

        func parseOutcome(_ path: String) throws -> String? {
            let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
            guard let start = lines.firstIndex(where: { $0.hasPrefix("outcome<<") }) else { return nil }
            return lines[start + 1]
        }

        // MARK: - Running the binary in the background

        struct Running {
            var process: Process
            var pipe: Pipe
        }

        func startDeploy(_ f: Fixture, _ extra: [String]) throws -> Running {
            try start(["deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source] + extra)
        }

        /// lambda-shift started against the twin, its stdout and stderr in one pipe.
        func start(_ arguments: [String]) throws -> Running {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Shell.lambdaShift)
            process.arguments = arguments
            process.environment = twin.environment().variables
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            return Running(process: process, pipe: pipe)
        }

        func waitForShift() async throws {
            for _ in 0..<400 {
                if try await twin.requests().contains(where: { $0["operation"] as? String == "UpdateAlias" }) { return }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            throw TwinError("the deploy never moved the alias")
        }

        func finish(_ running: Running) -> (status: Int32, output: String) {
            let data = running.pipe.fileHandleForReading.readDataToEndOfFile()
            running.process.waitUntilExit()
            return (running.process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}

/// PRODUCT.md's output names: the only lines deploy writes on stdout in text mode.
enum DeployTestsNames {
    static let outputs = [
        "version", "previous-version", "published-version", "alias", "function", "environment", "sha256", "code-sha256",
        "s3-key",
        "s3-version-id", "outcome", "skipped",
    ]
}
