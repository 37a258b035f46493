import AWSCore
import AWSServices
import Ports
import Synchronization

/// An alias with Lambda's RevisionId semantics, in memory.
public final class FakeAlias: AliasAPI {
    public struct Call: Equatable, Sendable {
        public var version: String
        public var weights: [String: Double]
        public var revisionId: String?

        public init(version: String, weights: [String: Double], revisionId: String?) {
            self.version = version
            self.weights = weights
            self.revisionId = revisionId
        }
    }
    private let state: Mutex<(alias: AliasConfiguration, calls: [Call], revision: Int, failUpdatesAfter: Int?)>

    public init(version: String, weights: [String: Double] = [:]) {
        state = Mutex(
            (
                AliasConfiguration(
                    name: "live", functionVersion: version, additionalVersionWeights: weights, revisionId: "r0"), [], 0,
                nil
            ))
    }

    public var alias: AliasConfiguration { state.withLock { $0.alias } }
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Someone else moves the alias (a new RevisionId).
    public func interfere(version: String) {
        state.withLock { s in
            s.revision += 1
            s.alias = AliasConfiguration(name: "live", functionVersion: version, revisionId: "other-\(s.revision)")
        }
    }

    /// Every update after the first `count` fails with a 500.
    public func failUpdates(after count: Int) { state.withLock { $0.failUpdatesAfter = count } }

    public func getAlias(function: String, alias: String) async throws -> AliasConfiguration { self.alias }

    public func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        try state.withLock { s in
            s.calls.append(Call(version: version, weights: weights, revisionId: revisionId))
            if let limit = s.failUpdatesAfter, s.calls.count > limit {
                throw AWSServiceError(
                    service: "Lambda", operation: "UpdateAlias", code: "ServiceException", message: "boom", status: 500,
                    requestId: nil)
            }
            try AliasRules.update(
                &s.alias, version: version, weights: weights, revisionId: revisionId, description: description,
                newRevisionId: "r\(s.revision + 1)")
            s.revision += 1
            return s.alias
        }
    }
}
