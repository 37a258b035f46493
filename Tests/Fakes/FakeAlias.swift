import AWSCore
import AWSServices
import Ports
import Synchronization

/// An alias with Lambda's RevisionId semantics, in memory.
package final class FakeAlias: AliasAPI {
    package struct Call: Equatable, Sendable {
        package var version: String
        package var weights: [String: Double]
        package var revisionId: String?

        package init(version: String, weights: [String: Double], revisionId: String?) {
            self.version = version
            self.weights = weights
            self.revisionId = revisionId
        }
    }
    private let state: Mutex<(alias: AliasConfiguration, calls: [Call], revision: Int, failUpdatesAfter: Int?)>
    /// The alias's provisioned concurrency as successive reads see it (the last one repeats),
    /// and what each read returned, interleaved with the updates ("update 3 {4: 0.1}").
    private let capacity = Mutex<(answers: [ProvisionedConcurrency], log: [String])>(([], []))
    /// Lambda's answer to an update with weights (nil: accepted).
    package let refuseWeighted = Mutex<AWSServiceError?>(nil)

    package init(version: String, weights: [String: Double] = [:]) {
        state = Mutex(
            (
                AliasConfiguration(
                    name: "live", functionVersion: version, additionalVersionWeights: weights, revisionId: "r0"), [], 0,
                nil
            ))
    }

    package var alias: AliasConfiguration { state.withLock { $0.alias } }
    package var capacityLog: [String] { capacity.withLock { $0.log } }

    /// Scripts the provisioned concurrency reads return, in order (the last repeats).
    package func scriptCapacity(_ statuses: [String], requested: Int = 10, reason: String? = nil) {
        capacity.withLock {
            $0.answers = statuses.map {
                ProvisionedConcurrency(
                    requested: requested, available: $0 == "READY" ? requested : 0,
                    allocated: $0 == "READY" ? requested : 0, status: $0, statusReason: $0 == "FAILED" ? reason : nil)
            }
        }
    }

    package func provisionedConcurrency(function: String, qualifier: String) async throws -> ProvisionedConcurrency? {
        capacity.withLock { c in
            guard let first = c.answers.first else { return nil }
            if c.answers.count > 1 { c.answers.removeFirst() }
            c.log.append("read \(first.status)")
            return first
        }
    }
    package var calls: [Call] { state.withLock { $0.calls } }

    /// Someone else moves the alias (a new RevisionId).
    package func interfere(version: String) {
        state.withLock { s in
            s.revision += 1
            s.alias = AliasConfiguration(name: "live", functionVersion: version, revisionId: "other-\(s.revision)")
        }
    }

    /// Every update after the first `count` fails with a 500.
    package func failUpdates(after count: Int) { state.withLock { $0.failUpdatesAfter = count } }

    package func getAlias(function: String, alias: String) async throws -> AliasConfiguration { self.alias }

    package func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        if !weights.isEmpty, let refusal = refuseWeighted.withLock({ $0 }) { throw refusal }
        capacity.withLock { $0.log.append("update \(version) \(weights)") }
        return try state.withLock { s in
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
