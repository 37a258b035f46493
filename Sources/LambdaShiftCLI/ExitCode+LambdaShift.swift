import AWSCore
import ArgumentParser
import Config
import Packaging
import Rollout

/// The exit codes of PRODUCT.md.
public enum LambdaShiftExit {
    public static let success: Int32 = 0
    public static let failed: Int32 = 1
    public static let usage: Int32 = 2
    public static let gateFailed: Int32 = 3
    public static let cancelled: Int32 = 4
    public static let rollbackFailed: Int32 = 5

    /// Whether the error is one of ours, with a sentence and an exit code (the others are
    /// ArgumentParser's help, version and usage errors).
    public static func knows(_ error: any Error) -> Bool {
        error is AWSClientError || error is AWSServiceError || error is PackagingError || error is ConfigError
            || error is StrategyError || error is DeployError || error is CommandFailure || error is CancellationError
    }

    /// The exit code for an error that ended a command.
    public static func code(for error: any Error) -> Int32 {
        switch error {
        case let error as AWSClientError: error.isConfiguration ? usage : failed
        case is AWSServiceError: failed
        case is PackagingError, is ConfigError, is StrategyError: usage
        case is DeployError: failed
        case is CancellationError: cancelled
        case let error as CommandFailure: error.exitCode
        default: failed
        }
    }

    /// One sentence for the log.
    public static func message(for error: any Error) -> String {
        switch error {
        case let error as AWSClientError: error.description
        case let error as AWSServiceError: error.description
        case let error as CommandFailure: error.message
        case let error as PackagingError: error.message
        case let error as ConfigError: error.message
        case let error as StrategyError: error.message
        case let error as DeployError: error.message
        case is CancellationError: "Cancelled."
        default: "\(error)"
        }
    }
}

/// A command's own failure, with its sentence and exit code.
public struct CommandFailure: Error, Sendable {
    public var message: String
    public var exitCode: Int32
    public init(_ message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }
}
