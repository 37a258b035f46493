import ArgumentParser
import Config
import Pipeline

extension LambdaShift {
    /// `doctor`: makes the read-only calls a deploy depends on (identity, function, alias,
    /// bucket, alarms) and says which work, before a first deploy is attempted.
    struct Doctor: AsyncParsableCommand, SettingArguments {
        static let command = SettingCommand.doctor
        static let configuration = CommandHelp.doctor.configuration

        @OptionGroup var target: FunctionOptions

        @Option(help: .setting(.bucket, for: .doctor)) var bucket: String?
        @Option(help: .setting(.alarm, for: .doctor)) var alarm: [String] = []
        @Option(help: .setting(.logGroup, for: .doctor)) var logGroup: String?

        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags {
            SettingFlags(
                [.bucket: bucket, .alarm: alarm, .logGroup: logGroup], with: target.flags, aws.flags)
        }

        func run() async throws {
            let context = CommandContext.current
            try await CommandRuns.operations(Self.command, flags, context).doctor().write(to: context)
        }
    }
}
