import AWSCore
import AWSServices
import Config
import Fakes
import Foundation
import LambdaShiftCore
import Pipeline
import Ports
import Rollout
import TestSupport
import Testing

@Suite("Detached rollouts in-process: deploy --detach, then advance")
struct DetachedRolloutTests {
    typealias World = DeployPipelineTests.World

    /// One clock for every run, moved by hand between them.
    final class Runs: Sendable {
        let world: World
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        init() throws {
            world = try World()
            world.lambda.seedAlias()
            world.metrics.alarms.withLock { $0["errors"] = "OK" }
        }

        func deps() -> DeployDependencies {
            DeployDependencies(
                identity: FakeIdentity(), functions: world.lambda, store: world.store, metrics: world.metrics,
                images: world.registry, signer: world.signer, region: "us-east-1", credentials: { nil }, clock: clock,
                bakeSleeper: RecordingSleeper(), pollSleeper: RecordingSleeper(), environment: Environment([:]))
        }

        func plan(_ tweak: (inout SettingFlags) -> Void = { _ in }) throws -> DeployPlan {
            try world.plan {
                $0["strategy"] = "linear:50%:2s"
                $0.values["alarm"] = ["errors"]
                tweak(&$0)
            }
        }

        func deploy(_ tweak: (inout SettingFlags) -> Void = { _ in }) async throws -> DeployResult {
            await DeployPipeline(
                plan: try plan {
                    $0["detach"] = "true"
                    tweak(&$0)
                }, deps: deps(), events: world.events
            ).run()
        }

        func advance(_ tweak: (inout SettingFlags) -> Void = { _ in }) async throws -> DeployResult {
            await DetachedAdvance(plan: try plan(tweak), deps: deps(), events: world.events).run()
        }

        var alias: AliasConfiguration? { world.lambda.alias() }

        /// What the console or the CLI does: the alias onto `version` alone, its description (and
        /// so any rollout record in it) untouched.
        func moveByHand(to version: String) {
            let description = alias?.description ?? ""
            world.lambda.interfere(version: version)
            world.lambda.state.withLock { $0.aliases["live"]?.description = description }
        }
        var record: RolloutRecord? { DeployHistory(description: alias?.description ?? "").rollout }
    }

    @Test("detach leaves 50%; advance at once waits; after the bake it flips and ends deployed; then nothing to do")
    func happyPath() async throws {
        let runs = try Runs()
        let started = try await runs.deploy()
        #expect(started.outcome == .inProgress && started.exitCode == 0, "\(started)")
        #expect(runs.alias?.additionalVersionWeights == ["2": 0.5] && runs.alias?.functionVersion == "1")
        #expect(started.outputs.step == "1/1" && started.outputs.weight == "50", "\(started.outputs)")
        #expect(started.outputs.nextCheckAt == "2027-01-15T08:00:02Z", "\(started.outputs)")
        #expect(runs.record?.newVersion == "2" && runs.record?.gates == "a")

        let mutations = runs.world.lambda.mutations.count
        let early = try await runs.advance()
        #expect(early.outcome == .waiting && early.exitCode == 0, "\(early)")
        #expect(early.message.contains("2s left"), "\(early.message)")
        #expect(runs.world.lambda.mutations.count == mutations, "waiting changes nothing")

        runs.clock.advance(2)
        let done = try await runs.advance()
        #expect(done.outcome == .deployed, "\(done)")
        #expect(runs.alias?.functionVersion == "2" && runs.alias?.additionalVersionWeights.isEmpty == true)
        #expect(runs.record == nil)
        #expect(DeployHistory(description: runs.alias?.description ?? "").good.first == "2")
        #expect(done.rollout.map(\.state) == [.passed, .passed])

        let after = try await runs.advance()
        #expect(after.outcome == .nothingToDo && after.exitCode == 0, "\(after)")
    }

    @Test("an alarm that fired and cleared between two runs rolls back (exit 3)")
    func alarmBetweenRuns() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy().outcome == .inProgress)
        runs.world.metrics.history.withLock {
            $0.append(AlarmTransition(name: "errors", at: runs.clock.now().addingTimeInterval(1), state: "ALARM"))
            $0.append(AlarmTransition(name: "errors", at: runs.clock.now().addingTimeInterval(1.5), state: "OK"))
        }
        runs.clock.advance(5)
        let result = try await runs.advance()
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.reason?.contains("errors went into ALARM during the step") == true, "\(result)")
        #expect(runs.alias?.functionVersion == "1" && runs.alias?.additionalVersionWeights.isEmpty == true)
        #expect(runs.record == nil && DeployHistory(description: runs.alias?.description ?? "").failed == ["2"])
    }

    @Test("a hand rollback between runs: the next advance is exit 1 and leaves the traffic as set; then nothing to do")
    func handRollback() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy().outcome == .inProgress)
        // An operator's rollback keeps the description's record: the history is all it writes.
        runs.moveByHand(to: "1")
        runs.clock.advance(5)
        let before = runs.world.lambda.aliasUpdates.count
        let result = try await runs.advance()
        #expect(result.exitCode == ExitStatus.failed, "\(result)")
        #expect(result.reason?.contains("Someone moved alias live by hand") == true, "\(result)")
        let updates = runs.world.lambda.aliasUpdates.dropFirst(before)
        #expect(updates.allSatisfy { $0.version == "1" && $0.weights.isEmpty }, "traffic untouched: \(updates)")
        #expect(runs.record == nil)
        #expect(try await runs.advance().outcome == .nothingToDo)
    }

    @Test("another run moving the alias first: this advance changes nothing and says so")
    func raced() async throws {
        let runs = try Runs()
        #expect(
            try await runs.deploy {
                $0["strategy"] = "linear:25%:2s"
            }.outcome == .inProgress)
        runs.clock.advance(3)
        // Between this run's read and its update, another run takes the same step.
        runs.world.lambda.state.withLock { s in
            s.onUpdateAlias = { lambda in
                lambda.state.withLock { $0.onUpdateAlias = nil }
                lambda.state.withLock { t in
                    t.aliases["live"]?.additionalVersionWeights = ["2": 0.5]
                    t.aliases["live"]?.revisionId = "other"
                }
            }
        }
        let result = try await runs.advance { $0["strategy"] = "linear:25%:2s" }
        #expect(result.outcome == .waiting && result.message.contains("Another run moved alias live"), "\(result)")
        #expect(runs.alias?.additionalVersionWeights == ["2": 0.5] && runs.alias?.revisionId == "other")
    }

    @Test("advance with other gate settings than the rollout started with is exit 2, naming them, and changes nothing")
    func otherSettings() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy().outcome == .inProgress)
        runs.clock.advance(5)
        let mutations = runs.world.lambda.mutations.count
        let result = try await runs.advance { $0.values["alarm"] = ["errors", "latency"] }
        #expect(result.exitCode == ExitStatus.usage, "\(result)")
        #expect(result.reason?.contains("(alarm differ)") == true, "\(result)")
        #expect(runs.world.lambda.mutations.count == mutations)
    }

    @Test("a deploy while a detached rollout is in progress is exit 2 before any change")
    func deployRefused() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy().outcome == .inProgress)
        let mutations = runs.world.lambda.mutations.count
        try runs.world.writeCode("newer code")
        let result = try await runs.deploy()
        #expect(result.exitCode == ExitStatus.usage, "\(result)")
        #expect(result.reason?.contains("A detached rollout of version 2 is in progress") == true, "\(result)")
        #expect(runs.world.lambda.mutations.count == mutations)
    }

    @Test("AllAtOnce with --detach simply deploys")
    func allAtOnce() async throws {
        let runs = try Runs()
        let result = try await runs.deploy { $0["strategy"] = "AllAtOnce" }
        #expect(result.outcome == .deployed && runs.record == nil, "\(result)")
    }

    @Test("the record survives a history that fills the description, and reads back as written")
    func recordRoundTrip() {
        let record = RolloutRecord(
            newVersion: "1234", oldVersion: "1233", step: 2, steps: 9, since: 1_800_000_000, due: 1_800_000_600,
            started: 1_799_999_000, gates: "aecp", settings: GateSettings([("a", "1"), ("b", "2")]).fingerprint)
        let history = DeployHistory(
            good: (1000..<1010).map(String.init), failed: (1100..<1110).map(String.init),
            rolledBack: (1200..<1210).map(String.init), text: String(repeating: "x", count: 200), rollout: record)
        let rendered = history.rendered()
        #expect(rendered.count <= 256, "\(rendered.count)")
        #expect(DeployHistory(description: rendered).rollout == record)
        #expect(DeployHistory(description: rendered).good.first == "1000")
    }
}

@Suite("Detached rollouts: an advance that cannot judge")
struct DetachedStoppedTests {
    /// CloudWatch that answers DescribeAlarms but fails every alarm-history read.
    final class FailingHistory: MetricsAPI {
        let inner: FakeMetrics
        init(_ inner: FakeMetrics) { self.inner = inner }
        func describeAlarms(names: [String], prefix: String?) async throws -> [AlarmState] {
            try await inner.describeAlarms(names: names, prefix: prefix)
        }
        func getMetricData(_ queries: [MetricQuery], start: Date, end: Date) async throws -> [MetricResult] {
            try await inner.getMetricData(queries, start: start, end: end)
        }
        func alarmTransitions(name: String, start: Date, end: Date) async throws -> [AlarmTransition] {
            throw AWSServiceError(
                service: "CloudWatch", operation: "DescribeAlarmHistory", code: "InternalFailure", message: "boom",
                status: 500, requestId: nil)
        }
    }

    @Test("a gate read that fails leaves the rollout where it is and says so (exit 1), claiming no restore")
    func readFails() async throws {
        let runs = try DetachedRolloutTests.Runs()
        #expect(try await runs.deploy().outcome == .inProgress)
        runs.clock.advance(5)
        var deps = runs.deps()
        deps.metrics = FailingHistory(runs.world.metrics)
        let before = runs.alias
        let result = await DetachedAdvance(plan: try runs.plan(), deps: deps, events: runs.world.events).run()
        #expect(result.exitCode == ExitStatus.failed, "\(result)")
        #expect(result.reason?.contains("is where its record says") == true, "\(result)")
        #expect(result.reason?.contains("restored") == false)
        #expect(runs.alias == before, "nothing moved")
        #expect(runs.record != nil)
    }
}

/// Issue 34's findings on detached rollouts, each failing before its fix.
@Suite("Detached rollouts: no quiet failure")
struct DetachedQuietFailureTests {
    typealias Runs = DetachedRolloutTests.Runs

    @Test("finding 3: an alarm in ALARM before the step is due rolls back at once (exit 3), not 'Waiting'")
    func firingBeforeDue() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy { $0["strategy"] = "canary:20%:60s" }.outcome == .inProgress)
        runs.world.metrics.alarms.withLock { $0["errors"] = "ALARM" }
        runs.clock.advance(1)
        let result = try await runs.advance { $0["strategy"] = "canary:20%:60s" }
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.reason?.contains("in ALARM: errors") == true, "\(result)")
        #expect(runs.alias?.functionVersion == "1" && runs.alias?.additionalVersionWeights.isEmpty == true)
        #expect(runs.record == nil && DeployHistory(description: runs.alias?.description ?? "").failed == ["2"])
    }

    @Test("finding 3: an alarm that fired and cleared since the step began rolls back before the due time too")
    func flappedBeforeDue() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy { $0["strategy"] = "canary:20%:60s" }.outcome == .inProgress)
        runs.world.metrics.history.withLock {
            $0.append(AlarmTransition(name: "errors", at: runs.clock.now().addingTimeInterval(1), state: "ALARM"))
            $0.append(AlarmTransition(name: "errors", at: runs.clock.now().addingTimeInterval(2), state: "OK"))
        }
        runs.clock.advance(3)
        let result = try await runs.advance { $0["strategy"] = "canary:20%:60s" }
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(runs.alias?.additionalVersionWeights.isEmpty == true)
    }

    @Test("finding 3: a step without a verdict before its due time still waits and changes nothing")
    func quietBeforeDue() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy { $0["strategy"] = "canary:20%:60s" }.outcome == .inProgress)
        let mutations = runs.world.lambda.mutations.count
        runs.clock.advance(1)
        let result = try await runs.advance { $0["strategy"] = "canary:20%:60s" }
        #expect(result.outcome == .waiting && result.exitCode == 0, "\(result)")
        #expect(runs.world.lambda.mutations.count == mutations)
    }

    @Test("finding 2: advance on a missing alias or function is exit 2; nothing-to-do names the alias it read")
    func wrongTarget() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy().outcome == .inProgress)
        let wrongAlias = try await runs.advance { $0["alias"] = "lvie" }
        #expect(wrongAlias.exitCode == ExitStatus.usage, "\(wrongAlias)")
        #expect(wrongAlias.reason?.contains("has no alias lvie") == true, "\(wrongAlias)")
        let wrongFunction = try await runs.advance { $0["function"] = "no-such-function" }
        #expect(wrongFunction.exitCode == ExitStatus.usage, "\(wrongFunction)")
        #expect(wrongFunction.reason?.contains("No Lambda function no-such-function") == true, "\(wrongFunction)")
        #expect(runs.alias?.additionalVersionWeights == ["2": 0.5], "the real rollout is untouched")

        runs.world.lambda.seedAlias("quiet")
        let nothing = try await runs.advance { $0["alias"] = "quiet" }
        #expect(nothing.outcome == .nothingToDo, "\(nothing)")
        #expect(nothing.message.contains("on alias quiet of"), "\(nothing.message)")
    }
}

extension DetachedQuietFailureTests {
    @Test(
        "S3, S4 (found by the model): after a hand move onto the new version, a deploy is not refused and drops the record"
    )
    func handMoveOntoNewVersion() async throws {
        let runs = try Runs()
        #expect(try await runs.deploy().outcome == .inProgress)
        // The console's promote: version 2 alone, the description as it was (the record in it).
        runs.moveByHand(to: "2")
        #expect(runs.record != nil)
        try Data("def handler(e, c):\n    return 'three'\n".utf8).write(
            to: URL(fileURLWithPath: runs.world.source + "/index.py"))
        let next = await DeployPipeline(
            plan: try runs.plan { $0["strategy"] = "AllAtOnce" }, deps: runs.deps(), events: runs.world.events
        ).run()
        #expect(next.outcome == .deployed && next.exitCode == 0, "\(next)")
        #expect(runs.alias?.functionVersion == "3" && runs.record == nil, "\(runs.alias?.description ?? "")")
        #expect(try await runs.advance { $0["strategy"] = "AllAtOnce" }.outcome == .nothingToDo)
    }
}
