import LambdaShiftCore
import AWSCore
import ArgumentParser
import Config
import Packaging
import Rollout

/// The exit codes of PRODUCT.md.
public enum LambdaShiftExit {
    public static let success = ExitStatus.success
    public static let failed = ExitStatus.failed
    public static let usage = ExitStatus.usage
    public static let gateFailed = ExitStatus.gateFailed
    public static let cancelled = ExitStatus.cancelled
    public static let rollbackFailed = ExitStatus.rollbackFailed

    /// Whether the error is one of ours, with a sentence and an exit code (the others are
    /// ArgumentParser's help, version and usage errors).
    public static func knows(_ error: any Error) -> Bool {
        error is any LambdaShiftError || error is CancellationError
    }

    /// The exit code for an error that ended a command.
    public static func code(for error: any Error) -> Int32 {
        if error is CancellationError { return cancelled }
        return (error as? any LambdaShiftError)?.exitCode ?? failed
    }

    /// One sentence for the log.
    public static func message(for error: any Error) -> String {
        if error is CancellationError { return "Cancelled." }
        return (error as? any LambdaShiftError)?.sentence ?? "\(error)"
    }
}

/// A command's own failure, with its sentence and exit code.
public struct CommandFailure: LambdaShiftError {
    public var message: String
    public var exitCode: Int32
    public var sentence: String { message }
    public init(_ message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }
}
