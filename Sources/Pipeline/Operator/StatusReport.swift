import LambdaShiftCore
import AWSCore
import AWSServices
import CISupport
import FoundationEssentials
import Rollout

/// What `status` found, printed as text or JSON.
package struct StatusReport: Sendable {
    package var identity: CallerIdentity
    package var function: FunctionConfiguration
    package var aliasName: String
    package var alias: AliasConfiguration
    package var versions: [FunctionConfiguration]

    package init(
        identity: CallerIdentity, function: FunctionConfiguration, aliasName: String, alias: AliasConfiguration,
        versions: [FunctionConfiguration]
    ) {
        self.identity = identity
        self.function = function
        self.aliasName = aliasName
        self.alias = alias
        self.versions = versions
    }

    package func text() -> String {
        var lines = [
            "caller:   \(identity.arn) (account \(identity.account))",
            "function: \(function.functionName) (\(function.functionArn))",
            "          $LATEST code \(function.codeSha256), state \(function.state ?? "unknown"), last update \(function.lastUpdateStatus ?? "unknown")",
        ]
        let routed = alias.additionalVersionWeights.values.reduce(0, +)
        lines.append(
            "alias:    \(alias.name) → version \(alias.functionVersion)"
                + (routed > 0 ? " (\(Self.percent(1 - routed)))" : ""))
        for (version, weight) in alias.additionalVersionWeights.sorted(by: { $0.key < $1.key }) {
            lines.append("          + version \(version) (\(Self.percent(weight)))")
        }
        for version in versions {
            lines.append(
                "version \(version.version): code \(version.codeSha256)"
                    + (version.description.isEmpty ? "" : " — \(version.description)"))
        }
        let history = DeployHistory(description: alias.description)
        lines.append(
            "history:  "
                + (history.isEmpty
                    ? "none yet (the first deploy through lambda-shift starts it)"
                    : "\(history.described): rollback returns only to a good version, never to a failed or rolled-back one")
        )
        if !history.isEmpty, history.rollout == nil, alias.additionalVersionWeights.isEmpty,
            !history.good.contains(alias.functionVersion)
        {
            lines.append(
                "verdict:  version \(alias.functionVersion) is unverified: not recorded good (its run ended before every gate passed, the post-traffic command included, or someone set it by hand)"
            )
        }
        if history.rollout == nil, !alias.additionalVersionWeights.isEmpty {
            lines.append(
                "split:    no run is recorded in progress: if no deploy is running, finish it with `lambda-shift promote` or undo it with `lambda-shift rollback`"
            )
        }
        if let rollout = history.rollout {
            lines.append(
                "detached: version \(rollout.newVersion) replacing \(rollout.oldVersion), \(rollout.stepDescription), next check due \(Self.time(rollout.due)), gates \(rollout.gateNames.isEmpty ? "none" : rollout.gateNames.joined(separator: ", ")) (run `lambda-shift advance`)"
            )
        }
        return lines.joined(separator: "\n")
    }

    static func time(_ epoch: Int) -> String { AWSTimestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(epoch))) }

    /// The `--output json` document, its keys in kebab-case like the outputs: weights as
    /// numbers, the deploy history as lists (`CommandResult` adds the command, outcome and
    /// exit code).
    package func document() -> [String: JSONValue] {
        let history = DeployHistory(description: alias.description)
        func list(_ versions: [String]) -> JSONValue { .array(versions.map { .string($0) }) }
        return [
            "caller": .object(["account": .string(identity.account), "arn": .string(identity.arn)]),
            "function": .object([
                "name": .string(function.functionName), "arn": .string(function.functionArn),
                "code-sha256": .string(function.codeSha256), "state": .string(function.state ?? ""),
                "last-update-status": .string(function.lastUpdateStatus ?? ""),
            ]),
            "versions": .array(
                versions.map {
                    .object([
                        "version": .string($0.version), "code-sha256": .string($0.codeSha256),
                        "description": .string($0.description),
                    ])
                }),
            "alias": .object([
                "name": .string(alias.name), "version": .string(alias.functionVersion),
                "weights": .object(alias.additionalVersionWeights.mapValues { .double($0) }),
                "revision-id": .string(alias.revisionId ?? ""),
            ]),
            "detached": history.rollout.map { rollout in
                .object([
                    "new-version": .string(rollout.newVersion), "old-version": .string(rollout.oldVersion),
                    "step": .int(rollout.step + 1), "steps": .int(rollout.steps),
                    "next-check-at": .string(Self.time(rollout.due)),
                    "gates": .array(rollout.gateNames.map { .string($0) }),
                ])
            } ?? .null,
            "history": .object(
                Dictionary(
                    uniqueKeysWithValues: DeployHistory.Field.allCases.map { ($0.rawValue, list(history.versions($0))) }
                )
            ),
        ]
    }

    static func percent(_ share: Double) -> String {
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
