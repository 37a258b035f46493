import LambdaShiftCore
import AWSCore
import CISupport
import AWSServices
import Config

/// `iam-policy`'s policy, resolved as a deploy resolves its settings: for the environment the
/// branch (or `--environment`) maps to, or every environment of the map when it maps to none;
/// the function parsed once (name, partial or full ARN: the ARN's region and account win); the
/// S3 resources the code source needs; what had to be assumed, said in sentences.
package enum IAMPolicyBuilder {
    package struct Built: Sendable {
        package var document: IAMPolicyDocument
        package var environments: [String]
        package var assumptions: [String]
    }

    package static func build(
        _ flags: SettingFlags, ci: CIContext, repository: String?, accountId: String?, region: String?,
        artifacts: Bool = false
    ) throws -> Built {
        let environment = ci.environment
        let plans = try deployPlans(flags, ci: ci, repository: repository)
        var functionArns: [String] = [], code: [IAMPolicyDocument.Statement] = [], alarmArns: [String] = []
        var assumptions: [String] = []
        for plan in plans {
            guard let reference = FunctionReference(parsing: plan.function) else {
                throw ConfigError(
                    "\"\(plan.function)\" is not a function name, a partial ARN (ACCOUNT:function:NAME) or a Lambda function ARN: check --function."
                )
            }
            let account = reference.account ?? accountId
            let region =
                reference.region ?? region ?? plan.region ?? environment["AWS_REGION"]
                ?? environment["AWS_DEFAULT_REGION"]
            if account == nil { assumptions.append("account * (pass --account-id or a function ARN to narrow it)") }
            if region == nil { assumptions.append("region * (pass --region or set AWS_REGION)") }
            let functionArn = reference.arn(region: region, account: account)
            let scope = "\(region ?? "*"):\(account ?? "*")"
            if plan.web != nil {
                // A web function (issue 38): its endpoint and revisions only, on the function's
                // ARN (`web-function/NAME`, the API's pattern) and what is under it; creating a
                // revision passes its execution role to Lambda.
                // https://docs.aws.amazon.com/lambda/latest/dg/web-functions-permissions.html
                let web = "arn:aws:lambda:\(scope):web-function/\(reference.name)"
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "ShipTheWebFunction",
                        actions: [
                            "lambda:GetWebFunction", "lambda:GetWebFunctionEndpoint", "lambda:ListWebFunctionEndpoints",
                            "lambda:UpdateWebFunctionEndpoint", "lambda:CreateWebFunctionRevision",
                            "lambda:GetWebFunctionRevision", "lambda:ListWebFunctionRevisions",
                        ] + (plan.keepVersions == nil ? [] : ["lambda:DeleteWebFunctionRevision"]),
                        resources: [web, web + "/*"]))
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "PassTheExecutionRole", actions: ["iam:PassRole"],
                        resources: ["arn:aws:iam::\(account ?? "*"):role/*"]))
                assumptions.append(
                    "iam:PassRole is on every role of the account: narrow it to the web function's execution role (its revisions' serviceConfig.executionRoleArn)"
                )
            } else {
                functionArns.append(functionArn)
            }
            if plan.source.isVerifiedBySigningConfig {
                // The preflight reads the function's code signing config (zip functions only).
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "ReadCodeSigning", actions: ["lambda:GetFunctionCodeSigningConfig"],
                        resources: [functionArn]))
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "ReadCodeSigningConfigs", actions: ["lambda:GetCodeSigningConfig"],
                        resources: ["arn:aws:lambda:\(scope):code-signing-config:*"]))
            }
            if let profile = plan.signingProfile {
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "SignPackages", actions: ["signer:GetSigningProfile", "signer:StartSigningJob"],
                        resources: ["arn:aws:signer:\(scope):/signing-profiles/\(profile)"]))
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "FollowSigningJobs", actions: ["signer:DescribeSigningJob"],
                        resources: ["arn:aws:signer:\(scope):/signing-jobs/*"]))
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "WriteSignedPackages", actions: ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"],
                        resources: ["arn:aws:s3:::\(plan.bucket)/\(plan.signedPrefix)*"]))
            }
            if plan.provenance.repository == nil {
                assumptions.append(
                    "the repository is unknown here (no CI, no git remote): S3 keys are allowed under any {repository}; pass --repository OWNER/NAME for the exact prefix CI uses"
                )
            }
            let keyPrefix = plan.provenance.repository == nil ? plan.keyPrefixAnyRepository : plan.keyPrefix
            code += plan.source.iamStatements(bucket: plan.bucket, keyPrefix: keyPrefix)
            if plan.codeStorage == .reference {
                // Code kept by reference: the bucket must keep versions, be in the function's
                // region, and let Lambda read the keys (its policy), all checked before any change.
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "CheckReferencedCodeBucket",
                        actions: ["s3:GetBucketVersioning", "s3:GetBucketLocation", "s3:GetBucketPolicy"],
                        resources: ["arn:aws:s3:::\(plan.source.artifact?.bucket ?? plan.bucket)"]))
            }
            if artifacts, plan.source.image == nil {
                // `cleanup --artifacts`: list the object versions, read each one's checksum, and
                // delete those no version needs (DeleteObjectVersion: a version goes for good).
                // https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "ListArtifactVersions", actions: ["s3:ListBucketVersions"],
                        resources: ["arn:aws:s3:::\(plan.bucket)"]))
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "DeleteUnneededArtifacts", actions: ["s3:GetObjectVersion", "s3:DeleteObjectVersion"],
                        resources: ["arn:aws:s3:::\(plan.bucket)/\(keyPrefix)*"]))
            }
            if plan.logLimits != nil {
                // The log-based judge reads the function's log group, and only it.
                // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
                let name = reference.name
                let group = plan.logGroup ?? "/aws/lambda/\(name)"
                if plan.logGroup == nil {
                    assumptions.append(
                        "the function logs to \(group) (Lambda's default): pass --log-group if its LoggingConfig names another group"
                    )
                }
                code.append(
                    IAMPolicyDocument.Statement(
                        sid: "ReadFunctionLogs", actions: ["logs:FilterLogEvents"],
                        resources: ["arn:aws:logs:\(scope):log-group:\(group):*"]))
            }
            alarmArns += plan.alarms.map { "arn:aws:cloudwatch:\(region ?? "*"):\(account ?? "*"):alarm:\($0)" }
            alarmArns += plan.alarmPrefixes.map { "arn:aws:cloudwatch:\(region ?? "*"):\(account ?? "*"):alarm:\($0)*" }
        }
        let document = IAMPolicyDocument.make(
            functionArns: unique(functionArns), codeStatements: IAMPolicyDocument.merged(code),
            alarmArns: unique(alarmArns),
            metrics: plans.contains { $0.maxErrorRateBasisPoints != nil || $0.canary != nil },
            smoke: plans.contains { $0.smokePayload != nil },
            pruning: plans.contains { $0.keepVersions != nil }, previews: plans.contains(where: \.isPreview))
        if plans.contains(where: \.isPreview) {
            // Lambda authorizes CreateAlias, UpdateAlias and DeleteAlias on the function, whatever
            // alias they name, so no policy can hold a role to the preview aliases alone.
            assumptions.append(
                "a policy cannot limit alias writes to the preview aliases (Lambda authorizes CreateAlias, UpdateAlias and DeleteAlias on the function): deploy previews to a function of their own, so the role that runs pull requests' code reaches nothing that serves callers"
            )
        }
        return Built(document: document, environments: plans.map(\.environment), assumptions: unique(assumptions))
    }

    /// `iam-policy --help`'s discussion.
    package static let discussion = """
        The policy is computed from the same settings as deploy (flags, LAMBDA_SHIFT_*, .lambda-shift.yml), \
        and only what they use: --alarm and --alarm-prefix read those alarms, --max-error-rate and the canary \
        settings add GetMetricData, --smoke-payload InvokeFunction, --keep-versions DeleteFunction on versions, \
        --signing-profile AWS Signer, --code-storage reference the bucket's reads, --preview what cleanup needs (a preview role's policy: give previews a \
        function of their own); --artifact and --image-uri only read. \
        With no branch or --environment that maps to one environment, it covers every environment of the map. \
        What it had to assume (account, region, repository) is said on stderr.
        Examples:
          lambda-shift iam-policy --function name-searcher-{environment} --bucket artifacts --account-id 123456789012
          lambda-shift iam-policy --format terraform > policy.tf
        """

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// The plan of each environment the policy covers, resolved as deploy resolves it.
    static func deployPlans(_ flags: SettingFlags, ci: CIContext, repository: String?) throws -> [DeployPlan] {
        func plan(_ environment: String?) throws -> DeployPlan? {
            var settings = try ResolvedSettings.resolve(.iamPolicy, flags: flags, ci: ci, environment: environment)
            if let repository { settings.provenance.repository = repository }
            return try DeployPlan.resolve(settings)
        }
        if let plan = try plan(nil) { return [plan] }
        // The branch maps to no environment: cover every environment of the map.
        let file = try ResolvedSettings.resolve(.iamPolicy, flags: flags, ci: ci).file
        let names =
            file?.environmentNames.isEmpty == false
            ? file?.environmentNames ?? [] : Array(Set(BranchMap.standard.branches.values.map(\.environment))).sorted()
        return try names.compactMap(plan)
    }
}
