import LambdaShiftCore
import Rollout

/// PRODUCT.md's outputs of a deploy, typed. Each CI's reporter (`name=value` lines,
/// GITHUB_OUTPUT, the GitLab dotenv report) renders `pairs`, the JSON document `members`: one
/// list of names, in one order.
public struct DeployOutputs: Sendable, Equatable {
    public var outcome: Outcome = .failed
    /// The version the alias serves when the run ends ("" when that is not known).
    public var version: String?
    public var previousVersion: String?
    /// The version this run published (differs from `version` after a rollback).
    public var publishedVersion: String?
    public var alias: String?
    public var function: String?
    public var environment: String?
    public var sha256: String?
    public var codeSha256: String?
    public var s3Key: String?
    public var s3VersionId: String?
    /// With `--signing-profile`: the Signer job and the signed object deployed.
    public var signingJobId: String?
    public var signedS3Key: String?
    public var signedS3VersionId: String?
    /// An image function's image, pinned by digest, and the digest.
    public var imageUri: String?
    public var imageDigest: String?
    /// The preview alias's function URL.
    public var url: String?
    /// `true` only when the alias already served this code.
    public var skipped: Bool { outcome == .skipped }

    public init(outcome: Outcome = .failed) {
        self.outcome = outcome
    }

    /// The outputs' names, in the order they are printed.
    public static let names = [
        "version", "previous-version", "published-version", "alias", "function", "environment", "sha256", "code-sha256",
        "s3-key", "s3-version-id", "signing-job-id", "signed-s3-key", "signed-s3-version-id", "image-uri",
        "image-digest", "outcome", "skipped", "url",
    ]

    /// The outputs a run has, in `names`' order (`outcome` and `skipped` always).
    public var pairs: [(name: String, value: String)] {
        Self.names.compactMap { name in self[name].map { (name, $0) } }
    }

    /// An output by its PRODUCT.md name.
    public subscript(name: String) -> String? {
        switch name {
        case "version": version
        case "previous-version": previousVersion
        case "published-version": publishedVersion
        case "alias": alias
        case "function": function
        case "environment": environment
        case "sha256": sha256
        case "code-sha256": codeSha256
        case "s3-key": s3Key
        case "s3-version-id": s3VersionId
        case "signing-job-id": signingJobId
        case "signed-s3-key": signedS3Key
        case "signed-s3-version-id": signedS3VersionId
        case "image-uri": imageUri
        case "image-digest": imageDigest
        case "outcome": outcome.word
        case "skipped": skipped ? "true" : "false"
        case "url": url
        default: nil
        }
    }

    /// The outputs as the JSON document has them: `skipped` a boolean, the rest strings.
    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for (name, value) in pairs { members[name] = name == "skipped" ? .bool(skipped) : .string(value) }
        return members
    }
}

/// How a deploy ended: its outputs (the outcome, and with it the exit code) and the sentence
/// (a message when it succeeded, the reason when it did not).
public struct DeployResult: Sendable, Equatable {
    public var outputs: DeployOutputs
    public var message: String
    public var reason: String?
    /// The canary analysis of each weighted step (empty without comparative gates).
    public var analysis: [CanaryStep] = []
    /// The traffic hooks that ran.
    public var hooks: [HookRun] = []

    public init(outputs: DeployOutputs, message: String = "", reason: String? = nil) {
        self.outputs = outputs
        self.message = message
        self.reason = reason
    }

    public var outcome: Outcome { outputs.outcome }
    /// PRODUCT.md's exit code: the outcome's.
    public var exitCode: Int32 { outputs.outcome.exitCode }
}
