import AWSCore
import AWSServices
import FoundationEssentials

/// The Lambda calls the rollout makes on an alias: the seam between the state machine and
/// AWS, so the machine can be tested in milliseconds with a fake.
public protocol AliasAPI: Sendable {
    func getAlias(function: String, alias: String) async throws -> AliasConfiguration
    /// Updates the alias; `description` nil leaves the description as it is.
    func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration
}

extension AliasAPI {
    /// Updates the alias, leaving its description as it is.
    public func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?
    ) async throws -> AliasConfiguration {
        try await updateAlias(
            function: function, alias: alias, version: version, weights: weights, revisionId: revisionId,
            description: nil)
    }
}

extension LambdaClient: AliasAPI {
    public func getAlias(function: String, alias: String) async throws -> AliasConfiguration {
        try await getAlias(function, alias: alias)
    }

    public func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        try await updateAlias(
            function, alias: alias, version: version, additionalVersionWeights: weights, revisionId: revisionId,
            description: description)
    }
}

/// The verdict of a health gate after a bake.
public struct GateResult: Sendable, Equatable {
    public var gate: String
    public var passed: Bool
    public var detail: String
    /// Too little evidence for a verdict either way (too few invocations, no data): not
    /// `passed`, and not a failure; the bake is extended, then `--on-inconclusive` decides.
    public var inconclusive: Bool
    /// The side-by-side numbers of a comparative gate.
    public var comparison: CanaryComparison?

    public init(
        gate: String, passed: Bool, detail: String, inconclusive: Bool = false, comparison: CanaryComparison? = nil
    ) {
        self.gate = gate
        self.passed = passed && !inconclusive
        self.detail = detail
        self.inconclusive = inconclusive
        self.comparison = comparison
    }

    /// Failed with evidence (not merely inconclusive).
    public var failed: Bool { !passed && !inconclusive }
}

/// What a gate judges: the new version over `start…end`, beside the stable version while both
/// serve the alias.
public struct GateWindow: Sendable, Equatable {
    public var newVersion: String
    /// The version serving the rest of the alias's traffic during a weighted step; nil once the
    /// new version serves alone (after the flip).
    public var stableVersion: String?
    public var start: Date
    public var end: Date
    /// False for a check during the bake: a breach fails at once, but too little evidence so
    /// far is not yet a verdict; at the bake's end (`final`) it is.
    public var final: Bool

    public init(newVersion: String, stableVersion: String? = nil, start: Date, end: Date, final: Bool) {
        self.newVersion = newVersion
        self.stableVersion = stableVersion
        self.start = start
        self.end = end
        self.final = final
    }
}

/// A health check watched during every bake and judged at its end: alarms, per-version
/// metrics, the comparison of the new version with the stable one, …
public protocol HealthGate: Sendable {
    var name: String { get }
    /// Whether the gate needs the stable version beside the new one (it is judged only while
    /// both serve: during weighted steps, not after the flip).
    var comparesVersions: Bool { get }
    func evaluate(_ window: GateWindow) async throws -> GateResult
}

extension HealthGate {
    public var comparesVersions: Bool { false }
}
