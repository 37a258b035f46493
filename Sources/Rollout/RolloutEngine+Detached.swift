import Ports
import LambdaShiftCore
import AWSCore
import AWSServices
import FoundationEssentials

/// Where a detached rollout stands after a `deploy --detach` or an `advance` run.
package enum DetachedProgress: Sendable, Equatable {
    /// The alias is at the record's step, baking until its due time.
    case inProgress(RolloutRecord)
    /// The current step's bake has not elapsed, or its gates have no verdict yet (`why`):
    /// nothing changed.
    case waiting(RolloutRecord, why: String?)
    /// The rollout ended: completed (the new version alone, the history good), or any ending a
    /// gated shift has (rolled back, someone else's change, …).
    case ended(RolloutOutcome)
    /// Another `advance` moved the alias between this run's read and its update: nothing
    /// changed by this run.
    case raced
    /// This run stopped before it could judge or move (a read failed, or a signal): the rollout
    /// is where its record says, for the next run.
    case stopped(reason: String, cancelled: Bool)
}

extension RolloutEngine {
    /// `deploy --detach`: the first weighted step, written together with the rollout's record
    /// (one UpdateAlias, guarded by the alias's RevisionId), then the wait for provisioned
    /// concurrency; the rest is left to `advance`. A strategy without weighted steps is not
    /// detached (the caller flips as usual).
    package func startDetached(
        function: String, alias: String, before: AliasConfiguration, newVersion: String, strategy: Strategy,
        bakeAfterSeconds: Int, gates letters: String, settings: GateSettings, restoresAutoDeploy: Bool = false
    ) async -> DetachedProgress {
        guard let first = strategy.steps.first else { return .ended(.failed(reason: "no weighted step")) }
        let now = Int(clock.now().timeIntervalSince1970)
        var history = DeployHistory(description: before.description)
        var record = RolloutRecord(
            newVersion: newVersion, oldVersion: before.functionVersion, step: 0, steps: strategy.steps.count,
            since: now, due: now + first.bakeSeconds, started: now, gates: letters, settings: settings.fingerprint)
        record.restoresAutoDeploy = restoresAutoDeploy
        history.rollout = record
        var failedHistory = history
        failedHistory.rollout = nil
        var revision: String? = before.revisionId
        do {
            try Task.checkCancellation()
            let sent = revision
            revision = nil
            let moved = try await api.updateAlias(
                function: function, alias: alias, version: before.functionVersion, weights: [newVersion: first.weight],
                revisionId: sent, description: history.rendered())
            revision = moved.revisionId
            emit(.shifted(basisPoints: first.basisPoints))
            if let ending = try await awaitCapacity(function) {
                return .ended(
                    await restore(
                        function, alias, before: before, newVersion: newVersion, revision: revision, outcome: ending,
                        history: failedHistory))
            }
            return .inProgress(
                await restartClock(
                    function, alias, record: record, revision: revision, strategy: strategy,
                    bakeAfterSeconds: bakeAfterSeconds))
        } catch is CancellationError {
            return .ended(
                await restore(
                    function, alias, before: before, newVersion: newVersion, revision: revision, outcome: .cancelled,
                    history: failedHistory))
        } catch let error as AWSServiceError where error.kind == .preconditionFailed {
            let now = try? await api.getAlias(function: function, alias: alias)
            return .ended(.interfered(now: now.map(Self.describe) ?? "unknown"))
        } catch {
            return .ended(
                await restore(
                    function, alias, before: before, newVersion: newVersion, revision: revision,
                    outcome: .failed(reason: sentence(of: error)), history: failedHistory))
        }
    }

    /// One `advance` run over a rollout whose record matches the alias (`current`): before
    /// the step's bake has elapsed, a restore if a gate has already failed, else waiting; after it, the gates judged over everything since
    /// the step began (alarm history included, so an alarm that fired and cleared between runs
    /// counts), then the next step, the flip, completion, or a restore. `idle`: nobody ran
    /// `advance` for longer than `--max-idle` past the due time: a gate without a verdict then
    /// gets no more time.
    package func advance(
        function: String, alias: String, current: AliasConfiguration, record: RolloutRecord, strategy: Strategy,
        bakeAfterSeconds: Int, maxIdleSeconds: Int
    ) async -> DetachedProgress {
        let now = clock.now()
        let due = Int(now.timeIntervalSince1970) >= record.due
        let idle = Int(now.timeIntervalSince1970) - record.due > maxIdleSeconds
        let before = AliasConfiguration(
            name: current.name, aliasArn: current.aliasArn, functionVersion: record.oldVersion,
            additionalVersionWeights: [:], revisionId: current.revisionId, description: current.description)
        var history = DeployHistory(description: current.description)
        history.rollout = nil
        let weighted = record.step < strategy.steps.count
        // Before the due time the read is not final: too little evidence is no verdict yet, but a
        // gate that has already failed (an alarm in ALARM now or since the step began, an error
        // rate past its bound over enough invocations) ends the step now instead of leaving its
        // traffic on the failing version until the bake is over.
        let window = GateWindow(
            newVersion: record.newVersion, stableVersion: weighted ? record.oldVersion : nil,
            start: Date(timeIntervalSince1970: TimeInterval(record.since)), end: now, final: due)
        do {
            var results: [GateResult] = []
            for gate in gates where !gate.comparesVersions || weighted {
                results.append(try await gate.evaluate(window))
            }
            let failures = results.filter(\.failed)
            guard due || !failures.isEmpty else { return .waiting(record, why: nil) }
            results.forEach { emit(.gate($0)) }
            if !failures.isEmpty {
                let reason = failures.map { "\($0.gate): \($0.detail)" }.joined(separator: "; ")
                return .ended(
                    await restore(
                        function, alias, before: before, newVersion: record.newVersion, revision: current.revisionId,
                        outcome: .rolledBack(reason: reason), history: history))
            }
            let undecided = results.filter(\.inconclusive)
            if !undecided.isEmpty {
                let bake = record.bakeSeconds(in: strategy, bakeAfterSeconds: bakeAfterSeconds)
                let limit = record.since + max(bake, inconclusive.maxBakeSeconds(forBake: bake))
                let reasons = undecided.map { "\($0.gate): \($0.detail)" }.joined(separator: "; ")
                if Int(now.timeIntervalSince1970) < limit && !idle {
                    return .waiting(
                        record, why: "no verdict yet (\(reasons)); baking on up to \(limit - record.since)s")
                }
                switch inconclusive.decision {
                case .proceed:
                    emit(
                        .proceededInconclusive(after: Int(now.timeIntervalSince1970) - record.since, results: undecided)
                    )
                case .rollback:
                    return .ended(
                        await restore(
                            function, alias, before: before, newVersion: record.newVersion,
                            revision: current.revisionId,
                            outcome: .undecided(
                                reason:
                                    "inconclusive after \(Int(now.timeIntervalSince1970) - record.since)s, rolled back as --on-inconclusive rollback asks: \(reasons)"
                            ), history: history))
                }
            }
            return try await step(
                function, alias, current: current, before: before, record: record, strategy: strategy,
                bakeAfterSeconds: bakeAfterSeconds, history: history)
        } catch let error as AWSServiceError where error.kind == .preconditionFailed {
            return .raced
        } catch is CancellationError {
            return .stopped(reason: "cancelled", cancelled: true)
        } catch {
            // The record moves with the alias in one update: the rollout is where it says.
            return .stopped(reason: sentence(of: error), cancelled: false)
        }
    }

    /// The move after a passed step: the next weight, the flip, or (after the bake at 100 %)
    /// completion; each with the record in the same UpdateAlias, then the capacity wait.
    private func step(
        _ function: String, _ alias: String, current: AliasConfiguration, before: AliasConfiguration,
        record: RolloutRecord, strategy: Strategy, bakeAfterSeconds: Int, history: DeployHistory
    ) async throws -> DetachedProgress {
        let now = Int(clock.now().timeIntervalSince1970)
        let next = record.step + 1
        var moved = history
        let nextRecord = record.at(step: next, since: now, strategy: strategy, bakeAfterSeconds: bakeAfterSeconds)
        let version: String, weights: [String: Double], done: Bool
        if next < strategy.steps.count {
            (version, weights, done) = (record.oldVersion, [record.newVersion: strategy.steps[next].weight], false)
            moved.rollout = nextRecord
        } else if next == strategy.steps.count && bakeAfterSeconds > 0 {
            (version, weights, done) = (record.newVersion, [:], false)
            moved.rollout = nextRecord
        } else {
            (version, weights, done) = (record.newVersion, [:], true)
            if recordsGoodAtFlip { moved = history.succeeded(record.newVersion) }
        }
        let updated = try await api.updateAlias(
            function: function, alias: alias, version: version, weights: weights, revisionId: current.revisionId,
            description: moved.rendered())
        if let weight = weights[record.newVersion] {
            emit(.shifted(basisPoints: Int((weight * 10_000).rounded())))
        } else if record.step < strategy.steps.count {
            emit(.flipped)
        }
        // A flip's allocation is waited on too: Lambda moves it all to the new version.
        if version != record.oldVersion || !weights.isEmpty, record.step < strategy.steps.count,
            let ending = try await awaitCapacity(function)
        {
            return .ended(
                await restore(
                    function, alias, before: before, newVersion: record.newVersion, revision: updated.revisionId,
                    outcome: ending, history: history))
        }
        if done { return .ended(.completed) }
        return .inProgress(
            await restartClock(
                function, alias, record: nextRecord, revision: updated.revisionId, strategy: strategy,
                bakeAfterSeconds: bakeAfterSeconds))
    }

    /// The bake starts once the capacity is ready: a wait that took time moves the record's
    /// clock (the description alone, guarded by the alias's RevisionId). Best effort: the step
    /// has moved either way, and an earlier clock only judges a little more.
    private func restartClock(
        _ function: String, _ alias: String, record: RolloutRecord, revision: String?, strategy: Strategy,
        bakeAfterSeconds: Int
    ) async -> RolloutRecord {
        let now = Int(clock.now().timeIntervalSince1970)
        guard capacity != nil, now > record.since,
            let current = try? await api.getAlias(function: function, alias: alias), current.revisionId == revision
        else { return record }
        var history = DeployHistory(description: current.description)
        let moved = record.at(step: record.step, since: now, strategy: strategy, bakeAfterSeconds: bakeAfterSeconds)
        history.rollout = moved
        do {
            _ = try await api.updateAlias(
                function: function, alias: alias, version: current.functionVersion,
                weights: current.additionalVersionWeights, revisionId: revision, description: history.rendered())
            return moved
        } catch {
            return record
        }
    }
}
