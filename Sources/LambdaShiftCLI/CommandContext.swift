import AWSCore
import Foundation

/// What a command gets from the outside world: the environment, where to write, and the
/// HTTP transport. The entry point fills it from the process; tests hand in their own.
public struct CommandContext: Sendable {
    public var environment: Environment
    public var transport: (any HTTPTransport)?
    public var output: @Sendable (String) -> Void
    public var errorOutput: @Sendable (String) -> Void

    public init(environment: Environment, transport: (any HTTPTransport)? = nil,
                output: @escaping @Sendable (String) -> Void, errorOutput: @escaping @Sendable (String) -> Void) {
        self.environment = environment
        self.transport = transport
        self.output = output
        self.errorOutput = errorOutput
    }

    @TaskLocal public static var current = CommandContext(
        environment: Environment(ProcessInfo.processInfo.environment),
        output: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) },
        errorOutput: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
}

/// Removes secrets from text before it is printed: the values of secret-bearing variables
/// and of the credentials in use. The last line of defence; messages are written not to
/// hold secrets in the first place.
public struct Redactor: Sendable {
    public static let secretVariables = ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
                                         "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    public var secrets: [String]

    public init(environment: Environment, extra: [String] = []) {
        secrets = (Self.secretVariables.compactMap { environment[$0] } + extra).filter { $0.count >= 4 }
    }

    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
