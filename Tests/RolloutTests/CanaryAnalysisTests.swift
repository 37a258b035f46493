import Ports
import AWSCore
import AWSServices
import Fakes
import Foundation
@testable import Rollout
import Synchronization
import TestSupport
import Testing

/// Per-version Lambda metrics in memory: answers GetMetricData by metric, statistic and
/// ExecutedVersion, and records every query.
final class FakeVersionMetrics: MetricsAPI {
    struct Series: Sendable {
        var invocations: Double?
        var errors: Double?
        var throttles: Double?
        var p50: Double?
        var p99: Double?
    }
    private let series: [String: Series]
    private let queries = Mutex<[(queries: [MetricQuery], start: Date, end: Date)]>([])

    init(_ series: [String: Series]) { self.series = series }

    var recorded: [(queries: [MetricQuery], start: Date, end: Date)] { queries.withLock { $0 } }

    func describeAlarms(names: [String], prefix: String?) async throws -> [AlarmState] { [] }
    func alarmTransitions(name: String, start: Date, end: Date) async throws -> [AlarmTransition] { [] }

    func getMetricData(_ asked: [MetricQuery], start: Date, end: Date) async throws -> [MetricResult] {
        queries.withLock { $0.append((asked, start, end)) }
        return asked.map { query in
            let version = query.dimensions.first { $0.name == "ExecutedVersion" }?.value ?? ""
            let s = series[version]
            let value: Double? =
                switch (query.metricName, query.stat) {
                case ("Invocations", "Sum"): s?.invocations
                case ("Errors", "Sum"): s?.errors
                case ("Throttles", "Sum"): s?.throttles
                case ("Duration", "p50"): s?.p50
                case ("Duration", "p99"): s?.p99
                default: nil
                }
            // CloudWatch answers a period without data with no data point at all.
            return MetricResult(
                id: query.id, timestamps: value == nil ? [] : [start], values: value.map { [$0] } ?? [])
        }
    }
}

@Suite("Canary analysis: the new version against the stable one")
struct CanaryAnalysisTests {
    let start = Date(timeIntervalSince1970: 1_800_000_030)
    let end = Date(timeIntervalSince1970: 1_800_000_150)

    func gate(
        _ series: [String: FakeVersionMetrics.Series], errors: Double? = 1, duration: Double? = nil, minimum: Int = 50
    )
        -> (ComparativeGate, FakeVersionMetrics)
    {
        let metrics = FakeVersionMetrics(series)
        let limits = CanaryLimits(
            maxErrorRateIncreasePoints: errors, maxDurationIncreasePercent: duration, confidence: 0.95,
            minInvocations: minimum)
        return (ComparativeGate(cloudWatch: metrics, function: "fn", alias: "live", limits: limits), metrics)
    }

    func window(final: Bool = true) -> GateWindow {
        GateWindow(newVersion: "4", stableVersion: "3", start: start, end: end, final: final)
    }

    /// The reference maximises the likelihood restricted to p_new − p_stable = margin numerically
    /// (scipy's bounded Brent search), where we use Farrington and Manning's closed form; then the
    /// same Miettinen-Nurminen statistic and scipy's normal tail. (statsmodels 0.15.0's
    /// score_test_proportions_2indep puts the stable count where the cubic's L1 coefficient has the
    /// stable sample size, so its restricted rate is not the maximum and its z differs in the
    /// third digit; the numeric maximum is the independent reference.)
    @Test("the score test matches a numerically maximised likelihood and scipy's normal tail", .tags(.python))
    func scoreTestAgainstScipyPython() throws {
        let cases: [(Int, Int, Int, Int, Double)] = [
            (1, 20, 0, 1000, 0.01), (8, 100, 1, 100, 0.01), (50, 1000, 10, 1000, 0.01), (0, 500, 0, 500, 0.005),
            (5, 50, 5, 50, 0), (30, 200, 2, 300, 0.02), (1, 1000, 1, 1000, 0.001), (100, 10_000, 50, 10_000, 0.001),
            (3, 3, 0, 10, 0.05), (0, 10, 3, 3, 0.01), (12, 40, 4, 4000, 0.1), (400, 5000, 380, 5000, 0.005),
            (1, 20, 10, 1000, 0.01),
        ]
        let script = """
            import json, sys
            import numpy as np
            from scipy.optimize import minimize_scalar
            from scipy.stats import norm
            def term(count, p):
                return count * np.log(p) if count else 0.0
            out = []
            for x1, n1, x2, n2, d in json.load(sys.stdin):
                lo, hi = max(0.0, -d), min(1.0, 1.0 - d)
                nll = lambda p2: -(term(x1, p2 + d) + term(n1 - x1, 1 - p2 - d) + term(x2, p2) + term(n2 - x2, 1 - p2))
                r = minimize_scalar(nll, bounds=(lo + 1e-15, hi - 1e-15), method="bounded", options={"xatol": 1e-15})
                r2 = min(max(r.x, lo), hi)
                r1 = r2 + d
                n = n1 + n2
                var = (r1 * (1 - r1) / n1 + r2 * (1 - r2) / n2) * n / (n - 1)
                z = (x1 / n1 - x2 / n2 - d) / np.sqrt(var)
                out.append([float(z), float(norm.sf(z))])
            json.dump(out, sys.stdout)
            """
        let input = try JSONSerialization.data(withJSONObject: cases.map { [$0.0, $0.1, $0.2, $0.3, $0.4] as [Any] })
        let expected = try JSONSerialization.jsonObject(with: try runPython(script, input: input)) as! [[Double]]
        #expect(expected.count == cases.count)
        for ((x1, n1, x2, n2, margin), reference) in zip(cases, expected) {
            let ours = CanaryStatistics.excessTest(
                failuresNew: x1, invocationsNew: n1, failuresStable: x2, invocationsStable: n2, margin: margin)
            let label = "\(x1)/\(n1) vs \(x2)/\(n2), margin \(margin)"
            #expect(
                abs(ours.z - reference[0]) <= 1e-5 * max(1, abs(reference[0])),
                "z for \(label): \(ours.z) vs \(reference[0])")
            #expect(abs(ours.pValue - reference[1]) <= 1e-7, "p for \(label): \(ours.pValue) vs \(reference[1])")
        }
    }

    @Test("a clear regression fails, with both rates and the p-value in the detail")
    func clearRegression() async throws {
        let (gate, metrics) = gate([
            "3": .init(invocations: 1000, errors: 10, throttles: 0),
            "4": .init(invocations: 200, errors: 36, throttles: 4),
        ])
        let result = try await gate.evaluate(window())
        #expect(result.failed && !result.inconclusive)
        #expect(result.detail.contains("error rate 20% vs 1% on version 3 (+19 pp)"), "\(result.detail)")
        #expect(result.detail.contains("more than the 1 pp allowed, significant at 95% (p = < 0.0001)"))
        #expect(result.comparison?.candidate == VersionSample(version: "4", invocations: 200, failures: 40))
        #expect(result.comparison?.stable == VersionSample(version: "3", invocations: 1000, failures: 10))
        // One query set: both versions, the same window, one period covering it (whole minutes).
        let asked = try #require(metrics.recorded.first)
        #expect(metrics.recorded.count == 1)
        #expect(asked.start == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(asked.end == Date(timeIntervalSince1970: 1_800_000_240))
        #expect(Set(asked.queries.map(\.period)) == [240])
        #expect(
            Set(asked.queries.compactMap { $0.dimensions.first { $0.name == "ExecutedVersion" }?.value }) == ["3", "4"])
        #expect(
            asked.queries.allSatisfy { $0.dimensions.contains { $0.name == "Resource" && $0.value == "fn:live" } })
        // Mid-bake, the same evidence fails at once.
        #expect(try await gate.evaluate(window(final: false)).failed)
    }

    @Test("noise passes: 1 error in 20 calls beside a stable version at 1% is not significant")
    func noise() async throws {
        let (gate, _) = gate(
            ["3": .init(invocations: 1000, errors: 10), "4": .init(invocations: 20, errors: 1)], minimum: 20)
        let result = try await gate.evaluate(window())
        #expect(result.passed)
        #expect(result.detail.contains("over the 1 pp allowed but not significant at 95%"), "\(result.detail)")
    }

    @Test("equal versions pass within the margin; a throttle counts as a failure")
    func equal() async throws {
        let (gate, _) = gate([
            "3": .init(invocations: 1000, errors: 10, throttles: 0),
            "4": .init(invocations: 300, errors: 2, throttles: 1),
        ])
        let result = try await gate.evaluate(window())
        #expect(result.passed)
        #expect(
            result.detail.contains("error rate 1% vs 1% on version 3 (+0 pp): within the 1 pp allowed"),
            "\(result.detail)")
    }

    @Test("too little traffic is no verdict: inconclusive at the bake's end, not yet a verdict during it")
    func tooLittleTraffic() async throws {
        let (gate, _) = gate(["3": .init(invocations: 1000, errors: 0), "4": .init(invocations: 3, errors: 3)])
        let final = try await gate.evaluate(window())
        #expect(final.inconclusive && !final.passed && !final.failed)
        #expect(
            final.detail.contains("version 4 had 3 invocation(s), fewer than --min-invocations 50"), "\(final.detail)")
        #expect(final.comparison?.verdict == .inconclusive)
        let during = try await gate.evaluate(window(final: false))
        #expect(during.passed && during.detail.hasSuffix("so far"))
    }

    @Test("missing data: no metrics at all, or no Duration data points, is inconclusive")
    func missingData() async throws {
        let (silent, _) = gate([:])
        #expect(try await silent.evaluate(window()).inconclusive)
        let (noDuration, _) = gate(
            ["3": .init(invocations: 500, errors: 0), "4": .init(invocations: 500, errors: 0)], errors: nil,
            duration: 20)
        let result = try await noDuration.evaluate(window())
        #expect(result.inconclusive)
        #expect(result.detail.contains("no p99 Duration for version 4 and version 3 yet"), "\(result.detail)")
    }

    @Test("no calls at all is no verdict even with --min-invocations 0; a p99 needs 100 calls of each version")
    func thinEvidence() async throws {
        let (zero, _) = gate(
            ["3": .init(invocations: 0, errors: 0), "4": .init(invocations: 0, errors: 0)], minimum: 0)
        let none = try await zero.evaluate(window())
        #expect(none.inconclusive, "\(none)")
        #expect(none.detail.contains("fewer than --min-invocations 1"))
        let (slowFirstCall, _) = gate(
            [
                "3": .init(invocations: 500, errors: 0, p50: 80, p99: 200),
                "4": .init(invocations: 3, errors: 0, p50: 900, p99: 900),
            ], errors: nil, duration: 20, minimum: 1)
        let thin = try await slowFirstCall.evaluate(window())
        #expect(thin.inconclusive && !thin.failed, "\(thin)")
        #expect(thin.detail.contains("p99 needs 100 calls of each version; version 4 had 3"), "\(thin.detail)")
        #expect(
            CanaryStatistics.excessTest(
                failuresNew: 0, invocationsNew: 0, failuresStable: 0, invocationsStable: 5, margin: 0.01) == (0, 1))
    }

    @Test("p99 Duration: over the allowed increase fails, within it passes")
    func duration() async throws {
        let slow = gate(
            [
                "3": .init(invocations: 500, errors: 0, p50: 80, p99: 200),
                "4": .init(invocations: 500, errors: 0, p50: 90, p99: 300),
            ], errors: nil, duration: 20
        ).0
        let failed = try await slow.evaluate(window())
        #expect(failed.failed)
        #expect(failed.detail.contains("p99 300 ms vs 200 ms (+50%): more than the 20% allowed"), "\(failed.detail)")
        let fine = gate(
            [
                "3": .init(invocations: 500, errors: 0, p50: 80, p99: 200),
                "4": .init(invocations: 500, errors: 0, p50: 85, p99: 230),
            ], errors: nil, duration: 20
        ).0
        #expect(try await fine.evaluate(window()).passed)
    }

    @Test("after the flip (no stable version serving) the engine does not ask the comparative gate")
    func notAfterFlip() async throws {
        let (gate, metrics) = gate([:])
        #expect(gate.comparesVersions)
        let api = FakeAlias(version: "3")
        let outcome = await RolloutEngine(
            api: api, gates: [gate], clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
            sleeper: RecordingSleeper()
        ).shift(
            function: "fn", alias: "live", before: api.alias, newVersion: "4", strategy: .allAtOnce,
            bakeAfterSeconds: 30)
        #expect(outcome == .completed)
        #expect(metrics.recorded.isEmpty)
    }
}

/// A gate that is inconclusive until its Nth final evaluation, then passes (or stays inconclusive).
final class UndecidedGate: HealthGate {
    let name = "canary"
    private let finals = Mutex(0)
    let decidesAfter: Int?
    init(decidesAfter: Int?) { self.decidesAfter = decidesAfter }
    var finalEvaluations: Int { finals.withLock { $0 } }
    func evaluate(_ window: GateWindow) async throws -> GateResult {
        guard window.final else { return GateResult(gate: name, passed: true, detail: "3 calls so far") }
        let count = finals.withLock {
            $0 += 1; return $0
        }
        if let decidesAfter, count >= decidesAfter {
            return GateResult(gate: name, passed: true, detail: "enough calls")
        }
        return GateResult(gate: name, passed: false, detail: "3 invocation(s)", inconclusive: true)
    }
}

/// The rollout's events, in order.
final class EventLog: Sendable {
    private let kinds = Mutex<[RolloutEvent.Kind]>([])
    func append(_ kind: RolloutEvent.Kind) { kinds.withLock { $0.append(kind) } }
    var all: [RolloutEvent.Kind] { kinds.withLock { $0 } }
}

@Suite("Inconclusive steps and warm invocations in the rollout")
struct InconclusiveRolloutTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    func shift(
        _ gate: any HealthGate, policy: InconclusivePolicy, warming: Warming? = nil, sleeper: RecordingSleeper,
        events: EventLog
    ) async throws -> (RolloutOutcome, FakeAlias) {
        let api = FakeAlias(version: "3")
        let outcome = await RolloutEngine(
            api: api, gates: [gate], clock: clock, sleeper: sleeper, gateInterval: 10, inconclusive: policy,
            warming: warming
        ) { event in events.append(event.kind) }
        .shift(
            function: "fn", alias: "live", before: api.alias, newVersion: "4",
            strategy: try Strategy.parse("canary:10%:30s"))
        return (outcome, api)
    }

    @Test("no verdict: the bake goes on to --max-bake, then --on-inconclusive rollback restores the alias")
    func rollback() async throws {
        let sleeper = RecordingSleeper(), events = EventLog()
        let gate = UndecidedGate(decidesAfter: nil)
        let (outcome, api) = try await shift(gate, policy: InconclusivePolicy(), sleeper: sleeper, events: events)
        guard case .undecided(let reason) = outcome else {
            Issue.record("expected a rollback, got \(outcome)")
            return
        }
        #expect(
            reason.contains("inconclusive after 90s (--max-bake 90s), rolled back as --on-inconclusive rollback asks"))
        #expect(reason.contains("canary: 3 invocation(s)"))
        #expect(api.alias.functionVersion == "3" && api.alias.additionalVersionWeights.isEmpty)
        // 30 s bake, then extended to three times it, checked every 10 s.
        #expect(sleeper.recorded.reduce(0, +) == 90)
        #expect(
            events.all.contains(
                .extended(
                    after: 30, until: 90,
                    results: [
                        GateResult(gate: "canary", passed: false, detail: "3 invocation(s)", inconclusive: true)
                    ])))
    }

    @Test("--on-inconclusive proceed goes on to the flip and says so")
    func proceed() async throws {
        let sleeper = RecordingSleeper(), events = EventLog()
        let (outcome, api) = try await shift(
            UndecidedGate(decidesAfter: nil), policy: InconclusivePolicy(maxBakeSeconds: 50, decision: .proceed),
            sleeper: sleeper, events: events)
        #expect(outcome == .completed)
        #expect(api.alias.functionVersion == "4")
        #expect(sleeper.recorded.reduce(0, +) == 50)
        #expect(events.all.contains { if case .proceededInconclusive(50, _) = $0 { true } else { false } })
    }

    @Test("a verdict reached during the extension ends it at once")
    func decidedLater() async throws {
        let sleeper = RecordingSleeper(), events = EventLog()
        let gate = UndecidedGate(decidesAfter: 3)
        let (outcome, _) = try await shift(gate, policy: InconclusivePolicy(), sleeper: sleeper, events: events)
        #expect(outcome == .completed)
        #expect(sleeper.recorded.reduce(0, +) == 50)
        #expect(gate.finalEvaluations == 3)
    }

    @Test("--warm-invocations: N invocations per weighted step, spread over its bake, none after the flip")
    func warming() async throws {
        let sleeper = RecordingSleeper(), events = EventLog()
        let sent = Mutex<[Double]>([])
        let warming = Warming(invocationsPerStep: 6) { sent.withLock { $0.append(sleeper.recorded.reduce(0, +)) } }
        let (outcome, _) = try await shift(
            UndecidedGate(decidesAfter: 1), policy: InconclusivePolicy(), warming: warming, sleeper: sleeper,
            events: events)
        #expect(outcome == .completed)
        // Two before each 10 s slice of the 30 s bake.
        #expect(sent.withLock { $0 } == [0, 0, 10, 10, 20, 20])
        #expect(events.all.contains(.warmed(sent: 6, failed: 0)))
    }

    @Test("a warm invocation that cannot be sent is counted and reported, and the rollout goes on")
    func warmingFailures() async throws {
        let sleeper = RecordingSleeper(), events = EventLog()
        let calls = Mutex(0)
        let warming = Warming(invocationsPerStep: 4) {
            let count = calls.withLock {
                $0 += 1; return $0
            }
            if count.isMultiple(of: 2) { throw Throttled() }
        }
        let (outcome, _) = try await shift(
            UndecidedGate(decidesAfter: 1), policy: InconclusivePolicy(), warming: warming, sleeper: sleeper,
            events: events)
        #expect(outcome == .completed)
        #expect(events.all.contains(.warmed(sent: 2, failed: 2)))
    }
}

/// An invocation Lambda refused (a throttle).
struct Throttled: Error {}
