import ArgumentParser
import Config
import Pipeline

/// Which function and alias an operator command (`status`, `promote`, `rollback`, `cleanup`,
/// `doctor`) works on, resolved as deploy resolves them (`ResolvedSettings`), with
/// `{environment}` and the other placeholders filled in.
struct FunctionOptions: SettingArguments {
    @Option(help: .setting(.function, for: .status)) var function: String?
    @Option(help: .setting(.alias, for: .status)) var alias: String?
    @Option(help: .setting(.webFunction, for: .status)) var webFunction: String?
    @Option(help: .setting(.endpoint, for: .status)) var endpoint: String?
    @Option(help: .setting(.environment, for: .status)) var environment: String?
    @Option(help: .setting(.branch, for: .status)) var branch: String?
    @Option(help: .setting(.config, for: .status)) var config: String?

    var flags: SettingFlags {
        SettingFlags([
            .function: function, .alias: alias, .webFunction: webFunction, .endpoint: endpoint,
            .environment: environment, .branch: branch, .config: config,
        ])
    }
}
