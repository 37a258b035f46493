import AWSCore
import AWSServices
import Config
import Fakes
import Foundation
@testable import LambdaShiftCLI
import LambdaShiftCore
import Pipeline
import Synchronization
import TestSupport
import Testing

/// Issue 35, part 2: every command run end to end in-process, as the binary runs it (parse,
/// resolve, run, render, exit code), over fakes handed in through `CommandContext.services`.
@Suite("Every command, in-process over fakes")
struct CommandsInProcessTests {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        var text: String { all.joined(separator: "\n") }
        var write: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
    }

    struct Ran {
        var code: Int32
        var stdout: Lines
        var stderr: Lines
        var document: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.text.utf8))) as? [String: Any]
        }
    }

    /// One function (`svc`, live on version 1), its bucket (`artifacts`) and a build to ship.
    struct World {
        let store = FakeStore()
        let lambda: FakeLambda
        let metrics = FakeMetrics()
        let registry = FakeRegistry()
        let signer: FakeSigner
        let source: String

        init() throws {
            lambda = FakeLambda(name: "svc", code: Data("seeded".utf8).base64EncodedString(), store: store)
            signer = FakeSigner(store: store, lambdas: [lambda])
            lambda.seedAlias()
            source = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            try Data("def handler(e, c):\n    return 'new'\n".utf8).write(
                to: URL(fileURLWithPath: source + "/index.py"))
        }

        func run(_ arguments: [String]) async -> Ran {
            let stdout = Lines(), stderr = Lines()
            var context = CommandContext(
                environment: Environment([
                    "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/app", "AWS_REGION": "us-east-1",
                    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "PATH": "/usr/bin:/bin",
                ]), json: CommandContext.wantsJSON(arguments), output: stdout.write, errorOutput: stderr.write)
            let (lambda, store, metrics, registry, signer) = (lambda, store, metrics, registry, signer)
            let environment = context.environment
            context.services = { region, _ in
                DeployDependencies(
                    identity: FakeIdentity(), functions: lambda, store: store, metrics: metrics, images: registry,
                    signer: signer, region: region ?? "us-east-1", credentials: { nil },
                    clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), bakeSleeper: RecordingSleeper(),
                    pollSleeper: RecordingSleeper(), environment: environment)
            }
            let code = await LambdaShiftMain.run(arguments, context: context)
            return Ran(code: code, stdout: stdout, stderr: stderr)
        }

        var ship: [String] { ["--function", "svc", "--bucket", "artifacts", "--source", source] }
    }

    @Test("package: the zip written and its digests on stdout, no AWS")
    func package() async throws {
        let world = try World()
        let out = world.source + "-package.zip"
        let ran = await world.run(["package", "--source", world.source, "--out", out])
        #expect(ran.code == 0, "\(ran.stderr.text)")
        #expect(ran.stdout.all.contains { $0.hasPrefix("sha256 ") }, "\(ran.all)")
        #expect(FileManager.default.fileExists(atPath: out))
        #expect(world.lambda.mutations.isEmpty)
    }

    @Test("plan changes nothing; deploy publishes and moves the alias; rollback restores it")
    func planDeployRollback() async throws {
        let world = try World()
        let plan = await world.run(["plan"] + world.ship + ["--environment", "staging", "--output", "json"])
        #expect(plan.code == 0 && plan.document?["command"] as? String == "plan", "\(plan.stderr.text)")
        #expect(world.lambda.mutations.isEmpty, "\(world.lambda.mutations)")

        let deploy = await world.run(["deploy"] + world.ship + ["--environment", "staging", "--strategy", "AllAtOnce"])
        #expect(deploy.code == 0, "\(deploy.stderr.text)")
        #expect(deploy.stdout.all.contains("version=2") && deploy.stdout.all.contains("outcome=deployed"))
        #expect(world.lambda.alias()?.functionVersion == "2")

        let rollback = await world.run(["rollback", "--function", "svc", "--output", "json"])
        #expect(rollback.code == 0, "\(rollback.stderr.text)")
        #expect(world.lambda.alias()?.functionVersion == "1")
        #expect(rollback.document?["command"] as? String == "rollback")
    }

    @Test("deploy --detach takes the first step; advance waits; promote ends it on the new version")
    func detachAdvancePromote() async throws {
        let world = try World()
        let gradual = ["--environment", "production", "--strategy", "canary:10%:5m"]
        let detached = await world.run(["deploy"] + world.ship + gradual + ["--detach"])
        #expect(detached.code == 0 && detached.stdout.all.contains("outcome=in-progress"), "\(detached.stderr.text)")
        #expect(world.lambda.alias()?.additionalVersionWeights == ["2": 0.1])

        let advance = await world.run(["advance", "--function", "svc"] + gradual)
        #expect(advance.code == 0 && advance.stdout.all.contains("outcome=waiting"), "\(advance.all)")

        let promote = await world.run(["promote", "--function", "svc"])
        #expect(promote.code == 0, "\(promote.stderr.text)")
        #expect(
            world.lambda.alias()?.functionVersion == "2"
                && world.lambda.alias()?.additionalVersionWeights.isEmpty == true)
    }

    @Test("status, doctor and cleanup read (and clean) over the same services")
    func statusDoctorCleanup() async throws {
        let world = try World()
        let status = await world.run(["status", "--function", "svc", "--output", "json"])
        #expect(status.code == 0, "\(status.stderr.text)")
        #expect((status.document?["alias"] as? [String: Any])?["version"] as? String == "1", "\(status.stdout.text)")

        let doctor = await world.run(["doctor", "--function", "svc", "--bucket", "artifacts"])
        #expect(
            doctor.code == 0 && doctor.stdout.all.contains { $0.hasPrefix("ok   bucket: artifacts readable") },
            "\(doctor.all)")

        let cleanup = await world.run(["cleanup", "--function", "svc", "--alias", "preview-gone"])
        #expect(cleanup.code == 0 && cleanup.stdout.text.contains("nothing to clean"), "\(cleanup.all)")
    }

    @Test("iam-policy prints the policy as a document; a bad --format is exit 2 in one sentence")
    func iamPolicy() async throws {
        let world = try World()
        let policy = await world.run([
            "iam-policy", "--function", "svc", "--bucket", "artifacts", "--account-id", "123456789012", "--output",
            "json",
        ])
        #expect(policy.code == 0, "\(policy.stderr.text)")
        #expect((policy.document?["policy"] as? [String: Any])?["Statement"] != nil, "\(policy.stdout.text)")
        let bad = await world.run(["iam-policy", "--function", "svc", "--format", "yaml"])
        #expect(bad.code == 2 && bad.stderr.text.contains("--format is \"yaml\": use json or terraform."))
    }

    @Test(
        "init --dry-run reads the function, its alias and the alarms that name it, shows the files, writes and changes nothing"
    )
    func initDryRun() async throws {
        let world = try World()
        world.metrics.alarms.withLock { $0 = ["svc-errors": "OK", "svc-live-throttles": "OK", "other-errors": "OK"] }
        world.metrics.dimensions.withLock {
            $0 = [
                "svc-errors": ["FunctionName": "svc"], "svc-live-throttles": ["Resource": "svc:live"],
                "other-errors": ["FunctionName": "other"],
            ]
        }
        let ran = await world.run([
            "init", "--function", "svc", "--bucket", "artifacts", "--ci", "gitlab", "--dry-run", "--output", "json",
        ])
        #expect(ran.code == 0, "\(ran.all)")
        let document = try #require(ran.document, "\(ran.stdout.text)")
        #expect(document["alarms"] as? [String] == ["svc-errors", "svc-live-throttles"], "\(document)")
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.map { $0["path"] as? String } == [".lambda-shift.yml", ".gitlab-ci.yml"])
        let settings = try #require(files.first?["content"] as? String)
        #expect(settings.contains("alarm: [svc-errors, svc-live-throttles]"), "\(settings)")
        #expect(settings.contains("alias: live   # found serving version 1"), "\(settings)")
        #expect(settings.contains("bucket: artifacts"))
        let job = try #require(files.last?["content"] as? String)
        #expect(job.contains("role-to-assume: arn:aws:iam::123456789012:role/svc-production-deploy"), "\(job)")
        #expect((document["policies"] as? [String: Any])?["production"] is [String: Any])
        // GitLab's OIDC provider trusts the production job's branch only.
        let trust = try #require((document["trust"] as? [String: Any])?["production"] as? [String: Any])
        #expect(
            String(describing: trust).contains("project_path:octo/app:ref_type:branch:ref:main"), "\(trust)")
        #expect(world.lambda.mutations.isEmpty, "\(world.lambda.mutations)")
        #expect(!FileManager.default.fileExists(atPath: ".gitlab-ci.yml"))
        let bad = await world.run(["init", "--function", "svc", "--ci", "jenkins"])
        #expect(bad.code == 2 && bad.stderr.text.contains("--ci is \"jenkins\": use github, gitlab or codebuild."))
    }

    @Test("a misspelled option is exit 2 with ArgumentParser's sentence and changes nothing")
    func misspelled() async throws {
        let world = try World()
        let ran = await world.run(["deploy"] + world.ship + ["--hook-timout", "5m", "--output", "json"])
        #expect(ran.code == 2, "\(ran.all)")
        #expect(
            ran.document?["error"] as? String == "Unknown option '--hook-timout'. Did you mean '--hook-timeout'?",
            "\(ran.stdout.text)")
        #expect(world.lambda.mutations.isEmpty)
    }
}

extension CommandsInProcessTests.Ran {
    var all: String { "exit \(code)\nstdout: \(stdout.text)\nstderr: \(stderr.text)" }
}
