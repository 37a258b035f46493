import Pipeline
import ArgumentParser

/// Options every command that talks to AWS shares.
struct AWSOptions: SettingArguments {
    @Option(help: .setting(.region, for: .status)) var region: String?
    @Option(help: .setting(.roleToAssume, for: .status)) var roleToAssume: String?
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

    var flags: SettingFlags { SettingFlags([.region: region, .roleToAssume: roleToAssume]) }
}

enum OutputFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}
