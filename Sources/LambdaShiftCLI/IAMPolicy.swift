import Pipeline
import AWSServices
import CISupport
import ArgumentParser
import Config
import Foundation

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
            var environment = context.environment
            if let repository {
                environment.variables["GITHUB_REPOSITORY"] = repository;
                environment.variables["GITHUB_ACTIONS"] = "true"
            }
            let scoped = CommandContext(
                environment: environment, transport: context.transport, output: context.output,
                errorOutput: context.errorOutput)
            let plans = try deployPlans(scoped)
            var functionArns: [String] = [], objects: [String] = [], buckets: [String] = [], alarmArns: [String] = []
            var assumptions: [String] = []
            for plan in plans {
                guard let reference = FunctionReference(parsing: plan.function) else {
                    throw ConfigError(
                        "\"\(plan.function)\" is not a function name, a partial ARN (ACCOUNT:function:NAME) or a Lambda function ARN: check --function."
                    )
                }
                let account = reference.account ?? accountId
                let region =
                    reference.region ?? self.region ?? plan.region ?? context.environment["AWS_REGION"]
                    ?? context.environment["AWS_DEFAULT_REGION"]
                if account == nil { assumptions.append("account * (pass --account-id or a function ARN to narrow it)") }
                if region == nil { assumptions.append("region * (pass --region or set AWS_REGION)") }
                functionArns.append(reference.arn(region: region, account: account))
                let prefix = plan.provenance.repository == nil ? plan.keyPrefixAnyRepository : plan.keyPrefix
                if plan.provenance.repository == nil {
                    assumptions.append(
                        "the repository is unknown here (no CI, no git remote): S3 keys are allowed under any {repository}; pass --repository OWNER/NAME for the exact prefix CI uses"
                    )
                }
                objects.append("arn:aws:s3:::\(plan.bucket)/\(prefix)*")
                buckets.append(plan.bucket)
                alarmArns += plan.alarms.map { "arn:aws:cloudwatch:\(region ?? "*"):\(account ?? "*"):alarm:\($0)" }
                alarmArns += plan.alarmPrefixes.map {
                    "arn:aws:cloudwatch:\(region ?? "*"):\(account ?? "*"):alarm:\($0)*"
                }
            }
            func unique(_ items: [String]) -> [String] {
                var seen = Set<String>(); return items.filter { seen.insert($0).inserted }
            }
            // Plain stderr lines, not the reporter's: iam-policy writes no workflow command at all.
            let note = { (line: String) in context.errorOutput(context.secrets.redact(line)) }
            note(
                "iam-policy for environment\(plans.count == 1 ? "" : "s") \(plans.map(\.environment).joined(separator: ", "))"
            )
            for assumption in unique(assumptions) { note("assumed: \(assumption)") }
            let document = IAMPolicyDocument.make(
                functionArns: unique(functionArns), objectResources: unique(objects), buckets: unique(buckets),
                alarmArns: unique(alarmArns), metrics: plans.contains { $0.maxErrorRateBasisPoints != nil },
                smoke: plans.contains { $0.smokePayload != nil }, pruning: plans.contains { $0.keepVersions != nil })
            let text = format == "json" ? document.json() : document.terraform()
            context.result.line(text)
            context.result.document([
                "command": "iam-policy", "outcome": "ok", "exit-code": 0, "format": .string(format),
                "environments": .array(plans.map { .string($0.environment) }),
                "policy": format == "json" ? document.value() : .string(text),
            ])
        }

        /// The deploy settings for each environment the policy covers, resolved as deploy does.
        func deployPlans(_ context: CommandContext) throws -> [DeployPlan] {
            var settings = DeploySettings()
            settings.source = "."
            settings.function = function; settings.bucket = bucket; settings.key = key; settings.branch = branch
            settings.maxErrorRate = maxErrorRate; settings.smokePayload = smokePayload;
            settings.keepVersions = keepVersions
            settings.region = region; settings.config = config; settings.alarms = alarms;
            settings.alarmPrefixes = alarmPrefixes
            settings.environment = environment
            if let plan = try settings.resolve(context.environment) { return [plan] }
            // The branch maps to no environment: cover every environment of the map.
            let file = try SettingSource.loadFile(flag: config, environment: context.environment)
            let names =
                file?.environmentNames.isEmpty == false
                ? file?.environmentNames ?? []
                : Array(Set(BranchMap.standard.branches.values.map(\.environment))).sorted()
            return try names.compactMap { name in
                var scoped = settings
                scoped.environment = name
                return try scoped.resolve(context.environment)
            }
        }
    }
}
