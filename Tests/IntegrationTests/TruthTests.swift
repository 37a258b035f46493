import Hashing
import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite.DeployTests {
    /// Issue 11: every command tells the truth.
    func writeCode(_ f: Fixture, _ text: String) throws {
        try Data("def handler(event, context):\n    return '\(text)'\n".utf8).write(
            to: URL(fileURLWithPath: f.source + "/index.py"))
    }

    func run(_ arguments: [String], env: [String: String] = [:], directory: String? = nil) throws -> Shell.Result {
        try Shell.run(
            [Shell.lambdaShift] + arguments, environment: twin.environment(env).variables, directory: directory)
    }

    @Test(
        "rollback goes to the last version that was live and healthy: A deployed, B failed its gate, C deployed → A, never B"
    )
    func rollbackToLastGood() async throws {
        let f = try await fixture("hist")
        let alarm = uniqueName("hist-errors")
        let seeder = Seeder(client: try twin.client())
        try await seeder.createAlarm(alarm, state: "OK")
        let gated = ["--branch", "main", "--strategy", "canary:10%:2s", "--gate-interval", "1s", "--alarm", alarm]
        #expect(try deploy(f, gated).status == 0)  // A: version 2
        try writeCode(f, "B")
        try await twin.clearRequests()
        let b = try startDeploy(f, gated)
        try await waitForShift()
        _ = try await seeder.cloudWatch(
            "SetAlarmState", ["AlarmName": alarm, "StateValue": "ALARM", "StateReason": "errors"])
        #expect(finish(b).status == 3)  // B: version 3, rolled back
        _ = try await seeder.cloudWatch(
            "SetAlarmState", ["AlarmName": alarm, "StateValue": "OK", "StateReason": "fixed"])
        try writeCode(f, "C")
        let c = try deploy(f, gated)
        #expect(c.status == 0, "\(c.all)")  // C: version 4
        #expect(outputs(c)["version"] == "4" && outputs(c)["previous-version"] == "2")
        let history = DeployHistory(description: try await alias(f).description)
        #expect(history.good.prefix(2) == ["4", "2"] && history.failed == ["3"], "\(history)")

        try await twin.clearRequests()
        let back = try run(["rollback", "--function", f.function])
        #expect(back.status == 0, "\(back.all)")
        #expect(
            back.stdout.contains("serves version 2 (was version 4): the last version that was live and healthy"),
            "\(back.stdout)")
        #expect(try await alias(f).functionVersion == "2")
        // Rolling back again never lands on the failed build, nor on the one just left.
        let again = try run(["rollback", "--function", f.function])
        #expect(try await alias(f).functionVersion != "3", "\(again.all)")
    }

    @Test("an alarm firing 2 s into a 30 s bake is acted on at the next check, not at the end of the bake")
    func gatesWatchedDuringBake() async throws {
        let f = try await fixture("watch")
        let alarm = uniqueName("watch-errors")
        let seeder = Seeder(client: try twin.client())
        try await seeder.createAlarm(alarm, state: "OK")
        try await twin.clearRequests()
        let running = try startDeploy(
            f, ["--branch", "main", "--strategy", "canary:10%:30s", "--gate-interval", "1s", "--alarm", alarm])
        try await waitForShift()
        _ = try await seeder.cloudWatch(
            "SetAlarmState", ["AlarmName": alarm, "StateValue": "ALARM", "StateReason": "errors"])
        let result = finish(running)
        #expect(result.status == 3, "\(result.output)")
        let seen = try #require(result.output.firstMatch(of: /seen (\d+)s into a 30s bake/), "\(result.output)")
        #expect((Int(seen.1) ?? 30) < 30, "the breach was acted on during the bake")
        #expect(try await alias(f).functionVersion == "1")
    }

    @Test(
        "--alarm-already-firing ignore: the firing alarm does not block the hotfix; once it leaves ALARM it gates again"
    )
    func alarmAlreadyFiringIgnore() async throws {
        let f = try await fixture("ign")
        let alarm = uniqueName("ign-errors")
        let seeder = Seeder(client: try twin.client())
        try await seeder.createAlarm(alarm, state: "ALARM")
        let flags = [
            "--branch", "main", "--strategy", "canary:10%:2s", "--gate-interval", "1s", "--alarm", alarm,
            "--alarm-already-firing", "ignore",
        ]
        let hotfix = try deploy(f, flags)
        #expect(hotfix.status == 0, "the fix for the firing alarm ships: \(hotfix.all)")
        #expect(hotfix.stderr.contains("ignoring \(alarm) (in ALARM since before the deploy)"))

        try writeCode(f, "next")
        try await twin.clearRequests()
        let running = try startDeploy(f, flags + ["--bake", "20s"])
        try await waitForShift()
        _ = try await seeder.cloudWatch(
            "SetAlarmState", ["AlarmName": alarm, "StateValue": "OK", "StateReason": "recovered"])
        try await Task.sleep(nanoseconds: 1_500_000_000)
        _ = try await seeder.cloudWatch(
            "SetAlarmState", ["AlarmName": alarm, "StateValue": "ALARM", "StateReason": "again"])
        let result = finish(running)
        #expect(result.status == 3, "seen out of ALARM once, it gates again: \(result.output)")
        #expect(result.output.contains("left ALARM and gate from now on"))
        #expect(try await alias(f).functionVersion == "2")
    }

    @Test(
        "a promote of the version being deployed, from another shell mid-bake, is success; a failed prune is a warning")
    func promoteMidBakeAndPruneWarning() async throws {
        let f = try await fixture("prm-mid")
        try await twin.clearRequests()
        let running = try startDeploy(f, ["--branch", "main", "--strategy", "linear:50%:8s", "--keep-versions", "1"])
        try await waitForShift()
        try await twin.setFaults([
            ["service": "lambda", "operation": "DeleteFunction", "kind": "server-error", "probability": 1.0]
        ])
        let promoted = try run(["promote", "--function", f.function])
        #expect(
            promoted.status == 0 && promoted.stdout.hasPrefix("Promoted: alias live serves version 2"),
            "\(promoted.all)")
        let result = finish(running)
        try await twin.setFaults([])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("someone else finished the shift (a promote)"))
        #expect(result.output.contains("outcome=deployed"))
        #expect(result.output.contains("Deployed, but pruning old versions failed"))
        #expect(try await alias(f).functionVersion == "2")
    }

    @Test("operator commands check before they change anything: each refusal one sentence, exit 2, no mutating request")
    func operatorChecks() async throws {
        let f = try await fixture("opchk")
        try await twin.clearRequests()
        let cases: [([String], String)] = [
            (["rollback", "--function", f.function, "--to-version", "99"], "has no version 99"),
            (["rollback", "--function", f.function, "--alias", "nope"], "has no alias nope"),
            (["promote", "--function", f.function, "--alias", "nope"], "has no alias nope"),
            (["promote", "--function", "no-such-\(f.function)"], "No Lambda function no-such-"),
            (["status", "--function", f.function, "--alias", "nope"], "has no alias nope"),
            (["status", "--environment", "production"], "Name the function with --function"),
        ]
        for (arguments, sentence) in cases {
            let result = try run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.all)")
            #expect(
                result.stderr.contains(sentence) && !result.stderr.contains("Usage:"), "\(arguments): \(result.stderr)")
        }
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

        // promote refuses to move callers to an older version without --force.
        let lambda = LambdaClient(client: try twin.client())
        #expect(try deploy(f, ["--environment", "staging"]).status == 0)  // alias on 2
        let now = try await alias(f)
        _ = try await lambda.updateAlias(
            f.function, alias: "live", version: "2", additionalVersionWeights: ["1": 0.1], revisionId: now.revisionId)
        let older = try run(["promote", "--function", f.function])
        #expect(older.status == 2 && older.stderr.contains("older than its primary version 2"), "\(older.all)")
        #expect(try await alias(f).additionalVersionWeights == ["1": 0.1])
        #expect(try run(["promote", "--function", f.function, "--force"]).status == 0)
        #expect(try await alias(f).functionVersion == "1")
    }

    @Test(
        "status, promote, rollback and doctor read the same settings as deploy: LAMBDA_SHIFT_FUNCTION, the file, {environment}"
    )
    func operatorSettings() async throws {
        let f = try await fixture("opset")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("opset-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
        function: "\(f.function.replacingOccurrences(of: "opset", with: "{environment}"))"
        environments:
          opset:
            branches: [main]
        """.write(toFile: directory + "/.lambda-shift.yml", atomically: true, encoding: .utf8)
        let viaFile = try run(["status", "--branch", "main", "--output", "json"], directory: directory)
        #expect(viaFile.status == 0, "\(viaFile.all)")
        #expect(viaFile.stdout.contains("\"name\":\"\(f.function)\""))
        let viaEnv = try run(["status"], env: ["LAMBDA_SHIFT_FUNCTION": f.function])
        #expect(viaEnv.status == 0 && viaEnv.stdout.contains(f.function), "\(viaEnv.all)")
        let typo = try run(["status", "--environment", "opsett"], directory: directory)
        #expect(typo.status == 2 && typo.stderr.contains("(did you mean opset?)"), "\(typo.all)")
        let unmapped = try run(["status", "--branch", "feature/x"], directory: directory)
        #expect(unmapped.status == 2 && unmapped.stderr.contains("maps to none: pass --environment"), "\(unmapped.all)")

        // doctor: a missing function and an alias mid-shift are problems, not "ok".
        let missing = try run(["doctor", "--function", "no-such-\(f.function)"])
        #expect(missing.status == 1 && missing.stdout.contains("FAIL function"), "\(missing.all)")
        #expect(
            missing.stdout.contains("FAIL alias: live cannot be checked: the function does not exist")
                && !missing.stdout.contains("ok   alias"), "\(missing.all)")
        let lambda = LambdaClient(client: try twin.client())
        #expect(try deploy(f, ["--environment", "staging"]).status == 0)  // alias on version 2
        let now = try await alias(f)
        _ = try await lambda.updateAlias(
            f.function, alias: "live", additionalVersionWeights: ["1": 0.2], revisionId: now.revisionId)
        let split = try run(["doctor", "--function", f.function])
        #expect(
            split.status == 1 && split.stdout.contains("FAIL alias: live is mid-way through a shift"), "\(split.all)")
    }

    @Test(
        "settings are checked as the user wrote them: 0% allowed, negatives and bad account ids refused with a sentence, no usage dump"
    )
    func strictSettings() async throws {
        let f = try await fixture("strict")
        try await twin.clearRequests()
        let cases: [([String], String)] = [
            (["--max-error-rate", "-1"], "--max-error-rate is \"-1\": give a percentage from 0 to 100"),
            (
                ["--min-invocations", "-5"],
                "--min-invocations is \"-5\": give the invocations needed per check, a whole number of at least 0."
            ),
            (["--allowed-account-ids", "abc"], "--allowed-account-ids holds \"abc\", which is not an AWS account id"),
            (["--strategy", "Canary10Percent5Minute"], "did you mean Canary10Percent5Minutes?"),
            (["--gate-interval", "0"], "--gate-interval is 0: give at least 1s"),
        ]
        for (flags, sentence) in cases {
            let result = try deploy(f, ["--branch", "main"] + flags)
            #expect(result.status == 2, "\(flags): \(result.all)")
            #expect(result.stderr.contains(sentence) && !result.stderr.contains("Usage:"), "\(flags): \(result.stderr)")
        }
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        let zero = try Shell.lambdaShift(
            [
                "plan", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main",
                "--max-error-rate", "0",
            ], environment: twin.environment().variables)
        #expect(zero.status == 0, "0% (no error at all) is a valid limit: \(zero.all)")
    }

    @Test(
        "iam-policy resolves like deploy: partial and full ARNs parsed once, the ARN's region, every environment when unmapped, and what it assumed"
    )
    func iamPolicyResolution() async throws {
        func policy(_ arguments: [String], env: [String: String] = [:], directory: String? = nil) throws -> (
            resources: [String], stderr: String
        ) {
            let result = try run(["iam-policy", "--bucket", "arts"] + arguments, env: env, directory: directory)
            #expect(result.status == 0, "\(arguments): \(result.all)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let statements = (object?["Statement"] as? [[String: Any]]) ?? []
            return (statements.flatMap { ($0["Resource"] as? [String]) ?? [] }, result.stderr)
        }
        let partial = try policy(["--function", "123456789012:function:svc", "--environment", "staging"])
        #expect(
            partial.resources.contains("arn:aws:lambda:us-east-1:123456789012:function:svc"), "\(partial.resources)")
        let foreign = try policy([
            "--function", "arn:aws:lambda:eu-west-1:210987654321:function:svc", "--environment", "staging",
        ])
        #expect(
            foreign.resources.contains("arn:aws:lambda:eu-west-1:210987654321:function:svc"),
            "the ARN's region and account win: \(foreign.resources)")
        let everywhere = try policy([
            "--function", "svc-{environment}", "--branch", "feature/x", "--account-id", "123456789012",
        ])
        #expect(everywhere.resources.contains("arn:aws:lambda:us-east-1:123456789012:function:svc-production"))
        #expect(everywhere.resources.contains("arn:aws:lambda:us-east-1:123456789012:function:svc-staging"))
        #expect(everywhere.stderr.contains("iam-policy for environments production, staging"))
        // Outside CI, in a directory with no git remote: any repository, and it says so.
        let bare = FileManager.default.temporaryDirectory.appendingPathComponent("iam-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
        let local = try policy(["--function", "svc", "--environment", "staging"], directory: bare)
        #expect(local.resources.contains("arn:aws:s3:::arts/*/svc/*"), "\(local.resources)")
        #expect(local.stderr.contains("assumed: the repository is unknown here"))
        let named = try policy(
            ["--function", "svc", "--environment", "staging", "--repository", "octo/app"], directory: bare)
        #expect(named.resources.contains("arn:aws:s3:::arts/octo/app/svc/*"), "\(named.resources)")
        let unknownAccount = try policy(["--function", "svc", "--environment", "staging"])
        #expect(unknownAccount.stderr.contains("assumed: account *"))
        let bad = try run([
            "iam-policy", "--bucket", "arts", "--function", "arn:aws:s3:::not-a-function", "--environment", "staging",
        ])
        #expect(bad.status == 2 && bad.stderr.contains("is not a function name, a partial ARN"), "\(bad.all)")
        let help = try run(["iam-policy", "--help"])
        #expect(
            !help.stdout.contains("--source") && !help.stdout.contains("--strategy")
                && help.stdout.contains("Examples:"), "\(help.stdout)")
    }

    @Test(
        "plan warns that unpublished $LATEST edits (a console edit) will be replaced; a typo in the command gets a did-you-mean"
    )
    func latestEditsAndTypos() async throws {
        let f = try await fixture("edits")
        let plain = try Shell.lambdaShift(
            ["plan", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main"],
            environment: twin.environment().variables)
        #expect(plain.status == 0 && !plain.stderr.contains("no published version has"), "\(plain.all)")
        // Someone edits $LATEST directly (as the console does), publishing nothing.
        let lambda = LambdaClient(client: try twin.client())
        let zip = try #require(Data(base64Encoded: Twin.zip("def handler(e, c):\n    return 'console edit'\n")))
        _ = try await S3Client(client: try twin.client()).putObject(
            bucket: f.bucket, key: "edit.zip", body: .bytes(zip), sha256: SHA256Hasher.hash(zip))
        _ = try await lambda.updateFunctionCode(f.function, s3Bucket: f.bucket, s3Key: "edit.zip")
        for _ in 0..<5 { _ = try await lambda.getFunctionConfiguration(f.function) }
        let edited = try Shell.lambdaShift(
            ["plan", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main"],
            environment: twin.environment().variables)
        #expect(
            edited.status == 0 && edited.stderr.contains("$LATEST holds code that no published version has"),
            "\(edited.all)")
        let typo = try run(["deplyo", "--function", f.function])
        #expect(
            typo.status == 2 && typo.stderr.contains("Unknown command \"deplyo\" (did you mean deploy?)"), "\(typo.all)"
        )
    }
}
