import AWSCore
import ArgumentParser

/// Options every command that talks to AWS shares.
struct AWSOptions: ParsableArguments {
    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region).")
    var region: String?

    @Option(name: .customLong("role-to-assume"), help: "Role ARN to assume with the CI's OIDC token (GitHub Actions: needs `permissions: id-token: write`).")
    var roleToAssume: String?

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    /// Builds the AWS client for the current context.
    func makeClient(_ context: CommandContext) throws -> AWSClient {
        let role = roleToAssume ?? context.environment["INPUT_ROLE-TO-ASSUME"] ?? context.environment["LAMBDA_SHIFT_ROLE_TO_ASSUME"]
        return try context.makeClient(region: region, roleToAssume: role)
    }
}

enum OutputFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}
