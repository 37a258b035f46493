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
            guard current.additionalVersionWeights.count == 1,
                let newVersion = current.additionalVersionWeights.keys.first
            else {
                let sentence =
                    "Alias \(target.alias) serves \(RolloutEngine.describe(current)): no shift in flight, nothing to promote."
                context.result.line(sentence)
                context.result.document(
                    AliasChange.document(
                        "promote", outcome: "nothing-to-do", from: current, to: current, sentence: sentence))
                return
            }
            if let new = Int(newVersion), let primary = Int(current.functionVersion), new < primary, !force {
                throw CommandFailure(
                    "Alias \(target.alias) routes to version \(newVersion), older than its primary version \(current.functionVersion): promoting would move callers back; pass --force if that is what you want, or use lambda-shift rollback.",
                    exitCode: LambdaShiftExit.usage)
            }
            try await AliasMove(command: "promote", outcome: "promoted", verb: "Promoted").apply(
                lambda, target, to: newVersion, from: current,
                history: DeployHistory(description: current.description).succeeded(newVersion), why: nil, context)
        }
    }

    /// `rollback`: undo an in-flight shift, or go back to the last version that was live and
    /// healthy (or `--to-version`).
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Undo an in-flight shift, or go back to the last version that was live and healthy (or --to-version).",
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
                destination = current.functionVersion  // undo the shift: all traffic back on the primary
                why = "undoing the shift to version \(weighted)"
                history = history.failed(weighted)
            } else if let good = history.lastGood(excluding: current.functionVersion) {
                destination = good
                why = "the last version that was live and healthy (deploy history on the alias)"
            } else {
                let failed = Set(history.failed)
                let versions = try await lambda.listVersionsByFunction(target.function).compactMap { Int($0.version) }
                guard let currentNumber = Int(current.functionVersion),
                    let previous = versions.filter({ $0 < currentNumber && !failed.contains(String($0)) }).max()
                else {
                    throw CommandFailure(
                        "Alias \(target.alias) serves version \(current.functionVersion) and no earlier version is known to be good: pass --to-version.",
                        exitCode: LambdaShiftExit.usage)
                }
                destination = String(previous)
                why =
                    "the newest earlier version; the alias has no deploy history yet, so it is not known to have been healthy"
            }
            if destination == current.functionVersion && current.additionalVersionWeights.isEmpty {
                let sentence = "Alias \(target.alias) already serves version \(destination): nothing to roll back."
                context.result.line(sentence)
                context.result.document(
                    AliasChange.document(
                        "rollback", outcome: "nothing-to-do", from: current, to: current, sentence: sentence))
                return
            }
            try await OperatorChecks.version(lambda, target.function, destination)
            // Going back from a version means it is not wanted: never return to it automatically.
            // (--to-version is a pin, which may as well go forward: it judges nothing.)
            if current.additionalVersionWeights.isEmpty && toVersion == nil {
                history = history.failed(current.functionVersion)
            }
            try await AliasMove(command: "rollback", outcome: "rolled-back", verb: "Rolled back").apply(
                lambda, target, to: destination, from: current, history: history, why: why, context)
        }
    }
}

/// Moves the alias (guarded by its RevisionId, with the deploy history) and writes the result.
struct AliasMove {
    var command: String
    var outcome: String
    var verb: String

    func apply(
        _ lambda: LambdaClient, _ target: FunctionOptions.Target, to version: String, from current: AliasConfiguration,
        history: DeployHistory, why: String?, _ context: CommandContext
    ) async throws {
        let updated = try await AliasGuard.update(
            lambda, target.function, target.alias, version: version, from: current, history: history)
        let sentence =
            "\(verb): alias \(target.alias) serves \(RolloutEngine.describe(updated)) (was \(RolloutEngine.describe(current)))"
            + (why.map { ": \($0)." } ?? ".")
        context.result.line(sentence)
        context.result.document(
            AliasChange.document(command, outcome: outcome, from: current, to: updated, sentence: sentence))
    }
}
