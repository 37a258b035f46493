import LambdaShiftCore
import CISupport
import AWSServices
import Config
import FoundationEssentials
import Rollout

extension DeployPlan {
    /// The plan of one deploy from its resolved settings: everything checked before AWS is
    /// touched; nil when the branch maps to no environment (nothing to deploy).
    /// `requireCode` false (`advance`): the code settings may be absent; nothing is deployed.
    package static func resolve(_ settings: ResolvedSettings, requireCode: Bool = true) throws -> DeployPlan? {
        guard let environmentName = settings.environmentName else { return nil }
        let isPreview = settings.flag(.preview)
        let web = try WebTarget.resolve(settings)
        guard let functionTemplate = web?.function ?? settings.text(.function) else {
            throw ConfigError("Name the function with --function (or the function input).")
        }
        let code = try requireCode ? CodeSource.resolve(settings) : (try? CodeSource.resolve(settings)) ?? .zip("")
        // An image function's code is in ECR: no bucket.
        guard
            let bucketName = code.artifact?.bucket ?? settings.text(.bucket) ?? code.image.map({ _ in "" })
                ?? (requireCode ? nil : "")
        else {
            throw ConfigError("Name the bucket for packages with --bucket (or the bucket input).")
        }
        let provenance = settings.provenance
        var values = provenance.templateValues(function: "", environment: environmentName)
        let functionName = try FunctionName.validated(
            try SettingTemplate.render(functionTemplate, values), origin: settings.origin(.function))
        values["function"] = functionName.split(separator: ":").last.map(String.init) ?? functionName
        let keyTemplate = try KeyTemplate(settings.text(.key) ?? KeyTemplate.defaultTemplate)
        let key = code.artifact?.key ?? keyTemplate.render(values)
        // The part of the key every deploy of this function shares: the policy's S3 prefix.
        let keyPrefix = keyTemplate.sharedPrefix(values)
        let keyPrefixAnyRepository = keyTemplate.sharedPrefix(values, anyRepository: true)
        // A preview serves no one else: no reason to shift slowly.
        let strategy = try Strategy.parse(isPreview ? "AllAtOnce" : settings.text(.strategy) ?? "AllAtOnce")
        let gateInterval = settings.seconds(.gateInterval) ?? 10
        guard gateInterval >= 1 else {
            throw ConfigError(
                "\(settings.origin(.gateInterval)) is 0: give at least 1s (the gates are read from CloudWatch at that pace)."
            )
        }
        let aliasName: String
        if isPreview && settings.command == .iamPolicy {
            // A policy covers every alias the template can make, whatever the branch or request:
            // its fixed prefix, then anything (`pr-*`).
            aliasName =
                PreviewAlias.prefix(template: settings.text(.previewAlias) ?? PreviewAlias.defaultTemplate) + "*"
        } else if isPreview {
            aliasName = try PreviewAlias.name(
                template: settings.text(.previewAlias) ?? PreviewAlias.defaultTemplate,
                branch: provenance.branch, pr: settings.ci.pullRequest)
            if deployAliases(settings).contains(aliasName) {
                throw PreviewAlias.refusal(aliasName, why: "the alias the settings deploy to")
            }
        } else if let web {
            // The endpoint stands in for the alias; found by the preflight when not named.
            aliasName = web.endpoint ?? ""
        } else {
            aliasName = try AliasName.validated(settings.text(.alias) ?? "live")
        }
        let minimum = settings.count(.minInvocations) ?? 1
        let increase = settings.percent(.maxErrorRateIncrease)
        let slower = settings.percent(.maxDurationIncrease)
        let confidence = settings.percent(.confidence) ?? 95
        if confidence < 50 {
            throw ConfigError(
                "\(settings.origin(.confidence)) is \(confidence)%: give a confidence from 50 to 99.99, such as 95."
            )
        }
        let warm = settings.count(.warmInvocations) ?? 0
        let smoke = settings.json(.smokePayload)
        if warm > 0 && smoke == nil {
            throw ConfigError(
                "\(settings.origin(.warmInvocations)) sends the smoke payload to the alias: set --smoke-payload too.")
        }
        let functionURL = settings.text(.functionUrl)
        if functionURL != nil && !isPreview {
            throw ConfigError("\(settings.origin(.functionUrl)) is for previews: add --preview, or leave it out.")
        }
        var plan = DeployPlan(
            function: functionName, alias: aliasName, environment: environmentName, bucket: bucketName, key: key,
            strategy: strategy, bakeSeconds: settings.seconds(.bake) ?? 0,
            alarms: settings.list(.alarm), alarmPrefixes: settings.list(.alarmPrefix),
            blockOnFiringAlarm: settings.text(.alarmAlreadyFiring) != "ignore",
            maxErrorRateBasisPoints: settings.basisPoints(.maxErrorRate), minInvocations: minimum,
            smokePayload: smoke, allowedAccounts: settings.list(.allowedAccountIds), provenance: provenance,
            source: code, region: settings.text(.region), roleToAssume: settings.text(.roleToAssume),
            keepVersions: settings.count(.keepVersions), keyPrefix: keyPrefix,
            keyPrefixAnyRepository: keyPrefixAnyRepository, gateIntervalSeconds: gateInterval, isPreview: isPreview,
            functionURL: functionURL)
        if increase != nil || slower != nil {
            plan.canary = CanaryLimits(
                maxErrorRateIncreasePoints: increase, maxDurationIncreasePercent: slower,
                confidence: confidence / 100, minInvocations: minimum)
        }
        let memory = settings.percent(.maxMemoryUse), cold = settings.percent(.maxInitDurationIncrease)
        if slower != nil || memory != nil || cold != nil {
            plan.logLimits = LogLimits(
                maxDurationIncreasePercent: slower, maxMemoryUsePercent: memory, maxInitDurationIncreasePercent: cold,
                maxErrorRateBasisPoints: plan.maxErrorRateBasisPoints, maxErrorRateIncreasePoints: increase,
                confidence: confidence / 100, minInvocations: minimum)
        }
        plan.logGroup = settings.text(.logGroup)
        if let group = plan.logGroup, !LogSource.isValidGroup(group) {
            throw ConfigError(
                "\(settings.origin(.logGroup)) is \"\(group)\": a log group name is 1 to 512 letters, digits and . - _ / #, such as /aws/lambda/my-function."
            )
        }
        let decision = InconclusivePolicy.Decision(rawValue: settings.text(.onInconclusive) ?? "rollback")
        plan.inconclusive = InconclusivePolicy(
            maxBakeSeconds: settings.seconds(.maxBake), decision: decision ?? .rollback)
        plan.warmInvocations = warm
        plan.failOnRuntimeDrift = settings.text(.runtimeDrift) == "fail"
        plan.codeStorage = settings.text(.codeStorage).flatMap(CodeStorage.init(rawValue:))
        if plan.codeStorage == .reference, plan.source.image != nil {
            throw ConfigError(
                "\(settings.origin(.codeStorage)) is reference, but an image function's code is its image in ECR: leave --code-storage out for an image."
            )
        }
        plan.smokeTenantId = settings.text(.smokeTenantId)
        plan.showSmokeResponse = settings.flag(.showSmokeResponse)
        plan.preTrafficCommand = settings.text(.preTrafficCommand)
        plan.postTrafficCommand = settings.text(.postTrafficCommand)
        plan.hookTimeoutSeconds = settings.seconds(.hookTimeout) ?? 600
        plan.hookCredentials = settings.text(.hookCredentials).flatMap(HookCredentials.init) ?? .invoke
        plan.provisionedConcurrencyTimeoutSeconds = settings.seconds(.provisionedConcurrencyTimeout) ?? 900
        plan.detach = settings.flag(.detach)
        plan.maxIdleSeconds = settings.seconds(.maxIdle) ?? 3600
        if plan.detach && isPreview {
            throw ConfigError("--detach is for gradual rollouts; a preview deploys all at once: leave one of them out.")
        }
        if plan.provisionedConcurrencyTimeoutSeconds < 1 {
            throw ConfigError(
                "\(settings.origin(.provisionedConcurrencyTimeout)) is 0: Lambda needs time to allocate provisioned concurrency; give it at least 1s, such as 15m."
            )
        }
        if plan.hookTimeoutSeconds < 1 {
            throw ConfigError("\(settings.origin(.hookTimeout)) is 0: give the commands at least 1s, such as 10m.")
        }
        plan.signingProfile = settings.text(.signingProfile)
        plan.signedPrefix = settings.text(.signedPrefix) ?? "signed/"
        if plan.signingProfile != nil && code.image != nil {
            throw ConfigError(
                "\(settings.origin(.signingProfile)) is for zip packages: Lambda does not sign container images (an image is pinned by its digest); leave it out with --image-uri."
            )
        }
        if let web {
            plan.web = web
            try web.refuseWhatDoesNotApply(plan, settings)
        }
        return plan
    }

    /// The aliases the settings deploy to outside a preview: `live`, the `alias` setting (unless
    /// `including` is false: cleanup's `--alias` names what to remove), and each environment's
    /// `alias:` in the settings file.
    static func deployAliases(_ settings: ResolvedSettings, including setting: Bool = true) -> Set<String> {
        var names: Set<String> = ["live"]
        if setting, let alias = settings.text(.alias) { names.insert(alias) }
        if let file = settings.file {
            if let top = file.value(Setting.alias.name, environment: nil) { names.insert(top) }
            for environment in file.environmentNames {
                if let alias = file.value(Setting.alias.name, environment: environment) { names.insert(alias) }
            }
        }
        return names
    }
}
