import AWSCore
import AWSServices
import Foundation

/// The Lambda calls the rollout makes on an alias: the seam between the state machine and
/// AWS, so the machine can be tested in milliseconds with a fake.
public protocol AliasAPI: Sendable {
    func getAlias(function: String, alias: String) async throws -> AliasConfiguration
    func updateAlias(function: String, alias: String, version: String, weights: [String: Double], revisionId: String?) async throws -> AliasConfiguration
}

extension LambdaClient: AliasAPI {
    public func getAlias(function: String, alias: String) async throws -> AliasConfiguration {
        try await getAlias(function, alias: alias)
    }

    public func updateAlias(function: String, alias: String, version: String, weights: [String: Double], revisionId: String?) async throws -> AliasConfiguration {
        try await updateAlias(function, alias: alias, version: version, additionalVersionWeights: weights, revisionId: revisionId)
    }
}

/// The verdict of a health gate after a bake.
public struct GateResult: Sendable, Equatable {
    public var gate: String
    public var passed: Bool
    public var detail: String

    public init(gate: String, passed: Bool, detail: String) {
        self.gate = gate
        self.passed = passed
        self.detail = detail
    }
}

/// A health check evaluated after each bake: alarms, per-version metrics, …
public protocol HealthGate: Sendable {
    var name: String { get }
    /// Judges the new version over `start…end`.
    func evaluate(newVersion: String, start: Date, end: Date) async throws -> GateResult
}
