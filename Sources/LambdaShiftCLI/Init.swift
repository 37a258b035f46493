import ArgumentParser
import Pipeline

extension LambdaShift {
    /// `init`: the settings file and a CI job for a function, from what exists.
    struct Init: AsyncParsableCommand, SettingArguments {
        static let configuration = CommandHelp.initialize.configuration

        @Option(help: .setting(.function, for: .initialize)) var function: String?
        @Option(help: .setting(.bucket, for: .initialize)) var bucket: String?
        @Option(
            help:
                "The CI to write a job for: github, gitlab or codebuild (default: the one the directory uses, else github)."
        )
        var ci: String?
        @Option(help: "The repository, OWNER/REPO (or a GitLab project path), for the roles' trust.") var repository:
            String?
        @Option(help: "The policy's format: json or terraform.") var format = "json"
        @Flag(help: "Replace files that exist.") var force = false
        @Flag(help: "Print the files instead of writing them.") var dryRun = false
        @OptionGroup var aws: AWSOptions

        var flags: SettingFlags { SettingFlags([.function: function, .bucket: bucket], with: aws.flags) }

        func run() async throws {
            var run = ProjectInit(version: LambdaShift.version)
            (run.ci, run.repository, run.format, run.force, run.dryRun) = (ci, repository, format, force, dryRun)
            try await run.run(flags, CommandContext.current).write(to: CommandContext.current)
        }
    }
}
