import Config
import CISupport
import AWSCore
import AWSServices
import ArgumentParser
import Foundation
import Rollout

extension LambdaShift {
    /// `promote`: finish an in-flight shift now: the weighted version becomes the primary.
    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Finish an in-flight shift now: 100% to the new version.")

        @OptionGroup var target: FunctionOptions
        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let lambda = LambdaClient(client: try aws.makeClient(context))
            let current = try await lambda.getAlias(target.function, alias: target.alias)
            guard current.additionalVersionWeights.count == 1, let newVersion = current.additionalVersionWeights.keys.first else {
                let sentence = "Alias \(target.alias) serves \(RolloutEngine.describe(current)): no shift in flight, nothing to promote."
                context.result.line(sentence)
                context.result.document(AliasChange.document("promote", outcome: "nothing-to-do", from: current, to: current, sentence: sentence))
                return
            }
            let updated = try await AliasGuard.update(lambda, target.function, target.alias, version: newVersion, from: current)
            let sentence = "Promoted: alias \(target.alias) serves \(RolloutEngine.describe(updated)) (was \(RolloutEngine.describe(current)))."
            context.result.line(sentence)
            context.result.document(AliasChange.document("promote", outcome: "promoted", from: current, to: updated, sentence: sentence))
        }
    }

    /// `rollback`: undo an in-flight shift, or go back to the previous version (or `--to-version`).
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restore the previous version (or --to-version); an in-flight shift is undone.")

        @OptionGroup var target: FunctionOptions
        @Option(name: .customLong("to-version"), help: "Version to put the alias on.") var toVersion: String?
        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let lambda = LambdaClient(client: try aws.makeClient(context))
            let current = try await lambda.getAlias(target.function, alias: target.alias)
            let destination: String
            if let toVersion {
                guard toVersion.allSatisfy(\.isNumber), !toVersion.isEmpty else {
                    throw ConfigError("--to-version is \"\(toVersion)\": give a published version number.")
                }
                destination = toVersion
            } else if !current.additionalVersionWeights.isEmpty {
                destination = current.functionVersion // undo the shift: all traffic back on the primary
            } else {
                let versions = try await lambda.listVersionsByFunction(target.function).compactMap { Int($0.version) }
                guard let currentNumber = Int(current.functionVersion), let previous = versions.filter({ $0 < currentNumber }).max() else {
                    throw CommandFailure("Alias \(target.alias) serves version \(current.functionVersion) and no earlier version exists: pass --to-version.", exitCode: LambdaShiftExit.usage)
                }
                destination = String(previous)
            }
            let updated = try await AliasGuard.update(lambda, target.function, target.alias, version: destination, from: current)
            let sentence = "Rolled back: alias \(target.alias) serves \(RolloutEngine.describe(updated)) (was \(RolloutEngine.describe(current)))."
            context.result.line(sentence)
            context.result.document(AliasChange.document("rollback", outcome: "rolled-back", from: current, to: updated, sentence: sentence))
        }
    }
}

/// An alias update guarded by the RevisionId just read: someone else's change in between is
/// refused by Lambda and reported, never overwritten.
enum AliasGuard {
    static func update(_ lambda: LambdaClient, _ function: String, _ alias: String, version: String, from current: AliasConfiguration) async throws -> AliasConfiguration {
        do {
            return try await lambda.updateAlias(function, alias: alias, version: version, additionalVersionWeights: [:], revisionId: current.revisionId)
        } catch let error as AWSServiceError where error.code == "PreconditionFailedException" {
            throw CommandFailure("Alias \(alias) changed while this command ran; it was left as it is: run the command again.", exitCode: LambdaShiftExit.failed)
        }
    }
}

/// The `--output json` document of an alias command.
enum AliasChange {
    static func document(_ command: String, outcome: String, from before: AliasConfiguration, to after: AliasConfiguration,
                         sentence: String) -> [String: JSONValue] {
        func state(_ alias: AliasConfiguration) -> JSONValue {
            .object(["version": .string(alias.functionVersion), "weights": .object(alias.additionalVersionWeights.mapValues { .double($0) })])
        }
        return ["command": .string(command), "outcome": .string(outcome), "exit-code": 0, "alias": .string(after.name),
                "before": state(before), "after": state(after), "version": .string(after.functionVersion),
                "previous-version": .string(before.functionVersion), "message": .string(sentence)]
    }
}
