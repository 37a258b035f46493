import CISupport
import AWSCore
import AWSServices
import ArgumentParser
import Config
import Foundation
import Packaging
import Rollout

extension LambdaShift {
    /// `deploy`: package, upload, update, publish, shift — PRODUCT.md's flow.
    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Package, upload, update the function, publish a version and move the alias: gradually with health gates on production.",
            discussion: """
                Exit codes: 0 deployed, skipped or nothing to do; 1 failed (no traffic moved, or restored); 2 bad settings, \
                found before any change; 3 a gate failed, rolled back; 4 cancelled, rolled back; 5 the rollback failed.
                Examples:
                  lambda-shift deploy --function name-searcher-{environment} --bucket artifacts --source dist
                  lambda-shift deploy --function svc --bucket artifacts --zip build/svc.zip --environment production \\
                      --strategy canary:10%:5m --alarm svc-errors --max-error-rate 1 --min-invocations 50
                """)

        @OptionGroup var options: DeployOptions
        @Flag(name: .customLong("dry-run"), help: "Only plan: resolve, read, and print what would change.") var dryRun = false

        func run() async throws {
            let context = CommandContext.current
            if dryRun { return try await PlanRun(options: options, context: context).execute() }
            let report = DeployReport(context: context)
            let resolved: DeployPlan?
            do {
                resolved = try options.resolve(context)
            } catch {
                // Bad settings still end with the outputs (outcome=failed) and the JSON document.
                report.finish(outputs: ["outcome": "failed", "skipped": "false"], exitCode: LambdaShiftExit.usage, message: "",
                              reason: LambdaShiftExit.message(for: error))
                throw error
            }
            guard let plan = resolved else {
                report.finish(outputs: ["outcome": "nothing-to-do", "skipped": "false"], exitCode: 0,
                              message: "Branch \(options.branchDescription(context)) maps to no environment: nothing to deploy.")
                return
            }
            try await DeployRun(plan: plan, context: context, report: report).execute()
        }
    }

    /// `plan`: what deploy would do, changing nothing.
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve everything, read the live function and alias, and print the schedule and what would change. Changes nothing.",
            discussion: """
                Example:
                  lambda-shift plan --function name-searcher-{environment} --bucket artifacts --source dist --branch main
                """)

        @OptionGroup var options: DeployOptions

        func run() async throws {
            try await PlanRun(options: options, context: CommandContext.current).execute()
        }
    }
}

/// The settings of `deploy` and `plan`.
struct DeployOptions: ParsableArguments {
    @Option(help: "Function name or ARN; may use {environment} and the other placeholders.") var function: String?
    @Option(help: "Alias to move (default live).") var alias: String?
    @OptionGroup var sourceOptions: SourceOptions
    @Option(help: "Bucket for the packages.") var bucket: String?
    @Option(help: "S3 key template (default {repository}/{function}/{version}/package.zip).") var key: String?
    @Option(help: "Environment, overriding the branch map.") var environment: String?
    @Option(help: "Branch, overriding detection.") var branch: String?
    @Option(help: "Strategy: AllAtOnce, a CodeDeploy name, canary:10%:5m, linear:20%:1m, steps:10%@1m,50%@2m.") var strategy: String?
    @Option(name: .customLong("alarm"), help: "CloudWatch alarm gating each step (repeatable).") var alarms: [String] = []
    @Option(name: .customLong("alarm-prefix"), help: "Gate on every alarm whose name starts with this (repeatable).") var alarmPrefixes: [String] = []
    @Option(name: .customLong("alarm-already-firing"), help: "An alarm in ALARM before the deploy: block (default) or ignore.") var alarmAlreadyFiring: String?
    @Option(name: .customLong("max-error-rate"), parsing: .unconditional, help: "Highest error+throttle rate of the new version, in percent (enables the metrics gate).") var maxErrorRate: String?
    @Option(name: .customLong("min-invocations"), parsing: .unconditional, help: "Invocations needed before the metrics gate counts silence as health (default 1).") var minInvocations: String?
    @Option(name: .customLong("smoke-payload"), help: "JSON (or @FILE) to invoke the new version with before traffic moves.") var smokePayload: String?
    @Option(parsing: .unconditional, help: "Keep checking the gates this long after 100% (30s, 5m).") var bake: String?
    @Option(name: .customLong("gate-interval"), help: "How often the gates are checked during a bake (default 10s).") var gateInterval: String?
    @Option(name: .customLong("allowed-account-ids"), help: "Comma-separated AWS account ids this deploy may touch.") var allowedAccountIds: String?
    @Option(help: "AWS region.") var region: String?
    @Option(name: .customLong("role-to-assume"), help: "Role ARN to assume with the CI's OIDC token.") var roleToAssume: String?
    @Option(name: .customLong("keep-versions"), parsing: .unconditional, help: "After a deploy, delete published versions beyond the newest N (never one an alias uses).") var keepVersions: String?
    @Option(help: "Settings file (default .lambda-shift.yml when present).") var config: String?
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

    func branchDescription(_ context: CommandContext) -> String {
        let provenance = Provenance.detect(context.environment.variables, git: { LocalGit.facts() })
        return (branch ?? provenance.branch).map { "\"\($0)\"" } ?? "(none detected)"
    }

    /// Everything checked before AWS is touched; nil when the branch deploys nothing.
    func resolve(_ context: CommandContext) throws -> DeployPlan? {
        var settings = SettingSource(environment: context.environment, file: try SettingSource.loadFile(flag: config, environment: context.environment))
        var provenance = Provenance.detect(context.environment.variables, git: { LocalGit.facts() })
        if let branch = settings.value(branch, "branch") { provenance.branch = branch }
        var strategyText = settings.value(strategy, "strategy", fileKeys: [])
        guard let target = try settings.environment(explicit: environment, branch: provenance.branch) else { return nil }
        let environmentName = target.name
        strategyText = strategyText ?? target.strategy
        settings.environmentName = environmentName
        if let fromFile = settings.file?.value("strategy", environment: environmentName), settings.value(strategy, "strategy", fileKeys: []) == nil {
            strategyText = fromFile
        }
        guard let functionTemplate = settings.value(function, "function") else { throw ConfigError("Name the function with --function (or the function input).") }
        guard let bucketName = settings.value(bucket, "bucket") else { throw ConfigError("Name the bucket for packages with --bucket (or the bucket input).") }
        var values = provenance.templateValues(function: "", environment: environmentName)
        let functionName = try SettingTemplate.render(functionTemplate, values)
        values["function"] = functionName.split(separator: ":").last.map(String.init) ?? functionName
        let keyTemplate = try KeyTemplate(settings.value(self.key, "key") ?? KeyTemplate.defaultTemplate)
        let key = keyTemplate.render(values)
        // The part of the key every deploy of this function shares: the policy's S3 prefix.
        var varying = values
        let marker = "LAMBDASHIFTVARIES"
        for name in ["version", "sha", "short_sha", "branch"] { varying[name] = marker }
        let rendered = keyTemplate.render(varying)
        let keyPrefix = rendered.range(of: marker).map { String(rendered[..<$0.lowerBound]) } ?? rendered
        varying["repository"] = "LAMBDASHIFTANYREPOSITORY"
        let anyRepository = keyTemplate.render(varying).replacingOccurrences(of: "LAMBDASHIFTANYREPOSITORY", with: "*")
        let keyPrefixAnyRepository = anyRepository.range(of: marker).map { String(anyRepository[..<$0.lowerBound]) } ?? anyRepository
        let strategy = try Strategy.parse(strategyText ?? "AllAtOnce")
        let bakeSeconds = try settings.value(bake, "bake").map { try Strategy.seconds($0, in: settings.origin(bake, "bake")) } ?? 0
        let gateInterval = try settings.value(self.gateInterval, "gate-interval").map { try Strategy.seconds($0, in: settings.origin(self.gateInterval, "gate-interval")) } ?? 10
        guard gateInterval >= 1 else { throw ConfigError("--gate-interval is 0: give at least 1s (the gates are read from CloudWatch at that pace).") }
        let aliasName = try AliasName.validated(settings.value(alias, "alias") ?? "live")
        var maxErrorBasisPoints: Int?
        if let text = settings.value(maxErrorRate, "max-error-rate") {
            maxErrorBasisPoints = try Strategy.rate(text, in: settings.origin(maxErrorRate, "max-error-rate"))
        }
        let minimum = try settings.integer(minInvocations, "min-invocations", in: 0...Int.max, what: "the invocations needed per check") ?? 1
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
            guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
                throw ConfigError("The smoke payload is not JSON: pass a JSON document or @file.json.")
            }
            smoke = data
        }
        let firing = settings.value(alarmAlreadyFiring, "alarm-already-firing") ?? "block"
        guard ["block", "ignore"].contains(firing) else { throw ConfigError("\(settings.origin(alarmAlreadyFiring, "alarm-already-firing")) is \"\(firing)\": use block or ignore.") }
        let keep = try settings.integer(keepVersions, "keep-versions", in: 1...Int.max, what: "how many versions to keep")
        let accounts = settings.list(allowedAccountIds.map { [$0] } ?? [], "allowed-account-ids").flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let bad = accounts.first(where: { $0.count != 12 || !$0.allSatisfy(\.isASCII) || !$0.allSatisfy(\.isNumber) }) {
            throw ConfigError("\(settings.origin(allowedAccountIds, "allowed-account-ids")) holds \"\(bad)\", which is not an AWS account id: give 12-digit ids, separated by commas.")
        }
        return DeployPlan(function: functionName, alias: aliasName, environment: environmentName, bucket: bucketName, key: key,
                          strategy: strategy, bakeSeconds: bakeSeconds, alarms: settings.list(alarms, "alarm", fileKeys: ["alarms", "alarm"]), alarmPrefixes: settings.list(alarmPrefixes, "alarm-prefix"),
                          blockOnFiringAlarm: firing == "block", maxErrorRateBasisPoints: maxErrorBasisPoints, minInvocations: minimum,
                          smokePayload: smoke, allowedAccounts: accounts, provenance: provenance, sourceOptions: try sourceOptions.resolved(settings),
                          region: settings.value(region, "region"), roleToAssume: settings.value(roleToAssume, "role-to-assume"), keepVersions: keep,
                          keyPrefix: keyPrefix, keyPrefixAnyRepository: keyPrefixAnyRepository, gateIntervalSeconds: gateInterval)
    }
}

/// The resolved settings of one deploy.
struct DeployPlan {
    var function: String
    var alias: String
    var environment: String
    var bucket: String
    var key: String
    var strategy: Strategy
    var bakeSeconds: Int
    var alarms: [String]
    var alarmPrefixes: [String]
    var blockOnFiringAlarm: Bool
    var maxErrorRateBasisPoints: Int?
    var minInvocations: Int
    var smokePayload: Data?
    var allowedAccounts: [String]
    var provenance: Provenance
    var sourceOptions: SourceOptions
    var region: String?
    var roleToAssume: String?
    var keepVersions: Int?
    var keyPrefix: String
    /// The same prefix with any repository (`*`), for a policy made where the repository is unknown.
    var keyPrefixAnyRepository: String
    var gateIntervalSeconds: Int
}
