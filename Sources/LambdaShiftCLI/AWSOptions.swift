import Pipeline
import AWSCore
import ArgumentParser

/// Options every command that talks to AWS shares.
struct AWSOptions: ParsableArguments {
    @Option(help: .setting("region", for: .status)) var region: String?
    @Option(help: .setting("role-to-assume", for: .status)) var roleToAssume: String?
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

    /// Builds the AWS client for the current context, with the region and role the settings resolved.
    static func makeClient(_ context: CommandContext, settings: ResolvedSettings) throws -> AWSClient {
        try context.makeClient(region: settings.text("region"), roleToAssume: settings.text("role-to-assume"))
    }
}

enum OutputFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}
