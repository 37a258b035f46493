import CISupport
import Config
import FoundationEssentials
import LambdaShiftCore

/// Runs the pipeline for `deploy` and `plan`: resolves, builds the AWS clients, runs, and
/// writes the result; every ending writes the outputs, the summary and the result once.
package enum DeployCommand {
    /// How a deploy can end, for its help.
    package static let outcomes: [Outcome] = [
        .deployed, .skipped, .nothingToDo, .inProgress, .failed, .failed(exitCode: ExitStatus.usage), .rolledBack,
        .cancelled, .failed(exitCode: ExitStatus.rollbackFailed),
    ]
    /// How an `advance` can end, for its help.
    package static let advanceOutcomes: [Outcome] = [
        .waiting, .inProgress, .deployed, .nothingToDo, .failed, .failed(exitCode: ExitStatus.usage), .rolledBack,
        .failed(exitCode: ExitStatus.rollbackFailed),
    ]

    package static func deploy(_ flags: SettingFlags, _ context: CommandContext) async throws {
        let report = DeployReport(context: context)
        let targets: DeployTargets
        let deps: [DeployDependencies]
        do {
            let settings = try ResolvedSettings.resolve(.deploy, flags: flags, ci: context.ci)
            guard let resolved = try DeployTargets.resolve(settings) else {
                report.finish(
                    DeployResult(
                        outputs: DeployOutputs(outcome: .nothingToDo),
                        message:
                            "Branch \(settings.branchDescription) maps to no environment: nothing to deploy."
                    ))
                return
            }
            targets = resolved
            deps = try targets.plans.map { try dependencies($0, context) }
        } catch {
            // Bad settings still end with the outputs (outcome=failed) and the JSON document.
            report.finish(
                DeployResult(outputs: DeployOutputs(outcome: Outcome(ending: error)), reason: sentence(of: error)))
            throw error
        }
        let (result, rows) = await DeployRun(targets: targets, deps: deps, events: report).run()
        report.finish(result, plan: targets.plans[0], targets: rows)
        if !result.outcome.succeeded {
            throw CommandFailure(result.reason ?? result.outcome.word, exitCode: result.exitCode)
        }
    }

    package static func advance(_ flags: SettingFlags, _ context: CommandContext) async throws {
        let report = DeployReport(context: context, command: "advance")
        let plan: DeployPlan
        let deps: DeployDependencies
        do {
            let settings = try ResolvedSettings.resolve(.deploy, flags: flags, ci: context.ci)
            guard let targets = try DeployTargets.resolve(settings, requireCode: false) else {
                report.finish(
                    DeployResult(
                        outputs: DeployOutputs(outcome: .nothingToDo),
                        message: "Branch \(settings.branchDescription) maps to no environment: nothing to advance."))
                return
            }
            guard targets.plans.count == 1 else {
                throw ConfigError(
                    "advance moves one detached rollout (these settings name \(targets.plans.count) targets): name one function."
                )
            }
            plan = targets.plans[0]
            deps = try dependencies(plan, context)
        } catch {
            report.finish(
                DeployResult(outputs: DeployOutputs(outcome: Outcome(ending: error)), reason: sentence(of: error)))
            throw error
        }
        let result = await DetachedAdvance(plan: plan, deps: deps, events: report).run()
        report.finish(result, plan: plan)
        if !result.outcome.succeeded {
            throw CommandFailure(result.reason ?? result.outcome.word, exitCode: result.exitCode)
        }
    }

    package static func plan(_ flags: SettingFlags, _ context: CommandContext) async throws {
        let settings = try ResolvedSettings.resolve(.plan, flags: flags, ci: context.ci)
        guard let targets = try DeployTargets.resolve(settings) else {
            let sentence =
                "Branch \(settings.branchDescription) maps to no environment: a deploy would do nothing."
            return try CommandResult(command: "plan", outcome: .nothingToDo, lines: [sentence], sentence: sentence)
                .write(to: context)
        }
        let report = DeployReport(context: context)
        var plans: [PlanReport] = []
        for plan in targets.plans {
            plans.append(
                try await DeployPipeline(plan: plan, deps: try dependencies(plan, context), events: report).dryRun())
            report.closePhase()
        }
        try (plans.count == 1 ? plans[0].result : several(plans, targets)).write(to: context)
    }

    /// A plan over several targets: each one's plan, then the waves.
    static func several(_ plans: [PlanReport], _ targets: DeployTargets) -> CommandResult {
        var lines: [String] = []
        for (plan, summary) in zip(targets.plans, plans) {
            lines.append("\(DeployTargets.label(plan)):")
            lines += summary.lines.map { "  " + $0 }
        }
        var waves: [JSONValue] = []
        for (number, wave) in targets.waves.enumerated() {
            let names = wave.map { DeployTargets.label(targets.plans[$0]) }
            lines.append(
                "wave \(number + 1) of \(targets.waves.count): \(names.joined(separator: ", ")) (at most \(targets.parallel) at once)"
            )
            waves.append(.array(names.map { .string($0) }))
        }
        lines.append(
            "every target is updated, published and smoke-tested before any traffic moves; a failure anywhere restores every alias this run moved"
        )
        return CommandResult(
            command: "plan", outcome: plans.allSatisfy { $0.outcome == .wouldSkip } ? .wouldSkip : .wouldDeploy,
            lines: lines,
            members: [
                "targets": .array(plans.map { .object($0.result.document) }), "waves": .array(waves),
                "parallel": .int(targets.parallel),
            ])
    }

    /// The AWS clients for this plan, masking every credential they obtain.
    /// `advance --help`'s discussion: its settings and exit codes.
    package static let advanceDiscussion = """
        Takes the same settings as the deploy that started the rollout (deploy --detach); the code \
        settings may be left out. \(Outcome.exitCodeHelp(DeployCommand.advanceOutcomes, also: [
            ExitStatus.failed: "or the alias was moved by hand: the rollout ended, traffic left as it is",
            ExitStatus.usage: "or gate settings that differ from the rollout's",
        ]))
        Example:
          lambda-shift advance --function svc --environment production --config lambda-shift.yml
        """

    package static func dependencies(_ plan: DeployPlan, _ context: CommandContext) throws -> DeployDependencies {
        var deps = try context.dependencies(region: plan.region, roleToAssume: plan.roleToAssume)
        // A web function's endpoint moves through the alias engine as an alias would.
        if plan.web != nil, let web = deps.web {
            deps.functions = WebEndpointAliases(
                web: web, lambda: deps.functions, clock: deps.clock, sleeper: deps.pollSleeper)
        }
        return deps
    }
}
