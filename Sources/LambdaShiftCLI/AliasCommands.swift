import ArgumentParser
import Config
import Pipeline

extension LambdaShift {
    /// `promote`: finish an in-flight shift now: the weighted version becomes the primary.
    struct Promote: AsyncParsableCommand, SettingArguments {
        static let command = SettingCommand.promote
        static let configuration = CommandConfiguration(
            commandName: "promote",
            abstract: "Finish an in-flight shift now: 100% to the new version.",
            discussion: "Example: lambda-shift promote --function name-searcher-production")

        @OptionGroup var target: FunctionOptions
        @Flag(help: "Promote even when the weighted version is older than the primary.") var force = false
        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags { SettingFlags([:], with: target.flags, aws.flags) }

        func run() async throws {
            let context = CommandContext.current
            try await CommandRuns.operations(Self.command, flags, context).promote(force: force).write(to: context)
        }
    }

    /// `rollback`: undo an in-flight shift, or go back to the last version that was live and
    /// healthy (or `--to-version`).
    struct Rollback: AsyncParsableCommand, SettingArguments {
        static let command = SettingCommand.rollback
        static let configuration = CommandHelp.rollback.configuration

        @OptionGroup var target: FunctionOptions
        @Option(name: .customLong("to-version"), help: "Version to put the alias on.") var toVersion: String?
        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags { SettingFlags([:], with: target.flags, aws.flags) }

        func run() async throws {
            let context = CommandContext.current
            if let toVersion, toVersion.isEmpty || !toVersion.allSatisfy(\.isNumber) {
                throw ConfigError("--to-version is \"\(toVersion)\": give a published version number.")
            }
            try await CommandRuns.operations(Self.command, flags, context).rollback(toVersion: toVersion)
                .write(to: context)
        }
    }
}
