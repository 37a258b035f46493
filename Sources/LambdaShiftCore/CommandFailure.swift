import LambdaShiftCore

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
