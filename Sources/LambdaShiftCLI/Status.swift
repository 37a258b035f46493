import ArgumentParser
import Config
import Pipeline

extension LambdaShift {
    /// `status`: who we are, the function, the alias with its weights, and where each of its
    /// versions came from. Reads only.
    struct Status: AsyncParsableCommand, SettingArguments {
        static let command = SettingCommand.status
        static let configuration = CommandHelp.status.configuration

        @OptionGroup var target: FunctionOptions

        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags { SettingFlags([:], with: target.flags, aws.flags) }

        func run() async throws {
            let context = CommandContext.current
            try await CommandRuns.operations(Self.command, flags, context).status().write(to: context)
        }
    }
}
