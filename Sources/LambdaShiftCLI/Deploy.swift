import LambdaShiftCore
import ArgumentParser
import Config
import Pipeline

extension LambdaShift {
    /// `deploy`: package, upload, update, publish, shift — PRODUCT.md's flow.
    struct Deploy: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandConfiguration(
            commandName: "deploy",
            abstract:
                "Package, upload, update the function, publish a version and move the alias: gradually with health gates on production.",
            discussion: Outcome.exitCodeHelp(DeployCommand.outcomes) + """

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
            discussion: DeployCommand.advanceDiscussion)

        @OptionGroup var options: DeployOptions
        var flags: SettingFlags { options.flags }

        func run() async throws {
            try await DeployCommand.advance(options.flags, CommandContext.current)
        }
    }

    /// `plan`: what deploy would do, changing nothing.
    struct Plan: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandHelp.plan.configuration

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
    @Option(help: .setting(.webFunction)) var webFunction: String?
    @Option(help: .setting(.endpoint)) var endpoint: String?
    @Option(help: .setting(.endpointAutoDeploy)) var endpointAutoDeploy: String?
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
    @Option(parsing: .unconditional, help: .setting(.maxMemoryUse)) var maxMemoryUse: String?
    @Option(parsing: .unconditional, help: .setting(.maxInitDurationIncrease)) var maxInitDurationIncrease: String?
    @Option(help: .setting(.logGroup)) var logGroup: String?
    @Option(parsing: .unconditional, help: .setting(.confidence)) var confidence: String?
    @Option(parsing: .unconditional, help: .setting(.maxBake)) var maxBake: String?
    @Option(help: .setting(.onInconclusive)) var onInconclusive: String?
    @Option(help: .setting(.runtimeDrift)) var runtimeDrift: String?
    @Option(help: .setting(.codeStorage)) var codeStorage: String?
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
                .function: function, .waves: waves, .parallel: parallel, .alias: alias, .webFunction: webFunction,
                .endpoint: endpoint,
                .endpointAutoDeploy: endpointAutoDeploy, .functionUrl: functionURL,
                .preview: preview, .previewAlias: previewAlias, .artifact: artifact, .imageUri: imageUri,
                .signingProfile: signingProfile, .signedPrefix: signedPrefix, .smokeTenantId: smokeTenantId,
                .showSmokeResponse: showSmokeResponse, .preTrafficCommand: preTrafficCommand,
                .postTrafficCommand: postTrafficCommand, .hookTimeout: hookTimeout, .hookCredentials: hookCredentials,
                .provisionedConcurrencyTimeout: provisionedConcurrencyTimeout, .detach: detach, .maxIdle: maxIdle,
                .bucket: bucket, .key: key, .environment: environment, .branch: branch, .strategy: strategy,
                .alarm: alarm, .alarmPrefix: alarmPrefix, .alarmAlreadyFiring: alarmAlreadyFiring,
                .maxErrorRate: maxErrorRate, .minInvocations: minInvocations,
                .maxErrorRateIncrease: maxErrorRateIncrease, .maxDurationIncrease: maxDurationIncrease,
                .maxMemoryUse: maxMemoryUse,
                .maxInitDurationIncrease: maxInitDurationIncrease, .logGroup: logGroup,
                .confidence: confidence, .maxBake: maxBake, .onInconclusive: onInconclusive,
                .runtimeDrift: runtimeDrift, .codeStorage: codeStorage,
                .warmInvocations: warmInvocations, .smokePayload: smokePayload, .bake: bake,
                .gateInterval: gateInterval, .allowedAccountIds: allowedAccountIds, .region: region,
                .roleToAssume: roleToAssume, .keepVersions: keepVersions, .config: config,
            ], with: sourceOptions.flags)
    }
}
