import AWSServices
import Config
import CISupport
import FoundationEssentials
import Rollout

/// The resolved settings of one deploy.
package struct DeployPlan: Sendable {
    package var function: String
    package var alias: String
    package var environment: String
    package var bucket: String
    package var key: String
    package var strategy: Strategy
    package var bakeSeconds: Int
    package var alarms: [String]
    package var alarmPrefixes: [String]
    package var blockOnFiringAlarm: Bool
    package var maxErrorRateBasisPoints: Int?
    package var minInvocations: Int
    /// The comparison of the new version with the stable one (nil: no comparative gate).
    package var canary: CanaryLimits?
    /// The log-based judge's limits (nil: none asked for), and `--log-group` (nil: the
    /// function's own, from its LoggingConfig).
    package var logLimits: LogLimits?
    package var logGroup: String?
    /// How a step without a verdict ends.
    package var inconclusive: InconclusivePolicy = InconclusivePolicy()
    /// Invocations of the alias per weighted step (`--warm-invocations`).
    package var warmInvocations: Int = 0
    package var smokePayload: Data?
    package var allowedAccounts: [String]
    package var provenance: Provenance
    package var source: CodeSource
    package var region: String?
    package var roleToAssume: String?
    package var keepVersions: Int?
    package var keyPrefix: String
    /// The same prefix with any repository (`*`), for a policy made where the repository is unknown.
    package var keyPrefixAnyRepository: String
    package var gateIntervalSeconds: Int
    /// A preview deploy (its own alias, all at once); previews are cleaned up with `cleanup`.
    package var isPreview: Bool = false
    /// With a preview: the auth type of the function URL on its alias (AWS_IAM or NONE).
    package var functionURL: String?
    /// `--signing-profile`: the AWS Signer profile the uploaded package is signed with, and the
    /// key prefix (in the same bucket) the signed object goes under.
    package var signingProfile: String?
    package var signedPrefix: String = "signed/"
    /// The traffic hooks: shell commands before traffic moves and once it all has, each bounded.
    package var preTrafficCommand: String?
    package var postTrafficCommand: String?
    package var hookTimeoutSeconds: Int = 600
    /// `--show-smoke-response`: the report quotes the smoke test's response.
    package var showSmokeResponse = false
    /// `--hook-credentials`: which AWS credentials the hooks get.
    package var hookCredentials: HookCredentials = .invoke
    /// `--provisioned-concurrency-timeout`: the longest wait for provisioned concurrency to be
    /// `READY` after a weight change (or on the new version).
    package var provisionedConcurrencyTimeoutSeconds: Int = 900
    /// `--detach`: the first weighted step, then later `advance` runs; `--max-idle`.
    package var detach = false
    package var maxIdleSeconds = 3600

    /// The settings that judge a rollout, as a detached rollout records them: `advance` must
    /// judge with the same.
    package var gateSettings: GateSettings {
        var values: [(name: String, value: String)] = []
        func record(_ setting: Setting, _ value: String) { values.append((setting.name, value)) }
        record(.strategy, strategy.description)
        record(.bake, String(bakeSeconds))
        record(.alarm, alarms.sorted().joined(separator: ","))
        record(.alarmPrefix, alarmPrefixes.sorted().joined(separator: ","))
        record(.maxErrorRate, maxErrorRateBasisPoints.map(String.init) ?? "")
        record(.minInvocations, String(minInvocations))
        record(.maxErrorRateIncrease, canary?.maxErrorRateIncreasePoints.map { "\($0)" } ?? "")
        record(.maxDurationIncrease, canary?.maxDurationIncreasePercent.map { "\($0)" } ?? "")
        record(.confidence, canary.map { "\($0.confidence)" } ?? "")
        // Recorded only when set, so a rollout begun before these settings existed still matches.
        if let percent = logLimits?.maxMemoryUsePercent { record(.maxMemoryUse, "\(percent)") }
        if let percent = logLimits?.maxInitDurationIncreasePercent { record(.maxInitDurationIncrease, "\(percent)") }
        if let logGroup { record(.logGroup, logGroup) }
        record(.maxBake, inconclusive.maxBakeSeconds.map(String.init) ?? "")
        record(.onInconclusive, inconclusive.decision.rawValue)
        record(.postTrafficCommand, postTrafficCommand ?? "")
        return GateSettings(values)
    }
    /// `--smoke-tenant-id`: the tenant of the smoke test and the warm invocations.
    package var smokeTenantId: String?
    /// `--code-storage`: nil keeps what the function uses now (copy for a function new to it).
    package var codeStorage: CodeStorage?
    /// `--web-function`: the endpoint's revisions move instead of an alias's versions.
    package var web: WebTarget?
    /// `--runtime-drift fail`: a new version on another runtime version than the stable one
    /// fails the canary before traffic moves (else a warning that says so).
    package var failOnRuntimeDrift = false
}
