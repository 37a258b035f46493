import Ports
import AWSServices
import LambdaShiftCore
import FoundationEssentials

/// One version's numbers over a window, from the metrics Lambda publishes per version behind
/// an alias (Resource = function:alias, ExecutedVersion = N).
package struct VersionSample: Sendable, Equatable {
    package var version: String
    package var invocations: Int
    /// Errors + Throttles.
    package var failures: Int
    /// Duration percentiles in milliseconds; nil when CloudWatch has no data point.
    package var p50: Double?
    package var p99: Double?

    package init(version: String, invocations: Int, failures: Int, p50: Double? = nil, p99: Double? = nil) {
        self.version = version
        self.invocations = invocations
        self.failures = failures
        self.p50 = p50
        self.p99 = p99
    }

    /// failures / invocations (0 without invocations).
    package var failureRate: Double { invocations == 0 ? 0 : Double(failures) / Double(invocations) }
}

/// The new version beside the stable one over the same window, and what was concluded.
package struct CanaryComparison: Sendable, Equatable {
    package enum Verdict: String, Sendable, Equatable {
        case pass, fail, inconclusive
    }
    package var stable: VersionSample
    package var candidate: VersionSample
    package var verdict: Verdict
    /// Why, in one clause per check.
    package var reasons: [String]
    /// The one-sided p-value of the error-rate excess, when it was tested.
    package var pValue: Double?
}

/// The limits a comparison applies.
package struct CanaryLimits: Sendable, Equatable {
    /// How far the new version's failure rate may exceed the stable one's, in percentage points.
    package var maxErrorRateIncreasePoints: Double?
    /// How far the new version's p99 Duration may exceed the stable one's, in percent.
    package var maxDurationIncreasePercent: Double?
    /// The confidence an excess needs to count (0.95: a one-sided p-value below 0.05).
    package var confidence: Double
    /// The fewest invocations of each version worth a verdict.
    package var minInvocations: Int

    package init(
        maxErrorRateIncreasePoints: Double?, maxDurationIncreasePercent: Double?, confidence: Double = 0.95,
        minInvocations: Int
    ) {
        self.maxErrorRateIncreasePoints = maxErrorRateIncreasePoints
        self.maxDurationIncreasePercent = maxDurationIncreasePercent
        self.confidence = confidence
        self.minInvocations = minInvocations
    }

    /// Judges `candidate` against `stable`: it fails only on evidence (an excess over the
    /// margin that is significant at `confidence`, or a p99 over the allowed increase), is
    /// inconclusive with too few invocations of either version or without Duration data,
    /// and passes otherwise.
    package func judge(stable: VersionSample, candidate: VersionSample) -> CanaryComparison {
        var reasons: [String] = []
        var failed = false, inconclusive = false
        var pValue: Double?
        // No call at all is no evidence whatever --min-invocations says (0 included).
        let few = [stable, candidate].filter { $0.invocations < max(1, minInvocations) }
        if !few.isEmpty {
            inconclusive = true
            reasons.append(
                few.map { "version \($0.version) had \($0.invocations) invocation(s)" }.joined(separator: " and ")
                    + ", fewer than --min-invocations \(max(1, minInvocations))")
        } else {
            if let points = maxErrorRateIncreasePoints {
                let margin = points / 100
                let difference = candidate.failureRate - stable.failureRate
                let test = CanaryStatistics.excessTest(
                    failuresNew: min(candidate.failures, candidate.invocations), invocationsNew: candidate.invocations,
                    failuresStable: min(stable.failures, stable.invocations), invocationsStable: stable.invocations,
                    margin: margin)
                pValue = test.pValue
                let alpha = 1 - confidence
                let excess =
                    "error rate \(Self.percent(candidate.failureRate)) vs \(Self.percent(stable.failureRate)) on version \(stable.version) (\(Self.points(difference)))"
                if difference <= margin {
                    reasons.append("\(excess): within the \(Decimals.text(points)) pp allowed")
                } else if test.pValue < alpha {
                    failed = true
                    reasons.append(
                        "\(excess): more than the \(Decimals.text(points)) pp allowed, significant at \(Decimals.text(confidence * 100))% (p = \(Self.pValueText(test.pValue)))"
                    )
                } else {
                    reasons.append(
                        "\(excess): over the \(Decimals.text(points)) pp allowed but not significant at \(Decimals.text(confidence * 100))% (p = \(Self.pValueText(test.pValue))): too few calls to tell"
                    )
                }
            }
            if let percent = maxDurationIncreasePercent {
                let thin = [stable, candidate].filter { $0.invocations < Self.p99Sample }
                if !thin.isEmpty {
                    // Below 100 calls a p99 is only the slowest call: no verdict from it.
                    inconclusive = true
                    reasons.append(
                        "p99 needs \(Self.p99Sample) calls of each version; "
                            + thin.map { "version \($0.version) had \($0.invocations)" }.joined(separator: " and "))
                } else if let new = candidate.p99, let old = stable.p99 {
                    let limit = old * (1 + percent / 100)
                    let change = old > 0 ? (new / old - 1) * 100 : (new > 0 ? Double.infinity : 0)
                    let text = "p99 \(Self.milliseconds(new)) vs \(Self.milliseconds(old)) (\(Self.signed(change))%)"
                    if new > limit {
                        failed = true
                        reasons.append("\(text): more than the \(Decimals.text(percent))% allowed")
                    } else {
                        reasons.append("\(text): within the \(Decimals.text(percent))% allowed")
                    }
                } else {
                    inconclusive = true
                    let missing = [candidate, stable].filter { $0.p99 == nil }.map { "version \($0.version)" }
                    reasons.append("no p99 Duration for \(missing.joined(separator: " and ")) yet")
                }
            }
        }
        let verdict: CanaryComparison.Verdict = failed ? .fail : (inconclusive ? .inconclusive : .pass)
        return CanaryComparison(
            stable: stable, candidate: candidate, verdict: verdict, reasons: reasons, pValue: pValue)
    }

    /// The fewest calls of each version for which a p99 is more than the slowest call.
    package static let p99Sample = 100

    // Locale-free formatting: the same text on every machine.
    package static func percent(_ rate: Double) -> String { Decimals.text(rate * 100, decimals: 2) + "%" }
    static func points(_ difference: Double) -> String { signed(difference * 100) + " pp" }
    static func signed(_ value: Double) -> String {
        value.isInfinite ? (value > 0 ? "+inf" : "-inf") : (value >= 0 ? "+" : "") + Decimals.text(value, decimals: 1)
    }
    package static func milliseconds(_ value: Double) -> String { Decimals.text(value, decimals: 1) + " ms" }
    static func pValueText(_ p: Double) -> String { p < 0.0001 ? "< 0.0001" : Decimals.text(p, decimals: 4) }
}

/// Compares the new version with the stable one behind the same alias, over the same window
/// (CloudWatch splits an alias's metrics by ExecutedVersion): failure rate by a one-sided
/// score test against a margin, p99 Duration against an allowed increase.
package struct ComparativeGate: HealthGate {
    package var cloudWatch: any MetricsAPI
    package var function: String
    package var alias: String
    package var limits: CanaryLimits
    package var name: String { "canary" }
    package var comparesVersions: Bool { true }

    package init(cloudWatch: any MetricsAPI, function: String, alias: String, limits: CanaryLimits) {
        self.cloudWatch = cloudWatch
        self.function = function
        self.alias = alias
        self.limits = limits
    }

    package func evaluate(_ window: GateWindow) async throws -> GateResult {
        guard let stableVersion = window.stableVersion else {
            return GateResult(
                gate: name, passed: true, detail: "not judged: version \(window.newVersion) serves alone")
        }
        // One period covering the window: its percentiles are the window's, not an average of minutes'.
        let (from, to) = MetricWindow.covering(window, period: 60)
        let period = max(60, Int(to.timeIntervalSince(from)))
        var queries: [MetricQuery] = []
        for (key, version) in [("s", stableVersion), ("n", window.newVersion)] {
            let dimensions = [
                ("FunctionName", function), ("Resource", "\(function):\(alias)"), ("ExecutedVersion", version),
            ]
            for (metric, stat, id) in [
                ("Invocations", "Sum", "invocations"), ("Errors", "Sum", "errors"), ("Throttles", "Sum", "throttles"),
                ("Duration", "p50", "p50"), ("Duration", "p99", "p99"),
            ] {
                queries.append(
                    MetricQuery(
                        id: "\(key)\(id)", namespace: "AWS/Lambda", metricName: metric, dimensions: dimensions,
                        period: period, stat: stat))
            }
        }
        let results = try await cloudWatch.getMetricData(queries, start: from, end: to)
        func values(_ id: String) -> [Double] { results.first { $0.id == id }?.values ?? [] }
        func sample(_ key: String, _ version: String) -> VersionSample {
            let count = { (id: String) in Int(values(key + id).reduce(0, +).rounded()) }
            return VersionSample(
                version: version, invocations: count("invocations"), failures: count("errors") + count("throttles"),
                p50: values(key + "p50").max(), p99: values(key + "p99").max())
        }
        let comparison = limits.judge(stable: sample("s", stableVersion), candidate: sample("n", window.newVersion))
        let detail = comparison.reasons.joined(separator: "; ")
        switch comparison.verdict {
        case .fail:
            return GateResult(gate: name, passed: false, detail: detail, comparison: comparison)
        case .inconclusive where window.final:
            return GateResult(gate: name, passed: false, detail: detail, inconclusive: true, comparison: comparison)
        case .inconclusive:
            return GateResult(gate: name, passed: true, detail: detail + " so far", comparison: comparison)
        case .pass:
            return GateResult(gate: name, passed: true, detail: detail, comparison: comparison)
        }
    }
}

/// One weighted step of a rollout as the canary analysis saw it, for reports.
package struct CanaryStep: Sendable, Equatable {
    package var weightBasisPoints: Int
    package var comparison: CanaryComparison
    /// What the rollout did with the verdict, in words.
    package var action: String

    package init(weightBasisPoints: Int, comparison: CanaryComparison, action: String) {
        self.weightBasisPoints = weightBasisPoints
        self.comparison = comparison
        self.action = action
    }
}
