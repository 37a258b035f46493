import LambdaShiftCore
import AWSCore
import ArgumentParser
import Config
import Packaging
import Rollout

/// Maps any error that ended a command to PRODUCT.md's exit code (`ExitStatus`) and its sentence.
public enum LambdaShiftExit {
    /// Whether the error is one of ours, with a sentence and an exit code (the others are
    /// ArgumentParser's help, version and usage errors).
    public static func knows(_ error: any Error) -> Bool {
        error is any LambdaShiftError || error is CancellationError
    }

    /// The exit code for an error that ended a command.
    public static func code(for error: any Error) -> Int32 {
        if error is CancellationError { return ExitStatus.cancelled }
        return (error as? any LambdaShiftError)?.exitCode ?? ExitStatus.failed
    }

    /// One sentence for the log.
    public static func message(for error: any Error) -> String {
        if error is CancellationError { return "Cancelled." }
        return sentence(of: error)
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
