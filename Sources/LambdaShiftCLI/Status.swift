import Pipeline
import AWSCore
import AWSServices
import ArgumentParser
import CISupport
import Foundation

extension LambdaShift {
    /// `status`: who we are, the function, the alias with its weights, and where each of its
    /// versions came from. Reads only.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the alias: its primary version, any weighted version, and each version's provenance.",
            discussion: """
                Example:
                  lambda-shift status --function name-searcher-production --output json > status.json
                """)

        @OptionGroup var target: FunctionOptions

        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let target = try self.target.resolve(context)
            let client = try aws.makeClient(context, settings: target.settings)
            let identity = try await STSClient(client: client).getCallerIdentity()
            let lambda = LambdaClient(client: client)
            let function = try await OperatorChecks.function(lambda, target.function, region: client.region)
            let alias = try await OperatorChecks.aliasIfAny(lambda, target.function, target.alias)
            var versions: [FunctionConfiguration] = []
            if let alias {
                for version in [alias.functionVersion] + alias.additionalVersionWeights.keys.sorted() {
                    versions.append(try await lambda.getFunctionConfiguration(target.function, qualifier: version))
                }
            }
            let report = StatusReport(identity: identity, function: function, aliasName: target.alias, alias: alias, versions: versions)
            context.result.line(report.text())
            context.result.document(report.document())
        }
    }
}

/// What `status` found, printed as text or JSON.
struct StatusReport {
    var identity: CallerIdentity
    var function: FunctionConfiguration
    var aliasName: String
    var alias: AliasConfiguration?
    var versions: [FunctionConfiguration]

    func text() -> String {
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
        lines.append("alias:    \(alias.name) → version \(alias.functionVersion)" + (routed > 0 ? " (\(Self.percent(1 - routed)))" : ""))
        for (version, weight) in alias.additionalVersionWeights.sorted(by: { $0.key < $1.key }) {
            lines.append("          + version \(version) (\(Self.percent(weight)))")
        }
        for version in versions {
            lines.append("version \(version.version): code \(version.codeSha256)" + (version.description.isEmpty ? "" : " — \(version.description)"))
        }
        return lines.joined(separator: "\n")
    }

    /// The `--output json` document: weights as numbers, a missing alias as null.
    func document() -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "command": "status", "outcome": "ok", "exit-code": 0,
            "caller": .object(["account": .string(identity.account), "arn": .string(identity.arn)]),
            "function": .object(["name": .string(function.functionName), "arn": .string(function.functionArn),
                                 "codeSha256": .string(function.codeSha256), "state": .string(function.state ?? ""),
                                 "lastUpdateStatus": .string(function.lastUpdateStatus ?? "")]),
            "versions": .array(versions.map { .object(["version": .string($0.version), "codeSha256": .string($0.codeSha256),
                                                       "description": .string($0.description)]) }),
        ]
        if let alias {
            object["alias"] = .object(["name": .string(alias.name), "functionVersion": .string(alias.functionVersion),
                                       "additionalVersionWeights": .object(alias.additionalVersionWeights.mapValues { .double($0) }),
                                       "revisionId": .string(alias.revisionId ?? "")])
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
