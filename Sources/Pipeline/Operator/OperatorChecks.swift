import Rollout
import Ports
import AWSCore
import AWSServices
import CISupport
import FoundationEssentials
import LambdaShiftCore

/// What operator commands check before they change anything: each failure is one sentence
/// (exit 2 for a target that does not exist), and nothing has been sent that changes AWS.
package enum OperatorChecks {
    package static func function(_ lambda: any FunctionAPI, _ function: String, region: String) async throws
        -> FunctionConfiguration
    {
        do {
            return try await lambda.getFunction(function, qualifier: nil)
        } catch let error as AWSServiceError where error.kind == .notFound {
            throw OperatorFailure(
                "No Lambda function \(function) in \(region) for this account: check --function, --environment and --region.",
                exitCode: ExitStatus.usage)
        }
    }

    package static func aliasIfAny(_ lambda: any FunctionAPI, _ function: String, _ alias: String) async throws
        -> AliasConfiguration?
    {
        try await lambda.aliasIfExists(function, alias: alias)
    }

    package static func alias(_ lambda: any FunctionAPI, _ function: String, _ alias: String) async throws
        -> AliasConfiguration
    {
        guard let found = try await aliasIfAny(lambda, function, alias) else {
            throw OperatorFailure(
                "\(function) has no alias \(alias): check --alias (the first deploy creates it).",
                exitCode: ExitStatus.usage)
        }
        return found
    }

    package static func version(_ lambda: any FunctionAPI, _ function: String, _ version: String) async throws {
        do {
            let configuration = try await lambda.getFunctionConfiguration(function, qualifier: version)
            if let state = configuration.state, configuration.stateValue != .active {
                throw OperatorFailure(
                    "Version \(version) of \(function) is \(state), not Active: it cannot serve traffic; pick another with --to-version.",
                    exitCode: ExitStatus.usage)
            }
        } catch let error as AWSServiceError where error.kind == .notFound {
            throw OperatorFailure(
                "\(function) has no version \(version): see lambda-shift status, then pick a published version with --to-version.",
                exitCode: ExitStatus.usage)
        }
    }
}

/// An alias update guarded by the RevisionId just read: someone else's change in between is
/// refused by Lambda and reported, never overwritten. The deploy history goes with it.
package enum AliasGuard {
    package static func update(
        _ lambda: any FunctionAPI, _ function: String, _ alias: String, version: String,
        from current: AliasConfiguration,
        history: DeployHistory
    ) async throws -> AliasConfiguration {
        do {
            return try await lambda.updateAlias(
                function, alias: alias, version: version, additionalVersionWeights: [:], revisionId: current.revisionId,
                description: history.rendered())
        } catch let error as AWSServiceError where error.kind == .preconditionFailed {
            throw OperatorFailure(
                "Alias \(alias) changed while this command ran; it was left as it is: run the command again.",
                exitCode: ExitStatus.failed)
        }
    }
}

/// What an alias command's JSON document says of the alias: before, after, and the versions.
package enum AliasChange {
    package static func members(from before: AliasConfiguration, to after: AliasConfiguration) -> [String: JSONValue] {
        func state(_ alias: AliasConfiguration) -> JSONValue {
            .object([
                "version": .string(alias.functionVersion),
                "weights": .object(alias.additionalVersionWeights.mapValues { .double($0) }),
            ])
        }
        return [
            "alias": .string(after.name), "before": state(before), "after": state(after),
            "version": .string(after.functionVersion), "previous-version": .string(before.functionVersion),
        ]
    }
}

/// An operator command's refusal: one sentence and its exit code.
package struct OperatorFailure: LambdaShiftError {
    package var sentence: String
    package var exitCode: Int32
    package init(_ sentence: String, exitCode: Int32) {
        self.sentence = sentence
        self.exitCode = exitCode
    }
}
