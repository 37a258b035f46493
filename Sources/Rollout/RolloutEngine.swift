import AWSCore
import AWSServices
import Foundation

/// What happened to the alias.
public enum RolloutOutcome: Sendable, Equatable {
    /// The alias serves the new version alone.
    case completed
    /// A gate failed; the alias was put back as it was.
    case rolledBack(reason: String)
    /// The run was cancelled (SIGINT/SIGTERM); the alias was put back as it was.
    case cancelled
    /// Something failed after the alias moved; it was put back as it was.
    case failed(reason: String)
    /// Someone else changed the alias mid-rollout: left as they set it, not overwritten.
    case interfered(now: String)
    /// Putting the alias back failed: it may be split between versions.
    case rollbackFailed(reason: String)
}

/// One thing the engine did, for the timeline in reports.
public struct RolloutEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case shifted(basisPoints: Int)
        case baking(seconds: Int)
        case gate(GateResult)
        case flipped
        case restored
    }
    public var at: Date
    public var kind: Kind
}

/// Moves an alias from its current version to a new one by a strategy: each step sets the
/// new version's weight (with the alias's RevisionId, so a concurrent change is detected),
/// bakes, then asks every gate; all pass → the next step, finally the flip (primary = new,
/// no routing) and an optional bake after 100 %. A failed gate, an error once the alias has
/// moved, or cancellation puts the alias back exactly as it was found (primary and weights),
/// again guarded by RevisionId. Clock and sleeper are injected.
public struct RolloutEngine: Sendable {
    public var api: any AliasAPI
    public var gates: [any HealthGate]
    public var clock: any AWSClock
    public var sleeper: any Sleeper
    public var onEvent: @Sendable (RolloutEvent) -> Void

    public init(api: any AliasAPI, gates: [any HealthGate] = [], clock: any AWSClock = SystemClock(), sleeper: any Sleeper = TaskSleeper(),
                onEvent: @escaping @Sendable (RolloutEvent) -> Void = { _ in }) {
        self.api = api
        self.gates = gates
        self.clock = clock
        self.sleeper = sleeper
        self.onEvent = onEvent
    }

    /// Shifts `alias` of `function` to `newVersion`. `before` is the alias as read before the
    /// run (what a rollback restores).
    public func shift(function: String, alias: String, before: AliasConfiguration, newVersion: String,
                      strategy: Strategy, bakeAfterSeconds: Int = 0) async -> RolloutOutcome {
        // `revision` is the alias's RevisionId as we last set it; nil once an update was sent
        // whose outcome is unknown (cancelled or cut off mid-flight): the alias may have moved.
        var revision = before.revisionId
        var attempted = false
        do {
            for step in strategy.steps {
                try Task.checkCancellation()
                attempted = true
                let sent = revision
                revision = nil
                let updated = try await update(function, alias, version: before.functionVersion,
                                               weights: [newVersion: step.weight], revision: sent)
                revision = updated.revisionId
                emit(.shifted(basisPoints: step.basisPoints))
                if let failure = try await bakeAndCheck(newVersion: newVersion, seconds: step.bakeSeconds) {
                    return await restore(function, alias, before: before, newVersion: newVersion, revision: revision, outcome: .rolledBack(reason: failure))
                }
            }
            try Task.checkCancellation()
            attempted = true
            let sent = revision
            revision = nil
            let flipped = try await update(function, alias, version: newVersion, weights: [:], revision: sent)
            revision = flipped.revisionId
            emit(.flipped)
            if bakeAfterSeconds > 0, let failure = try await bakeAndCheck(newVersion: newVersion, seconds: bakeAfterSeconds) {
                return await restore(function, alias, before: before, newVersion: newVersion, revision: revision, outcome: .rolledBack(reason: failure))
            }
            return .completed
        } catch is CancellationError {
            return attempted ? await restore(function, alias, before: before, newVersion: newVersion, revision: revision, outcome: .cancelled) : .cancelled
        } catch let error as AWSServiceError where error.code == "PreconditionFailedException" {
            let now = (try? await api.getAlias(function: function, alias: alias)).map(Self.describe) ?? "unknown"
            return .interfered(now: now)
        } catch {
            let reason = LambdaShiftErrorText.sentence(error)
            return attempted ? await restore(function, alias, before: before, newVersion: newVersion, revision: revision, outcome: .failed(reason: reason)) : .failed(reason: reason)
        }
    }

    /// Bakes, then runs every gate. Returns the failure, or nil when all passed.
    func bakeAndCheck(newVersion: String, seconds: Int) async throws -> String? {
        let start = clock.now()
        emit(.baking(seconds: seconds))
        try await sleeper.sleep(seconds: Double(seconds))
        let end = clock.now()
        var failures: [String] = []
        for gate in gates {
            let result = try await gate.evaluate(newVersion: newVersion, start: start, end: end)
            emit(.gate(result))
            if !result.passed { failures.append("\(result.gate): \(result.detail)") }
        }
        return failures.isEmpty ? nil : failures.joined(separator: "; ")
    }

    /// Puts the alias back as it was. Runs in a task of its own so that a cancellation of the
    /// run (the very reason for some rollbacks) does not cancel the rollback. When the last
    /// update's outcome is unknown (`revision` nil), the alias is read first: if it holds a state
    /// this run could have set, its RevisionId is used; anything else is someone else's change.
    func restore(_ function: String, _ alias: String, before: AliasConfiguration, newVersion: String, revision: String?,
                 outcome: RolloutOutcome) async -> RolloutOutcome {
        let api = self.api
        let result: Result<AliasConfiguration, any Error> = await Task {
            do {
                var guardRevision = revision
                if guardRevision == nil {
                    let current = try await api.getAlias(function: function, alias: alias)
                    guard Self.couldBeOurs(current, before: before, newVersion: newVersion) else {
                        throw AWSServiceError(service: "Lambda", operation: "UpdateAlias", code: "PreconditionFailedException",
                                              message: "the alias holds a state this run did not set", status: 412, requestId: nil)
                    }
                    guardRevision = current.revisionId
                }
                return .success(try await api.updateAlias(function: function, alias: alias, version: before.functionVersion,
                                                          weights: before.additionalVersionWeights, revisionId: guardRevision))
            } catch {
                return .failure(error)
            }
        }.value
        switch result {
        case .success:
            emit(.restored)
            return outcome
        case .failure(let error as AWSServiceError) where error.code == "PreconditionFailedException":
            let now = (try? await api.getAlias(function: function, alias: alias)).map(Self.describe) ?? "unknown"
            return .interfered(now: now)
        case .failure(let error):
            return .rollbackFailed(reason: LambdaShiftErrorText.sentence(error))
        }
    }

    /// States this run sets: as found, the old primary with only the new version weighted, or
    /// the new version alone.
    static func couldBeOurs(_ alias: AliasConfiguration, before: AliasConfiguration, newVersion: String) -> Bool {
        if alias.functionVersion == before.functionVersion && alias.additionalVersionWeights == before.additionalVersionWeights { return true }
        if alias.functionVersion == before.functionVersion && Set(alias.additionalVersionWeights.keys) == [newVersion] { return true }
        return alias.functionVersion == newVersion && alias.additionalVersionWeights.isEmpty
    }

    private func update(_ function: String, _ alias: String, version: String, weights: [String: Double], revision: String?) async throws -> AliasConfiguration {
        try await api.updateAlias(function: function, alias: alias, version: version, weights: weights, revisionId: revision)
    }

    private func emit(_ kind: RolloutEvent.Kind) { onEvent(RolloutEvent(at: clock.now(), kind: kind)) }

    /// `version 3` or `version 3 (90%) + version 4 (10%)`.
    public static func describe(_ alias: AliasConfiguration) -> String {
        guard !alias.additionalVersionWeights.isEmpty else { return "version \(alias.functionVersion)" }
        let routed = alias.additionalVersionWeights.values.reduce(0, +)
        let others = alias.additionalVersionWeights.sorted { $0.key < $1.key }
            .map { "version \($0.key) (\(Int(($0.value * 100).rounded()))%)" }.joined(separator: " + ")
        return "version \(alias.functionVersion) (\(Int(((1 - routed) * 100).rounded()))%) + \(others)"
    }
}

/// One sentence for an error, whatever its type.
enum LambdaShiftErrorText {
    static func sentence(_ error: any Error) -> String {
        switch error {
        case let error as AWSClientError: error.description
        case let error as AWSServiceError: error.description
        default: "\(error)"
        }
    }
}
