import LambdaShiftCore
import Pipeline
import CISupport
import ArgumentParser
import Config

/// Which function and alias an operator command (`status`, `promote`, `rollback`, `doctor`)
/// works on, resolved as deploy resolves them: the flag, then `INPUT_*` / `LAMBDA_SHIFT_*`,
/// then `.lambda-shift.yml` (the environment's entry, then the top level), with
/// `{environment}` and the other placeholders filled in.
struct FunctionOptions: ParsableArguments {
    @Option(help: "Function name or ARN; may use {environment} (default: the function setting).")
    var function: String?

    @Option(help: "Alias name (default: the alias setting, else live).")
    var alias: String?

    @Option(help: "Environment, for {environment} and per-environment settings (default: from the branch).")
    var environment: String?

    @Option(help: "Branch, overriding detection (picks the environment).")
    var branch: String?

    @Option(help: "Settings file (default .lambda-shift.yml when present).")
    var config: String?

    /// The function and alias, and the settings they were read with.
    struct Target {
        var function: String
        var alias: String
        var environment: String?
        var settings: SettingSource
    }

    func resolve(_ context: CommandContext) throws -> Target {
        var settings = SettingSource(
            environment: context.environment,
            file: try SettingSource.loadFile(flag: config, environment: context.environment))
        var provenance = Provenance.detect(context.environment.variables, git: { LocalGit.facts() })
        if let branch = settings.value(branch, "branch") { provenance.branch = branch }
        let environmentName = try settings.environment(explicit: environment, branch: provenance.branch)?.name
        settings.environmentName = environmentName
        guard let template = settings.value(function, "function") else {
            throw ConfigError(
                "Name the function with --function (or LAMBDA_SHIFT_FUNCTION, or function: in .lambda-shift.yml).")
        }
        if template.contains("{environment}") && environmentName == nil {
            throw ConfigError(
                "The function name \(template) needs an environment, and branch \(provenance.branch.map { "\"\($0)\"" } ?? "(none detected)") maps to none: pass --environment."
            )
        }
        let function = try SettingTemplate.render(
            template, provenance.templateValues(function: "", environment: environmentName ?? ""))
        let alias = try AliasName.validated(settings.value(self.alias, "alias") ?? "live")
        return Target(function: function, alias: alias, environment: environmentName, settings: settings)
    }
}
