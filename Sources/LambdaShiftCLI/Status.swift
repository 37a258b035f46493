import ArgumentParser
import Config
import Pipeline

extension LambdaShift {
    /// `status`: who we are, the function, the alias with its weights, and where each of its
    /// versions came from. Reads only.
    struct Status: AsyncParsableCommand, SettingArguments {
        static let command = SettingCommand.status
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the alias: its primary version, any weighted version, and each version's provenance.",
            discussion: """
                Example:
                  lambda-shift status --function name-searcher-production --output json > status.json
                """)

        @OptionGroup var target: FunctionOptions

        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags { SettingFlags([:], with: target.flags, aws.flags) }

        func run() async throws {
            let context = CommandContext.current
            try await CommandRuns.operations(Self.command, flags, context).status().write(to: context)
        }
    }
}
