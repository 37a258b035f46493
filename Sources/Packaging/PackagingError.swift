import LambdaShiftCore
/// A problem with the build tree or the package that the user must fix; found before
/// anything is uploaded (exit 2). The message is one sentence that says what to do.
public struct PackagingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension PackagingError: LambdaShiftError {
    public var sentence: String { message }
    public var exitCode: Int32 { ExitStatus.usage }
}
