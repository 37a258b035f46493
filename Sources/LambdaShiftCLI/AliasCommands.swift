import Pipeline
import AWSCore
import AWSServices
import ArgumentParser
import CISupport
import Config
import Foundation
import Rollout

extension LambdaShift {
    /// `promote`: finish an in-flight shift now: the weighted version becomes the primary.
    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finish an in-flight shift now: 100% to the new version.",
            discussion: "Example: lambda-shift promote --function name-searcher-production")

        @OptionGroup var target: FunctionOptions
        @Flag(help: "Promote even when the weighted version is older than the primary.") var force = false
        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let target = try self.target.resolve(context)
            let client = try aws.makeClient(context, settings: target.settings)
            let lambda = LambdaClient(client: client)
            _ = try await OperatorChecks.function(lambda, target.function, region: client.region)
            let current = try await OperatorChecks.alias(lambda, target.function, target.alias)
            guard current.additionalVersionWeights.count == 1, let newVersion = current.additionalVersionWeights.keys.first else {
                let sentence = "Alias \(target.alias) serves \(RolloutEngine.describe(current)): no shift in flight, nothing to promote."
                context.result.line(sentence)
                context.result.document(AliasChange.document("promote", outcome: "nothing-to-do", from: current, to: current, sentence: sentence))
                return
            }
            if let new = Int(newVersion), let primary = Int(current.functionVersion), new < primary, !force {
                throw CommandFailure("Alias \(target.alias) routes to version \(newVersion), older than its primary version \(current.functionVersion): promoting would move callers back; pass --force if that is what you want, or use lambda-shift rollback.", exitCode: LambdaShiftExit.usage)
            }
            let history = DeployHistory(description: current.description).succeeded(newVersion)
            let updated = try await AliasGuard.update(lambda, target.function, target.alias, version: newVersion, from: current, history: history)
            let sentence = "Promoted: alias \(target.alias) serves \(RolloutEngine.describe(updated)) (was \(RolloutEngine.describe(current)))."
            context.result.line(sentence)
            context.result.document(AliasChange.document("promote", outcome: "promoted", from: current, to: updated, sentence: sentence))
        }
    }

    /// `rollback`: undo an in-flight shift, or go back to the last version that was live and
    /// healthy (or `--to-version`).
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo an in-flight shift, or go back to the last version that was live and healthy (or --to-version).",
            discussion: """
                The deploy history lambda-shift keeps in the alias's description says which versions served all \
                traffic after passing their gates and which failed; rollback never returns to a failed one.
                Example: lambda-shift rollback --function name-searcher-production
                """)

        @OptionGroup var target: FunctionOptions
        @Option(name: .customLong("to-version"), help: "Version to put the alias on.") var toVersion: String?
        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let target = try self.target.resolve(context)
            if let toVersion, toVersion.isEmpty || !toVersion.allSatisfy(\.isNumber) {
                throw ConfigError("--to-version is \"\(toVersion)\": give a published version number.")
            }
            let client = try aws.makeClient(context, settings: target.settings)
            let lambda = LambdaClient(client: client)
            _ = try await OperatorChecks.function(lambda, target.function, region: client.region)
            let current = try await OperatorChecks.alias(lambda, target.function, target.alias)
            var history = DeployHistory(description: current.description)
            let destination: String
            let why: String
            if let toVersion {
                destination = toVersion
                why = "as asked"
            } else if let weighted = current.additionalVersionWeights.keys.first {
                destination = current.functionVersion // undo the shift: all traffic back on the primary
                why = "undoing the shift to version \(weighted)"
                history = history.failed(weighted)
            } else if let good = history.lastGood(excluding: current.functionVersion) {
                destination = good
                why = "the last version that was live and healthy (deploy history on the alias)"
            } else {
                let failed = Set(history.failed)
                let versions = try await lambda.listVersionsByFunction(target.function).compactMap { Int($0.version) }
                guard let currentNumber = Int(current.functionVersion),
                      let previous = versions.filter({ $0 < currentNumber && !failed.contains(String($0)) }).max() else {
                    throw CommandFailure("Alias \(target.alias) serves version \(current.functionVersion) and no earlier version is known to be good: pass --to-version.", exitCode: LambdaShiftExit.usage)
                }
                destination = String(previous)
                why = "the newest earlier version; the alias has no deploy history yet, so it is not known to have been healthy"
            }
            if destination == current.functionVersion && current.additionalVersionWeights.isEmpty {
                let sentence = "Alias \(target.alias) already serves version \(destination): nothing to roll back."
                context.result.line(sentence)
                context.result.document(AliasChange.document("rollback", outcome: "nothing-to-do", from: current, to: current, sentence: sentence))
                return
            }
            try await OperatorChecks.version(lambda, target.function, destination)
            // Going back from a version means it is not wanted: never return to it automatically.
            // (--to-version is a pin, which may as well go forward: it judges nothing.)
            if current.additionalVersionWeights.isEmpty && toVersion == nil { history = history.failed(current.functionVersion) }
            let updated = try await AliasGuard.update(lambda, target.function, target.alias, version: destination, from: current, history: history)
            let sentence = "Rolled back: alias \(target.alias) serves \(RolloutEngine.describe(updated)) (was \(RolloutEngine.describe(current))): \(why)."
            context.result.line(sentence)
            context.result.document(AliasChange.document("rollback", outcome: "rolled-back", from: current, to: updated, sentence: sentence))
        }
    }
}

/// What operator commands check before they change anything: each failure is one sentence
/// (exit 2 for a target that does not exist), and nothing has been sent that changes AWS.
enum OperatorChecks {
    static func function(_ lambda: LambdaClient, _ function: String, region: String) async throws -> FunctionConfiguration {
        do {
            return try await lambda.getFunction(function)
        } catch let error as AWSServiceError where error.kind == .notFound {
            throw CommandFailure("No Lambda function \(function) in \(region) for this account: check --function, --environment and --region.", exitCode: LambdaShiftExit.usage)
        }
    }

    static func aliasIfAny(_ lambda: LambdaClient, _ function: String, _ alias: String) async throws -> AliasConfiguration? {
        try await lambda.aliasIfExists(function, alias: alias)
    }

    static func alias(_ lambda: LambdaClient, _ function: String, _ alias: String) async throws -> AliasConfiguration {
        guard let found = try await aliasIfAny(lambda, function, alias) else {
            throw CommandFailure("\(function) has no alias \(alias): check --alias (the first deploy creates it).", exitCode: LambdaShiftExit.usage)
        }
        return found
    }

    static func version(_ lambda: LambdaClient, _ function: String, _ version: String) async throws {
        do {
            let configuration = try await lambda.getFunctionConfiguration(function, qualifier: version)
            if let state = configuration.state, state != "Active" {
                throw CommandFailure("Version \(version) of \(function) is \(state), not Active: it cannot serve traffic; pick another with --to-version.", exitCode: LambdaShiftExit.usage)
            }
        } catch let error as AWSServiceError where error.kind == .notFound {
            throw CommandFailure("\(function) has no version \(version): see lambda-shift status, then pick a published version with --to-version.", exitCode: LambdaShiftExit.usage)
        }
    }
}

/// An alias update guarded by the RevisionId just read: someone else's change in between is
/// refused by Lambda and reported, never overwritten. The deploy history goes with it.
enum AliasGuard {
    static func update(_ lambda: LambdaClient, _ function: String, _ alias: String, version: String, from current: AliasConfiguration,
                       history: DeployHistory) async throws -> AliasConfiguration {
        do {
            return try await lambda.updateAlias(function, alias: alias, version: version, additionalVersionWeights: [:], revisionId: current.revisionId,
                                                description: history.rendered())
        } catch let error as AWSServiceError where error.kind == .preconditionFailed {
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
