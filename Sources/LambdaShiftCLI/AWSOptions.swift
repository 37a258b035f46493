import Pipeline
import AWSCore
import ArgumentParser

/// Options every command that talks to AWS shares.
struct AWSOptions: ParsableArguments {
    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region).")
    var region: String?

    @Option(
        name: .customLong("role-to-assume"),
        help: "Role ARN to assume with the CI's OIDC token (GitHub Actions: needs `permissions: id-token: write`).")
    var roleToAssume: String?

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    /// Builds the AWS client for the current context; region and role from the flags, else
    /// from the same settings deploy reads.
    func makeClient(_ context: CommandContext, settings: SettingSource? = nil) throws -> AWSClient {
        let settings = settings ?? SettingSource(environment: context.environment)
        return try context.makeClient(
            region: settings.value(region, "region"), roleToAssume: settings.value(roleToAssume, "role-to-assume"))
    }
}

enum OutputFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}
