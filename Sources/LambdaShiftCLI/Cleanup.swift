import ArgumentParser
import Config
import Pipeline

extension LambdaShift {
    /// `cleanup`: remove a branch's preview alias (or every preview older than a duration) and the
    /// versions nothing uses any more.
    struct Cleanup: AsyncParsableCommand, SettingArguments {
        static let command = SettingCommand.cleanup
        static let configuration = CommandHelp.cleanup.configuration

        @OptionGroup var target: FunctionOptions
        @Option(help: .setting(.olderThan, for: .cleanup)) var olderThan: String?
        @Option(help: .setting(.previewAlias, for: .cleanup)) var previewAlias: String?
        @Option(parsing: .unconditional, help: .setting(.keepVersions, for: .cleanup)) var keepVersions: String?
        @Option(help: .setting(.bucket, for: .cleanup)) var bucket: String?
        @Option(help: .setting(.key, for: .cleanup)) var key: String?
        @Flag(help: "Delete the uploaded packages no version needs, instead of aliases and versions.") var artifacts =
            false
        @Flag(help: "With --artifacts or --web-function: list what would be deleted, delete nothing.") var dryRun =
            false
        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags {
            SettingFlags(
                [
                    .olderThan: olderThan, .previewAlias: previewAlias, .keepVersions: keepVersions, .bucket: bucket,
                    .key: key,
                ], with: target.flags, aws.flags)
        }

        func run() async throws {
            let context = CommandContext.current
            try await CommandRuns.operations(Self.command, flags, context).cleanup(artifacts: artifacts, dryRun: dryRun)
                .write(to: context)
        }
    }
}
