import LambdaShiftCore

/// A command's own failure, with its sentence and exit code.
package struct CommandFailure: LambdaShiftError {
    package var message: String
    package var exitCode: Int32
    package var sentence: String { message }
    package init(_ message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }
}
