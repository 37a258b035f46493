import FoundationEssentials
import Ports

/// The verdict of a health gate after a bake.
package struct GateResult: Sendable, Equatable {
    package var gate: String
    package var passed: Bool
    package var detail: String
    /// Too little evidence for a verdict either way (too few invocations, no data): not
    /// `passed`, and not a failure; the bake is extended, then `--on-inconclusive` decides.
    package var inconclusive: Bool
    /// The side-by-side numbers of a comparative gate.
    package var comparison: CanaryComparison?
    /// Not failed so far, on too little evidence to call it healthy (a check during the bake
    /// with fewer invocations than the minimum): reports say "no verdict yet", never "ok".
    package var provisional: Bool
    /// The metrics a log-based judge weighed.
    package var metrics: [JudgedMetric]

    package init(
        gate: String, passed: Bool, detail: String, inconclusive: Bool = false, comparison: CanaryComparison? = nil,
        provisional: Bool = false, metrics: [JudgedMetric] = []
    ) {
        self.gate = gate
        self.passed = passed && !inconclusive
        self.detail = detail
        self.inconclusive = inconclusive
        self.comparison = comparison
        self.provisional = provisional
        self.metrics = metrics
    }

    /// Failed with evidence (not merely inconclusive).
    package var failed: Bool { !passed && !inconclusive }
}

/// What a gate judges: the new version over `start…end`, beside the stable version while both
/// serve the alias.
package struct GateWindow: Sendable, Equatable {
    package var newVersion: String
    /// The version serving the rest of the alias's traffic during a weighted step; nil once the
    /// new version serves alone (after the flip).
    package var stableVersion: String?
    package var start: Date
    package var end: Date
    /// False for a check during the bake: a breach fails at once, but too little evidence so
    /// far is not yet a verdict; at the bake's end (`final`) it is.
    package var final: Bool
    package init(
        newVersion: String, stableVersion: String? = nil, start: Date, end: Date, final: Bool
    ) {
        self.newVersion = newVersion
        self.stableVersion = stableVersion
        self.start = start
        self.end = end
        self.final = final
    }
}

/// A health check watched during every bake and judged at its end: alarms, per-version
/// metrics, the comparison of the new version with the stable one, …
package protocol HealthGate: Sendable {
    var name: String { get }
    /// Whether the gate needs the stable version beside the new one (it is judged only while
    /// both serve: during weighted steps, not after the flip).
    var comparesVersions: Bool { get }
    func evaluate(_ window: GateWindow) async throws -> GateResult
}

extension HealthGate {
    package var comparesVersions: Bool { false }
}
