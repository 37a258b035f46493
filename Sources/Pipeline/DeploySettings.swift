import LambdaShiftCore
import AWSCore
import CISupport
import Config
import FoundationEssentials
import Rollout

/// The settings of a deploy as given: flags as parsed, nothing resolved. The command line
/// fills it; `resolve` reads the environment and `.lambda-shift.yml` and turns it into a typed
/// `DeployPlan` (or refuses it with one sentence), the same for deploy, plan and iam-policy.
public struct DeploySettings: Sendable {
    public var function: String?
    /// `--function` repeated: several targets in one deploy.
    public var functions: [String] = []
    public var waves: String?
    public var parallel: String?
    public var alias: String?
    public var source: String?
    public var zip: String?
    public var artifact: String?
    public var preview: String?
    public var previewAlias: String?
    public var functionURL: String?
    public var excludes: [String] = []
    public var includeHidden: String?
    public var bucket: String?
    public var key: String?
    public var environment: String?
    public var branch: String?
    public var strategy: String?
    public var alarms: [String] = []
    public var alarmPrefixes: [String] = []
    public var alarmAlreadyFiring: String?
    public var maxErrorRate: String?
    public var minInvocations: String?
    public var maxErrorRateIncrease: String?
    public var maxDurationIncrease: String?
    public var confidence: String?
    public var maxBake: String?
    public var onInconclusive: String?
    public var warmInvocations: String?
    public var smokePayload: String?
    public var bake: String?
    public var gateInterval: String?
    public var allowedAccountIds: String?
    public var region: String?
    public var roleToAssume: String?
    public var keepVersions: String?
    public var config: String?
    /// OWNER/NAME for `{repository}` when the CI or git cannot tell (iam-policy on a laptop).
    public var repository: String?

    public init() {}

    /// The branch as detection and `--branch` give it, quoted for a sentence.
    public func branchDescription(_ environment: Environment) -> String {
        let provenance = Provenance.detect(environment.variables, git: { LocalGit.facts() })
        return (branch ?? provenance.branch).map { "\"\($0)\"" } ?? "(none detected)"
    }

    /// Everything checked before AWS is touched; nil when the branch deploys nothing.
    public func resolve(_ environment: Environment) throws -> DeployPlan? {
        var settings = SettingSource(
            environment: environment, file: try SettingSource.loadFile(flag: config, environment: environment))
        var provenance = Provenance.detect(environment.variables, git: { LocalGit.facts() })
        if let branch = settings.value(branch, "branch") { provenance.branch = branch }
        if let repository { provenance.repository = repository }
        var strategyText = settings.value(strategy, "strategy", fileKeys: [])
        let isPreview = try Self.flag(settings.value(preview, "preview"), origin: settings.origin(preview, "preview"))
        // A preview goes to the environment mapped for the branch (environments: preview: branches:
        // ["feature/*"]), else to one named preview.
        guard
            let target = try settings.environment(explicit: self.environment, branch: provenance.branch)
                ?? (isPreview ? (name: "preview", strategy: nil) : nil)
        else {
            return nil
        }
        let environmentName = target.name
        strategyText = strategyText ?? target.strategy
        settings.environmentName = environmentName
        if let fromFile = settings.file?.value("strategy", environment: environmentName),
            settings.value(strategy, "strategy", fileKeys: []) == nil
        {
            strategyText = fromFile
        }
        guard let functionTemplate = settings.value(function, "function") else {
            throw ConfigError("Name the function with --function (or the function input).")
        }
        let code = try CodeSource.resolve(
            source: source, zip: zip, artifact: artifact, excludes: excludes, includeHidden: includeHidden,
            settings: settings)
        guard let bucketName = code.artifact?.bucket ?? settings.value(bucket, "bucket") else {
            throw ConfigError("Name the bucket for packages with --bucket (or the bucket input).")
        }
        var values = provenance.templateValues(function: "", environment: environmentName)
        let functionName = try SettingTemplate.render(functionTemplate, values)
        values["function"] = functionName.split(separator: ":").last.map(String.init) ?? functionName
        let keyTemplate = try KeyTemplate(settings.value(self.key, "key") ?? KeyTemplate.defaultTemplate)
        let key = code.artifact?.key ?? keyTemplate.render(values)
        // The part of the key every deploy of this function shares: the policy's S3 prefix.
        var varying = values
        let marker = "LAMBDASHIFTVARIES"
        for name in ["version", "sha", "short_sha", "branch"] { varying[name] = marker }
        let rendered = keyTemplate.render(varying)
        let keyPrefix = rendered.firstRange(of: marker).map { String(rendered[..<$0.lowerBound]) } ?? rendered
        varying["repository"] = "LAMBDASHIFTANYREPOSITORY"
        let anyRepository = keyTemplate.render(varying).replacingAll("LAMBDASHIFTANYREPOSITORY", with: "*")
        let keyPrefixAnyRepository =
            anyRepository.firstRange(of: marker).map { String(anyRepository[..<$0.lowerBound]) } ?? anyRepository
        // A preview serves no one else: no reason to shift slowly.
        let strategy = try Strategy.parse(isPreview ? "AllAtOnce" : strategyText ?? "AllAtOnce")
        let bakeSeconds =
            try settings.value(bake, "bake").map { try Strategy.seconds($0, in: settings.origin(bake, "bake")) } ?? 0
        let gateInterval =
            try settings.value(self.gateInterval, "gate-interval").map {
                try Strategy.seconds($0, in: settings.origin(self.gateInterval, "gate-interval"))
            } ?? 10
        guard gateInterval >= 1 else {
            throw ConfigError(
                "--gate-interval is 0: give at least 1s (the gates are read from CloudWatch at that pace).")
        }
        let aliasName: String
        if isPreview {
            aliasName = try PreviewAlias.name(
                template: settings.value(previewAlias, "preview-alias") ?? PreviewAlias.defaultTemplate,
                branch: provenance.branch, pr: PreviewAlias.pullRequest(environment))
        } else {
            aliasName = try AliasName.validated(settings.value(alias, "alias") ?? "live")
        }
        var maxErrorBasisPoints: Int?
        if let text = settings.value(maxErrorRate, "max-error-rate") {
            maxErrorBasisPoints = try Strategy.rate(text, in: settings.origin(maxErrorRate, "max-error-rate"))
        }
        let minimum =
            try settings.integer(
                minInvocations, "min-invocations", in: 0...Int.max, what: "the invocations needed per check") ?? 1
        let increase = try settings.value(maxErrorRateIncrease, "max-error-rate-increase").map {
            try Self.percentNumber(
                $0, origin: settings.origin(maxErrorRateIncrease, "max-error-rate-increase"), upTo: 100)
        }
        let slower = try settings.value(maxDurationIncrease, "max-duration-increase").map {
            try Self.percentNumber(
                $0, origin: settings.origin(maxDurationIncrease, "max-duration-increase"), upTo: 10_000)
        }
        let confidenceValue = try settings.value(confidence, "confidence").map {
            try Self.percentNumber($0, origin: settings.origin(confidence, "confidence"), upTo: 99.99)
        }
        if let confidenceValue, confidenceValue < 50 {
            throw ConfigError(
                "\(settings.origin(confidence, "confidence")) is \(confidenceValue)%: give a confidence from 50 to 99.99, such as 95."
            )
        }
        let maxBakeSeconds = try settings.value(maxBake, "max-bake").map {
            try Strategy.seconds($0, in: settings.origin(maxBake, "max-bake"))
        }
        let decisionText = settings.value(onInconclusive, "on-inconclusive") ?? "rollback"
        guard let decision = InconclusivePolicy.Decision(rawValue: decisionText) else {
            throw ConfigError(
                "\(settings.origin(onInconclusive, "on-inconclusive")) is \"\(decisionText)\": use rollback or proceed."
            )
        }
        let warm =
            try settings.integer(
                warmInvocations, "warm-invocations", in: 0...10_000, what: "the invocations to send per step") ?? 0
        let canary =
            increase == nil && slower == nil
            ? nil
            : CanaryLimits(
                maxErrorRateIncreasePoints: increase, maxDurationIncreasePercent: slower,
                confidence: (confidenceValue ?? 95) / 100, minInvocations: minimum)
        var smoke: Data?
        if let text = settings.value(smokePayload, "smoke-payload") {
            let data: Data
            if text.hasPrefix("@") {
                guard let contents = FileManager.default.contents(atPath: String(text.dropFirst())) else {
                    throw ConfigError("Cannot read the smoke payload file \(text.dropFirst()).")
                }
                data = contents
            } else {
                data = Data(text.utf8)
            }
            guard JSONValue.parse(data) != nil else {
                throw ConfigError("The smoke payload is not JSON: pass a JSON document or @file.json.")
            }
            smoke = data
        }
        if warm > 0 && smoke == nil {
            throw ConfigError(
                "\(settings.origin(warmInvocations, "warm-invocations")) sends the smoke payload to the alias: set --smoke-payload too."
            )
        }
        let firing = settings.value(alarmAlreadyFiring, "alarm-already-firing") ?? "block"
        guard ["block", "ignore"].contains(firing) else {
            throw ConfigError(
                "\(settings.origin(alarmAlreadyFiring, "alarm-already-firing")) is \"\(firing)\": use block or ignore.")
        }
        let keep = try settings.integer(
            keepVersions, "keep-versions", in: 1...Int.max, what: "how many versions to keep")
        let accounts = settings.list(allowedAccountIds.map { [$0] } ?? [], "allowed-account-ids").flatMap {
            $0.split(separator: ",").map { $0.trimmed(newlines: false) }
        }
        if let bad = accounts.first(where: { $0.count != 12 || !$0.allSatisfy(\.isASCII) || !$0.allSatisfy(\.isNumber) }
        ) {
            throw ConfigError(
                "\(settings.origin(allowedAccountIds, "allowed-account-ids")) holds \"\(bad)\", which is not an AWS account id: give 12-digit ids, separated by commas."
            )
        }
        var plan = DeployPlan(
            function: functionName, alias: aliasName, environment: environmentName, bucket: bucketName, key: key,
            strategy: strategy, bakeSeconds: bakeSeconds,
            alarms: try settings.gateList(alarms, "alarm", fileKeys: ["alarms", "alarm"]),
            alarmPrefixes: try settings.gateList(alarmPrefixes, "alarm-prefix"),
            blockOnFiringAlarm: firing == "block", maxErrorRateBasisPoints: maxErrorBasisPoints,
            minInvocations: minimum,
            smokePayload: smoke, allowedAccounts: accounts, provenance: provenance,
            source: code,
            region: settings.value(region, "region"), roleToAssume: settings.value(roleToAssume, "role-to-assume"),
            keepVersions: keep,
            keyPrefix: keyPrefix, keyPrefixAnyRepository: keyPrefixAnyRepository, gateIntervalSeconds: gateInterval,
            isPreview: isPreview, functionURL: try Self.functionURLAuth(settings, functionURL, preview: isPreview))
        plan.canary = canary
        plan.inconclusive = InconclusivePolicy(maxBakeSeconds: maxBakeSeconds, decision: decision)
        plan.warmInvocations = warm
        return plan
    }

    /// A positive percentage (`1`, `0.5`, `20%`) up to `upTo`, as a number of percent.
    static func percentNumber(_ text: String, origin: String, upTo limit: Double) throws -> Double {
        var trimmed = text.trimmed(newlines: false)
        if trimmed.hasSuffix("%") { trimmed.removeLast() }
        let digits = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(digits.count), digits.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
            digits.allSatisfy({ $0.allSatisfy(\.isNumber) }), digits.count == 1 || digits[1].count <= 2,
            let value = Double(trimmed), value > 0, value <= limit
        else {
            throw ConfigError(
                "\(origin) is \"\(text)\": give a percentage above 0 and at most \(Decimals.text(limit)), with at most two decimals, such as 1 or 0.5."
            )
        }
        return value
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`), named as the user wrote it when it is neither.
    static func flag(_ text: String?, origin: String) throws -> Bool {
        guard let text = text?.lowercased(), !text.isEmpty else { return false }
        if ["true", "1", "yes"].contains(text) { return true }
        if ["false", "0", "no"].contains(text) { return false }
        throw ConfigError("\(origin) is \"\(text)\": use true or false.")
    }

    /// `--function-url AWS_IAM|NONE`, for previews only.
    static func functionURLAuth(_ settings: SettingSource, _ flag: String?, preview: Bool) throws -> String? {
        guard let text = settings.value(flag, "function-url") else { return nil }
        let origin = settings.origin(flag, "function-url")
        guard ["AWS_IAM", "NONE"].contains(text) else {
            throw ConfigError("\(origin) is \"\(text)\": use AWS_IAM or NONE.")
        }
        guard preview else { throw ConfigError("\(origin) is for previews: add --preview, or leave it out.") }
        return text
    }
}
