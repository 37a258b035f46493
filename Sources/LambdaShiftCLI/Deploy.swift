import CISupport
import LambdaShiftCore
import ArgumentParser
import Config
import FoundationEssentials
import Packaging
import Pipeline

extension LambdaShift {
    /// `deploy`: package, upload, update, publish, shift — PRODUCT.md's flow.
    struct Deploy: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandConfiguration(
            commandName: "deploy",
            abstract:
                "Package, upload, update the function, publish a version and move the alias: gradually with health gates on production.",
            discussion: """
                Exit codes: 0 deployed, skipped or nothing to do; 1 failed (no traffic moved, or restored); 2 bad settings, \
                found before any change; 3 a gate failed, rolled back; 4 cancelled, rolled back; 5 the rollback failed.
                Examples:
                  lambda-shift deploy --function name-searcher-{environment} --bucket artifacts --source dist
                  lambda-shift deploy --function svc --bucket artifacts --zip build/svc.zip --environment production \\
                      --strategy canary:10%:5m --alarm svc-errors --max-error-rate 1 --min-invocations 50
                """)

        @OptionGroup var options: DeployOptions
        @Flag(name: .customLong("dry-run"), help: "Only plan: resolve, read, and print what would change.") var dryRun =
            false
        var flags: SettingFlags { options.flags }

        func run() async throws {
            let context = CommandContext.current
            if dryRun { return try await DeployCommand.plan(options.flags, context) }
            try await DeployCommand.deploy(options.flags, context)
        }
    }

    /// `advance`: one look at a detached rollout.
    struct Advance: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandConfiguration(
            commandName: "advance",
            abstract:
                "Judge a detached rollout's current step and move it on (next step, flip, done) or roll it back; run it on a schedule.",
            discussion: """
                Takes the same settings as the deploy that started the rollout (deploy --detach); the code \
                settings may be left out. Exit codes: 0 waiting, in progress, deployed or nothing to do; 1 the \
                alias was moved by hand (the rollout ended; traffic left as it is) or a read failed; 2 bad settings, \
                or gate settings that differ from the rollout's; 3 a gate failed, rolled back; 5 the rollback failed.
                Example:
                  lambda-shift advance --function svc --environment production --config lambda-shift.yml
                """)

        @OptionGroup var options: DeployOptions
        var flags: SettingFlags { options.flags }

        func run() async throws {
            try await DeployCommand.advance(options.flags, CommandContext.current)
        }
    }

    /// `plan`: what deploy would do, changing nothing.
    struct Plan: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract:
                "Resolve everything, read the live function and alias, and print the schedule and what would change. Changes nothing.",
            discussion: """
                Example:
                  lambda-shift plan --function name-searcher-{environment} --bucket artifacts --source dist --branch main
                """)

        @OptionGroup var options: DeployOptions
        var flags: SettingFlags { options.flags }

        func run() async throws {
            try await DeployCommand.plan(options.flags, CommandContext.current)
        }
    }
}

/// The settings of `deploy` and `plan`: each flag is a setting of the table, named after it,
/// with its help.
struct DeployOptions: SettingArguments {
    @Option(help: .setting(.function)) var function: [String] = []
    @Option(help: .setting(.waves)) var waves: String?
    @Option(parsing: .unconditional, help: .setting(.parallel)) var parallel: String?
    @Option(help: .setting(.alias)) var alias: String?
    @OptionGroup var sourceOptions: SourceOptions
    @Option(help: .setting(.functionUrl)) var functionURL: String?
    @Flag(help: .setting(.preview)) var preview = false
    @Option(help: .setting(.previewAlias)) var previewAlias: String?
    @Option(help: .setting(.artifact)) var artifact: String?
    @Option(help: .setting(.imageUri)) var imageUri: String?
    @Option(help: .setting(.signingProfile)) var signingProfile: String?
    @Option(help: .setting(.signedPrefix)) var signedPrefix: String?
    @Option(help: .setting(.smokeTenantId)) var smokeTenantId: String?
    @Flag(help: .setting(.showSmokeResponse)) var showSmokeResponse = false
    @Option(help: .setting(.preTrafficCommand)) var preTrafficCommand: String?
    @Option(help: .setting(.postTrafficCommand)) var postTrafficCommand: String?
    @Option(help: .setting(.hookTimeout)) var hookTimeout: String?
    @Option(help: .setting(.hookCredentials)) var hookCredentials: String?
    @Option(help: .setting(.provisionedConcurrencyTimeout)) var provisionedConcurrencyTimeout: String?
    @Flag(help: .setting(.detach)) var detach = false
    @Option(help: .setting(.maxIdle)) var maxIdle: String?
    @Option(help: .setting(.bucket)) var bucket: String?
    @Option(help: .setting(.key)) var key: String?
    @Option(help: .setting(.environment)) var environment: String?
    @Option(help: .setting(.branch)) var branch: String?
    @Option(help: .setting(.strategy)) var strategy: String?
    @Option(help: .setting(.alarm)) var alarm: [String] = []
    @Option(help: .setting(.alarmPrefix)) var alarmPrefix: [String] = []
    @Option(help: .setting(.alarmAlreadyFiring)) var alarmAlreadyFiring: String?
    @Option(parsing: .unconditional, help: .setting(.maxErrorRate)) var maxErrorRate: String?
    @Option(parsing: .unconditional, help: .setting(.minInvocations)) var minInvocations: String?
    @Option(parsing: .unconditional, help: .setting(.maxErrorRateIncrease)) var maxErrorRateIncrease: String?
    @Option(parsing: .unconditional, help: .setting(.maxDurationIncrease)) var maxDurationIncrease: String?
    @Option(parsing: .unconditional, help: .setting(.confidence)) var confidence: String?
    @Option(parsing: .unconditional, help: .setting(.maxBake)) var maxBake: String?
    @Option(help: .setting(.onInconclusive)) var onInconclusive: String?
    @Option(parsing: .unconditional, help: .setting(.warmInvocations)) var warmInvocations: String?
    @Option(help: .setting(.smokePayload)) var smokePayload: String?
    @Option(parsing: .unconditional, help: .setting(.bake)) var bake: String?
    @Option(help: .setting(.gateInterval)) var gateInterval: String?
    @Option(help: .setting(.allowedAccountIds)) var allowedAccountIds: String?
    @Option(help: .setting(.region)) var region: String?
    @Option(help: .setting(.roleToAssume)) var roleToAssume: String?
    @Option(parsing: .unconditional, help: .setting(.keepVersions)) var keepVersions: String?
    @Option(help: .setting(.config)) var config: String?
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

    var flags: SettingFlags {
        SettingFlags(
            [
                .function: function, .waves: waves, .parallel: parallel, .alias: alias, .functionUrl: functionURL,
                .preview: preview, .previewAlias: previewAlias, .artifact: artifact, .imageUri: imageUri,
                .signingProfile: signingProfile, .signedPrefix: signedPrefix, .smokeTenantId: smokeTenantId,
                .showSmokeResponse: showSmokeResponse, .preTrafficCommand: preTrafficCommand,
                .postTrafficCommand: postTrafficCommand, .hookTimeout: hookTimeout, .hookCredentials: hookCredentials,
                .provisionedConcurrencyTimeout: provisionedConcurrencyTimeout, .detach: detach, .maxIdle: maxIdle,
                .bucket: bucket, .key: key, .environment: environment, .branch: branch, .strategy: strategy,
                .alarm: alarm, .alarmPrefix: alarmPrefix, .alarmAlreadyFiring: alarmAlreadyFiring,
                .maxErrorRate: maxErrorRate, .minInvocations: minInvocations,
                .maxErrorRateIncrease: maxErrorRateIncrease, .maxDurationIncrease: maxDurationIncrease,
                .confidence: confidence, .maxBake: maxBake, .onInconclusive: onInconclusive,
                .warmInvocations: warmInvocations, .smokePayload: smokePayload, .bake: bake,
                .gateInterval: gateInterval, .allowedAccountIds: allowedAccountIds, .region: region,
                .roleToAssume: roleToAssume, .keepVersions: keepVersions, .config: config,
            ], with: sourceOptions.flags)
    }
}

/// Runs the pipeline for `deploy` and `plan`: resolves, builds the AWS clients, runs, and
/// writes the result; every ending writes the outputs, the summary and the result once.
enum DeployCommand {
    static func deploy(_ flags: SettingFlags, _ context: CommandContext) async throws {
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

    static func advance(_ flags: SettingFlags, _ context: CommandContext) async throws {
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

    static func plan(_ flags: SettingFlags, _ context: CommandContext) async throws {
        let result = context.result
        let settings = try ResolvedSettings.resolve(.plan, flags: flags, ci: context.ci)
        guard let targets = try DeployTargets.resolve(settings) else {
            let sentence =
                "Branch \(settings.branchDescription) maps to no environment: a deploy would do nothing."
            result.line(sentence)
            result.document([
                "command": "plan", "outcome": .string(Outcome.nothingToDo.word), "exit-code": 0,
                "message": .string(sentence),
            ])
            return
        }
        let report = DeployReport(context: context)
        var documents: [JSONValue] = []
        var outcomes: [Outcome] = []
        for plan in targets.plans {
            let summary = try await DeployPipeline(plan: plan, deps: try dependencies(plan, context), events: report)
                .dryRun()
            report.closePhase()
            if targets.plans.count == 1 {
                for line in summary.lines { result.line(line) }
                result.document(summary.document)
                return
            }
            result.line("\(DeployTargets.label(plan)):")
            for line in summary.lines { result.line("  " + line) }
            documents.append(.object(summary.document))
            outcomes.append(summary.outcome)
        }
        // Several targets: each one's plan, then the waves.
        var waves: [JSONValue] = []
        for (number, wave) in targets.waves.enumerated() {
            let names = wave.map { DeployTargets.label(targets.plans[$0]) }
            result.line(
                "wave \(number + 1) of \(targets.waves.count): \(names.joined(separator: ", ")) (at most \(targets.parallel) at once)"
            )
            waves.append(.array(names.map { .string($0) }))
        }
        result.line(
            "every target is updated, published and smoke-tested before any traffic moves; a failure anywhere restores every alias this run moved"
        )
        let skipAll = outcomes.allSatisfy { $0 == .wouldSkip }
        result.document([
            "command": "plan", "exit-code": 0,
            "outcome": .string((skipAll ? Outcome.wouldSkip : .wouldDeploy).word),
            "targets": .array(documents), "waves": .array(waves), "parallel": .int(targets.parallel),
        ])
    }

    /// The AWS clients for this plan, masking every credential they obtain.
    static func dependencies(_ plan: DeployPlan, _ context: CommandContext) throws -> DeployDependencies {
        try context.dependencies(region: plan.region, roleToAssume: plan.roleToAssume)
    }
}
