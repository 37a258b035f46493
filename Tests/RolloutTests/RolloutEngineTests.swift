import Ports
import AWSCore
import AWSServices
import Fakes
import Foundation
@testable import Rollout
import Synchronization
import TestSupport
import Testing

/// A gate that passes or fails by script, recording its windows.
final class ScriptedGate: HealthGate {
    let name = "alarms"
    private let verdicts: Mutex<[Bool]>
    init(_ verdicts: [Bool]) { self.verdicts = Mutex(verdicts) }
    func evaluate(_ window: GateWindow) async throws -> GateResult {
        let pass = verdicts.withLock { $0.isEmpty ? true : $0.removeFirst() }
        return GateResult(gate: name, passed: pass, detail: pass ? "all OK" : "errors-alarm in ALARM")
    }
}

/// A sleeper that cancels the running task on its Nth sleep.
final class CancellingSleeper: Sleeper {
    private let remaining: Mutex<Int>
    init(cancelOnSleep n: Int) { remaining = Mutex(n) }
    func sleep(seconds: Double) async throws {
        let now = remaining.withLock {
            $0 -= 1; return $0 == 0
        }
        if now { withUnsafeCurrentTask { $0?.cancel() } }
        try Task.checkCancellation()
    }
}

@Suite("Rollout state machine (injected clock and sleeper: milliseconds)")
struct RolloutEngineTests {
    let before = AliasConfiguration(name: "live", functionVersion: "3", revisionId: "r0")

    func engine(_ api: FakeAlias, gates: [any HealthGate] = [], sleeper: any Sleeper = RecordingSleeper())
        -> RolloutEngine
    {
        RolloutEngine(
            api: api, gates: gates, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), sleeper: sleeper)
    }

    @Test("a linear rollout raises the weight strictly, then flips: primary = new, no routing")
    func linear() async throws {
        let api = FakeAlias(version: "3")
        let sleeper = RecordingSleeper()
        let outcome = await engine(api, gates: [ScriptedGate([])], sleeper: sleeper)
            .shift(
                function: "f", alias: "live", before: before, newVersion: "4",
                strategy: try Strategy.parse("linear:25%:2s"))
        #expect(outcome == .completed)
        #expect(api.calls.map(\.weights) == [["4": 0.25], ["4": 0.5], ["4": 0.75], [:]])
        #expect(api.calls.map(\.version) == ["3", "3", "3", "4"])
        #expect(api.calls.map(\.revisionId) == ["r0", "r1", "r2", "r3"])
        #expect(api.alias.functionVersion == "4" && api.alias.additionalVersionWeights.isEmpty)
        #expect(sleeper.recorded == [2, 2, 2])
    }

    @Test("all at once: one flip")
    func allAtOnce() async throws {
        let api = FakeAlias(version: "3")
        let outcome = await engine(api).shift(
            function: "f", alias: "live", before: before, newVersion: "4", strategy: .allAtOnce)
        #expect(outcome == .completed)
        #expect(api.calls == [FakeAlias.Call(version: "4", weights: [:], revisionId: "r0")])
    }

    @Test("a failed gate restores the alias exactly as it was, and never flips")
    func gateFailure() async throws {
        let api = FakeAlias(version: "3", weights: ["2": 0.05])
        let found = api.alias
        let outcome = await engine(api, gates: [ScriptedGate([true, false])])
            .shift(
                function: "f", alias: "live", before: found, newVersion: "4",
                strategy: try Strategy.parse("steps:10%@1s,50%@1s"))
        #expect(outcome == .rolledBack(reason: "alarms: errors-alarm in ALARM"))
        #expect(api.alias.functionVersion == "3")
        #expect(api.alias.additionalVersionWeights == ["2": 0.05])
        #expect(!api.calls.contains { $0.version == "4" })
    }

    @Test("someone else moving the alias mid-rollout is detected and left alone")
    func interference() async throws {
        let api = FakeAlias(version: "3")
        let gate = InterferingGate(api: api)
        let outcome = await engine(api, gates: [gate]).shift(
            function: "f", alias: "live", before: before, newVersion: "4", strategy: try Strategy.parse("linear:50%:1s")
        )
        #expect(outcome == .interfered(now: "version 9"))
        #expect(api.alias.functionVersion == "9")
        // After the refused update nothing else was attempted: no overwrite, no rollback.
        #expect(api.calls.count == 2)
    }

    @Test("cancellation during a bake restores the alias and reports cancelled")
    func cancellation() async throws {
        let api = FakeAlias(version: "3")
        let engine = engine(api, sleeper: CancellingSleeper(cancelOnSleep: 2))
        let outcome = await Task {
            await engine.shift(
                function: "f", alias: "live", before: before, newVersion: "4",
                strategy: try! Strategy.parse("linear:25%:5s"))
        }.value
        #expect(outcome == .cancelled)
        #expect(api.alias.functionVersion == "3" && api.alias.additionalVersionWeights.isEmpty)
        #expect(api.calls.last == FakeAlias.Call(version: "3", weights: [:], revisionId: "r2"))
    }

    @Test("a gate failing during the bake after 100% flips back")
    func bakeAfterFlip() async throws {
        let api = FakeAlias(version: "3")
        let outcome = await engine(api, gates: [ScriptedGate([true, false])])
            .shift(
                function: "f", alias: "live", before: before, newVersion: "4",
                strategy: try Strategy.parse("canary:10%:1s"), bakeAfterSeconds: 30)
        // The second check is the first one during the 30 s bake after 100%: acted on at 10 s, not 30 s.
        #expect(outcome == .rolledBack(reason: "alarms: errors-alarm in ALARM (seen 10s into a 30s bake)"))
        #expect(api.alias.functionVersion == "3")
        #expect(DeployHistory(description: api.alias.description).failed == ["4"])
    }

    @Test("gates are watched during a bake: an alarm firing 20 s into a 40 s step rolls back at 20 s")
    func watchedBake() async throws {
        let api = FakeAlias(version: "3")
        let sleeper = RecordingSleeper()
        var events: [RolloutEvent.Kind] = []
        let collected = Mutex<[RolloutEvent.Kind]>([])
        var engine = engine(api, gates: [ScriptedGate([true, false])], sleeper: sleeper)
        engine.onEvent = { event in collected.withLock { $0.append(event.kind) } }
        let outcome = await engine.shift(
            function: "f", alias: "live", before: before, newVersion: "4",
            strategy: try Strategy.parse("canary:10%:40s"))
        events = collected.withLock { $0 }
        #expect(outcome == .rolledBack(reason: "alarms: errors-alarm in ALARM (seen 20s into a 40s bake)"))
        #expect(sleeper.recorded == [10, 10], "no waiting out the rest of the bake")
        #expect(
            events.contains(
                .watched(elapsed: 10, of: 40, results: [GateResult(gate: "alarms", passed: true, detail: "all OK")])))
        #expect(api.alias.functionVersion == "3" && api.alias.additionalVersionWeights.isEmpty)

        let quiet = FakeAlias(version: "3")
        let interval = RecordingSleeper()
        var slow = self.engine(quiet, gates: [ScriptedGate([])], sleeper: interval)
        slow.gateInterval = 15
        #expect(
            await slow.shift(
                function: "f", alias: "live", before: before, newVersion: "4",
                strategy: try Strategy.parse("canary:10%:40s")) == .completed)
        #expect(interval.recorded == [15, 15, 10])
        let ungated = RecordingSleeper()
        _ = await self.engine(FakeAlias(version: "3"), sleeper: ungated)
            .shift(
                function: "f", alias: "live", before: before, newVersion: "4",
                strategy: try Strategy.parse("canary:10%:40s"))
        #expect(ungated.recorded == [40], "with no gates there is nothing to watch")
    }

    @Test("the outcome is written into the alias's history with the flip or the restore")
    func history() async throws {
        let api = FakeAlias(version: "3")
        let found = api.alias
        #expect(
            await engine(api).shift(function: "f", alias: "live", before: found, newVersion: "4", strategy: .allAtOnce)
                == .completed)
        #expect(api.alias.description == "[lambda-shift good=4 failed=]")
        let second = api.alias
        #expect(
            await engine(api, gates: [ScriptedGate([false])])
                .shift(
                    function: "f", alias: "live", before: second, newVersion: "5",
                    strategy: try Strategy.parse("canary:10%:1s"))
                == .rolledBack(reason: "alarms: errors-alarm in ALARM"))
        #expect(api.alias.functionVersion == "4")
        #expect(DeployHistory(description: api.alias.description) == DeployHistory(good: ["4"], failed: ["5"]))
        #expect(DeployHistory(description: api.alias.description).lastGood(excluding: "6") == "4")
    }

    @Test("a promote of this very version from another shell is success, not interference")
    func promotedElsewhere() async throws {
        let api = FakeAlias(version: "3")
        let gate = PromotingGate(api: api, version: "4")
        let outcome = await engine(api, gates: [gate]).shift(
            function: "f", alias: "live", before: before, newVersion: "4", strategy: try Strategy.parse("linear:50%:1s")
        )
        #expect(outcome == .completedByOther)
        #expect(api.alias.functionVersion == "4" && api.alias.additionalVersionWeights.isEmpty)
        #expect(DeployHistory(description: api.alias.description).good == ["4"])
    }

    @Test("an error after the alias moved restores it; a failing restore is reported as such")
    func errors() async throws {
        let api = FakeAlias(version: "3")
        api.failUpdates(after: 1)
        let outcome = await engine(api).shift(
            function: "f", alias: "live", before: before, newVersion: "4", strategy: try Strategy.parse("linear:50%:1s")
        )
        guard case .rollbackFailed(let reason) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(reason.contains("ServiceException"))

        let healthy = FakeAlias(version: "3")
        let failing = engine(healthy, gates: [ThrowingGate()])
        let result = await failing.shift(
            function: "f", alias: "live", before: before, newVersion: "4", strategy: try Strategy.parse("canary:10%:1s")
        )
        guard case .failed(let why) = result else { Issue.record("got \(result)"); return }
        #expect(why.contains("CloudWatch GetMetricData"))
        #expect(healthy.alias.functionVersion == "3" && healthy.alias.additionalVersionWeights.isEmpty)
    }
}

/// A gate during which someone else promotes `version` to 100%.
final class PromotingGate: HealthGate {
    let name = "promote"
    let api: FakeAlias
    let version: String
    init(api: FakeAlias, version: String) { self.api = api; self.version = version }
    func evaluate(_ window: GateWindow) async throws -> GateResult {
        api.interfere(version: version)
        return GateResult(gate: name, passed: true, detail: "")
    }
}

/// A gate that lets someone else move the alias while it runs.
final class InterferingGate: HealthGate {
    let name = "interference"
    let api: FakeAlias
    init(api: FakeAlias) { self.api = api }
    func evaluate(_ window: GateWindow) async throws -> GateResult {
        api.interfere(version: "9")
        return GateResult(gate: name, passed: true, detail: "")
    }
}

struct ThrowingGate: HealthGate {
    let name = "metrics"
    func evaluate(_ window: GateWindow) async throws -> GateResult {
        throw AWSServiceError(
            service: "CloudWatch", operation: "GetMetricData", code: "InternalServiceFault", message: "down",
            status: 500, requestId: nil)
    }
}

/// An alias API whose updates are applied but whose answer never arrives: the task is
/// cancelled while the request is in flight, as when SIGTERM lands mid-UpdateAlias.
final class LostAnswerAlias: AliasAPI {
    let inner: FakeAlias
    private let lose = Mutex(true)
    init(_ inner: FakeAlias) { self.inner = inner }
    func getAlias(function: String, alias: String) async throws -> AliasConfiguration {
        try await inner.getAlias(function: function, alias: alias)
    }
    func provisionedConcurrency(function: String, qualifier: String) async throws -> ProvisionedConcurrency? {
        try await inner.provisionedConcurrency(function: function, qualifier: qualifier)
    }
    func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        let result = try await inner.updateAlias(
            function: function, alias: alias, version: version, weights: weights, revisionId: revisionId,
            description: description)
        if lose.withLock({
            let first = $0; $0 = false; return first
        }) {
            withUnsafeCurrentTask { $0?.cancel() }
            throw CancellationError()
        }
        return result
    }
}

@Suite("Rollout: an update whose answer was lost")
struct LostAnswerTests {
    @Test("cancelled mid-UpdateAlias: the alias is read back and restored, not left at 10%")
    func lostAnswer() async throws {
        let fake = FakeAlias(version: "3")
        let engine = RolloutEngine(
            api: LostAnswerAlias(fake), clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
            sleeper: RecordingSleeper())
        let before = fake.alias
        let outcome = await Task {
            await engine.shift(
                function: "f", alias: "live", before: before, newVersion: "4",
                strategy: try! Strategy.parse("canary:10%:5s"))
        }.value
        #expect(outcome == .cancelled)
        #expect(fake.alias.functionVersion == "3" && fake.alias.additionalVersionWeights.isEmpty)
        #expect(fake.calls.count == 2)
        #expect(fake.calls.last?.revisionId == "r1")  // the RevisionId read back, not the stale r0
    }
}

@Suite("Deploy history on the alias")
struct DeployHistoryTests {
    @Test("read, updated and written back; text before the record kept; within Lambda's 256 characters")
    func roundTrip() {
        let empty = DeployHistory(description: "live alias, managed by Terraform")
        #expect(empty.good.isEmpty && empty.text == "live alias, managed by Terraform")
        let next = empty.succeeded("3").succeeded("5").failed("6")
        #expect(next.rendered() == "live alias, managed by Terraform [lambda-shift good=5,3 failed=6]")
        #expect(DeployHistory(description: next.rendered()) == next)
        #expect(next.succeeded("6").failed == [] && next.failed("5").good == ["3"])
        #expect(next.lastGood(excluding: "5") == "3" && next.lastGood(excluding: "7") == "5")
        var long = DeployHistory(text: String(repeating: "x", count: 300))
        for version in 1...40 { long = long.succeeded(String(version)).failed(String(version + 100)) }
        let text = long.rendered()
        #expect(text.count <= 256)
        let back = DeployHistory(description: text)
        #expect(back.good.first == "40" && back.failed.first == "140")
        #expect(
            DeployHistory(description: "[lambda-shift good=4,x!,$LATEST,2 failed=]").good == ["4", "2"],
            "only version numbers and revision ids are read")
        // A web function's endpoint records revision ids (issue 38, the model's finding W1).
        #expect(
            DeployHistory(description: "[lambda-shift good=8bc3e51b5cb3,856ac772beca failed=a1]").good
                == ["8bc3e51b5cb3", "856ac772beca"])
    }
}

@Suite("Alarm gate during an attended bake")
struct AttendedAlarmTests {
    @Test("finding 1: an alarm that flaps to ALARM and back between two gate reads fails the step: restored")
    func flapBetweenReads() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let metrics = FakeMetrics()
        metrics.alarms.withLock { $0["A"] = "OK" }
        let start = clock.now()
        // ALARM 1 s into the bake, OK 1 s later: both reads (at 5 s and at 8 s) see OK.
        metrics.history.withLock {
            $0 = [
                AlarmTransition(name: "A", at: start.addingTimeInterval(1), state: "ALARM"),
                AlarmTransition(name: "A", at: start.addingTimeInterval(2), state: "OK"),
            ]
        }
        let api = FakeAlias(version: "3")
        let engine = RolloutEngine(
            api: api, gates: [AlarmGate(cloudWatch: metrics, names: ["A"])], clock: clock,
            sleeper: ClockSleeper(clock), gateInterval: 5)
        let outcome = await engine.shift(
            function: "f", alias: "live",
            before: AliasConfiguration(name: "live", functionVersion: "3", revisionId: "r0"),
            newVersion: "4", strategy: try Strategy.parse("canary:10%:8s"))
        guard case .rolledBack(let reason) = outcome else {
            Issue.record("expected a rollback, got \(outcome)")
            return
        }
        #expect(reason.contains("A went into ALARM during the step"), "\(reason)")
        #expect(api.alias.functionVersion == "3" && api.alias.additionalVersionWeights.isEmpty)
        #expect(DeployHistory(description: api.alias.description).failed == ["4"])
    }

    @Test("an alarm that went into ALARM before the step began does not fail it")
    func historyBeforeTheStep() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let metrics = FakeMetrics()
        metrics.alarms.withLock { $0["A"] = "OK" }
        metrics.history.withLock {
            $0 = [
                AlarmTransition(name: "A", at: clock.now().addingTimeInterval(-60), state: "ALARM"),
                AlarmTransition(name: "A", at: clock.now().addingTimeInterval(-30), state: "OK"),
            ]
        }
        let api = FakeAlias(version: "3")
        let outcome = await RolloutEngine(
            api: api, gates: [AlarmGate(cloudWatch: metrics, names: ["A"])], clock: clock,
            sleeper: ClockSleeper(clock), gateInterval: 5
        ).shift(
            function: "f", alias: "live",
            before: AliasConfiguration(name: "live", functionVersion: "3", revisionId: "r0"),
            newVersion: "4", strategy: try Strategy.parse("canary:10%:8s"))
        #expect(outcome == .completed)
    }
}

@Suite("Deploy history read back")
struct DeployHistoryRoundTripTests {
    @Test("fuzz finding: a description of text with trailing spaces and no record reads back as it renders")
    func trailingSpaces() {
        let history = DeployHistory(description: ". ")
        #expect(DeployHistory(description: history.rendered()) == history)
        #expect(history.text == ".")
    }
}

extension DeployHistoryRoundTripTests {
    @Test("fuzz findings: non-ASCII digits are no version; the limit holds in Unicode scalars, whatever the text")
    func limits() {
        #expect(DeployHistory(description: "[lambda-shift good=½,٣,4 failed=]").good == ["4"])
        let flags = String(repeating: "🇫🇷", count: 128)
        let rendered = DeployHistory(good: ["1"], text: flags).rendered()
        #expect(rendered.unicodeScalars.count <= 256, "\(rendered.unicodeScalars.count)")
        #expect(DeployHistory(description: rendered).good == ["1"])
        let long = DeployHistory(good: [String(repeating: "7", count: 300)]).rendered()
        #expect(long.unicodeScalars.count <= 256, "\(long.unicodeScalars.count)")
    }
}

extension DeployHistoryRoundTripTests {
    @Test("the description's own text up to the limit is kept whole beside the record; longer text is refused")
    func ownTextKeptWhole() {
        let text = String(repeating: "t", count: DeployHistory.textLimit)
        let full = DeployHistory(
            good: (1...10).map { "1000\($0)" }, failed: (1...10).map { "2000\($0)" },
            rolledBack: (1...10).map { "3000\($0)" }, text: text)
        let back = DeployHistory(description: full.rendered())
        #expect(back.text == text && back.good.first == "10001" && full.rendered().unicodeScalars.count <= 256)
        #expect(full.textRefusal(alias: "live") == nil)
        let long = DeployHistory(text: text + "x")
        #expect(long.textRefusal(alias: "live")?.contains("shorten the description") == true)
    }
}

extension DeployHistoryRoundTripTests {
    @Test("fuzz finding: a rollout record longer than lambda-shift writes is no record, so the limit holds")
    func oversizedRecord() {
        let fingerprint = String(repeating: "f", count: 200)
        let description =
            "[lambda-shift good= failed= rollout=8,7,1,3,1700000000,1700000300,1699999900,aec,\(fingerprint)]"
        let history = DeployHistory(description: description)
        #expect(history.rollout == nil)
        #expect(history.rendered().unicodeScalars.count <= 256)
        let written =
            "[lambda-shift good= failed= rollout=8,7,1,3,1700000000,1700000300,1699999900,aec,c88306efd41e309d14]"
        #expect(DeployHistory(description: written).rollout?.newVersion == "8")
    }

    @Test(
        "a web function's rollout record: revision ids for versions, and the endpoint's mode to restore (L); the longest still fits"
    )
    func webRecord() throws {
        let written =
            "[lambda-shift good=a1b2c3d4e5f6 failed= rollout=0f9e8d7c6b5a,a1b2c3d4e5f6,0,2,1700000000,1700000300,1700000000,a,c88306efd41e309d14,L]"
        let record = try #require(DeployHistory(description: written).rollout)
        #expect(record.newVersion == "0f9e8d7c6b5a" && record.oldVersion == "a1b2c3d4e5f6")
        #expect(record.restoresAutoDeploy)
        #expect(DeployHistory(description: written).rendered() == written)
        var plain = record
        plain.restoresAutoDeploy = false
        #expect(!plain.rendered.hasSuffix(",L"))
        // Not a version: a comma-free id with other characters, or one longer than 32.
        for bad in ["a/b", String(repeating: "x", count: 33)] {
            let text = written.replacingOccurrences(of: "0f9e8d7c6b5a", with: bad)
            #expect(DeployHistory(description: text).rollout == nil, "\(bad)")
        }
        // The longest record it reads, beside the longest text, still renders within 256.
        let id = String(repeating: "r", count: 32)
        var longest = record
        longest.newVersion = id
        longest.oldVersion = String(repeating: "s", count: 32)
        longest.step = 999
        longest.steps = 999
        longest.gates = "aecpaecp"
        longest.settings = String(repeating: "f", count: 64)
        var history = DeployHistory(description: String(repeating: "t", count: DeployHistory.textLimit))
        history.good = Array(repeating: id, count: 10)
        history.rollout = longest
        let rendered = history.rendered()
        #expect(rendered.unicodeScalars.count <= 256, "\(rendered.unicodeScalars.count)")
        #expect(DeployHistory(description: rendered).rollout == longest)
    }
}

@Suite("Versions to prune")
struct PublishOrderTests {
    @Test("Lambda's versions in number order without $LATEST; a web function's revisions as listed, oldest first")
    func publishOrder() {
        func listed(_ versions: [String]) -> [FunctionConfiguration] {
            versions.map { FunctionConfiguration(functionName: "f", version: $0, codeSha256: "") }
        }
        #expect(VersionPruner.publishOrder(listed(["$LATEST", "10", "9", "2"])) == ["2", "9", "10"])
        #expect(VersionPruner.publishOrder(listed(["b7", "a3", "c1"])) == ["b7", "a3", "c1"])
    }
}
