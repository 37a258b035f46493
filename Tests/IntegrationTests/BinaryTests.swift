import AWSCore
import Config
import Foundation
import Testing

extension TwinSuite {
    /// The lambda-shift binary against the twin. Every request it makes has its SigV4 signature
    /// recomputed by the twin with botocore; these tests check the twin's log of them.
    @Suite("lambda-shift binary against the AWS twin")
    struct BinaryTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        func run(_ arguments: [String], _ extra: [String: String] = [:]) throws -> Shell.Result {
            try Shell.lambdaShift(arguments, environment: twin.environment(extra).variables)
        }

        /// Asserts that the twin saw requests and verified every one's signature.
        func expectAllVerified(_ requests: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!requests.isEmpty, sourceLocation: sourceLocation)
            for request in requests where request["signed"] as? Bool == true {
                #expect(
                    request["signatureVerified"] as? Bool == true, "unverified: \(request)",
                    sourceLocation: sourceLocation)
            }
        }

        @Test("--version and --help answer without AWS")
        func versionAndHelp() throws {
            let version = try Shell.lambdaShift(["--version"], environment: [:])
            #expect(version.status == 0)
            #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
            let help = try Shell.lambdaShift(["--help"], environment: [:])
            #expect(help.status == 0)
            #expect(help.stdout.contains("status") && help.stdout.contains("doctor"))
            let bad = try Shell.lambdaShift(["status", "--no-such-flag"], environment: [:])
            #expect(bad.status == 2)
        }

        @Test("each command's --help offers exactly the settings the table scopes to it, with the table's text")
        func helpFromTable() throws {
            let commandOptions: Set = [
                "--output", "--dry-run", "--force", "--to-version", "--repository", "--account-id", "--format", "--out",
                "--help", "--version", "--include-hidden", "--artifacts", "--ci",
            ]
            for command in SettingCommand.allCases {
                let help = try Shell.lambdaShift([command.rawValue, "--help"], environment: [:])
                #expect(help.status == 0, "\(help.all)")
                // Help lines are wrapped: compare with every run of spaces and newlines as one space.
                let text = help.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
                let offered = Set(
                    help.stdout.split(separator: "\n").compactMap { line -> String? in
                        // An option's own line: two spaces, then the flag (wrapped help is indented further).
                        guard line.hasPrefix("  --") else { return nil }
                        let trimmed = line.dropFirst(2)
                        return String(trimmed.prefix { $0 != " " && $0 != "," && $0 != "=" })
                    })
                let scoped = SettingsTable.settings(of: command)
                for flag in offered where !commandOptions.contains(flag) {
                    #expect(
                        scoped.contains { $0.flag == flag },
                        "\(command.rawValue) --help offers \(flag), no setting of it")
                }
                for spec in scoped where offered.contains(spec.flag) && command != .iamPolicy {
                    let words = spec.help(for: command).split(separator: " ").prefix(6).joined(separator: " ")
                    #expect(text.contains(words), "\(command.rawValue) --help: \(spec.flag) lacks \"\(words)\"")
                }
                if [.deploy, .plan].contains(command) {
                    for spec in scoped {
                        #expect(offered.contains(spec.flag), "\(command.rawValue) --help lacks \(spec.flag)")
                    }
                }
            }
        }

        @Test(
            "the binary links FoundationEssentials only (no Foundation, no ICU, no libyaml at run time) and loads libcurl and libcrypto only when used"
        )
        func footprint() throws {
            let dynamic = try Shell.run(["readelf", "--dynamic", Shell.lambdaShift])
            #expect(dynamic.status == 0, "\(dynamic.stderr)")
            let needed = dynamic.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }
                .compactMap { line in line.split(separator: "[").last?.split(separator: "]").first.map(String.init) }
            #expect(needed.contains("libFoundationEssentials.so"), "\(needed)")
            // libcurl and libcrypto are opened at first use; --version maps neither (the loader says
            // which libraries it loads under LD_DEBUG=files).
            #expect(!needed.contains { $0.hasPrefix("libcurl.so") || $0.hasPrefix("libcrypto.so") }, "\(needed)")
            let loaded = try Shell.run([Shell.lambdaShift, "--version"], environment: ["LD_DEBUG": "files"])
            #expect(loaded.status == 0 && loaded.stdout == "0.1.0\n")
            #expect(loaded.stderr.contains("file=libz.so"), "LD_DEBUG=files said nothing: \(loaded.stderr.prefix(300))")
            #expect(!loaded.stderr.contains("file=libcurl.so") && !loaded.stderr.contains("file=libcrypto.so"))
            for banned in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
                #expect(!needed.contains(banned), "\(banned) is linked: some module imports Foundation")
            }
            #expect(!needed.contains { $0.hasPrefix("libyaml") }, "libyaml should be linked statically")
        }

        @Test(
            "a machine without libcurl or libcrypto: one sentence naming the package to install, exit 2; --version still answers"
        )
        func missingLibraries() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("libs-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            // An unloadable file first on the loader's path stands in for a missing library.
            for (library, sentence) in [
                (
                    "libcurl.so.4",
                    "libcurl could not be loaded (\(directory.path)/libcurl.so.4: file too short): install libcurl 4 (Debian and Ubuntu: apt-get install libcurl4)."
                ),
                (
                    "libcrypto.so.3",
                    "OpenSSL's libcrypto 3 could not be loaded (\(directory.path)/libcrypto.so.3: file too short): install it (Debian and Ubuntu: apt-get install libssl3)."
                ),
            ] {
                let path = directory.appendingPathComponent(library).path
                #expect(FileManager.default.createFile(atPath: path, contents: Data()))
                defer { try? FileManager.default.removeItem(atPath: path) }
                let extra = ["LD_LIBRARY_PATH": directory.path]
                let result = try run(["status", "--function", "f"], extra)
                #expect(result.status == 2, "\(library): \(result.all)")
                #expect(result.stderr.contains(sentence), "\(library): \(result.stderr)")
                let version = try Shell.lambdaShift(["--version"], environment: extra)
                #expect(version.status == 0 && version.stdout == "0.1.0\n")
            }
        }

        @Test(
            "status reads identity, function and alias through STS and Lambda, every signature verified, nothing changed"
        )
        func status() async throws {
            let name = uniqueName("status-fn")
            try await twin.seedFunction(name)
            try await twin.clearRequests()
            let result = try run(["status", "--function", name, "--output", "json"])
            #expect(result.status == 0, "\(result.all)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let caller = try #require(report["caller"] as? [String: Any])
            #expect(caller["account"] as? String == "123456789012")
            let function = try #require(report["function"] as? [String: Any])
            #expect(function["name"] as? String == name)
            let alias = try #require(report["alias"] as? [String: Any])
            #expect(alias["version"] as? String == "1")
            #expect((alias["revision-id"] as? String)?.isEmpty == false)
            #expect((function["code-sha256"] as? String)?.count == 44)

            let requests = try await twin.requests()
            expectAllVerified(requests)
            let operations = requests.compactMap { $0["operation"] as? String }
            #expect(operations.contains("GetCallerIdentity"))
            #expect(operations.contains("GetFunction"))
            #expect(operations.contains("GetAlias"))
            #expect(requests.allSatisfy { $0["mutating"] as? Bool == false })
            #expect(Set(requests.compactMap { $0["accessKeyId"] as? String }) == [Twin.accessKeyId])
        }

        @Test("doctor reaches S3 and CloudWatch as well; an alarm in ALARM is a FAIL, as a deploy would refuse it")
        func doctor() async throws {
            let name = uniqueName("doctor-fn")
            let bucket = uniqueName("doctor-bucket")
            let alarm = uniqueName("doctor-errors")
            try await twin.seedFunction(name)
            let seeder = Seeder(client: try twin.client())
            try await seeder.createBucket(bucket)
            try await seeder.createAlarm(alarm, state: "ALARM")
            try await twin.clearRequests()
            let result = try run(["doctor", "--function", name, "--bucket", bucket, "--alarm", alarm])
            #expect(result.status == 1, "\(result.all)")
            #expect(result.stdout.contains("ok   bucket: \(bucket) readable"))
            #expect(
                result.stdout.contains("FAIL alarms: \(alarm) in ALARM: a deploy would refuse to start"),
                "\(result.stdout)")
            let requests = try await twin.requests()
            expectAllVerified(requests)
            #expect(
                Set(requests.compactMap { $0["service"] as? String }).isSuperset(of: [
                    "sts", "lambda", "s3", "monitoring",
                ]))
            #expect(requests.allSatisfy { $0["mutating"] as? Bool == false })

            let missing = try run([
                "doctor", "--function", name, "--bucket", uniqueName("absent"), "--alarm", "no-such-alarm",
            ])
            #expect(missing.status == 1)
            #expect(missing.stdout.contains("FAIL bucket"))
            #expect(missing.stdout.contains("FAIL alarms: No alarm named no-such-alarm: check --alarm."))
        }

        @Test("no credentials, no region, an unreachable endpoint: one sentence, exit 2, no request")
        func configurationErrors() async throws {
            try await twin.clearRequests()
            let noCredentials = try run(
                ["status", "--function", "f"], ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""])
            #expect(noCredentials.status == 2)
            #expect(noCredentials.stderr.hasPrefix("error: No AWS credentials were found: "))
            #expect(noCredentials.stderr.split(separator: "\n").count == 1)

            let noRegion = try run(["status", "--function", "f"], ["AWS_REGION": ""])
            #expect(noRegion.status == 2)
            #expect(
                noRegion.stderr
                    == "error: No AWS region is set: pass --region, set AWS_REGION, or give your AWS profile a region.\n"
            )
            #expect(try await twin.requests().isEmpty)

            let unreachable = try run(
                ["status", "--function", "f"], ["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_MAX_ATTEMPTS": "2"])
            #expect(unreachable.status == 2)
            #expect(unreachable.stderr.contains("Cannot connect to STS at http://127.0.0.1:1 after 2 attempts"))
        }

        @Test("web identity token files: expired, unreadable and empty tokens are exit 2 with a clear sentence")
        func webIdentityTokenErrors() async throws {
            let role = [
                "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/deploy",
            ]
            let expired = try run(
                ["status", "--function", "f"],
                role.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": try temporaryFile(webIdentityToken(expiresIn: -600))]) {
                    $1
                })
            #expect(expired.status == 2)
            #expect(expired.stderr.contains("STS refused the web identity token as expired"))
            let unreadable = try run(
                ["status", "--function", "f"],
                role.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token"]) { $1 })
            #expect(unreadable.status == 2)
            #expect(unreadable.stderr.contains("Cannot read the web identity token file /nonexistent/token"))
            let empty = try run(
                ["status", "--function", "f"],
                role.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": try temporaryFile("\n")]) { $1 })
            #expect(empty.status == 2)
            #expect(empty.stderr.contains("is empty"))
        }

        @Test("throttling and 5xx from Lambda are retried until the call succeeds")
        func retriesUnderFaults() async throws {
            let name = uniqueName("retry-fn")
            try await twin.seedFunction(name)
            try await twin.clearRequests()
            try await twin.setFaults([
                ["service": "lambda", "operation": "GetFunction", "kind": "throttle", "count": 2],
                ["service": "lambda", "operation": "GetAlias", "kind": "server-error", "count": 1],
                ["service": "sts", "operation": "GetCallerIdentity", "kind": "reset", "count": 1],
            ])
            let result = try run(["status", "--function", name])
            try await twin.setFaults([])
            #expect(result.status == 0, "\(result.all)")
            let requests = try await twin.requests()
            expectAllVerified(requests)
            let getFunction = requests.filter { $0["operation"] as? String == "GetFunction" }
            #expect(getFunction.count == 3)
            #expect(getFunction.compactMap { $0["fault"] as? String } == ["throttle", "throttle"])
            #expect(requests.filter { $0["operation"] as? String == "GetCallerIdentity" }.count == 2)
        }

        @Test("a call throttled past AWS_MAX_ATTEMPTS is given up with a clear error and exit 1")
        func givesUp() async throws {
            let name = uniqueName("giveup-fn")
            try await twin.seedFunction(name)
            try await twin.setFaults([
                ["service": "lambda", "operation": "GetFunction", "kind": "throttle", "count": 10]
            ])
            let result = try run(["status", "--function", name], ["AWS_MAX_ATTEMPTS": "3"])
            try await twin.setFaults([])
            #expect(result.status == 1)
            #expect(result.stderr.contains("Lambda GetFunction was refused: TooManyRequestsException"))
            #expect(result.stderr.contains("gave up after 3 attempts"))
        }

        @Test("secrets from the environment never appear in output, even when AWS refuses the signature")
        func noSecretsInOutput() async throws {
            let token = "SESSIONTOKEN-\(UUID().uuidString)"
            let secret = "WRONGSECRET-\(UUID().uuidString)"
            let result = try run(
                ["status", "--function", "f"], ["AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token])
            #expect(result.status == 1)
            #expect(!result.all.contains(secret))
            #expect(!result.all.contains(token))
            #expect(result.stderr.contains("STS GetCallerIdentity was refused"))
        }
    }
}
