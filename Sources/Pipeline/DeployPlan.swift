import Config
import CISupport
import FoundationEssentials
import Rollout

/// The resolved settings of one deploy.
public struct DeployPlan: Sendable {
    public var function: String
    public var alias: String
    public var environment: String
    public var bucket: String
    public var key: String
    public var strategy: Strategy
    public var bakeSeconds: Int
    public var alarms: [String]
    public var alarmPrefixes: [String]
    public var blockOnFiringAlarm: Bool
    public var maxErrorRateBasisPoints: Int?
    public var minInvocations: Int
    /// The comparison of the new version with the stable one (nil: no comparative gate).
    public var canary: CanaryLimits?
    /// How a step without a verdict ends.
    public var inconclusive: InconclusivePolicy = InconclusivePolicy()
    /// Invocations of the alias per weighted step (`--warm-invocations`).
    public var warmInvocations: Int = 0
    public var smokePayload: Data?
    public var allowedAccounts: [String]
    public var provenance: Provenance
    public var source: CodeSource
    public var region: String?
    public var roleToAssume: String?
    public var keepVersions: Int?
    public var keyPrefix: String
    /// The same prefix with any repository (`*`), for a policy made where the repository is unknown.
    public var keyPrefixAnyRepository: String
    public var gateIntervalSeconds: Int
    /// A preview deploy (its own alias, all at once); previews are cleaned up with `cleanup`.
    public var isPreview: Bool = false
    /// With a preview: the auth type of the function URL on its alias (AWS_IAM or NONE).
    public var functionURL: String?
    /// `--signing-profile`: the AWS Signer profile the uploaded package is signed with, and the
    /// key prefix (in the same bucket) the signed object goes under.
    public var signingProfile: String?
    public var signedPrefix: String = "signed/"
    /// The traffic hooks: shell commands before traffic moves and once it all has, each bounded.
    public var preTrafficCommand: String?
    public var postTrafficCommand: String?
    public var hookTimeoutSeconds: Int = 600
    /// `--show-smoke-response`: the report quotes the smoke test's response.
    public var showSmokeResponse = false
    /// `--hook-credentials`: which AWS credentials the hooks get.
    public var hookCredentials: HookCredentials = .invoke
    /// `--provisioned-concurrency-timeout`: the longest wait for provisioned concurrency to be
    /// `READY` after a weight change (or on the new version).
    public var provisionedConcurrencyTimeoutSeconds: Int = 900
    /// `--detach`: the first weighted step, then later `advance` runs; `--max-idle`.
    public var detach = false
    public var maxIdleSeconds = 3600

    /// The settings that judge a rollout, as a detached rollout records them: `advance` must
    /// judge with the same.
    public var gateSettings: GateSettings {
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
        record(.maxBake, inconclusive.maxBakeSeconds.map(String.init) ?? "")
        record(.onInconclusive, inconclusive.decision.rawValue)
        record(.postTrafficCommand, postTrafficCommand ?? "")
        return GateSettings(values)
    }
    /// `--smoke-tenant-id`: the tenant of the smoke test and the warm invocations.
    public var smokeTenantId: String?
}
