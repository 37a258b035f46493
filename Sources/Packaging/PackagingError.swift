import LambdaShiftCore
/// A problem with the build tree or the package that the user must fix; found before
/// anything is uploaded (exit 2). The message is one sentence that says what to do.
package struct PackagingError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension PackagingError: LambdaShiftError {
    package var sentence: String { message }
    package var exitCode: Int32 { ExitStatus.usage }
}
