import Ports
import Hashing
import AWSCore
import AWSServices
import CISupport
import FoundationEssentials
import LambdaShiftCore
import Rollout
import Synchronization

/// A target of a run over several: the summary's row, the JSON document's entry and the
/// targets output are this one type.
package typealias TargetResult = DeploySummary.TargetRow

/// A deploy: one target, or several functions (and regions) as one. The one path every deploy
/// takes, a single target being a fleet of one: the package built once (for one target, while
/// its preflight reads); every target's code updated, published and smoke-tested before any
/// traffic moves anywhere; then the shifts in waves, each wave's targets in parallel (bounded),
/// each with its own strategy and gates; old versions pruned and function URLs set only once
/// every target succeeded. Any failure, error or signal restores every alias the run moved,
/// exactly as found, in parallel.
package struct DeployRun: Sendable {
    package var targets: DeployTargets
    /// One per plan: the AWS clients of its region.
    package var deps: [DeployDependencies]
    package var report: any DeployEvents

    package init(targets: DeployTargets, deps: [DeployDependencies], events: any DeployEvents) {
        precondition(targets.plans.count == deps.count)
        self.targets = targets
        self.deps = deps
        report = events
    }

    struct Slot: Sendable {
        var pipeline: DeployPipeline
        var outputs: DeployOutputs
        var ready: DeployPipeline.Ready?
        var result: DeployResult?
        /// Completed shifts (the alias moved to the new version).
        var moved = false
    }

    /// Whether the run has one target: its events are the run's own (no target named), it
    /// packages while its preflight reads, and its result is the whole run's.
    var single: Bool { targets.plans.count == 1 }

    /// The run's result, and with several targets a row per target (none for one).
    package func run() async -> (DeployResult, [TargetResult]) {
        let plans = targets.plans
        let ledger = UploadLedger()
        let single = self.single
        var slots = plans.indices.map { index in
            var shared = deps[index]
            shared.store = SharedUploads(inner: deps[index].store, region: deps[index].region, ledger: ledger)
            let events = single ? report : report.about(DeployTargets.label(plans[index]))
            let pipeline = DeployPipeline(plan: plans[index], deps: shared, events: events)
            return Slot(pipeline: pipeline, outputs: pipeline.initialOutputs)
        }
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lambda-shift-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: workDirectory) }

        // 1. One package for every target (one target packages in its own preparation, while
        // its preflight reads).
        var package: PreparedCode?
        // An image is resolved by each target, in its own region: nothing to package.
        if !single && plans[0].source.packageType == .zip {
            report.phase("Package (once, for \(plans.count) targets)")
            do {
                try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
                let made = try await plans[0].source.prepare(
                    out: workDirectory.appendingPathComponent("package.zip").path, environment: deps[0].environment,
                    store: deps[0].store)
                report.event(
                    "package: \(made.package.size) bytes, \(made.package.filesDescription), sha256 \(made.package.sha256Hex)"
                )
                package = made
            } catch {
                var outputs = DeployOutputs(outcome: .failed)
                let failed = DeployPipeline.failure(error, outputs: &outputs)
                return (failed, slots.map { Self.row($0, outcome: .notMoved, detail: "nothing was done") })
            }
        }

        // 2. Every target up to its shift, before any traffic moves.
        if !single { report.phase("Update, publish and smoke-test every target") }
        let shared = package
        let initial = slots
        let prepared = await BoundedTasks.run(initial, limit: targets.parallel) { original in
            var slot = original
            do {
                switch try await slot.pipeline.prepare(&slot.outputs, package: shared) {
                case .finished(let result): slot.result = result
                case .ready(let ready):
                    slot.ready = ready
                    // A web function's endpoint, found by its preflight, is the alias the shift moves.
                    if let alias = ready.alias { slot.pipeline.plan.alias = alias }
                }
            } catch {
                slot.result = DeployPipeline.failure(error, outputs: &slot.outputs)
            }
            return slot
        }
        slots = prepared.compactMap { $0 }  // nothing stops this phase early: every one ran
        if let failed = Self.cause(Array(slots.indices), in: slots) {
            // Nothing has moved: the other targets stay as they are.
            return await finish(slots, failedAt: failed, restores: [])
        }

        // 3. The shifts, wave by wave; the first failure stops its wave and every later one.
        for (number, wave) in targets.waves.enumerated() {
            let movable = wave.filter { slots[$0].ready != nil }
            guard !movable.isEmpty else { continue }
            if !single {
                report.phase(
                    "Wave \(number + 1) of \(targets.waves.count): "
                        + movable.map { DeployTargets.label(plans[$0]) }.joined(separator: ", "))
            }
            let shifted = await Self.shiftWave(movable.map { slots[$0] }, limit: targets.parallel)
            for (index, slot) in zip(movable, shifted) { slots[index] = slot }
            if let failed = Self.cause(movable, in: slots) {
                let restores = await restoreMoved(&slots)
                return await finish(slots, failedAt: failed, restores: restores)
            }
        }
        // Every target succeeded: only now may old versions go (a restore might have needed them),
        // and only now do previews get their function URLs.
        for slot in slots where slot.moved { await slot.pipeline.pruneVersions() }
        for index in slots.indices {
            guard let auth = slots[index].pipeline.plan.functionURL,
                let result = slots[index].result, [.deployed, .skipped].contains(result.outcome)
            else { continue }
            let url = await slots[index].pipeline.ensureFunctionURL(auth)
            slots[index].result?.outputs.url = url ?? result.outputs.url
        }
        return await finish(slots, failedAt: nil, restores: [])
    }

    /// The target whose failure stopped the run: the first that failed on its own, rather than
    /// one cancelled because of it (a signal cancels them all: then the first cancelled).
    static func cause(_ indices: [Int], in slots: [Slot]) -> Int? {
        let failed = indices.filter { (slots[$0].result?.exitCode ?? 0) != 0 }
        return failed.first { slots[$0].result?.exitCode != ExitStatus.cancelled } ?? failed.first
    }

    /// Shifts every slot at once (bounded); the first failure cancels the others, whose engines
    /// restore their own aliases; those not started stay as they were.
    static func shiftWave(_ slots: [Slot], limit: Int) async -> [Slot] {
        let shifted = await BoundedTasks.run(slots, limit: limit, stop: { ($0.result?.exitCode ?? 0) != 0 }) {
            original in
            var slot = original
            guard let ready = slot.ready else { return slot }
            let result = await slot.pipeline.shift(ready, outputs: &slot.outputs)
            slot.result = result
            slot.moved = result.outcome == .deployed
            return slot
        }
        return zip(slots, shifted).map { $1 ?? $0 }
    }

    /// Puts back every alias this run moved to its new version (earlier waves, and this wave's
    /// finished ones), in parallel. Returns the failures' sentences.
    func restoreMoved(_ slots: inout [Slot]) async -> [String] {
        let moved = slots.indices.filter { slots[$0].moved }
        guard !moved.isEmpty else { return [] }
        report.phase("Restore every alias this run moved")
        let current = slots
        let undone = await BoundedTasks.run(moved, limit: max(moved.count, 1)) { index -> (Int, String?) in
            let slot = current[index]
            let plan = slot.pipeline.plan
            let lambda = slot.pipeline.deps.functions
            let label = DeployTargets.label(plan)
            let report = slot.pipeline.report
            guard let ready = slot.ready else { return (index, nil) }
            guard let before = ready.before else {
                // A first deploy created the alias: it did not exist before.
                do {
                    // In a task of its own: the signal that may have stopped the run must not stop this.
                    try await Task { try await lambda.deleteAlias(plan.function, alias: plan.alias) }.value
                    report.event("alias \(plan.alias) deleted (this run created it)")
                    return (index, nil)
                } catch {
                    return (index, "\(label): \(sentence(of: error))")
                }
            }
            report.line("restoring alias \(plan.alias) to \(RolloutEngine.describe(before))…")
            let outcome = await RolloutEngine(api: lambda, clock: slot.pipeline.deps.clock).undo(
                function: plan.function, alias: plan.alias, before: before, newVersion: ready.version)
            switch outcome {
            case .rolledBack:
                report.event("alias \(plan.alias) restored to \(RolloutEngine.describe(before))")
                return (index, nil)
            case .interfered(let now):
                return (
                    index, "\(label): someone else changed alias \(plan.alias) (it serves \(now)); left as they set it"
                )
            case .rollbackFailed(let reason):
                return (index, "\(label): \(reason)")
            default:
                return (index, "\(label): \(outcome)")
            }
        }
        var failures: [String] = []
        for case let (index, failure)? in undone {
            slots[index].moved = false
            if let failure {
                failures.append(failure)
                // Its failure is among `failures`, which make the run's exit 5.
                slots[index].result?.outputs.outcome = .failed
            } else {
                slots[index].result?.outputs.outcome = .rolledBack
                let restoredVersion = slots[index].ready?.before?.functionVersion ?? ""
                slots[index].result?.outputs.version = restoredVersion
                let before = slots[index].ready?.before.map(RolloutEngine.describe) ?? "no alias"
                slots[index].result?.message = ""
                slots[index].result?.reason = "restored to \(before): another target of this run failed"
            }
        }
        return failures
    }

    /// Settles what each prepared target asked for that only the run's end decides (provisioned
    /// concurrency on a version: kept where the traffic is), then concludes.
    func finish(_ slots: [Slot], failedAt failed: Int?, restores: [String]) async -> (DeployResult, [TargetResult]) {
        for slot in slots {
            // A detached rollout's end is an `advance` run's to settle.
            guard let ready = slot.ready, slot.result?.outcome != .inProgress else { continue }
            let succeeded = slot.moved && failed == nil
            let servesOld = slot.result?.outputs.version == ready.before?.functionVersion
            await slot.pipeline.settleCapacity(ready, succeeded: succeeded, servesOld: !succeeded && servesOld)
        }
        return conclude(slots, failedAt: failed, restores: restores)
    }

    /// The whole run's result: every target's row, the outcome and exit code of the whole.
    func conclude(_ slots: [Slot], failedAt failed: Int?, restores: [String]) -> (DeployResult, [TargetResult]) {
        // A run of one is its target's result.
        if single, let result = slots[0].result { return (result, []) }
        let stoppedByOther = failed.map { slots[$0].result?.exitCode != ExitStatus.cancelled } ?? false
        let rows = slots.indices.map { index -> TargetResult in
            let slot = slots[index]
            if let result = slot.result {
                // A sibling cancelled because another target failed was restored by its own
                // rollout: rolled back, for that other target's reason.
                if stoppedByOther, index != failed, result.exitCode == ExitStatus.cancelled {
                    return Self.row(
                        slot, outcome: .rolledBack,
                        detail: "stopped because \(DeployTargets.label(slots[failed!].pipeline.plan)) failed: "
                            + (result.reason ?? ""))
                }
                return Self.row(
                    slot, outcome: result.outcome,
                    detail: result.message.isEmpty ? (result.reason ?? "") : result.message)
            }
            return Self.row(slot, outcome: .notMoved, detail: "prepared; not shifted: the run stopped first")
        }
        var outputs = DeployOutputs()
        if let package = slots.lazy.map({ $0.result?.outputs ?? $0.outputs }).first(where: { $0.sha256 != nil }) {
            outputs.sha256 = package.sha256
            outputs.codeSha256 = package.codeSha256
            outputs.environment = package.environment
        }
        guard let failed else {
            outputs.outcome = rows.allSatisfy { $0.outcome == .skipped } ? .skipped : .deployed
            return (
                DeployResult(
                    outputs: outputs,
                    message: "Deployed \(rows.count) targets: "
                        + rows.map {
                            "\($0.label) → \($0.version) (\($0.outcome))"
                        }
                        .joined(separator: ", ") + "."),
                rows
            )
        }
        let failure = slots[failed].result ?? DeployResult(outputs: DeployOutputs(outcome: .failed))
        let label = DeployTargets.label(slots[failed].pipeline.plan)
        var code = failure.exitCode
        var restores = restores
        for (index, slot) in slots.enumerated() where index != failed {
            if slot.result?.exitCode == ExitStatus.rollbackFailed {
                restores.append(
                    "\(DeployTargets.label(slot.pipeline.plan)): \(slot.result?.reason ?? "its rollout could not restore it")"
                )
            }
        }
        if !restores.isEmpty { code = ExitStatus.rollbackFailed }
        outputs.outcome = Outcome(failureCode: code)
        let restored = rows.indices.filter { $0 != failed && rows[$0].outcome == .rolledBack }.map { rows[$0] }
        var sentence = "\(label): \(failure.reason ?? failure.outcome.word)"
        sentence +=
            restored.isEmpty
            ? " No other alias had moved; every other target is left as it was."
            : " Every other alias this run moved was restored: "
                + restored.map {
                    "\($0.label) to version \($0.previousVersion)"
                }
                .joined(separator: ", ") + "."
        if !restores.isEmpty {
            sentence = "ROLLBACK FAILED for " + restores.joined(separator: "; ") + ". " + sentence
        }
        return (DeployResult(outputs: outputs, reason: sentence), rows)
    }

    static func row(_ slot: Slot, outcome: Outcome, detail: String) -> TargetResult {
        let plan = slot.pipeline.plan
        let outputs = slot.result?.outputs ?? slot.outputs
        return TargetResult(
            function: plan.function, region: plan.region ?? slot.pipeline.deps.region, alias: plan.alias,
            previousVersion: outputs.previousVersion ?? "",
            version: outputs.version ?? outputs.previousVersion ?? "",
            publishedVersion: outputs.publishedVersion ?? "", outcome: outcome, detail: detail)
    }

}
