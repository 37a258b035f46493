import LambdaShiftCore
import Pipeline
import AWSCore
import AWSServices
import ArgumentParser
import CISupport
import Config
import FoundationEssentials
import Rollout

extension LambdaShift {
    /// `promote`: finish an in-flight shift now: the weighted version becomes the primary.
    struct Promote: AsyncParsableCommand {
        static let command = SettingCommand.promote
        static let configuration = CommandConfiguration(
            commandName: "promote",
            abstract: "Finish an in-flight shift now: 100% to the new version.",
            discussion: "Example: lambda-shift promote --function name-searcher-production")

        @OptionGroup var target: FunctionOptions
        @Flag(help: "Promote even when the weighted version is older than the primary.") var force = false
        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let target = try FunctionOptions.resolve(Self.command, self, context)
            let client = try AWSOptions.makeClient(context, settings: target.settings)
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
                    exitCode: ExitStatus.usage)
            }
            try await AliasMove(command: "promote", outcome: "promoted", verb: "Promoted").apply(
                lambda, target, to: newVersion, from: current,
                history: DeployHistory(description: current.description).succeeded(newVersion), why: nil, context)
        }
    }

    /// `rollback`: undo an in-flight shift, or go back to the last version that was live and
    /// healthy (or `--to-version`).
    struct Rollback: AsyncParsableCommand {
        static let command = SettingCommand.rollback
        static let configuration = CommandConfiguration(
            commandName: "rollback",
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
            let target = try FunctionOptions.resolve(Self.command, self, context)
            if let toVersion, toVersion.isEmpty || !toVersion.allSatisfy(\.isNumber) {
                throw ConfigError("--to-version is \"\(toVersion)\": give a published version number.")
            }
            let client = try AWSOptions.makeClient(context, settings: target.settings)
            let lambda = LambdaClient(client: client)
            _ = try await OperatorChecks.function(lambda, target.function, region: client.region)
            let current = try await OperatorChecks.alias(lambda, target.function, target.alias)
            let choice = try await RollbackChoice.choose(
                current: current, toVersion: toVersion, aliasName: target.alias
            ) {
                try await lambda.listVersionsByFunction(target.function).compactMap { Int($0.version) }
            }
            let destination = choice.destination
            if destination == current.functionVersion && current.additionalVersionWeights.isEmpty {
                let sentence = "Alias \(target.alias) already serves version \(destination): nothing to roll back."
                context.result.line(sentence)
                context.result.document(
                    AliasChange.document(
                        "rollback", outcome: "nothing-to-do", from: current, to: current, sentence: sentence))
                return
            }
            try await OperatorChecks.version(lambda, target.function, destination)
            try await AliasMove(command: "rollback", outcome: "rolled-back", verb: "Rolled back").apply(
                lambda, target, to: destination, from: current, history: choice.history, why: choice.why, context)
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
