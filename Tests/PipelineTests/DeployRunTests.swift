import AWSCore
import AWSServices
import Fakes
import Foundation
import LambdaShiftCore
import Pipeline
import Rollout
import Synchronization
import TestSupport
import Testing

/// Several functions as one deploy, in-process: one fake Lambda and CloudWatch per target, one
/// store, injected sleepers. The twin tests prove the same on the wire, across regions.
@Suite("Several targets as one deploy")
struct DeployRunTests {
    struct World {
        let store = FakeStore()
        let registry = FakeRegistry()
        let names: [String]
        let lambdas: [String: FakeLambda]
        let metrics: [String: FakeMetrics]
        let events = RecordedEvents()
        let source: String

        init(_ names: [String], withoutAlias: Set<String> = []) throws {
            self.names = names
            var lambdas: [String: FakeLambda] = [:], metrics: [String: FakeMetrics] = [:]
            for name in names {
                lambdas[name] = FakeLambda(name: name, code: Data("seeded".utf8).base64EncodedString(), store: store)
                if !withoutAlias.contains(name) { lambdas[name]?.seedAlias() }
                let gauges = FakeMetrics()
                gauges.alarms.withLock { $0["errors"] = "OK" }
                metrics[name] = gauges
            }
            self.lambdas = lambdas
            self.metrics = metrics
            source = FileManager.default.temporaryDirectory.appendingPathComponent("multi-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            try Data("def handler(e, c):\n    return 'new'\n".utf8).write(
                to: URL(fileURLWithPath: source + "/index.py"))
        }

        func targets(_ tweak: (inout SettingFlags) -> Void = { _ in }) throws -> DeployTargets {
            var settings = SettingFlags()
            settings.values["function"] = names
            settings["bucket"] = "artifacts"
            settings["source"] = source
            settings["branch"] = "main"
            settings["strategy"] = "canary:10%:30s"
            settings.values["alarm"] = ["errors"]
            tweak(&settings)
            return try #require(
                try settings.resolveTargets(
                    Environment([
                        "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/app", "GITHUB_SHA": "0123456789abcdef",
                    ]
                    )))
        }

        func run(_ targets: DeployTargets, sleepers: [String: any Sleeper] = [:]) async -> (
            DeployResult, [TargetResult]
        ) {
            let deps = targets.plans.map { plan in
                DeployDependencies(
                    identity: FakeIdentity(), functions: lambdas[plan.function]!, store: store,
                    metrics: metrics[plan.function]!, images: registry,
                    signer: FakeSigner(store: store, lambdas: Array(lambdas.values)), region: "us-east-1",
                    credentials: { nil },
                    clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
                    bakeSleeper: sleepers[plan.function] ?? RecordingSleeper(),
                    pollSleeper: RecordingSleeper(), environment: Environment([:]))
            }
            return await DeployRun(targets: targets, deps: deps, events: events).run()
        }

        func version(_ name: String) -> String? { lambdas[name]?.alias()?.functionVersion }
    }

    @Test(
        "two functions deploy together: one package, one upload, both published before either moves, both on the new version"
    )
    func together() async throws {
        let world = try World(["api", "worker"])
        let (result, rows) = await world.run(try world.targets())
        #expect(result.exitCode == 0 && result.outcome.word == "deployed", "\(result)")
        #expect(rows.map(\.outcome.word) == ["deployed", "deployed"])
        #expect(rows.map(\.version) == ["2", "2"] && rows.map(\.previousVersion) == ["1", "1"])
        #expect(world.version("api") == "2" && world.version("worker") == "2")
        // Packaged once, uploaded once to the bucket both share (under the first one's key); each
        // target's publish precedes every alias update of any target.
        #expect(world.events.lines.filter { $0.contains("package: ") }.count == 1, "\(world.events.lines)")
        #expect(world.store.uploads.withLock { $0 } == 1)
        let lines = world.events.lines
        let lastPublish = try #require(lines.lastIndex { $0.contains("published version 2") })
        let firstShift = try #require(lines.firstIndex { $0.contains("shifted 10% to version 2") })
        #expect(lastPublish < firstShift, "\(lines)")
    }

    @Test("a failing smoke test on the second leaves both on their old versions: exit 3, nothing shifted")
    func smokeFailure() async throws {
        let world = try World(["api", "worker"])
        world.lambdas["worker"]?.state.withLock { $0.failingInvokes = ["2"] }
        let (result, rows) = await world.run(try world.targets { $0["smoke-payload"] = "{}" })
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.reason?.contains("worker: The smoke test of version 2 failed") == true, "\(result)")
        #expect(result.reason?.contains("No other alias had moved") == true)
        #expect(rows.map(\.outcome.word) == ["not-moved", "rolled-back"])
        #expect(world.version("api") == "1" && world.version("worker") == "1")
        #expect(world.lambdas["api"]?.aliasUpdates.isEmpty == true)
        #expect(world.lambdas["worker"]?.aliasUpdates.allSatisfy { $0.version == "1" && $0.weights.isEmpty } == true)
    }

    @Test("waves: a gate failing in the first wave stops the run there; the later waves' aliases never change")
    func firstWaveFails() async throws {
        let world = try World(["a", "b", "c"])
        world.metrics["a"]?.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        let targets = try world.targets { $0["waves"] = "1,100%" }
        #expect(targets.waves == [[0], [1, 2]])
        let (result, rows) = await world.run(targets)
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(rows.map(\.outcome.word) == ["rolled-back", "not-moved", "not-moved"])
        #expect(world.lambdas["b"]?.aliasUpdates.isEmpty == true && world.lambdas["c"]?.aliasUpdates.isEmpty == true)
        #expect(world.version("a") == "1" && world.version("b") == "1" && world.version("c") == "1")
    }

    @Test("a gate failing in the second wave restores the first wave's target, already on the new version")
    func laterWaveFails() async throws {
        let world = try World(["a", "b", "c"])
        world.metrics["c"]?.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        let (result, rows) = await world.run(
            try world.targets {
                $0["waves"] = "1"; $0["parallel"] = "1"
            })
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(
            result.reason?.contains(
                "Every other alias this run moved was restored: a (us-east-1) to version 1, b (us-east-1) to version 1."
            ) == true, "\(result)")
        #expect(rows.first?.outcome.word == "rolled-back" && rows.last?.outcome.word == "rolled-back", "\(rows)")
        #expect(world.version("a") == "1" && world.version("b") == "1" && world.version("c") == "1")
        #expect(world.lambdas["a"]?.aliasUpdates.map(\.version).last == "1")
        #expect(rows.first?.detail == "restored to version 1: another target of this run failed", "\(rows)")
    }

    @Test("an alias a first deploy created in an earlier wave is deleted when a later wave fails")
    func createdAliasDeleted() async throws {
        let world = try World(["a", "b"], withoutAlias: ["a"])
        world.metrics["b"]?.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        let (result, rows) = await world.run(try world.targets { $0["waves"] = "1" })
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(world.lambdas["a"]?.alias() == nil, "the alias this run created is gone")
        #expect(world.lambdas["a"]?.mutations.contains("DeleteAlias") == true)
        #expect(rows.map(\.outcome.word) == ["rolled-back", "rolled-back"], "\(rows)")
        #expect(world.events.lines.contains("a: alias live deleted (this run created it)"), "\(world.events.lines)")
    }

    @Test("a restore that fails makes exit 5, naming the target whose alias may be left moved")
    func restoreFails() async throws {
        let world = try World(["a", "b"])
        world.metrics["b"]?.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        // a's weight and flip go through; the restore, its third update, does not.
        world.lambdas["a"]?.state.withLock { $0.failAliasUpdatesAfter = 2 }
        let (result, rows) = await world.run(try world.targets { $0["waves"] = "1" })
        #expect(result.exitCode == ExitStatus.rollbackFailed, "\(result)")
        #expect(result.reason?.hasPrefix("ROLLBACK FAILED for a: ") == true, "\(result)")
        #expect(result.outcome.word == "failed")
        #expect(rows.first?.outcome.word == "failed" && world.version("a") == "2", "\(rows)")
        #expect(world.version("b") == "1")
    }

    @Test("--keep-versions waits for the whole run: a later wave's failure can still restore the version it kept")
    func pruningWaits() async throws {
        let world = try World(["a", "b"])
        world.metrics["b"]?.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        let (failed, _) = await world.run(
            try world.targets {
                $0["waves"] = "1"; $0["keep-versions"] = "1"
            })
        #expect(failed.exitCode == ExitStatus.gateFailed, "\(failed)")
        #expect(world.version("a") == "1" && !world.lambdas["a"]!.mutations.contains { $0.hasPrefix("DeleteFunction") })
        let world2 = try World(["a", "b"])
        let (deployed, _) = await world2.run(
            try world2.targets {
                $0["waves"] = "1"; $0["keep-versions"] = "1"
            })
        #expect(deployed.exitCode == 0, "\(deployed)")
        #expect(world2.lambdas["a"]!.mutations.contains { $0.hasPrefix("DeleteFunction") }, "pruned once all succeeded")
    }

    @Test(
        "targets come from repeated --function, the function input's lines, or the file's targets: with their own region and bucket"
    )
    func resolution() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("targets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent(".lambda-shift.yml").path
        try """
        bucket: artifacts
        targets:
          - {function: api, region: us-east-1, bucket: artifacts-us}
          - {function: api, region: eu-west-1, bucket: artifacts-eu, alias: prod}
        waves: 1
        parallel: 2
        """.write(toFile: config, atomically: true, encoding: .utf8)
        var settings = SettingFlags()
        settings["config"] = config
        settings["source"] = directory.path
        settings["branch"] = "main"
        let environment = Environment(["GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/app"])
        let fromFile = try #require(try settings.resolveTargets(environment))
        #expect(fromFile.plans.map(\.function) == ["api", "api"])
        #expect(fromFile.plans.map(\.region) == ["us-east-1", "eu-west-1"])
        #expect(fromFile.plans.map(\.bucket) == ["artifacts-us", "artifacts-eu"])
        #expect(fromFile.plans.map(\.alias) == ["live", "prod"])
        #expect(fromFile.waves == [[0], [1]] && fromFile.parallel == 2)
        // The action's input: one function per line.
        var lines = SettingFlags()
        lines["bucket"] = "artifacts"
        lines["source"] = directory.path
        lines["branch"] = "main"
        let fromInput = try #require(
            try lines.resolveTargets(
                Environment(["LAMBDA_SHIFT_FUNCTION": "api\n worker \n\n", "GITHUB_ACTIONS": "true"])))
        #expect(fromInput.plans.map(\.function) == ["api", "worker"])
        // The same function twice in one region is refused before AWS is touched.
        var twice = lines
        twice.values["function"] = ["api", "api"]
        #expect { try twice.resolveTargets(Environment(["GITHUB_ACTIONS": "true"])) } throws: {
            ($0 as? any LambdaShiftError)?.sentence == "api is a target twice: list each function once per region."
        }
    }

    @Test(
        "a settings file's targets may mix functions and web functions: each web target gets its endpoint, not the file's function or alias"
    )
    func mixedTargets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent(".lambda-shift.yml").path
        try """
        bucket: artifacts
        alias: prod
        targets:
          - {function: api}
          - {web-function: site, endpoint: public}
          - {web-function: api}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        var settings = SettingFlags()
        settings["config"] = config
        settings["source"] = directory.path
        settings["branch"] = "main"
        let targets = try #require(try settings.resolveTargets(Environment(["GITHUB_ACTIONS": "true"])))
        #expect(targets.plans.map(\.function) == ["api", "site", "api"])
        #expect(targets.plans.map { $0.web?.function } == [nil, "site", "api"])
        #expect(targets.plans.map { $0.web?.endpoint } == [nil, "public", nil])
        #expect(targets.plans[0].alias == "prod" && targets.plans[1].alias == "public")
        // Twice the same web function is refused as a function twice is.
        try """
        bucket: artifacts
        targets: [{web-function: site}, {web-function: site, endpoint: beta}]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect { try settings.resolveTargets(Environment(["GITHUB_ACTIONS": "true"])) } throws: {
            ($0 as? any LambdaShiftError)?.sentence == "site is a target twice: list each function once per region."
        }
    }

    @Test("a signal (cancellation) during the second wave restores every alias the run moved: exit 4")
    func cancelled() async throws {
        let world = try World(["a", "b"])
        let (result, rows) = await world.run(
            try world.targets { $0["waves"] = "1" }, sleepers: ["b": CancelOnSleep()])
        #expect(result.exitCode == ExitStatus.cancelled, "\(result)")
        #expect(result.outcome.word == "cancelled")
        #expect(rows.map(\.outcome.word) == ["rolled-back", "cancelled"], "\(rows)")
        #expect(world.version("a") == "1" && world.version("b") == "1")
        #expect(world.lambdas["b"]?.alias()?.additionalVersionWeights.isEmpty == true)
    }

    @Test(
        "two targets shifting at once: the one failing its gate is the cause (exit 3), the other is stopped mid-bake and restored"
    )
    func siblingStopped() async throws {
        let world = try World(["a", "b"])
        world.metrics["b"]?.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        let (result, rows) = await world.run(try world.targets(), sleepers: ["a": SleepsUntilCancelled()])
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.reason?.hasPrefix("b: A health gate failed (alarms: in ALARM: errors") == true, "\(result)")
        #expect(rows.map(\.outcome.word) == ["rolled-back", "rolled-back"], "\(rows)")
        #expect(
            rows.first?.detail.hasPrefix("stopped because b failed: Cancelled: alias live was restored to version 1")
                == true)
        #expect(world.version("a") == "1" && world.version("b") == "1")
        #expect(world.lambdas["a"]?.alias()?.additionalVersionWeights.isEmpty == true)
    }

    @Test("--waves: cumulative counts or percentages, rounded up; empty waves dropped; the rest in a last wave")
    func waves() throws {
        #expect(try DeployTargets.waves("1,25%,100%", count: 8, origin: "--waves") == [[0], [1], [2, 3, 4, 5, 6, 7]])
        #expect(try DeployTargets.waves("1,25%,100%", count: 3, origin: "--waves") == [[0], [1, 2]])
        #expect(try DeployTargets.waves("2", count: 5, origin: "--waves") == [[0, 1], [2, 3, 4]])
        #expect(try DeployTargets.waves(nil, count: 3, origin: "--waves") == [[0, 1, 2]])
        for bad in ["0", "50%,1", "abc", "1,,2", "120%"] {
            #expect(throws: (any Error).self, "\(bad)") { try DeployTargets.waves(bad, count: 4, origin: "--waves") }
        }
    }
}

/// A bake that lasts until its task is cancelled (a real sleep, cut short by cancellation).
final class SleepsUntilCancelled: Sleeper {
    func sleep(seconds: Double) async throws { try await Task.sleep(nanoseconds: 60_000_000_000) }
}

extension DeployRunTests {
    @Test("finding 5: every target a fleet run restores records the aborted release as rolled back, never good")
    func restoredTargetsRecordTheRelease() async throws {
        let world = try World(["a", "b"])
        world.metrics["b"]?.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        let (result, _) = await world.run(try world.targets { $0["waves"] = "1,100%" })
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(world.version("a") == "1" && world.version("b") == "1")
        let a = DeployHistory(description: world.lambdas["a"]?.alias()?.description ?? "")
        #expect(!a.good.contains("2") && a.rolledBack == ["2"], "\(a.described)")
        #expect(a.lastGood(excluding: "1") != "2")
        let b = DeployHistory(description: world.lambdas["b"]?.alias()?.description ?? "")
        #expect(b.failed == ["2"], "\(b.described)")
    }
}
