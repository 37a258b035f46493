import LambdaShiftCore
import CISupport
import Rollout

/// PRODUCT.md's outputs of a deploy, typed. Each CI's reporter (`name=value` lines,
/// GITHUB_OUTPUT, the GitLab dotenv report) renders `pairs`, the JSON document `members`: one
/// list of names, in one order.
package struct DeployOutputs: Sendable, Equatable {
    package var outcome: Outcome = .failed
    /// The version the alias serves when the run ends ("" when that is not known).
    package var version: String?
    package var previousVersion: String?
    /// The version this run published (differs from `version` after a rollback).
    package var publishedVersion: String?
    package var alias: String?
    package var function: String?
    package var environment: String?
    package var sha256: String?
    package var codeSha256: String?
    package var s3Key: String?
    package var s3VersionId: String?
    /// With `--signing-profile`: the Signer job and the signed object deployed.
    package var signingJobId: String?
    package var signedS3Key: String?
    package var signedS3VersionId: String?
    /// An image function's image, pinned by digest, and the digest.
    package var imageUri: String?
    package var imageDigest: String?
    /// The preview alias's function URL.
    package var url: String?
    /// A detached rollout in progress: its step (`1/3`; `4/3` for the bake after 100 %), the
    /// new version's weight in percent, and when `advance` may judge it next (ISO 8601).
    package var step: String?
    package var weight: String?
    package var nextCheckAt: String?
    /// A web function's revision the endpoint serves at the end, and the one it served before.
    package var revisionId: String?
    package var previousRevisionId: String?
    /// `true` only when the alias already served this code.
    package var skipped: Bool { outcome == .skipped }

    package init(outcome: Outcome = .failed) {
        self.outcome = outcome
    }

    /// The outputs' names, in the order they are printed.
    package static let names = [
        "version", "previous-version", "published-version", "alias", "function", "environment", "sha256", "code-sha256",
        "s3-key", "s3-version-id", "signing-job-id", "signed-s3-key", "signed-s3-version-id", "image-uri",
        "image-digest", "outcome", "skipped", "url", "step", "weight", "next-check-at", "revision-id",
        "previous-revision-id",
    ]

    /// The outputs a run has, in `names`' order (`outcome` and `skipped` always).
    package var pairs: [(name: String, value: String)] {
        Self.names.compactMap { name in self[name].map { (name, $0) } }
    }

    /// An output by its PRODUCT.md name.
    package subscript(name: String) -> String? {
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
        case "step": step
        case "weight": weight
        case "next-check-at": nextCheckAt
        case "revision-id": revisionId
        case "previous-revision-id": previousRevisionId
        default: nil
        }
    }

    /// The outputs as the JSON document has them: `skipped` a boolean, the rest strings.
    package var members: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for (name, value) in pairs { members[name] = name == "skipped" ? .bool(skipped) : .string(value) }
        return members
    }
}

/// How a deploy ended: its outputs (the outcome, and with it the exit code) and the sentence
/// (a message when it succeeded, the reason when it did not).
package struct DeployResult: Sendable, Equatable {
    package var outputs: DeployOutputs
    package var message: String
    package var reason: String?
    /// The canary analysis of each weighted step (empty without comparative gates).
    package var analysis: [CanaryStep] = []
    /// The log-based judge's verdicts of each weighted step (empty without log-based gates).
    package var judged: [JudgedStep] = []
    /// The traffic hooks that ran.
    package var hooks: [HookRun] = []
    /// A detached rollout: every step, those done and those to come.
    package var rollout: [RolloutStepRow] = []
    /// The stable and new versions run different runtime versions.
    package var runtimeDrift: RuntimeDrift?

    package init(outputs: DeployOutputs, message: String = "", reason: String? = nil) {
        self.outputs = outputs
        self.message = message
        self.reason = reason
    }

    package var outcome: Outcome { outputs.outcome }
    /// PRODUCT.md's exit code: the outcome's.
    package var exitCode: Int32 { outputs.outcome.exitCode }
}

/// A detached rollout's steps, for the summary across all its runs.
extension RolloutStepRow {
    /// Every step of `strategy` (and the flip, and a bake after it), as far as `record` got.
    /// `ended`: the rollout ended at the record's step (`passed` when it completed).
    package static func rows(
        _ strategy: Strategy, bakeAfterSeconds: Int, record: RolloutRecord, ended: State? = nil
    ) -> [RolloutStepRow] {
        var rows = strategy.steps.map {
            RolloutStepRow(
                weight: Strategy.percent($0.basisPoints), percent: Double($0.basisPoints) / 100,
                bakeSeconds: $0.bakeSeconds, state: .pending)
        }
        rows.append(RolloutStepRow(weight: "100%", percent: 100, bakeSeconds: bakeAfterSeconds, state: .pending))
        for index in rows.indices {
            if index < record.step {
                rows[index].state = .passed
            } else if index == record.step {
                rows[index].state = ended ?? .current
            }
        }
        if ended == .passed {
            rows = rows.map {
                var row = $0; row.state = .passed; return row
            }
        }
        return rows
    }
}
