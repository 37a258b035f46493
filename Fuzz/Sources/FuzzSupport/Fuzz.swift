import CLibFuzzer
import Glibc

/// The property `fuzz(_:)` checks, for libFuzzer's callback (a C function pointer, which holds no context).
nonisolated(unsafe) private var property: ([UInt8]) -> Void = { _ in fatalError("fuzz(_:) was not called") }

/// libFuzzer's callback. SwiftPM names an executable's top-level code `main` (`--defsym`), so libFuzzer's
/// own `main`, which would call this, never runs: `fuzz(_:)` starts the fuzzer instead. The symbol is
/// still defined because `-sanitize=fuzzer` links libFuzzer's `main`, which refers to it.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    property(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Runs libFuzzer with this program's arguments (its flags, corpus directories or inputs to
/// replay), checking `check` on every input; exits with libFuzzer's status.
public func fuzz(_ check: @escaping ([UInt8]) -> Void) -> Never {
    property = check
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}

/// Stops the run when a property does not hold: libFuzzer reports the crash and saves the input.
public func require(
    _ holds: Bool, _ property: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    if !holds { fatalError("property broken: \(property())", file: file, line: line) }
}

/// The input as text (invalid UTF-8 becomes U+FFFD, as the programs read files).
public func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

/// The input cut at NUL bytes into texts: one input feeds several arguments.
public func fields(_ bytes: [UInt8]) -> [String] {
    bytes.split(separator: 0, omittingEmptySubsequences: false).map(text)
}
