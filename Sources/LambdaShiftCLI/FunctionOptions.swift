import Pipeline
import CISupport
import ArgumentParser
import Config

/// Which function and alias an operator command (`status`, `promote`, `rollback`, `cleanup`,
/// `doctor`) works on, resolved as deploy resolves them (`ResolvedSettings`), with
/// `{environment}` and the other placeholders filled in.
struct FunctionOptions: ParsableArguments {
    @Option(help: .setting("function", for: .status)) var function: String?
    @Option(help: .setting("alias", for: .status)) var alias: String?
    @Option(help: .setting("environment", for: .status)) var environment: String?
    @Option(help: .setting("branch", for: .status)) var branch: String?
    @Option(help: .setting("config", for: .status)) var config: String?

    /// The function and alias, and the settings they were read with.
    struct Target {
        var function: String
        var alias: String
        var environment: String?
        var settings: ResolvedSettings
    }

    /// Resolves `command`'s settings from all of its flags (`options`: the command itself).
    static func resolve(_ command: SettingCommand, _ options: any ParsableArguments, _ context: CommandContext)
        throws -> Target
    {
        let settings = try ResolvedSettings.resolve(command, flags: SettingOptions.flags(options), ci: context.ci)
        let environmentName = settings.environmentName
        guard let template = settings.text("function") else {
            throw ConfigError(
                "Name the function with --function (or LAMBDA_SHIFT_FUNCTION, or function: in .lambda-shift.yml).")
        }
        if template.contains("{environment}") && environmentName == nil {
            throw ConfigError(
                "The function name \(template) needs an environment, and branch \(settings.branchDescription) maps to none: pass --environment."
            )
        }
        let function = try SettingTemplate.render(
            template, settings.provenance.templateValues(function: "", environment: environmentName ?? ""))
        let alias = try AliasName.validated(settings.text("alias") ?? "live")
        return Target(function: function, alias: alias, environment: environmentName, settings: settings)
    }
}
