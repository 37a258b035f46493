import LambdaShiftCore
import AWSServices
import CISupport
import FoundationEssentials

/// What `status` found, printed as text or JSON.
public struct StatusReport: Sendable {
    public var identity: CallerIdentity
    public var function: FunctionConfiguration
    public var aliasName: String
    public var alias: AliasConfiguration?
    public var versions: [FunctionConfiguration]

    public init(
        identity: CallerIdentity, function: FunctionConfiguration, aliasName: String, alias: AliasConfiguration?,
        versions: [FunctionConfiguration]
    ) {
        self.identity = identity
        self.function = function
        self.aliasName = aliasName
        self.alias = alias
        self.versions = versions
    }

    public func text() -> String {
        var lines = [
            "caller:   \(identity.arn) (account \(identity.account))",
            "function: \(function.functionName) (\(function.functionArn))",
            "          $LATEST code \(function.codeSha256), state \(function.state ?? "unknown"), last update \(function.lastUpdateStatus ?? "unknown")",
        ]
        guard let alias else {
            lines.append("alias:    \(aliasName) does not exist yet; the first deploy creates it")
            return lines.joined(separator: "\n")
        }
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
        return lines.joined(separator: "\n")
    }

    /// The `--output json` document: weights as numbers, a missing alias as null.
    public func document() -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "command": "status", "outcome": "ok", "exit-code": 0,
            "caller": .object(["account": .string(identity.account), "arn": .string(identity.arn)]),
            "function": .object([
                "name": .string(function.functionName), "arn": .string(function.functionArn),
                "codeSha256": .string(function.codeSha256), "state": .string(function.state ?? ""),
                "lastUpdateStatus": .string(function.lastUpdateStatus ?? ""),
            ]),
            "versions": .array(
                versions.map {
                    .object([
                        "version": .string($0.version), "codeSha256": .string($0.codeSha256),
                        "description": .string($0.description),
                    ])
                }),
        ]
        if let alias {
            object["alias"] = .object([
                "name": .string(alias.name), "functionVersion": .string(alias.functionVersion),
                "additionalVersionWeights": .object(alias.additionalVersionWeights.mapValues { .double($0) }),
                "revisionId": .string(alias.revisionId ?? ""),
            ])
        } else {
            object["alias"] = .null
        }
        return object
    }

    static func percent(_ share: Double) -> String {
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
