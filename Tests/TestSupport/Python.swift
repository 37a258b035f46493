import Foundation

/// Runs a Python script with `input` on its standard input; its standard output, or a thrown
/// error with its standard error when it fails. Independent reference implementations (json,
/// PyYAML, scipy, botocore) are reached this way.
package func runPython(_ script: String, input: Data) throws -> Data {
    try runPython(arguments: ["-c", script], input: input)
}

/// Runs `python3` with `arguments` (a script file and its arguments) and `input` on stdin.
package func runPython(arguments: [String], input: Data) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(input)
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PythonFailed(message: String(decoding: errors, as: UTF8.self))
    }
    return output
}

package struct PythonFailed: Error, CustomStringConvertible {
    package var message: String
    package var description: String { "python3 failed: \(message)" }
}
