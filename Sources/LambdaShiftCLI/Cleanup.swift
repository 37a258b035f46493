import ArgumentParser
import Config
import Pipeline

extension LambdaShift {
    /// `cleanup`: remove a branch's preview alias (or every preview older than a duration) and the
    /// versions nothing uses any more.
    struct Cleanup: AsyncParsableCommand, SettingArguments {
        static let command = SettingCommand.cleanup
        static let configuration = CommandConfiguration(
            commandName: "cleanup",
            abstract:
                "Remove a branch's preview alias (or every preview older than --older-than) and the versions no alias uses.",
            discussion: """
                Only aliases shaped like previews (preview-* by default, or --preview-alias's fixed prefix) are removed; \
                versions an alias serves, the newest --keep-versions (default 3) and every version an alias's deploy \
                history records as good stay. Cleaning twice is no error.
                Examples:
                  lambda-shift cleanup --function name-searcher-staging --branch feature/login
                  lambda-shift cleanup --function name-searcher-staging --older-than 14d
                """)

        @OptionGroup var target: FunctionOptions
        @Option(help: .setting(.olderThan, for: .cleanup)) var olderThan: String?
        @Option(help: .setting(.previewAlias, for: .cleanup)) var previewAlias: String?
        @Option(parsing: .unconditional, help: .setting(.keepVersions, for: .cleanup)) var keepVersions: String?
        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags {
            SettingFlags(
                [.olderThan: olderThan, .previewAlias: previewAlias, .keepVersions: keepVersions],
                with: target.flags, aws.flags)
        }

        func run() async throws {
            let context = CommandContext.current
            try await CommandRuns.operations(Self.command, flags, context).cleanup().write(to: context)
        }
    }
}
