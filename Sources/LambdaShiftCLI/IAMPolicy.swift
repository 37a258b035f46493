import LambdaShiftCore
import Pipeline
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

        @Option(help: .setting("function", for: .iamPolicy)) var function: String?
        @Option(help: .setting("bucket", for: .iamPolicy)) var bucket: String?
        @Option(help: "Promote an uploaded package s3://BUCKET/KEY: the policy only reads it.") var artifact: String?
        @Option(help: "An image function's image: the policy reads it from ECR and writes nothing to S3.")
        var imageUri: String?
        @Option(
            help: "Adds AWS Signer's StartSigningJob and DescribeSigningJob with this profile, and the signed prefix.")
        var signingProfile: String?
        @Option(help: .setting("signed-prefix", for: .iamPolicy)) var signedPrefix: String?
        @Flag(
            help:
                "Previews too: adds DeleteAlias, DeleteFunction on versions and the function URL calls, for cleanup; needs no branch or pull request."
        ) var preview = false
        @Option(help: .setting("preview-alias", for: .iamPolicy)) var previewAlias: String?
        @Option(help: .setting("key", for: .iamPolicy)) var key: String?
        @Option(help: "Environment to cover (default: the branch's, else every environment of the map).")
        var environment: String?
        @Option(help: .setting("branch", for: .iamPolicy)) var branch: String?
        @Option(help: "OWNER/NAME for {repository} in the key (default: from the CI or git).") var repository: String?
        @Option(help: "Gate alarm (repeatable).") var alarm: [String] = []
        @Option(help: "Gate alarm name prefix (repeatable).") var alarmPrefix: [String] = []
        @Option(parsing: .unconditional, help: "Adds the metrics gate's GetMetricData.") var maxErrorRate: String?
        @Option(parsing: .unconditional, help: "Adds the canary's GetMetricData.") var maxErrorRateIncrease: String?
        @Option(help: "Adds InvokeFunction for the smoke test.") var smokePayload: String?
        @Option(parsing: .unconditional, help: "Adds DeleteFunction on versions, for pruning.") var keepVersions:
            String?
        @Option(help: "AWS region (default: the function ARN's, else AWS_REGION, else *).") var region: String?
        @Option(help: "Account of the function and alarms (default: the function ARN's, else *).") var accountId:
            String?
        @Option(help: .setting("config", for: .iamPolicy)) var config: String?
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
            var flags = SettingOptions.flags(self)
            if artifact == nil && imageUri == nil { flags["source"] = "." }  // a policy needs no build directory
            let built = try IAMPolicyBuilder.build(
                flags, ci: context.ci, repository: repository, accountId: accountId, region: region)
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
                "command": "iam-policy", "outcome": .string(Outcome.ok.word), "exit-code": 0, "format": .string(format),
                "environments": .array(built.environments.map { .string($0) }),
                "policy": format == "json" ? document.value() : .string(text),
            ])
        }
    }
}
