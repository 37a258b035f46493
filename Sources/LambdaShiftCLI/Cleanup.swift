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
                "Remove a branch's preview alias (or every preview older than --older-than) and the versions no alias uses; with --artifacts, the uploaded packages no version needs.",
            discussion: """
                Only aliases shaped like previews (preview-* by default, or --preview-alias's fixed prefix) are removed. \
                Kept: versions an alias serves, the newest --keep-versions (default 3), each alias's rollback target, and \
                any version an event source mapping, provisioned concurrency or a running durable execution uses.
                --artifacts removes no alias or version: it deletes the packages (and sidecars) under the key prefix \
                that no version references or runs, older than --older-than (default 1h); others' objects stay.
                With --web-function: the revisions beyond the newest --keep-versions that no endpoint routes to or \
                keeps as its rollback target.
                Examples:
                  lambda-shift cleanup --function name-searcher-staging --branch feature/login
                  lambda-shift cleanup --function name-searcher-staging --older-than 14d
                  lambda-shift cleanup --function name-searcher --artifacts --bucket my-artifacts --older-than 30d --dry-run
                  lambda-shift cleanup --web-function name-searcher-web --keep-versions 5 --dry-run
                """)

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
