import Pipeline
import ArgumentParser
import Config

extension LambdaShift {
    /// `iam-policy`: print the CI identity's least-privilege policy for these settings.
    struct IAMPolicy: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandConfiguration(
            commandName: "iam-policy",
            abstract:
                "Print the least-privilege IAM policy for these settings, as IAM JSON or a Terraform aws_iam_policy_document.",
            discussion: IAMPolicyBuilder.discussion)

        // The settings that shape the policy (`SettingSpec.shapesPolicy`); the rest of deploy's
        // are read from the environment and the file, as deploy reads them.
        @Option(help: .setting(.function, for: .iamPolicy)) var function: String?
        @Option(help: .setting(.webFunction, for: .iamPolicy)) var webFunction: String?
        @Option(help: .setting(.endpoint, for: .iamPolicy)) var endpoint: String?
        @Option(help: .setting(.bucket, for: .iamPolicy)) var bucket: String?
        @Option(help: .setting(.key, for: .iamPolicy)) var key: String?
        @Option(help: .setting(.artifact, for: .iamPolicy)) var artifact: String?
        @Option(help: .setting(.imageUri, for: .iamPolicy)) var imageUri: String?
        @Option(help: .setting(.signingProfile, for: .iamPolicy)) var signingProfile: String?
        @Option(help: .setting(.signedPrefix, for: .iamPolicy)) var signedPrefix: String?
        @Flag(help: .setting(.preview, for: .iamPolicy)) var preview = false
        @Option(help: .setting(.previewAlias, for: .iamPolicy)) var previewAlias: String?
        @Option(help: .setting(.environment, for: .iamPolicy)) var environment: String?
        @Option(help: .setting(.branch, for: .iamPolicy)) var branch: String?
        @Option(help: .setting(.alarm, for: .iamPolicy)) var alarm: [String] = []
        @Option(help: .setting(.alarmPrefix, for: .iamPolicy)) var alarmPrefix: [String] = []
        @Option(parsing: .unconditional, help: .setting(.maxErrorRate, for: .iamPolicy)) var maxErrorRate: String?
        @Option(parsing: .unconditional, help: .setting(.maxErrorRateIncrease, for: .iamPolicy))
        var maxErrorRateIncrease: String?
        @Option(parsing: .unconditional, help: .setting(.maxDurationIncrease, for: .iamPolicy))
        var maxDurationIncrease: String?
        @Option(parsing: .unconditional, help: .setting(.maxMemoryUse, for: .iamPolicy)) var maxMemoryUse: String?
        @Option(parsing: .unconditional, help: .setting(.maxInitDurationIncrease, for: .iamPolicy))
        var maxInitDurationIncrease: String?
        @Option(help: .setting(.logGroup, for: .iamPolicy)) var logGroup: String?
        @Option(help: .setting(.smokePayload, for: .iamPolicy)) var smokePayload: String?
        @Option(parsing: .unconditional, help: .setting(.keepVersions, for: .iamPolicy)) var keepVersions: String?
        @Option(help: .setting(.codeStorage, for: .iamPolicy)) var codeStorage: String?
        @Option(help: .setting(.region, for: .iamPolicy)) var region: String?
        @Option(help: .setting(.config, for: .iamPolicy)) var config: String?
        @Option(help: "Output format: text or json.") var output: OutputFormat = .text
        @Option(help: "OWNER/NAME for {repository} in the key (default: from the CI or git).") var repository: String?
        @Option(help: "Account of the function and alarms (default: the function ARN's, else *).") var accountId:
            String?
        @Option(help: "json or terraform.") var format: String = "json"
        @Flag(help: "Add what `cleanup --artifacts` needs (list and delete object versions).") var artifacts = false

        var flags: SettingFlags {
            SettingFlags([
                .function: function, .webFunction: webFunction, .endpoint: endpoint, .bucket: bucket, .key: key,
                .artifact: artifact, .imageUri: imageUri,
                .signingProfile: signingProfile, .signedPrefix: signedPrefix, .preview: preview,
                .previewAlias: previewAlias, .environment: environment, .branch: branch, .alarm: alarm,
                .alarmPrefix: alarmPrefix, .maxErrorRate: maxErrorRate, .maxErrorRateIncrease: maxErrorRateIncrease,
                .maxDurationIncrease: maxDurationIncrease, .maxMemoryUse: maxMemoryUse,
                .maxInitDurationIncrease: maxInitDurationIncrease, .logGroup: logGroup, .smokePayload: smokePayload,
                .keepVersions: keepVersions, .codeStorage: codeStorage, .region: region, .config: config,
            ])
        }

        func run() async throws {
            try CommandRuns.iamPolicy(
                flags, format: format, repository: repository, accountId: accountId, artifacts: artifacts,
                CommandContext.current)
        }
    }
}
