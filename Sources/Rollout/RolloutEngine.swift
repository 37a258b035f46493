import Ports
import LambdaShiftCore
import AWSCore
import AWSServices
import FoundationEssentials

/// What happened to the alias.
package enum RolloutOutcome: Sendable, Equatable {
    /// The alias serves the new version alone.
    case completed
    /// A gate failed; the alias was put back as it was.
    case rolledBack(reason: String)
    /// No verdict by `--max-bake` (too little traffic) and `--on-inconclusive rollback`: the
    /// alias was put back as it was.
    case undecided(reason: String)
    /// The run was cancelled (SIGINT/SIGTERM); the alias was put back as it was.
    case cancelled
    /// Something failed after the alias moved; it was put back as it was.
    case failed(reason: String)
    /// Someone else changed the alias mid-rollout: left as they set it, not overwritten.
    case interfered(now: String)
    /// Someone else finished this very rollout (a `promote` from another shell): the alias
    /// serves the new version alone, as a completed rollout would.
    case completedByOther
    /// Putting the alias back failed: it may be split between versions.
    case rollbackFailed(reason: String)
}

/// One thing the engine did, for the timeline in reports.
package struct RolloutEvent: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case shifted(basisPoints: Int)
        case baking(seconds: Int)
        case gate(GateResult)
        /// Every gate checked during a bake, after `elapsed` of `of` seconds, and passed so far.
        case watched(elapsed: Int, of: Int, results: [GateResult])
        case flipped
        /// A restore is starting (said at once: it may take a while under throttling).
        case restoring
        case restored
        /// The bake ended without a verdict (`results` inconclusive): it goes on, up to `until`
        /// seconds in all.
        case extended(after: Int, until: Int, results: [GateResult])
        /// Still no verdict at `--max-bake`: the shift went on as `--on-inconclusive proceed` asks.
        case proceededInconclusive(after: Int, results: [GateResult])
        /// Warm invocations of the alias sent during a bake (`failed` could not be sent).
        case warmed(sent: Int, failed: Int)
        /// The wait for provisioned concurrency after a weight change ended (ready or not).
        case capacity(CapacityCheck)
        /// Lambda refused to restore the routing as it was because of the alias's provisioned
        /// concurrency (`refusal`): the alias was set to `version` alone instead.
        case routingCleared(version: String, refusal: String)
    }
    package var at: Date
    package var kind: Kind
}

/// Moves an alias from its current version to a new one by a strategy: each step sets the
/// new version's weight (with the alias's RevisionId, so a concurrent change is detected),
/// bakes while watching every gate (every `gateInterval` seconds, so a breach is acted on
/// within seconds, as CodeDeploy watches its alarms), then judges them; all pass → the next
/// step, finally the flip (primary = new, no routing) and an optional bake after 100 %. A
/// failed gate, an error once the alias has moved, or cancellation puts the alias back
/// exactly as it was found (primary and weights), again guarded by RevisionId. The outcome
/// is written into the alias's `DeployHistory` with the flip or the restore. Clock and
/// sleeper are injected.
package struct RolloutEngine: Sendable {
    package var api: any AliasAPI
    package var gates: [any HealthGate]
    package var clock: any AWSClock
    package var sleeper: any Sleeper
    /// Seconds between gate checks during a bake.
    package var gateInterval: Double
    /// How a bake without a verdict (a gate inconclusive: too little traffic) ends.
    package var inconclusive: InconclusivePolicy
    /// Traffic sent through the alias during each bake, for a function too quiet to judge.
    package var warming: Warming?
    /// Provisioned concurrency to wait for after every weight change, before the bake starts.
    package var capacity: CapacityWait?
    /// Whether completing the shift records the version good. False when a later check of the
    /// run (a post-traffic command) has still to pass: the caller records it then
    /// (`recordSucceeded`), so a run that ends before that leaves the version unverified.
    package var recordsGoodAtFlip = true
    package var onEvent: @Sendable (RolloutEvent) -> Void

    package init(
        api: any AliasAPI, gates: [any HealthGate] = [], clock: any AWSClock = SystemClock(),
        sleeper: any Sleeper = TaskSleeper(),
        gateInterval: Double = 10, inconclusive: InconclusivePolicy = InconclusivePolicy(),
        warming: Warming? = nil, capacity: CapacityWait? = nil,
        onEvent: @escaping @Sendable (RolloutEvent) -> Void = { _ in }
    ) {
        self.api = api
        self.gates = gates
        self.clock = clock
        self.sleeper = sleeper
        self.gateInterval = max(1, gateInterval)
        self.inconclusive = inconclusive
        self.warming = warming
        self.capacity = capacity
        self.onEvent = onEvent
    }

    /// Shifts `alias` of `function` to `newVersion`. `before` is the alias as read before the
    /// run (what a rollback restores).
    package func shift(
        function: String, alias: String, before: AliasConfiguration, newVersion: String,
        strategy: Strategy, bakeAfterSeconds: Int = 0
    ) async -> RolloutOutcome {
        let history = DeployHistory(description: before.description).withoutRollout
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
                let updated = try await update(
                    function, alias, version: before.functionVersion,
                    weights: [newVersion: step.weight], revision: sent)
                revision = updated.revisionId
                emit(.shifted(basisPoints: step.basisPoints))
                if let ending = try await awaitCapacity(function) {
                    return await restore(
                        function, alias, before: before, newVersion: newVersion, revision: revision,
                        outcome: ending, history: history)
                }
                if let ending = try await bakeAndCheck(
                    newVersion: newVersion, stableVersion: before.functionVersion, seconds: step.bakeSeconds)
                {
                    return await restore(
                        function, alias, before: before, newVersion: newVersion, revision: revision,
                        outcome: ending, history: history)
                }
            }
            try Task.checkCancellation()
            attempted = true
            let sent = revision
            revision = nil
            // With a bake after 100% the verdict comes later: the record is written then.
            let flipped = try await api.updateAlias(
                function: function, alias: alias, version: newVersion, weights: [:], revisionId: sent,
                description: bakeAfterSeconds > 0 || !recordsGoodAtFlip ? nil : history.succeeded(newVersion).rendered()
            )
            revision = flipped.revisionId
            emit(.flipped)
            if let ending = try await awaitCapacity(function) {
                return await restore(
                    function, alias, before: before, newVersion: newVersion, revision: revision,
                    outcome: ending, history: history)
            }
            if bakeAfterSeconds > 0 {
                if let ending = try await bakeAndCheck(
                    newVersion: newVersion, stableVersion: nil, seconds: bakeAfterSeconds)
                {
                    return await restore(
                        function, alias, before: before, newVersion: newVersion, revision: revision,
                        outcome: ending, history: history)
                }
                // Recorded only if the alias is still as this run left it.
                if recordsGoodAtFlip {
                    _ = try? await api.updateAlias(
                        function: function, alias: alias, version: newVersion, weights: [:], revisionId: revision,
                        description: history.succeeded(newVersion).rendered())
                }
            }
            return .completed
        } catch is CancellationError {
            return attempted
                ? await restore(
                    function, alias, before: before, newVersion: newVersion, revision: revision, outcome: .cancelled)
                : .cancelled
        } catch let error as AWSServiceError where error.kind == .preconditionFailed {
            let now = try? await api.getAlias(function: function, alias: alias)
            if let now, now.functionVersion == newVersion, now.additionalVersionWeights.isEmpty {
                // Someone promoted this very version: the rollout is finished, not broken.
                if recordsGoodAtFlip {
                    _ = try? await api.updateAlias(
                        function: function, alias: alias, version: newVersion, weights: [:],
                        revisionId: now.revisionId, description: history.succeeded(newVersion).rendered())
                }
                return .completedByOther
            }
            return .interfered(now: now.map(Self.describe) ?? "unknown")
        } catch {
            let reason = sentence(of: error)
            return attempted
                ? await restore(
                    function, alias, before: before, newVersion: newVersion, revision: revision,
                    outcome: .failed(reason: reason)) : .failed(reason: reason)
        }
    }

    /// Waits for the provisioned concurrency after a weight change: nil once it is `READY` (or
    /// there is none), a rollback when Lambda could not allocate it or the timeout passed.
    func awaitCapacity(_ function: String) async throws -> RolloutOutcome? {
        guard let capacity,
            let check = try await capacity.wait(function: function, api: api, clock: clock, sleeper: sleeper)
        else { return nil }
        emit(.capacity(check))
        return check.ready ? nil : .rolledBack(reason: check.failure)
    }

    /// Bakes `seconds` while checking every gate each `gateInterval` seconds (a breach ends
    /// the bake at once), then judges them all at the end. A gate without a verdict
    /// (inconclusive) extends the bake, checked at the same pace, up to the policy's limit;
    /// then the policy decides. Gates that compare versions are judged only while the stable
    /// version serves too. Returns the outcome that ends the rollout (a failure, or no verdict),
    /// or nil to go on.
    func bakeAndCheck(newVersion: String, stableVersion: String?, seconds: Int) async throws -> RolloutOutcome? {
        let start = clock.now()
        let gates = self.gates.filter { !$0.comparesVersions || stableVersion != nil }
        emit(.baking(seconds: seconds))
        let limit = max(seconds, inconclusive.maxBakeSeconds(forBake: seconds))
        let warm = WarmingSchedule(warming: stableVersion == nil ? nil : warming, seconds: seconds)
        func window(final: Bool) -> GateWindow {
            GateWindow(
                newVersion: newVersion, stableVersion: stableVersion, start: start, end: clock.now(), final: final)
        }
        defer { if let sent = warm.report() { emit(sent) } }
        var elapsed = 0.0
        var total = Double(seconds)
        var extended = false
        while true {
            while elapsed < total {
                let paced = !gates.isEmpty || warm.active
                let slice = paced ? min(gateInterval, total - elapsed) : total - elapsed
                await warm.send(upTo: elapsed + slice)
                try await sleeper.sleep(seconds: slice)
                elapsed += slice
                guard elapsed < total else { break }
                var results: [GateResult] = []
                for gate in gates {
                    let result = try await gate.evaluate(window(final: extended))
                    if result.failed || (!extended && !result.passed) {
                        emit(.gate(result))
                        return .rolledBack(
                            reason: "\(result.gate): \(result.detail) (seen \(Int(elapsed))s into a \(seconds)s bake)")
                    }
                    results.append(result)
                }
                if extended, results.allSatisfy(\.passed) {
                    results.forEach { emit(.gate($0)) }
                    return nil
                }
                emit(.watched(elapsed: Int(elapsed), of: Int(total), results: results))
            }
            var results: [GateResult] = []
            for gate in gates { results.append(try await gate.evaluate(window(final: true))) }
            let failures = results.filter(\.failed)
            let undecided = results.filter(\.inconclusive)
            if !failures.isEmpty || undecided.isEmpty {
                results.forEach { emit(.gate($0)) }
                return failures.isEmpty
                    ? nil : .rolledBack(reason: failures.map { "\($0.gate): \($0.detail)" }.joined(separator: "; "))
            }
            guard elapsed < Double(limit) else {
                let reasons = undecided.map { "\($0.gate): \($0.detail)" }.joined(separator: "; ")
                results.forEach { emit(.gate($0)) }
                switch inconclusive.decision {
                case .proceed:
                    emit(.proceededInconclusive(after: Int(elapsed), results: undecided))
                    return nil
                case .rollback:
                    return .undecided(
                        reason:
                            "inconclusive after \(Int(elapsed))s (--max-bake \(limit)s), rolled back as --on-inconclusive rollback asks: \(reasons)"
                    )
                }
            }
            if !extended {
                extended = true
                emit(.extended(after: Int(elapsed), until: limit, results: undecided))
            }
            total = Double(limit)
            warm.extend(to: limit)
        }
    }

    /// Undoes a completed shift (another target of the same run failed): the alias goes back to
    /// `before` if it still holds a state this run set, guarded by its current RevisionId. The
    /// version is recorded as rolled back (it passed its own gates, so it is not called failed),
    /// so no later automatic choice returns this target to the release the run aborted.
    package func undo(function: String, alias: String, before: AliasConfiguration, newVersion: String) async
        -> RolloutOutcome
    {
        await restore(
            function, alias, before: before, newVersion: newVersion, revision: nil,
            outcome: .rolledBack(reason: "another target of this run failed"),
            history: DeployHistory(description: before.description).withoutRollout, leaving: .rolledBack)
    }

    /// Records `newVersion` good once every check of its run has passed (the post-traffic
    /// command after the flip), if the alias still serves it alone; guarded by the RevisionId
    /// just read, so someone else's change is never overwritten. False when it was not recorded.
    package func recordSucceeded(function: String, alias: String, newVersion: String) async -> Bool {
        let api = self.api
        return await Task {
            guard let current = try? await api.getAlias(function: function, alias: alias),
                current.functionVersion == newVersion, current.additionalVersionWeights.isEmpty
            else { return false }
            var history = DeployHistory(description: current.description)
            history.rollout = nil
            let recorded = try? await api.updateAlias(
                function: function, alias: alias, version: newVersion, weights: [:], revisionId: current.revisionId,
                description: history.succeeded(newVersion).rendered())
            return recorded != nil
        }.value
    }

    /// Puts the alias back on `before` after its shift completed and a later check failed (a
    /// post-traffic command): the new version is recorded as failed, so `rollback` never picks it.
    /// A cancellation there records nothing, as one anywhere else in the run: the version was
    /// not judged.
    package func revert(
        function: String, alias: String, before: AliasConfiguration, newVersion: String, outcome: RolloutOutcome
    ) async -> RolloutOutcome {
        await restore(
            function, alias, before: before, newVersion: newVersion, revision: nil, outcome: outcome,
            history: outcome == .cancelled ? nil : DeployHistory(description: before.description).withoutRollout)
    }

    /// Puts the alias back as it was. Runs in a task of its own so that a cancellation of the
    /// run (the very reason for some rollbacks) does not cancel the rollback. When the last
    /// update's outcome is unknown (`revision` nil), the alias is read first: if it holds a state
    /// this run could have set, its RevisionId is used; anything else is someone else's change.
    func restore(
        _ function: String, _ alias: String, before: AliasConfiguration, newVersion: String, revision: String?,
        outcome: RolloutOutcome, history: DeployHistory? = nil, leaving: DeployHistory.Field = .failed
    ) async -> RolloutOutcome {
        let api = self.api
        emit(.restoring)
        // A version that failed its gates is recorded as failed (one that another target's
        // failure took back, as rolled back), so `rollback` never returns to it.
        let description = history.map { leaving == .rolledBack ? $0.rolledBack(newVersion) : $0.failed(newVersion) }?
            .rendered()
        let result: Result<String?, any Error> = await Task {
            do {
                var guardRevision = revision
                if guardRevision == nil {
                    let current = try await api.getAlias(function: function, alias: alias)
                    guard Self.couldBeOurs(current, before: before, newVersion: newVersion) else {
                        throw AliasMovedElsewhere()
                    }
                    guardRevision = current.revisionId
                }
                do {
                    _ = try await api.updateAlias(
                        function: function, alias: alias, version: before.functionVersion,
                        weights: before.additionalVersionWeights, revisionId: guardRevision,
                        description: description)
                    return .success(nil)
                } catch let error as AWSServiceError where Self.refusedForProvisionedConcurrency(error) {
                    // Never leave the alias split in a way Lambda refuses: its primary alone.
                    _ = try await api.updateAlias(
                        function: function, alias: alias, version: before.functionVersion, weights: [:],
                        revisionId: guardRevision, description: description)
                    return .success(error.message)
                }
            } catch {
                return .failure(error)
            }
        }.value
        switch result {
        case .success(nil):
            emit(.restored)
            return outcome
        case .success(let refusal?):
            emit(.routingCleared(version: before.functionVersion, refusal: refusal))
            return outcome
        case .failure(let error)
        where error is AliasMovedElsewhere || (error as? AWSServiceError)?.kind == .preconditionFailed:
            // Someone else's change: found by reading the alias, or by Lambda's 412 on its RevisionId.
            let now = (try? await api.getAlias(function: function, alias: alias)).map(Self.describe) ?? "unknown"
            return .interfered(now: now)
        case .failure(let error):
            return .rollbackFailed(reason: sentence(of: error))
        }
    }

    /// The alias holds a state this run did not set (read before a restore whose last update's
    /// outcome is unknown): a domain fact, not an AWS answer.
    struct AliasMovedElsewhere: Error {}

    /// Lambda's 400 for a routing configuration it cannot serve with the alias's provisioned
    /// concurrency (users report aliases wedged with it until the routing is cleared by hand).
    package static func refusedForProvisionedConcurrency(_ error: AWSServiceError) -> Bool {
        error.status == 400 && error.message.lowercased().contains("alias configuration for provisioned concurrency")
    }

    /// States this run sets: as found, the old primary with only the new version weighted, or
    /// the new version alone.
    static func couldBeOurs(_ alias: AliasConfiguration, before: AliasConfiguration, newVersion: String) -> Bool {
        if alias.functionVersion == before.functionVersion
            && alias.additionalVersionWeights == before.additionalVersionWeights
        {
            return true
        }
        if alias.functionVersion == before.functionVersion && Set(alias.additionalVersionWeights.keys) == [newVersion] {
            return true
        }
        return alias.functionVersion == newVersion && alias.additionalVersionWeights.isEmpty
    }

    private func update(
        _ function: String, _ alias: String, version: String, weights: [String: Double], revision: String?
    ) async throws -> AliasConfiguration {
        try await api.updateAlias(
            function: function, alias: alias, version: version, weights: weights, revisionId: revision, description: nil
        )
    }

    func emit(_ kind: RolloutEvent.Kind) { onEvent(RolloutEvent(at: clock.now(), kind: kind)) }

    /// `version 3` or `version 3 (90%) + version 4 (10%)`.
    package static func describe(_ alias: AliasConfiguration) -> String {
        guard !alias.additionalVersionWeights.isEmpty else { return "version \(alias.functionVersion)" }
        let routed = alias.additionalVersionWeights.values.reduce(0, +)
        let others = alias.additionalVersionWeights.sorted { $0.key < $1.key }
            .map { "version \($0.key) (\(Int(($0.value * 100).rounded()))%)" }.joined(separator: " + ")
        return "version \(alias.functionVersion) (\(Int(((1 - routed) * 100).rounded()))%) + \(others)"
    }
}

/// What ends a bake that has no verdict: wait up to `maxBakeSeconds` (default three times the
/// step's bake), then roll back or proceed.
package struct InconclusivePolicy: Sendable, Equatable {
    package enum Decision: String, Sendable, Equatable {
        case rollback, proceed
    }
    /// The longest a step may bake, in all; nil: three times its bake.
    package var maxBakeSeconds: Int?
    package var decision: Decision

    package init(maxBakeSeconds: Int? = nil, decision: Decision = .rollback) {
        self.maxBakeSeconds = maxBakeSeconds
        self.decision = decision
    }

    package func maxBakeSeconds(forBake seconds: Int) -> Int { maxBakeSeconds ?? seconds * 3 }
}
