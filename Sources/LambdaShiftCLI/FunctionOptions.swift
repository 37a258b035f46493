import ArgumentParser
import Config
import Pipeline

/// Which function and alias an operator command (`status`, `promote`, `rollback`, `cleanup`,
/// `doctor`) works on, resolved as deploy resolves them (`ResolvedSettings`), with
/// `{environment}` and the other placeholders filled in.
struct FunctionOptions: SettingArguments {
    @Option(help: .setting(.function, for: .status)) var function: String?
    @Option(help: .setting(.alias, for: .status)) var alias: String?
    @Option(help: .setting(.environment, for: .status)) var environment: String?
    @Option(help: .setting(.branch, for: .status)) var branch: String?
    @Option(help: .setting(.config, for: .status)) var config: String?

    var flags: SettingFlags {
        SettingFlags([
            .function: function, .alias: alias, .environment: environment, .branch: branch, .config: config,
        ])
    }

    /// Resolves `command`'s settings from all of its flags and makes the AWS clients for the
    /// region and role they name.
    static func operations(_ command: SettingCommand, _ flags: SettingFlags, _ context: CommandContext)
        throws -> OperatorCommands
    {
        let settings = try ResolvedSettings.resolve(command, flags: flags, ci: context.ci)
        let target = try OperatorTarget(settings)
        return OperatorCommands(deps: try context.dependencies(settings), target: target)
    }
}

extension OperatorResult {
    /// Writes the result to stdout (its lines, or the JSON document); a failed outcome then
    /// ends the command with its sentence and exit code.
    func write(to context: CommandContext) throws {
        for line in lines { context.result.line(line) }
        context.result.document(document)
        if !outcome.succeeded { throw CommandFailure(sentence, exitCode: outcome.exitCode) }
    }
}
