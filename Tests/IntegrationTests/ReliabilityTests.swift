import AWSCore
import AWSServices
import Foundation
import Testing

/// The fault and abuse suite: whatever goes wrong, the alias ends as it was or as intended,
/// never split between versions.
extension TwinSuite.DeployTests {
    func expectNotSplit(_ f: Fixture, allowed: Set<String>, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let now = try await alias(f)
        #expect(
            now.additionalVersionWeights.isEmpty, "split: \(now.additionalVersionWeights)",
            sourceLocation: sourceLocation)
        #expect(
            allowed.contains(now.functionVersion), "alias on \(now.functionVersion)", sourceLocation: sourceLocation)
    }

    @Test(
        "under 30% Lambda throttling, 20% S3 SlowDown, CloudWatch 500s and a reset mid-upload, a production rollout ends correct or rolled back, never split",
        arguments: [11, 23, 37])
    func chaos(seed: Int) async throws {
        let f = try await fixture("chaos\(seed)")
        let alarm = uniqueName("chaos-errors")
        try await Seeder(client: try twin.client()).createAlarm(alarm, state: "OK")
        try await twin.setFaults(
            [
                ["service": "lambda", "kind": "throttle", "probability": 0.3],
                ["service": "s3", "kind": "slowdown", "probability": 0.2],
                ["service": "monitoring", "kind": "server-error", "probability": 0.3],
                ["service": "s3", "operation": "PutObject", "kind": "reset", "afterBytes": 64, "count": 1],
            ], seed: seed)
        let result = try deploy(
            f, ["--branch", "main", "--strategy", "linear:50%:1s", "--alarm", alarm], env: ["AWS_MAX_ATTEMPTS": "5"])
        try await twin.setFaults([])
        #expect([0, 1, 3].contains(result.status), "\(result.all)")
        try await expectNotSplit(f, allowed: result.status == 0 ? ["2"] : ["1"])
        let faults = try await twin.requests().compactMap { $0["fault"] as? String }
        #expect(faults.count >= 3, "too few faults injected to mean anything: \(faults)")
    }

    @Test(
        "SIGTERM in each phase leaves the alias as it was: exit 4, never split",
        arguments: [
            "package", "CreateMultipartUpload", "PutObject", "UpdateFunctionCode", "PublishVersion", "UpdateAlias",
            "bake 1", "bake 2",
        ])
    func sigtermInEachPhase(phase: String) async throws {
        let f = try await fixture("term")
        // A multipart upload (begun while packaging) leaves parts behind unless it is aborted.
        let multipartPhase = phase == "package" || phase == "CreateMultipartUpload"
        if multipartPhase {
            // Enough bytes that packaging takes a moment in a debug build, and goes up in parts.
            // Random, so it does not compress: read from the kernel (a byte at a time in a debug build took seconds).
            let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
            defer { try? random.close() }
            for index in 0..<64 {
                let bytes = try #require(try random.read(upToCount: 1 << 20))
                try bytes.write(to: URL(fileURLWithPath: f.source + "/blob\(index).bin"))
            }
        }
        if phase != "package" && !phase.hasPrefix("bake") {
            // The signal comes while this request is held, and the twin carries it out after the
            // client gave up waiting: for CreateMultipartUpload, an upload only its id can abort;
            // for UpdateAlias, the first weight change, after the restore unless that guards.
            try await twin.setFaults([
                [
                    "service": phase.hasSuffix("Object") || multipartPhase ? "s3" : "lambda", "operation": phase,
                    "kind": "latency",
                    "latencyMs": 3000, "count": 1,
                ]
            ])
        }
        try await twin.clearRequests()
        let running = try startDeploy(f, ["--branch", "main", "--strategy", "steps:10%@4s,50%@4s"])
        switch phase {
        // The preflight's last call is the bucket probe (a GetObject); packaging follows it.
        case "package": try await waitFor { $0.contains { $0["operation"] as? String == "GetObject" } }
        case "bake 1": try await waitFor { $0.filter { $0["operation"] as? String == "UpdateAlias" }.count >= 1 }
        case "bake 2": try await waitFor { $0.filter { $0["operation"] as? String == "UpdateAlias" }.count >= 2 }
        default: try await waitFor { $0.contains { $0["operation"] as? String == phase } }
        }
        try await Task.sleep(nanoseconds: phase == "package" ? 50_000_000 : 300_000_000)
        kill(running.process.processIdentifier, SIGTERM)
        let result = finish(running)
        if phase == "UpdateAlias" { try await Task.sleep(nanoseconds: 3_000_000_000) }  // the held change lands
        try await twin.setFaults([])
        #expect(result.status == 4, "\(phase): \(result.output)")
        try await expectNotSplit(f, allowed: ["1"])
        if multipartPhase {
            // Nothing changed, and nothing is left: the only writes a deploy stopped while it
            // packages may have made are those of a multipart upload begun meanwhile (a new
            // key's package goes up while it is written), and then it aborted that upload.
            let writes = try await twin.requests().filter { $0["mutating"] as? Bool == true }
                .compactMap { $0["operation"] as? String }
            let multipart: Set = ["CreateMultipartUpload", "UploadPart", "AbortMultipartUpload"]
            #expect(writes.allSatisfy(multipart.contains), "\(writes)")
            #expect(writes.contains("CreateMultipartUpload") == writes.contains("AbortMultipartUpload"), "\(writes)")
            #expect(try await Seeder(client: try twin.client()).multipartUploadsInProgress(f.bucket) == 0)
        }
    }

    @Test("finding 6: SIGHUP mid-bake (a closed terminal) restores the alias like SIGTERM: exit 4")
    func hangup() async throws {
        let f = try await fixture("hup")
        try await twin.clearRequests()
        let running = try startDeploy(f, ["--branch", "main", "--strategy", "steps:10%@4s,50%@4s"])
        try await waitFor { $0.contains { $0["operation"] as? String == "UpdateAlias" } }
        try await Task.sleep(nanoseconds: 300_000_000)
        kill(running.process.processIdentifier, SIGHUP)
        let result = finish(running)
        #expect(result.status == 4, "\(result.output)")
        #expect(result.output.contains("restored"), "\(result.output)")
        try await expectNotSplit(f, allowed: ["1"])
    }

    @Test("finding 6: a closed output pipe (deploy … | head) never stops a rollout: it finishes as it would have")
    func closedPipe() async throws {
        let f = try await fixture("epipe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Shell.lambdaShift)
        process.arguments =
            ["deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source]
            + ["--branch", "main", "--strategy", "steps:10%@1s,50%@1s", "--gate-interval", "1s"]
        process.environment = twin.environment().variables
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // The reader goes away at once: every later write of the deploy fails with EPIPE.
        try pipe.fileHandleForReading.close()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "killed by signal \(process.terminationStatus)")
        #expect(process.terminationStatus == 0)
        try await expectNotSplit(f, allowed: ["2"])
    }

    @Test("two deploys racing for one alias: one wins, the other stops without overwriting")
    func race() async throws {
        let f = try await fixture("race2")
        let other = f.source + "-other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("def handler(e, c):\n    return 'other'\n".utf8).write(to: URL(fileURLWithPath: other + "/index.py"))
        try await twin.control("POST", "/_twin/lambda", ["updatePolls": 2])
        let first = try startDeploy(f, ["--branch", "main", "--strategy", "steps:10%@2s,50%@2s"])
        var second = f
        second.source = other
        let secondRun = try startDeploy(second, ["--branch", "main", "--strategy", "steps:10%@2s,50%@2s"])
        let a = finish(first), b = finish(secondRun)
        let codes = [a.status, b.status].sorted()
        #expect(codes.filter { $0 == 0 }.count <= 1, "both claimed to win:\n\(a.output)\n\(b.output)")
        #expect(codes.allSatisfy { [0, 1, 2].contains($0) }, "\(a.output)\n\(b.output)")
        let final = try await alias(f)
        #expect(final.additionalVersionWeights.isEmpty, "split: \(final.additionalVersionWeights)")
        if let winner = [a, b].first(where: { $0.status == 0 }) {
            #expect(winner.output.contains("Deployed: alias live serves version \(final.functionVersion)"))
        } else {
            #expect(final.functionVersion == "1")
        }
        let loser = a.status == 0 ? b : a
        #expect(loser.output.contains("error:"))
    }

    @Test("no secret reaches any output under any failure")
    func noSecretsUnderFailure() async throws {
        let f = try await fixture("sec")
        let token = "SESSIONTOKEN\(UUID().uuidString)"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await twin.control(
            "POST", "/_twin/credentials",
            ["accessKeyId": "AKIDWITHTOKEN0001", "secretAccessKey": "token-secret/KEY+1", "sessionToken": token])
        let env = [
            "AWS_ACCESS_KEY_ID": "AKIDWITHTOKEN0001", "AWS_SECRET_ACCESS_KEY": "token-secret/KEY+1",
            "AWS_SESSION_TOKEN": token,
            "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": directory + "/out",
            "GITHUB_STEP_SUMMARY": directory + "/summary",
        ]
        var transcripts: [String] = []
        // A gate failure, a throttled give-up, a bad signature, bad input.
        transcripts.append(
            try deploy(
                f,
                ["--branch", "main", "--strategy", "canary:10%:1s", "--max-error-rate", "1", "--min-invocations", "3"],
                env: env
            ).all)
        try await twin.setFaults([["service": "lambda", "kind": "throttle", "count": 50]])
        transcripts.append(try deploy(f, ["--branch", "main"], env: env.merging(["AWS_MAX_ATTEMPTS": "2"]) { $1 }).all)
        try await twin.setFaults([])
        transcripts.append(
            try deploy(f, ["--branch", "main"], env: env.merging(["AWS_SECRET_ACCESS_KEY": "wrong-\(token)"]) { $1 })
                .all)
        transcripts.append(try deploy(f, ["--branch", "main", "--strategy", "nope"], env: env).all)
        let files = ["out", "summary"].compactMap { try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
        for text in transcripts + files {
            let withoutMasks = text.split(separator: "\n").filter { !$0.hasPrefix("::add-mask::") }.joined(
                separator: "\n")
            #expect(!withoutMasks.contains(token))
            #expect(!withoutMasks.contains("token-secret/KEY+1"))
        }
        #expect(transcripts[2].contains("SignatureDoesNotMatch") || transcripts[2].contains("InvalidSignature"))
    }

    @Test("PRODUCT.md's bad inputs and more, through deploy: each its sentence and exit code, and no mutating request")
    func badInputMatrix() async throws {
        let f = try await fixture("matrix")
        let empty = f.source + "-empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let big = f.source + "-big"
        try FileManager.default.createDirectory(atPath: big, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: big + "/huge.bin"))
        truncate(big + "/huge.bin", 300 << 20)
        let escaping = f.source + "-escape"
        try FileManager.default.createDirectory(atPath: escaping, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: escaping + "/passwd", withDestinationPath: "/etc/passwd")
        let lambda = LambdaClient(client: try twin.client())
        let split = try await fixture("matrix-split")
        // Someone else's shift left half-way: version 2 primary, 10% still on version 1 (Lambda
        // refuses a weighted version equal to the primary, so a real second version is made).
        let staged = try Shell.lambdaShift(
            [
                "deploy", "--function", split.function, "--bucket", split.bucket, "--source", split.source,
                "--environment", "staging",
            ], environment: twin.environment().variables)
        #expect(staged.status == 0, "\(staged.all)")
        let current = try await lambda.getAlias(split.function, alias: "live")
        _ = try await lambda.updateAlias(
            split.function, alias: "live", additionalVersionWeights: ["1": 0.1], revisionId: current.revisionId)

        let cases: [(String, [String], [String: String], Int32, String)] = [
            ("empty build directory", ["--source", empty], [:], 2, "has no files to package"),
            ("over Lambda's limit", ["--source", big], [:], 2, "over Lambda's limit of 262,144,000 bytes (250 MB)"),
            ("symlink leaving the tree", ["--source", escaping], [:], 2, "points outside the build directory"),
            (
                "unknown function", ["--function", "no-such-\(f.function)"], [:], 2,
                "or create the function first (lambda-shift updates functions, it does not create them)."
            ),
            (
                "unknown bucket", ["--bucket", "no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())"], [:], 2,
                "No bucket no-such-bucket-"
            ),
            (
                "function ARN in another region",
                ["--function", "arn:aws:lambda:eu-west-1:123456789012:function:\(f.function)"], [:], 2,
                "The function ARN is in eu-west-1 but this deploy runs in us-east-1"
            ),
            ("weights not reaching 100%", ["--strategy", "linear:40%:1m"], [:], 2, "never adds up to exactly 100%"),
            (
                "no credentials", [], ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""], 2,
                "No AWS credentials were found"
            ),
            ("no region", [], ["AWS_REGION": ""], 2, "No AWS region is set"),
        ]
        for (name, flags, env, code, sentence) in cases {
            try await twin.clearRequests()
            var arguments = [
                "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main",
            ]
            for index in stride(from: 0, to: flags.count, by: 2) {
                if let at = arguments.firstIndex(of: flags[index]) {
                    arguments[at + 1] = flags[index + 1]
                } else {
                    arguments += [flags[index], flags[index + 1]]
                }
            }
            let result = try Shell.lambdaShift(arguments, environment: twin.environment(env).variables)
            #expect(result.status == code, "\(name): \(result.all)")
            // Log lines share stderr now; the error itself is one line, one sentence, and stdout
            // holds only the outputs (outcome=failed).
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
            #expect(errors.count == 1 && errors.first?.contains(sentence) == true, "\(name): \(result.stderr)")
            // One sentence a person can act on, not AWS's raw refusal beside it.
            #expect(
                !["Exception", "NoSuchBucket", "404", "request id"].contains { errors.first?.contains($0) == true },
                "\(name): \(result.stderr)")
            #expect(result.stdout.split(separator: "\n").contains("outcome=failed"), "\(name): \(result.stdout)")
            #expect(
                try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false }, "\(name) changed something")
        }
        try await twin.clearRequests()
        let midShift = try Shell.lambdaShift(
            [
                "deploy", "--function", split.function, "--bucket", split.bucket, "--source", split.source, "--branch",
                "main",
            ],
            environment: twin.environment().variables)
        #expect(midShift.status == 2)
        #expect(
            midShift.stderr.contains(
                "is mid-way through a shift (version 2 (90%) + version 1 (10%)), most likely another deploy still running: let that job finish; only if none is running"
            ), "\(midShift.stderr)")
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        try await expectNotSplit(f, allowed: ["1"])
    }

    func waitFor(_ condition: ([[String: Any]]) -> Bool) async throws {
        for _ in 0..<600 {
            if condition(try await twin.requests()) { return }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        throw TwinError("the deploy never reached the phase")
    }
}
