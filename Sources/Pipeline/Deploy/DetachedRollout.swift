import Rollout
import Ports
import AWSCore
import AWSServices
import CISupport
import LambdaShiftCore
import FoundationEssentials

extension DeployPipeline {
    /// The letters of the gates a detached rollout records (`RolloutRecord.gates`).
    var gateLetters: String {
        (plan.alarms.isEmpty && plan.alarmPrefixes.isEmpty ? "" : "a")
            + (plan.maxErrorRateBasisPoints == nil ? "" : "e")
            + (plan.canary == nil ? "" : "c") + (plan.postTrafficCommand == nil ? "" : "p")
    }

    /// `deploy --detach`: the first weighted step with the rollout's record, then exit 0
    /// `in-progress`; `advance` runs do the rest.
    func startDetached(
        _ ready: Ready, before: AliasConfiguration, engine: RolloutEngine, outputs: inout DeployOutputs
    ) async -> DeployResult {
        let progress = await engine.startDetached(
            function: plan.function, alias: plan.alias, before: before, newVersion: ready.version,
            strategy: plan.strategy, bakeAfterSeconds: plan.bakeSeconds, gates: gateLetters,
            settings: plan.gateSettings, restoresAutoDeploy: ready.restoreAutoDeploy)
        switch progress {
        case .inProgress(let record):
            var result = inProgress(record, outputs: &outputs, moved: true)
            result.hooks = ready.hooks
            return result
        case .ended(let outcome):
            var result = conclude(outcome, outputs: &outputs, version: ready.version, before: before)
            result.hooks = ready.hooks
            return result
        case .waiting, .raced, .stopped:
            // Not answers to a first step: it either moved the alias or ended.
            outputs.outcome = .failed
            return DeployResult(outputs: outputs, reason: "The detached rollout did not start: re-run the deploy.")
        }
    }

    /// A detached rollout at `record`'s step: outputs and the sentence.
    func inProgress(_ record: RolloutRecord, outputs: inout DeployOutputs, moved: Bool) -> DeployResult {
        let weight = record.weight(in: plan.strategy)
        let percent = weight.map { Decimals.text($0 * 100) } ?? "100"
        outputs.outcome = moved ? .inProgress : .waiting
        outputs.version = record.newVersion
        outputs.previousVersion = record.oldVersion
        outputs.publishedVersion = record.newVersion
        outputs.step = "\(record.step + 1)/\(record.steps)"
        outputs.weight = percent
        let due = AWSTimestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(record.due)))
        outputs.nextCheckAt = due
        let now = Int(deps.clock.now().timeIntervalSince1970)
        let left = max(0, record.due - now)
        let state =
            "alias \(plan.alias) sends \(percent)% to version \(record.newVersion) (\(record.stepDescription))"
        var result = DeployResult(
            outputs: outputs,
            message: moved
                ? "In progress: \(state); the next check is due at \(due) (in \(left)s): run `lambda-shift advance` then (a schedule does)."
                : "Waiting: \(state) bakes until \(due) (\(left)s left); nothing changed.")
        result.rollout = RolloutStepRow.rows(plan.strategy, bakeAfterSeconds: plan.bakeSeconds, record: record)
        return result
    }
}

/// `lambda-shift advance`: one look at a detached rollout, resolved from the same settings as
/// the deploy that started it. Before the step's bake has elapsed it waits (exit 0, nothing
/// changed, unless a gate has already failed); after it, the gates are judged over everything
/// since the step began, then the next step, the flip, completion (the post-traffic command, the
/// history good) or a restore (exit 3). No rollout: nothing to do; no such function or alias:
/// exit 2. Someone who moved the alias by hand ended the rollout:
/// exit 1, the traffic left as they set it.
package struct DetachedAdvance: Sendable {
    package var pipeline: DeployPipeline

    package init(plan: DeployPlan, deps: DeployDependencies, events: any DeployEvents) {
        pipeline = DeployPipeline(plan: plan, deps: deps, events: events)
    }

    package func run() async -> DeployResult {
        var outputs = pipeline.initialOutputs
        var result: DeployResult
        do {
            var advance = self
            // A web function's endpoint is the alias: the one named, or the function's only one.
            if let web = pipeline.plan.web, let client = pipeline.deps.web {
                advance.pipeline.plan.alias = try await DeployPipeline.existingEndpoint(
                    of: web, web: client, region: pipeline.deps.region
                ).name
                outputs.alias = advance.pipeline.plan.alias
            }
            result = try await advance.advance(&outputs)
        } catch {
            result = DeployPipeline.failure(error, outputs: &outputs)
        }
        if pipeline.plan.web != nil {
            result.outputs.revisionId = result.outputs.version
            result.outputs.previousRevisionId = result.outputs.previousVersion
        }
        return result
    }

    /// An endpoint set to Disabled for the rollout gets LatestRevision back once it ends.
    func restoreModeAfter(_ record: RolloutRecord) async {
        guard record.restoresAutoDeploy, let web = pipeline.deps.web, let function = pipeline.plan.web?.function
        else { return }
        await pipeline.restoreAutoDeployment(web, function, pipeline.plan.alias)
    }

    func advance(_ outputs: inout DeployOutputs) async throws -> DeployResult {
        let plan = pipeline.plan, deps = pipeline.deps, report = pipeline.report
        let lambda = deps.functions
        let identity = try await deps.identity.getCallerIdentity()
        if !plan.allowedAccounts.isEmpty && !plan.allowedAccounts.contains(identity.account) {
            throw AWSClientError(
                .invalidSetting,
                "The credentials belong to account \(identity.account), which is not in --allowed-account-ids (\(plan.allowedAccounts.joined(separator: ", "))): check the role or the account list.",
                isConfiguration: true)
        }
        // A function or alias that is not there is a wrong target (a typo, another region), never
        // "nothing to do": that would keep a schedule green while the real rollout sits mid-way.
        _ = try await OperatorChecks.function(lambda, plan.function, region: deps.region)
        let current = try await OperatorChecks.alias(lambda, plan.function, plan.alias)
        guard let record = DeployHistory(description: current.description).rollout else {
            outputs.outcome = .nothingToDo
            return DeployResult(
                outputs: outputs,
                message:
                    "No detached rollout is in progress on alias \(plan.alias) of \(plan.function) in \(deps.region) (it serves \(RolloutEngine.describe(current))): nothing to do."
            )
        }
        outputs.publishedVersion = record.newVersion
        report.line(
            "detached rollout of version \(record.newVersion) (was \(record.oldVersion)) on alias \(plan.alias): \(record.stepDescription), since \(AWSTimestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(record.since))))"
        )
        let differences = plan.gateSettings.differences(from: record.settings)
        guard differences.isEmpty else {
            throw AWSClientError(
                .invalidSetting,
                "This advance judges with other settings than the rollout of version \(record.newVersion) started with (\(differences.joined(separator: ", ")) differ): run it with the same settings (the same file and inputs), or end the rollout with `lambda-shift promote` or `rollback`.",
                isConfiguration: true)
        }
        // Set only now: a refusal above reports no version rather than the record's old one.
        outputs.previousVersion = record.oldVersion
        var clean = DeployHistory(description: current.description)
        clean.rollout = nil
        guard record.matches(current, strategy: plan.strategy) else {
            return try await endedByHand(current, record: record, clean: clean, outputs: &outputs)
        }
        let warm = try await lambda.provisionedConcurrency(function: plan.function, qualifier: plan.alias).map {
            WarmCapacity.alias($0)
        }
        let function = try await lambda.getFunctionConfiguration(plan.function, qualifier: nil)
        let logGate = try await Preflight.logGate(
            plan, function: function, stable: record.oldVersion, deps: deps, report: report)
        let gates = Preflight.gates(plan, metrics: deps.metrics, ignoring: [], logGate: logGate)
        var before = current
        before.functionVersion = record.oldVersion
        before.additionalVersionWeights = [:]
        before.description = clean.rendered()
        report.phase("Advance alias \(plan.alias)")
        let engine = pipeline.rolloutEngine(
            gates: gates, newVersion: record.newVersion, before: before, canary: CanaryRecorder(), warm: warm)
        let progress = await engine.advance(
            function: plan.function, alias: plan.alias, current: current, record: record, strategy: plan.strategy,
            bakeAfterSeconds: plan.bakeSeconds, maxIdleSeconds: plan.maxIdleSeconds)
        switch progress {
        case .waiting(let record, let why):
            var result = pipeline.inProgress(record, outputs: &outputs, moved: false)
            if let why { result.message = "Waiting: \(why); nothing changed." }
            return result
        case .inProgress(let next):
            return pipeline.inProgress(next, outputs: &outputs, moved: true)
        case .raced:
            var result = pipeline.inProgress(record, outputs: &outputs, moved: false)
            result.message =
                "Another run moved alias \(plan.alias) at the same moment: nothing changed by this one; the next advance judges from there."
            return result
        case .ended(let outcome):
            return await ended(outcome, record: record, before: before, outputs: &outputs)
        case .stopped(let reason, let cancelled):
            outputs.outcome = cancelled ? .cancelled : .failed
            outputs.version = ""
            return DeployResult(
                outputs: outputs,
                reason:
                    "This advance stopped (\(reason)) before judging or moving alias \(plan.alias) any further: the detached rollout of version \(record.newVersion) is where its record says, and the next advance goes on from there."
            )
        }
    }

    /// The rollout ended in this run: completed (the post-traffic command, pruning), or restored.
    func ended(
        _ outcome: RolloutOutcome, record: RolloutRecord, before: AliasConfiguration, outputs: inout DeployOutputs
    ) async -> DeployResult {
        let plan = pipeline.plan, deps = pipeline.deps, lambda = deps.functions
        var final = outcome
        var hooks: [HookRun] = []
        if outcome == .completed, let command = plan.postTrafficCommand {
            let version =
                (try? await lambda.getFunctionConfiguration(plan.function, qualifier: record.newVersion))
                ?? FunctionConfiguration(functionName: plan.function, version: record.newVersion, codeSha256: "")
            let run = await pipeline.runHook(
                .postTraffic, command: command, version: version, previous: record.oldVersion)
            hooks.append(run)
            if !run.passed {
                let reason = "the post-traffic command failed (\(run.described))"
                final = await RolloutEngine(api: lambda, clock: deps.clock).revert(
                    function: plan.function, alias: plan.alias, before: before, newVersion: record.newVersion,
                    outcome: .rolledBack(reason: reason))
            } else {
                await pipeline.recordPassedPostTraffic(record.newVersion)
            }
        }
        var result = pipeline.conclude(final, outputs: &outputs, version: record.newVersion, before: before)
        result.hooks = hooks
        result.rollout = RolloutStepRow.rows(
            plan.strategy, bakeAfterSeconds: plan.bakeSeconds, record: record,
            ended: final == .completed ? .passed : .failed)
        if final == .completed {
            await pipeline.pruneVersions()
            await settleVersionCapacity(record, succeeded: true)
        } else if result.outputs.version == record.oldVersion {
            await settleVersionCapacity(record, succeeded: false)
        }
        await restoreModeAfter(record)
        return result
    }

    /// A version-level provisioned concurrency that followed the new version: kept where the
    /// traffic now is.
    func settleVersionCapacity(_ record: RolloutRecord, succeeded: Bool) async {
        let plan = pipeline.plan, lambda = pipeline.deps.functions
        guard
            let old = try? await lambda.provisionedConcurrency(function: plan.function, qualifier: record.oldVersion),
            (try? await lambda.provisionedConcurrency(function: plan.function, qualifier: record.newVersion)) ?? nil
                != nil
        else { return }
        let ready = DeployPipeline.Ready(
            before: nil, version: record.newVersion, gates: [],
            published: FunctionConfiguration(functionName: plan.function, version: record.newVersion, codeSha256: ""),
            warm: .version(record.oldVersion, old))
        await pipeline.settleCapacity(ready, succeeded: succeeded, servesOld: !succeeded)
    }

    /// Someone moved the alias by hand (promote, rollback, the console): the rollout ended. The
    /// traffic stays as they set it; only the record leaves the description (guarded by the
    /// alias's RevisionId), so the next run has nothing to do. Exit 1.
    func endedByHand(
        _ current: AliasConfiguration, record: RolloutRecord, clean: DeployHistory, outputs: inout DeployOutputs
    ) async throws -> DeployResult {
        let plan = pipeline.plan
        _ = try? await pipeline.deps.functions.updateAlias(
            plan.function, alias: plan.alias, version: current.functionVersion,
            additionalVersionWeights: current.additionalVersionWeights, revisionId: current.revisionId,
            description: clean.rendered())
        await restoreModeAfter(record)
        outputs.outcome = .failed
        outputs.version = current.additionalVersionWeights.isEmpty ? current.functionVersion : ""
        return DeployResult(
            outputs: outputs,
            reason:
                "Someone moved alias \(plan.alias) by hand (it serves \(RolloutEngine.describe(current))), which ended the detached rollout of version \(record.newVersion) at \(record.stepDescription): advance left the traffic as they set it and closed the rollout."
        )
    }
}
