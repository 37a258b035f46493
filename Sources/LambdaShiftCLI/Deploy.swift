import CISupport
import LambdaShiftCore
import AWSCore
import AWSServices
import ArgumentParser
import Config
import FoundationEssentials
import Packaging
import Pipeline
import Rollout

extension LambdaShift {
    /// `deploy`: package, upload, update, publish, shift — PRODUCT.md's flow.
    struct Deploy: AsyncParsableCommand {
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

        func run() async throws {
            let context = CommandContext.current
            if dryRun { return try await DeployCommand.plan(options.settings, context) }
            try await DeployCommand.deploy(options.settings, context)
        }
    }

    /// `plan`: what deploy would do, changing nothing.
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract:
                "Resolve everything, read the live function and alias, and print the schedule and what would change. Changes nothing.",
            discussion: """
                Example:
                  lambda-shift plan --function name-searcher-{environment} --bucket artifacts --source dist --branch main
                """)

        @OptionGroup var options: DeployOptions

        func run() async throws {
            try await DeployCommand.plan(options.settings, CommandContext.current)
        }
    }
}

/// The settings of `deploy` and `plan`.
struct DeployOptions: ParsableArguments {
    @Option(
        name: .customLong("function"),
        help:
            "Function name or ARN; may use {environment} and the other placeholders. Repeat it to deploy several functions as one."
    ) var functions: [String] = []
    @Option(
        help:
            "With several targets: cumulative wave sizes, counts or percentages (1,25%,100%); default one wave.")
    var waves: String?
    @Option(parsing: .unconditional, help: "With several targets: how many move at once (default 4).")
    var parallel: String?
    @Option(help: "Alias to move (default live).") var alias: String?
    @OptionGroup var sourceOptions: SourceOptions
    @Option(
        name: .customLong("function-url"), help: "With --preview: a function URL on the preview alias, AWS_IAM or NONE."
    )
    var functionURL: String?
    @Flag(
        help:
            "Deploy this branch all at once to its own preview alias (preview-<branch>), leaving every other alias alone."
    )
    var preview = false
    @Option(
        name: .customLong("preview-alias"),
        help: "The preview alias template: {branch} and {pr} (default preview-{branch}).")
    var previewAlias: String?
    @Option(help: "An uploaded package, s3://BUCKET/KEY[?versionId=V], deployed as it is (no packaging, no upload).")
    var artifact: String?
    @Option(help: "Bucket for the packages.") var bucket: String?
    @Option(help: "S3 key template (default {repository}/{function}/{version}/package.zip).") var key: String?
    @Option(help: "Environment, overriding the branch map.") var environment: String?
    @Option(help: "Branch, overriding detection.") var branch: String?
    @Option(help: "Strategy: AllAtOnce, a CodeDeploy name, canary:10%:5m, linear:20%:1m, steps:10%@1m,50%@2m.")
    var strategy: String?
    @Option(name: .customLong("alarm"), help: "CloudWatch alarm gating each step (repeatable).") var alarms: [String] =
        []
    @Option(name: .customLong("alarm-prefix"), help: "Gate on every alarm whose name starts with this (repeatable).")
    var alarmPrefixes: [String] = []
    @Option(
        name: .customLong("alarm-already-firing"),
        help: "An alarm in ALARM before the deploy: block (default) or ignore.") var alarmAlreadyFiring: String?
    @Option(
        name: .customLong("max-error-rate"), parsing: .unconditional,
        help: "Highest error+throttle rate of the new version, in percent (enables the metrics gate).")
    var maxErrorRate: String?
    @Option(
        name: .customLong("min-invocations"), parsing: .unconditional,
        help: "Invocations needed before silence counts as health (the canary: of each version; default 1).")
    var minInvocations: String?
    @Option(
        name: .customLong("max-error-rate-increase"), parsing: .unconditional,
        help:
            "Canary: percentage points the new version's error rate may exceed the stable version's by (same minutes); fails only when significant at --confidence."
    ) var maxErrorRateIncrease: String?
    @Option(
        name: .customLong("max-duration-increase"), parsing: .unconditional,
        help: "Canary: percent the new version's p99 Duration may exceed the stable version's by.")
    var maxDurationIncrease: String?
    @Option(parsing: .unconditional, help: "Canary: confidence an error-rate excess needs to fail (default 95).")
    var confidence: String?
    @Option(
        name: .customLong("max-bake"), parsing: .unconditional,
        help: "Longest a step without a verdict (too little traffic) bakes in all (default 3 × its bake).")
    var maxBake: String?
    @Option(
        name: .customLong("on-inconclusive"),
        help: "A step still without a verdict at --max-bake: rollback (default) or proceed.") var onInconclusive:
        String?
    @Option(
        name: .customLong("warm-invocations"), parsing: .unconditional,
        help:
            "Invoke the alias this many times per step with the smoke payload, spread over the bake (runs the function: side effects)."
    ) var warmInvocations: String?
    @Option(
        name: .customLong("smoke-payload"), help: "JSON (or @FILE) to invoke the new version with before traffic moves."
    ) var smokePayload: String?
    @Option(parsing: .unconditional, help: "Keep checking the gates this long after 100% (30s, 5m).") var bake: String?
    @Option(name: .customLong("gate-interval"), help: "How often the gates are checked during a bake (default 10s).")
    var gateInterval: String?
    @Option(name: .customLong("allowed-account-ids"), help: "Comma-separated AWS account ids this deploy may touch.")
    var allowedAccountIds: String?
    @Option(help: "AWS region.") var region: String?
    @Option(name: .customLong("role-to-assume"), help: "Role ARN to assume with the CI's OIDC token.") var roleToAssume:
        String?
    @Option(
        name: .customLong("keep-versions"), parsing: .unconditional,
        help: "After a deploy, delete published versions beyond the newest N (never one an alias uses).")
    var keepVersions: String?
    @Option(help: "Settings file (default .lambda-shift.yml when present).") var config: String?
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

    /// The flags as the pipeline's settings.
    var settings: DeploySettings {
        var settings = DeploySettings()
        settings.functions = functions
        settings.function = functions.count == 1 ? functions[0] : nil
        settings.waves = waves
        settings.parallel = parallel
        settings.alias = alias
        settings.source = sourceOptions.source
        settings.zip = sourceOptions.zip
        settings.artifact = artifact
        settings.preview = preview ? "true" : nil
        settings.previewAlias = previewAlias
        settings.functionURL = functionURL
        settings.excludes = sourceOptions.excludes
        settings.includeHidden = sourceOptions.includeHidden ? "true" : nil
        settings.bucket = bucket
        settings.key = key
        settings.environment = environment
        settings.branch = branch
        settings.strategy = strategy
        settings.alarms = alarms
        settings.alarmPrefixes = alarmPrefixes
        settings.alarmAlreadyFiring = alarmAlreadyFiring
        settings.maxErrorRate = maxErrorRate
        settings.minInvocations = minInvocations
        settings.maxErrorRateIncrease = maxErrorRateIncrease
        settings.maxDurationIncrease = maxDurationIncrease
        settings.confidence = confidence
        settings.maxBake = maxBake
        settings.onInconclusive = onInconclusive
        settings.warmInvocations = warmInvocations
        settings.smokePayload = smokePayload
        settings.bake = bake
        settings.gateInterval = gateInterval
        settings.allowedAccountIds = allowedAccountIds
        settings.region = region
        settings.roleToAssume = roleToAssume
        settings.keepVersions = keepVersions
        settings.config = config
        return settings
    }
}

/// Runs the pipeline for `deploy` and `plan`: resolves, builds the AWS clients, runs, and
/// writes the result; every ending writes the outputs, the summary and the result once.
enum DeployCommand {
    static func deploy(_ settings: DeploySettings, _ context: CommandContext) async throws {
        let report = DeployReport(context: context)
        let targets: DeployTargets
        let deps: [DeployDependencies]
        do {
            guard let resolved = try settings.resolveTargets(context.environment) else {
                report.finish(
                    DeployResult(
                        outputs: ["outcome": "nothing-to-do", "skipped": "false"], exitCode: 0,
                        message:
                            "Branch \(settings.branchDescription(context.environment)) maps to no environment: nothing to deploy."
                    ))
                return
            }
            targets = resolved
            deps = try targets.plans.map { try dependencies($0, context) }
        } catch {
            // Bad settings still end with the outputs (outcome=failed) and the JSON document.
            report.finish(
                DeployResult(
                    outputs: ["outcome": "failed", "skipped": "false"], exitCode: LambdaShiftExit.code(for: error),
                    reason: LambdaShiftExit.message(for: error)))
            throw error
        }
        let result: DeployResult
        if targets.plans.count == 1 {
            result = await DeployPipeline(plan: targets.plans[0], deps: deps[0], events: report).run()
            report.finish(result, plan: targets.plans[0])
        } else {
            let (whole, rows) = await MultiDeployPipeline(targets: targets, deps: deps, events: report).run()
            result = whole
            report.finish(whole, plan: targets.plans[0], targets: rows)
        }
        if result.exitCode != 0 { throw CommandFailure(result.reason ?? result.outcome, exitCode: result.exitCode) }
    }

    static func plan(_ settings: DeploySettings, _ context: CommandContext) async throws {
        let result = context.result
        guard let targets = try settings.resolveTargets(context.environment) else {
            let sentence =
                "Branch \(settings.branchDescription(context.environment)) maps to no environment: a deploy would do nothing."
            result.line(sentence)
            result.document([
                "command": "plan", "outcome": "nothing-to-do", "exit-code": 0, "message": .string(sentence),
            ])
            return
        }
        let report = DeployReport(context: context)
        var documents: [JSONValue] = []
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
        let outcomes = documents.compactMap { $0["outcome"]?.string }
        result.document([
            "command": "plan", "exit-code": 0,
            "outcome": .string(outcomes.allSatisfy { $0 == "would-skip" } ? "would-skip" : "would-deploy"),
            "targets": .array(documents), "waves": .array(waves), "parallel": .int(targets.parallel),
        ])
    }

    /// The AWS clients for this plan, masking every credential they obtain.
    static func dependencies(_ plan: DeployPlan, _ context: CommandContext) throws -> DeployDependencies {
        let client = try context.makeClient(region: plan.region, roleToAssume: plan.roleToAssume)
        return .aws(
            client, bakeSleeper: CountdownSleeper(inner: TaskSleeper(), reporter: context.reporter),
            environment: context.environment)
    }
}
