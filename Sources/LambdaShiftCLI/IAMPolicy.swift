import LambdaShiftCore
import Pipeline
import AWSServices
import CISupport
import ArgumentParser
import Config
import FoundationEssentials

extension LambdaShift {
    /// `iam-policy`: print the CI identity's least-privilege policy for these settings.
    struct IAMPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "iam-policy",
            abstract:
                "Print the least-privilege IAM policy for these settings, as IAM JSON or a Terraform aws_iam_policy_document.",
            discussion: """
                The policy is computed from the same settings as deploy (flags, LAMBDA_SHIFT_*, .lambda-shift.yml). \
                With no branch or --environment that maps to one environment, it covers every environment of the map. \
                What it had to assume (account, region, repository) is said on stderr.
                Examples:
                  lambda-shift iam-policy --function name-searcher-{environment} --bucket artifacts --account-id 123456789012
                  lambda-shift iam-policy --format terraform > policy.tf
                """)

        @Option(help: "Function name or ARN; may use {environment}.") var function: String?
        @Option(help: "Bucket for the packages.") var bucket: String?
        @Option(help: "Promote an uploaded package s3://BUCKET/KEY: the policy only reads it.") var artifact: String?
        @Flag(help: "Previews too: adds DeleteAlias and DeleteFunction on versions, for cleanup.") var preview = false
        @Option(help: "S3 key template (default {repository}/{function}/{version}/package.zip).") var key: String?
        @Option(help: "Environment to cover (default: the branch's, else every environment of the map).")
        var environment: String?
        @Option(help: "Branch, overriding detection.") var branch: String?
        @Option(
            name: .customLong("repository"),
            help: "OWNER/NAME for {repository} in the key (default: from the CI or git).") var repository: String?
        @Option(name: .customLong("alarm"), help: "Gate alarm (repeatable).") var alarms: [String] = []
        @Option(name: .customLong("alarm-prefix"), help: "Gate alarm name prefix (repeatable).") var alarmPrefixes:
            [String] = []
        @Option(
            name: .customLong("max-error-rate"), parsing: .unconditional, help: "Adds the metrics gate's GetMetricData."
        ) var maxErrorRate: String?
        @Option(
            name: .customLong("max-error-rate-increase"), parsing: .unconditional,
            help: "Adds the canary's GetMetricData.") var maxErrorRateIncrease: String?
        @Option(name: .customLong("smoke-payload"), help: "Adds InvokeFunction for the smoke test.") var smokePayload:
            String?
        @Option(
            name: .customLong("keep-versions"), parsing: .unconditional,
            help: "Adds DeleteFunction on versions, for pruning.") var keepVersions: String?
        @Option(help: "AWS region (default: the function ARN's, else AWS_REGION, else *).") var region: String?
        @Option(
            name: .customLong("account-id"),
            help: "Account of the function and alarms (default: the function ARN's, else *).") var accountId: String?
        @Option(help: "Settings file (default .lambda-shift.yml when present).") var config: String?
        @Option(help: "json or terraform.") var format: String = "json"
        @Option(help: "Output format: text or json.") var output: OutputFormat = .text

        func run() async throws {
            let context = CommandContext.current
            guard ["json", "terraform"].contains(format) else {
                throw ConfigError("--format is \"\(format)\": use json or terraform.")
            }
            if let accountId, accountId != "*", accountId.count != 12 || !accountId.allSatisfy(\.isNumber) {
                throw ConfigError("--account-id is \"\(accountId)\": give a 12-digit AWS account id.")
            }
            let built = try IAMPolicyBuilder.build(
                settings, environment: context.environment, accountId: accountId, region: region)
            // Plain stderr lines, not the reporter's: iam-policy writes no workflow command at all.
            let note = { (line: String) in context.errorOutput(context.secrets.redact(line)) }
            note(
                "iam-policy for environment\(built.environments.count == 1 ? "" : "s") \(built.environments.joined(separator: ", "))"
            )
            for assumption in built.assumptions { note("assumed: \(assumption)") }
            let document = built.document
            let text = format == "json" ? document.json() : document.terraform()
            context.result.line(text)
            context.result.document([
                "command": "iam-policy", "outcome": "ok", "exit-code": 0, "format": .string(format),
                "environments": .array(built.environments.map { .string($0) }),
                "policy": format == "json" ? document.value() : .string(text),
            ])
        }

        /// The deploy settings for each environment the policy covers, resolved as deploy does.
        /// The flags as deploy settings (a source is not needed for a policy).
        var settings: DeploySettings {
            var settings = DeploySettings()
            settings.source = artifact == nil ? "." : nil
            settings.artifact = artifact
            settings.preview = preview ? "true" : nil
            settings.function = function
            settings.bucket = bucket
            settings.key = key
            settings.branch = branch
            settings.maxErrorRate = maxErrorRate
            settings.maxErrorRateIncrease = maxErrorRateIncrease
            settings.smokePayload = smokePayload
            settings.keepVersions = keepVersions
            settings.region = region
            settings.config = config
            settings.alarms = alarms
            settings.alarmPrefixes = alarmPrefixes
            settings.environment = environment
            settings.repository = repository
            return settings
        }
    }
}
