import Pipeline
import ArgumentParser

/// Options every command that talks to AWS shares.
struct AWSOptions: ParsableArguments {
    @Option(help: .setting(.region, for: .status)) var region: String?
    @Option(help: .setting(.roleToAssume, for: .status)) var roleToAssume: String?
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

}

enum OutputFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}
