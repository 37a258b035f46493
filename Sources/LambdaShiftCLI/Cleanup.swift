import AWSServices
import ArgumentParser
import CISupport
import Config
import Pipeline
import Rollout

extension LambdaShift {
    /// `cleanup`: remove a branch's preview alias (or every preview older than a duration) and the
    /// versions nothing uses any more.
    struct Cleanup: AsyncParsableCommand {
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
        @Option(help: .setting("older-than", for: .cleanup)) var olderThan: String?
        @Option(help: .setting("preview-alias", for: .cleanup)) var previewAlias: String?
        @Option(parsing: .unconditional, help: .setting("keep-versions", for: .cleanup)) var keepVersions: String?
        @OptionGroup var aws: AWSOptions

        func run() async throws {
            let context = CommandContext.current
            let resolved = try FunctionOptions.resolve(Self.command, self, context)
            let settings = resolved.settings
            let template = settings.text("preview-alias") ?? PreviewAlias.defaultTemplate
            let keep = settings.count("keep-versions") ?? 3
            let selector: PreviewCleanup.Selector
            if settings.isGiven("alias"), let alias = settings.text("alias") {
                selector = .alias(alias)
            } else if let seconds = settings.seconds("older-than") {
                selector = .olderThan(seconds: seconds)
            } else {
                selector = .alias(
                    try PreviewAlias.name(
                        template: template, branch: settings.provenance.branch, pr: settings.ci.pullRequest))
            }
            let client = try AWSOptions.makeClient(context, settings: settings)
            let lambda = LambdaClient(client: client)
            _ = try await OperatorChecks.function(lambda, resolved.function, region: client.region)
            let result = try await PreviewCleanup(functions: lambda).run(
                function: resolved.function, selector: selector, template: template, keepVersions: keep)
            let sentence =
                result.removedAliases.isEmpty
                ? "No preview alias to remove from \(resolved.function): nothing to clean."
                : "Removed alias\(result.removedAliases.count == 1 ? "" : "es") \(result.removedAliases.joined(separator: ", ")) from \(resolved.function)"
                    + (result.deletedVersions.isEmpty
                        ? "." : ", and version(s) \(result.deletedVersions.joined(separator: ", ")) that nothing uses.")
            context.result.line(sentence)
            context.result.document([
                "command": "cleanup", "outcome": .string(result.removedAliases.isEmpty ? "nothing-to-do" : "cleaned"),
                "exit-code": 0,
                "function": .string(resolved.function), "aliases": .array(result.removedAliases.map { .string($0) }),
                "versions": .array(result.deletedVersions.map { .string($0) }), "message": .string(sentence),
            ])
        }
    }
}
