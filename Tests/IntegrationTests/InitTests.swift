@testable import Config
import Foundation
import Testing

/// Issue 39: `lambda-shift init` against the twin: a function, an alarm on it and a bucket seeded;
/// init writes the settings file and each CI's file, which the loader (through `plan`), actionlint,
/// zizmor (as a user runs it, no configuration: no finding) and GitLab's schema accept; the plan
/// of the first deploy from the written settings passes with the alarm found as its gate; a second
/// run without --force changes nothing and says so.
extension TwinSuite.DeployTests {
    func initRun(_ arguments: [String], in directory: String) throws -> Shell.Result {
        try Shell.run(
            [Shell.lambdaShift, "init"] + arguments + ["--output", "json"], environment: twin.environment().variables,
            directory: directory)
    }

    func tool(_ arguments: [String], in directory: String) throws -> Shell.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        return try Shell.run(arguments, environment: environment, directory: directory)
    }

    @Test(
        "init writes settings and a GitHub workflow, a GitLab job and a buildspec that the loader, actionlint, zizmor and GitLab's schema accept; its plan gates on the alarm found; twice changes nothing"
    )
    func initFromTheTwin() async throws {
        let f = try await fixture("ini")
        let seeder = Seeder(client: try twin.client())
        let alarm = uniqueName("ini-errors"), other = uniqueName("other-errors")
        try await seeder.createAlarm(alarm, dimensions: ["FunctionName": f.function])
        try await seeder.createAlarm(other, dimensions: ["FunctionName": "someone-else"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("init-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The user's build, where the written settings look for it.
        try FileManager.default.copyItem(atPath: f.source, toPath: directory + "/dist")
        try await twin.clearRequests()

        let first = try initRun(["--function", f.function, "--bucket", f.bucket, "--ci", "github"], in: directory)
        #expect(first.status == 0, "\(first.all)")
        let document = try self.document(first)
        #expect(document["outcome"] as? String == "ok")
        #expect(document["alarms"] as? [String] == [alarm], "\(document)")
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.map { $0["action"] as? String } == ["wrote", "wrote"], "\(files)")
        let policies = try #require(document["policies"] as? [String: [String: Any]])
        #expect(Set(policies.keys) == ["staging", "production"], "\(policies.keys)")
        #expect((policies["production"]?["Statement"] as? [Any])?.isEmpty == false)
        let trust = try #require((document["trust"] as? [String: Any])?["production"] as? [String: Any])
        #expect(trust.description.contains("environment:production"), "\(trust)")
        let plan = try #require(document["plan"] as? [String])
        #expect(plan.contains { $0.contains("would create alias") || $0.contains("alias live now") }, "\(plan)")
        // init reads: nothing it does changes AWS.
        let requests = try await twin.requests()
        expectVerified(requests)
        #expect(requests.allSatisfy { $0["mutating"] as? Bool == false })

        let settings = try String(contentsOfFile: directory + "/.lambda-shift.yml", encoding: .utf8)
        #expect(settings.contains("alarm: [\(alarm)]") && !settings.contains(other), "\(settings)")
        _ = try ConfigFile.load(path: directory + "/.lambda-shift.yml")
        for ci in ["gitlab", "codebuild"] {
            let next = try initRun(["--function", f.function, "--bucket", f.bucket, "--ci", ci], in: directory)
            #expect(next.status == 0, "\(next.all)")
        }

        // The first deploy's plan from the written settings: production, gated by the alarm found.
        let planned = try Shell.run(
            [Shell.lambdaShift, "plan", "--environment", "production", "--output", "json"],
            environment: twin.environment().variables, directory: directory)
        #expect(planned.status == 0, "\(planned.all)")
        let gates = try #require(try self.document(planned)["gates"] as? [String])
        #expect(gates.contains("alarms"), "\(gates)")

        // The CI files, in the tools a user runs.
        let workflow = ".github/workflows/deploy.yml"
        let lint = try tool(["actionlint", "-oneline", workflow], in: directory)
        #expect(lint.status == 0, "\(lint.all)")
        let audit = try tool(["zizmor", "--offline", "--no-progress", "--format", "plain", workflow], in: directory)
        #expect(audit.status == 0 && audit.all.contains("No findings to report"), "\(audit.all)")
        let schema = try tool(
            ["check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml"], in: directory)
        #expect(schema.status == 0, "\(schema.all)")
        let buildspec = try #require(
            try YAMLDocument.load(String(contentsOfFile: directory + "/buildspec.yml", encoding: .utf8))
                as? [String: Any])
        let phases = try #require(buildspec["phases"] as? [String: Any])
        let install = try #require((phases["install"] as? [String: Any])?["commands"] as? [String])
        #expect(install.contains { $0.contains("sha256sum -c") }, "\(install)")

        // Twice without --force: nothing changes, and it says so.
        let before = try String(contentsOfFile: directory + "/" + workflow, encoding: .utf8)
        let again = try initRun(["--function", f.function, "--bucket", f.bucket, "--ci", "github"], in: directory)
        #expect(again.status == 0, "\(again.all)")
        let said = try self.document(again)
        #expect(said["outcome"] as? String == "nothing-to-do", "\(said)")
        #expect((said["files"] as? [[String: Any]])?.map { $0["action"] as? String } == ["kept", "kept"])
        #expect(try String(contentsOfFile: directory + "/" + workflow, encoding: .utf8) == before)
        // Both documents as the schema says an init document is.
        let problems = try TwinSuite.OutputStreamTests.schemaProblems([first.stdout, again.stdout])
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test(
        "init with no such function writes from the flags and says so; --dry-run writes nothing; no --function is exit 2"
    )
    func initWithoutAFunction() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("init-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let missing = try initRun(["--function", "no-such-fn", "--bucket", "b", "--dry-run"], in: directory)
        #expect(missing.status == 0, "\(missing.all)")
        #expect(missing.stderr.contains("No function no-such-fn"), "\(missing.stderr)")
        let files = try #require(try document(missing)["files"] as? [[String: Any]])
        #expect(files.map { $0["action"] as? String } == ["would write", "would write"])
        #expect((files.first?["content"] as? String)?.contains("function: no-such-fn") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        #expect(try TwinSuite.OutputStreamTests.schemaProblems([missing.stdout]).isEmpty)
        let unnamed = try initRun([], in: directory)
        #expect(unnamed.status == 2 && unnamed.stderr.contains("Name the function with --function"), "\(unnamed.all)")
    }
}
