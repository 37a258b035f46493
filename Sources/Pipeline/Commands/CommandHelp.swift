/// The name, abstract and discussion of the commands whose help says more than a line: text
/// the CLI declares its commands with (`CommandConfiguration`), kept here so the CLI only declares.
package struct CommandHelp: Sendable {
    package var commandName: String
    package var abstract: String
    package var discussion: String

    package init(commandName: String, abstract: String, discussion: String) {
        self.commandName = commandName
        self.abstract = abstract
        self.discussion = discussion
    }

    package static let initialize = CommandHelp(
        commandName: "init", abstract: ProjectInit.abstract, discussion: ProjectInit.discussion)

    package static let cleanup = CommandHelp(
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

    package static let doctor = CommandHelp(
        commandName: "doctor",
        abstract:
            "Check credentials, region, endpoints and read access to the function, alias, bucket and alarms. Changes nothing.",
        discussion: """
            Example:
              lambda-shift doctor --function name-searcher-production --bucket artifacts --alarm name-searcher-errors
            """)

    package static let status = CommandHelp(
        commandName: "status",
        abstract: "Show the alias: its primary version, any weighted version, and each version's provenance.",
        discussion: """
            Example:
              lambda-shift status --function name-searcher-production --output json > status.json
            """)

    package static let rollback = CommandHelp(
        commandName: "rollback",
        abstract:
            "Undo an in-flight shift, or go back to the last version that was live and healthy (or --to-version).",
        discussion: """
            The deploy history lambda-shift keeps in the alias's description says which versions served all \
            traffic after passing their gates and which failed; rollback never returns to a failed one.
            Example: lambda-shift rollback --function name-searcher-production
            """)

    package static let plan = CommandHelp(
        commandName: "plan",
        abstract:
            "Resolve everything, read the live function and alias, and print the schedule and what would change. Changes nothing.",
        discussion: """
            Example:
              lambda-shift plan --function name-searcher-{environment} --bucket artifacts --source dist --branch main
            """)
}
