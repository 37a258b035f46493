import CISupport
import LambdaShiftCore
import Rollout
import Synchronization

/// Collects the canary analysis of each weighted step from the rollout's events: the last
/// comparison of the step (a bake extended for lack of traffic is judged again), and what the
/// rollout did with it.
final class CanaryRecorder: Sendable {
    private struct State {
        var weight = 0
        var steps: [CanaryStep] = []
        var extendedUntil: Int?
        var judged: [JudgedStep] = []
    }
    private let state = Mutex(State())

    var steps: [CanaryStep] { state.withLock { $0.steps } }
    /// The log-based judge's last verdicts of each step.
    var judged: [JudgedStep] { state.withLock { $0.judged } }
    /// The weight of the step being baked, in basis points.
    var currentWeight: Int { state.withLock { $0.weight } }

    func record(_ kind: RolloutEvent.Kind) {
        state.withLock { s in
            switch kind {
            case .shifted(let basisPoints):
                s.weight = basisPoints
                s.extendedUntil = nil
            case .gate(let result) where !result.metrics.isEmpty:
                let step = JudgedStep(weightBasisPoints: s.weight, metrics: result.metrics)
                if let last = s.judged.last, last.weightBasisPoints == s.weight {
                    s.judged[s.judged.count - 1] = step
                } else {
                    s.judged.append(step)
                }
            case .gate(let result):
                guard let comparison = result.comparison else { return }
                let action =
                    switch comparison.verdict {
                    case .pass: s.extendedUntil.map { "passed after the bake was extended (up to \($0)s)" } ?? "passed"
                    case .fail: "failed: rolled back"
                    case .inconclusive: "no verdict"
                    }
                let step = CanaryStep(weightBasisPoints: s.weight, comparison: comparison, action: action)
                if let last = s.steps.last, last.weightBasisPoints == s.weight {
                    s.steps[s.steps.count - 1] = step
                } else {
                    s.steps.append(step)
                }
            case .extended(_, let until, _):
                s.extendedUntil = until
            case .proceededInconclusive(let after, _):
                if !s.steps.isEmpty {
                    s.steps[s.steps.count - 1].action =
                        "no verdict after \(after)s (--max-bake): went on, as --on-inconclusive proceed asks"
                }
            default: break
            }
        }
    }

    /// After the rollout: a step left without a verdict was the one rolled back.
    func finish(_ outcome: RolloutOutcome) {
        // Only a rollback for want of a verdict (another gate may have failed the step instead).
        guard case .undecided = outcome else { return }
        state.withLock { s in
            if let last = s.steps.last, last.comparison.verdict == .inconclusive {
                s.steps[s.steps.count - 1].action =
                    "no verdict at --max-bake: rolled back, as --on-inconclusive rollback asks"
            }
        }
    }

    /// One log line for a step.
    static func line(weightBasisPoints: Int, _ c: CanaryComparison) -> String {
        func side(_ sample: VersionSample) -> String {
            "version \(sample.version): \(sample.invocations) calls, \(CanaryLimits.percent(sample.failureRate)) errors"
                + (sample.p50.map { ", p50 \(CanaryLimits.milliseconds($0))" } ?? "")
                + (sample.p99.map { ", p99 \(CanaryLimits.milliseconds($0))" } ?? "")
        }
        return
            "canary at \(Strategy.percent(weightBasisPoints)): new \(side(c.candidate)) | stable \(side(c.stable)) → \(c.verdict.rawValue): \(c.reasons.joined(separator: "; "))"
    }
}

extension CanaryStep {
    /// The step as the JSON document has it: rates as fractions, times in ms.
    package var value: JSONValue {
        func side(_ sample: VersionSample) -> JSONValue {
            var members: [String: JSONValue] = [
                "version": .string(sample.version), "invocations": .int(sample.invocations),
                "failures": .int(sample.failures), "error-rate": .double(sample.failureRate),
            ]
            if let p50 = sample.p50 { members["p50-ms"] = .double(p50) }
            if let p99 = sample.p99 { members["p99-ms"] = .double(p99) }
            return .object(members)
        }
        let c = comparison
        var members: [String: JSONValue] = [
            "weight-percent": .double(Double(weightBasisPoints) / 100), "new": side(c.candidate),
            "stable": side(c.stable), "verdict": .string(c.verdict.rawValue),
            "reasons": .array(c.reasons.map { .string($0) }), "action": .string(action),
        ]
        if let p = c.pValue { members["p-value"] = .double(p) }
        return .object(members)
    }

    /// The step as the summary's row.
    package var summaryRow: DeploySummary.CanaryRow {
        let c = comparison
        func side(_ sample: VersionSample) -> DeploySummary.CanaryRow.Side {
            DeploySummary.CanaryRow.Side(
                version: sample.version, invocations: sample.invocations,
                errorRatePercent: sample.failureRate * 100,
                p50: sample.p50.map(CanaryLimits.milliseconds), p99: sample.p99.map(CanaryLimits.milliseconds))
        }
        return DeploySummary.CanaryRow(
            weight: Strategy.percent(weightBasisPoints), candidate: side(c.candidate), stable: side(c.stable),
            verdict: c.verdict.rawValue, why: c.reasons.joined(separator: "; "), action: action)
    }
}

/// One weighted step as the log-based judge saw it: each metric's verdict.
package struct JudgedStep: Sendable, Equatable {
    package var weightBasisPoints: Int
    package var metrics: [JudgedMetric]

    /// The step as the JSON document has it (times in ms).
    package var value: JSONValue {
        .object([
            "weight": .string(Strategy.percent(weightBasisPoints)),
            "metrics": .array(
                metrics.map { m in
                    var members: [String: JSONValue] = [
                        "metric": .string(m.metric), "verdict": .string(m.verdict.rawValue),
                        "detail": .string(m.sentence), "version": .string(m.candidate),
                        "invocations": .int(m.candidateCount), "stable-invocations": .int(m.stableCount),
                    ]
                    if let stable = m.stable { members["stable-version"] = .string(stable) }
                    let numbers: [(String, Double?)] = [
                        ("median", m.candidateMedian), ("stable-median", m.stableMedian), ("p99", m.candidateP99),
                        ("stable-p99", m.stableP99), ("shift", m.shift), ("shift-lower-bound", m.lowerBound),
                        ("allowance", m.allowance),
                    ]
                    for (name, value) in numbers { if let value { members[name] = .double(value) } }
                    return .object(members)
                }),
        ])
    }

    /// The step's rows for the summary's table, and the duration quantiles for its chart.
    package var summaryRows: [DeploySummary.JudgedRow] {
        metrics.map { m in
            func side(_ version: String?, _ count: Int, _ median: Double?, _ p99: Double?) -> String {
                guard let version else { return "–" }
                return "v\(version): \(count)"
                    + (median.map { ", median \(CanaryLimits.milliseconds($0))" } ?? "")
                    + (p99.map { ", p99 \(CanaryLimits.milliseconds($0))" } ?? "")
            }
            let relative = { (value: Double) -> String in
                guard let median = m.stableMedian, median > 0 else { return CanaryLimits.milliseconds(value) }
                return (value >= 0 ? "+" : "") + Decimals.text(value / median * 100, decimals: 1) + "%"
            }
            return DeploySummary.JudgedRow(
                weight: Strategy.percent(weightBasisPoints), metric: m.metric,
                candidate: side(m.candidate, m.candidateCount, m.candidateMedian, m.candidateP99),
                stable: side(m.stable, m.stableCount, m.stableMedian, m.stableP99),
                shift: m.shift.map { relative($0) + (m.lowerBound.map { " (at least \(relative($0)))" } ?? "") } ?? "–",
                allowed: m.allowance.map(relative) ?? "–", verdict: m.verdict.rawValue, why: m.sentence,
                quantiles: m.quantiles.map { ($0.q, $0.candidate, $0.stable) })
        }
    }
}
