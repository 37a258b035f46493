import AWSCore
import ArgumentParser
import Packaging

/// The exit codes of PRODUCT.md.
public enum LambdaShiftExit {
    public static let success: Int32 = 0
    public static let failed: Int32 = 1
    public static let usage: Int32 = 2
    public static let gateFailed: Int32 = 3
    public static let cancelled: Int32 = 4
    public static let rollbackFailed: Int32 = 5

    /// The exit code for an error that ended a command.
    public static func code(for error: any Error) -> Int32 {
        switch error {
        case let error as AWSClientError: error.isConfiguration ? usage : failed
        case is AWSServiceError: failed
        case is PackagingError: usage
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
