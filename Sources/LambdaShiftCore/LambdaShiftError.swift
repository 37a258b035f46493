/// Every error of ours: one sentence a person can act on (it works as a GitHub `::error::`
/// line as it is and never holds a secret) and PRODUCT.md's exit code. The entry point maps
/// any error through this protocol alone; no list of error types is kept anywhere.
package protocol LambdaShiftError: Error, Sendable {
    /// One sentence that says what went wrong and what to do.
    var sentence: String { get }
    /// PRODUCT.md's exit code for a run that this error ends.
    var exitCode: Int32 { get }
}

/// One sentence for any error: ours say what to do; cancellation is "Cancelled."; any other is
/// described as it is. With `Outcome(ending:)` (the exit code), the one way an error is rendered.
package func sentence(of error: any Error) -> String {
    if error is CancellationError { return "Cancelled." }
    return (error as? any LambdaShiftError)?.sentence ?? "\(error)"
}

/// PRODUCT.md's exit codes.
package enum ExitStatus {
    package static let success: Int32 = 0
    /// Failed; no traffic moved, or the alias was restored.
    package static let failed: Int32 = 1
    /// Usage or configuration, found before anything changed.
    package static let usage: Int32 = 2
    /// A health gate failed; rolled back.
    package static let gateFailed: Int32 = 3
    /// Cancelled by a signal; rolled back.
    package static let cancelled: Int32 = 4
    /// The rollback itself failed: the alias may be split.
    package static let rollbackFailed: Int32 = 5
}
