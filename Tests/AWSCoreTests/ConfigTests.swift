import LambdaShiftCore
import AWSCore
import Foundation
import TestSupport
import Testing

@Suite("Region, endpoints and the credential chain from the environment")
struct ConfigTests {
    @Test("region: flag, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile")
    func regionOrder() throws {
        let env = Environment(["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"])
        #expect(try RegionResolver.resolve(explicit: "ap-south-1", environment: env) == "ap-south-1")
        #expect(try RegionResolver.resolve(environment: env) == "eu-west-1")
        #expect(
            try RegionResolver.resolve(
                environment: Environment(["AWS_DEFAULT_REGION": "us-west-2"]), profileRegion: "eu-north-1")
                == "us-west-2")
        #expect(try RegionResolver.resolve(environment: Environment([:]), profileRegion: "eu-north-1") == "eu-north-1")
        do {
            _ = try RegionResolver.resolve(environment: Environment([:]))
            Issue.record("expected no-region")
        } catch let error as AWSClientError {
            #expect(error.code == .noRegion && error.isConfiguration)
            #expect(
                error.message
                    == "No AWS region is set: pass --region, set AWS_REGION, or give your AWS profile a region.")
        }
        #expect(throws: AWSClientError.self) {
            try RegionResolver.resolve(explicit: "us-east-1/evil", environment: env)
        }
        #expect(
            RegionResolver.isValid("us-gov-west-1") && RegionResolver.isValid("cn-north-1")
                && !RegionResolver.isValid("useast1"))
    }

    @Test("endpoints: partitions, per-service and global overrides")
    func endpoints() throws {
        #expect(
            EndpointResolver(region: "eu-west-1").endpoint(for: .lambda).description
                == "https://lambda.eu-west-1.amazonaws.com")
        #expect(
            EndpointResolver(region: "cn-north-1").endpoint(for: .s3).description
                == "https://s3.cn-north-1.amazonaws.com.cn")
        #expect(
            EndpointResolver(region: "us-gov-west-1").endpoint(for: .cloudWatch).description
                == "https://monitoring.us-gov-west-1.amazonaws.com")
        let env = Environment([
            "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_S3": "http://localhost:9000/",
        ])
        let resolver = try EndpointResolver(region: "us-east-1", environment: env)
        #expect(resolver.endpoint(for: .s3).description == "http://localhost:9000")
        #expect(resolver.endpoint(for: .lambda).description == "http://127.0.0.1:4566")
        #expect(resolver.isOverridden(.sts))
        let ignored = try EndpointResolver(
            region: "us-east-1",
            environment: Environment(["AWS_ENDPOINT_URL": "http://x:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]))
        #expect(!ignored.isOverridden(.lambda))
        #expect(throws: AWSClientError.self) {
            try EndpointResolver(
                region: "us-east-1", environment: Environment(["AWS_ENDPOINT_URL_LAMBDA": "ftp://nope"]))
        }
        #expect(throws: AWSClientError.self) {
            try EndpointResolver(
                region: "us-east-1", environment: Environment(["AWS_ENDPOINT_URL": "http://h/with/path"]))
        }
    }

    @Test("environment keys: both or neither")
    func environmentProvider() async throws {
        let full = try await EnvironmentCredentialProvider(
            environment: Environment([
                "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": "T",
            ])
        ).resolve()
        #expect(full?.accessKeyId == "AKID" && full?.sessionToken == "T")
        #expect(try await EnvironmentCredentialProvider(environment: Environment([:])).resolve() == nil)
        await #expect(throws: AWSClientError.self) {
            try await EnvironmentCredentialProvider(environment: Environment(["AWS_ACCESS_KEY_ID": "AKID"])).resolve()
        }
    }

    func withFiles(config: String, credentials: String = "", _ body: (Environment) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ls-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try config.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try credentials.write(to: dir.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        try await body(
            Environment([
                "AWS_CONFIG_FILE": dir.appendingPathComponent("config").path,
                "AWS_SHARED_CREDENTIALS_FILE": dir.appendingPathComponent("credentials").path,
                "AWS_EC2_METADATA_DISABLED": "true",
            ]))
    }

    @Test("shared files: profiles merge, credentials file wins, comments and sub-settings skipped")
    func sharedFiles() async throws {
        try await withFiles(
            config: """
                [default]
                region = eu-central-1 # inline comment
                [profile ci]
                aws_access_key_id = FROMCONFIG
                aws_secret_access_key = secret-config
                s3 =
                  max_concurrent_requests = 20
                [sso-session corp]
                sso_region = us-east-1
                """,
            credentials: """
                ; comment
                [ci]
                aws_access_key_id = FROMCREDENTIALS
                """
        ) { env in
            let files = SharedConfigFiles.load(environment: env)
            #expect(files.profiles["default"]?["region"] == "eu-central-1")
            #expect(files.profiles["ci"]?["aws_access_key_id"] == "FROMCREDENTIALS")
            #expect(files.profiles["ci"]?["aws_secret_access_key"] == "secret-config")
            #expect(files.profiles["ci"]?["max_concurrent_requests"] == nil)
            #expect(files.profiles["corp"] == nil)
            let client = try AWSSetup(environment: env, transport: ScriptedTransport([])).makeClient()
            #expect(client.region == "eu-central-1")
        }
    }

    @Test("profile errors: a missing chosen profile, a source_profile loop, credential_process")
    func profileErrors() async throws {
        try await withFiles(
            config: """
                [profile a]
                role_arn = arn:aws:iam::123456789012:role/a
                source_profile = b
                [profile b]
                role_arn = arn:aws:iam::123456789012:role/b
                source_profile = a
                [profile proc]
                credential_process = /bin/echo
                """
        ) { env in
            let client = testClient(ScriptedTransport([]))
            let files = SharedConfigFiles.load(environment: env)
            #expect(
                await Self.profileError("missing", files, env, client)?.contains(
                    "AWS_PROFILE is \"missing\" but no such profile") == true)
            #expect(await Self.profileError("a", files, env, client)?.contains("form a loop") == true)
            #expect(await Self.profileError("proc", files, env, client)?.contains("credential_process") == true)
            let absentDefault = try await ProfileCredentialProvider(
                profileName: "default", explicitlyChosen: false, files: files, environment: env, client: client
            ).resolve()
            #expect(absentDefault == nil)
        }
    }

    static func profileError(_ profile: String, _ files: SharedConfigFiles, _ env: Environment, _ client: AWSClient)
        async -> String?
    {
        do {
            _ = try await ProfileCredentialProvider(
                profileName: profile, explicitlyChosen: true, files: files, environment: env, client: client
            ).resolve()
            return nil
        } catch let error as AWSClientError {
            #expect(error.isConfiguration)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("no source of credentials gives one sentence and a configuration error")
    func noCredentials() async throws {
        try await withFiles(config: "") { env in
            var env = env
            env.variables["AWS_REGION"] = "us-east-1"
            let transport = ScriptedTransport([])
            let client = try AWSSetup(environment: env, transport: transport).makeClient()
            do {
                _ = try await client.credentialSource.credentials()
                Issue.record("expected no credentials")
            } catch let error as AWSClientError {
                #expect(error.code == .noCredentials && error.isConfiguration)
                #expect(error.message.hasPrefix("No AWS credentials were found: "))
            }
            #expect(transport.sent.isEmpty)
        }
    }

    /// A provider whose every answer is new and expires after `lifetime` seconds.
    struct CountingProvider: CredentialProvider {
        let clock: ManualClock
        let lifetime: TimeInterval
        let calls = Counter()
        var name: String { "counting" }
        func resolve() async throws -> AWSCredentials? {
            let n = calls.next()
            return AWSCredentials(
                accessKeyId: "AKID\(n)", secretAccessKey: "s", expiration: clock.now().addingTimeInterval(lifetime))
        }
    }

    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func next() -> Int { value.add(1, ordering: .relaxed).newValue }
        var count: Int { value.load(ordering: .relaxed) }
    }

    @Test("temporary credentials are reused, then refreshed five minutes before they expire")
    func cacheRefresh() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let provider = CountingProvider(clock: clock, lifetime: 3600)
        let cache = CredentialCache(provider: provider, clock: clock)
        #expect(try await cache.credentials().accessKeyId == "AKID1")
        clock.advance(3000)
        #expect(try await cache.credentials().accessKeyId == "AKID1")
        clock.advance(301)  // 299 s left: inside the five-minute margin
        #expect(try await cache.credentials().accessKeyId == "AKID2")
        #expect(provider.calls.count == 2)
    }
}

import Synchronization
