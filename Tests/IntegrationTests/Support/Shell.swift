import Foundation

/// Runs a program to completion and captures what it printed.
enum Shell {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
        /// The `name=value` outputs a deploy prints on stdout (a line with a space is not one).
        var outputs: [String: String] {
            var out: [String: String] = [:]
            for line in stdout.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "="), !line[..<eq].contains(" ") else { continue }
                out[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            return out
        }
    }

    static func run(
        _ arguments: [String], environment: [String: String]? = nil, input: String? = nil, directory: String? = nil,
        onStart: ((Process) -> Void)? = nil
    ) throws -> Result {
        let process = Process()
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        onStart?(process)
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes while the process runs so neither can fill up and block it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        // Each on a queue of its own (dispatch's overcommit pool): blocked on the global queue,
        // they held threads Swift's tasks need, in-process tests running beside these included.
        group.enter()
        DispatchQueue(label: "shell.stdout").async {
            outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave()
        }
        group.enter()
        DispatchQueue(label: "shell.stderr").async {
            errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave()
        }
        process.waitUntilExit()
        group.wait()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The lambda-shift binary built next to the test bundle.
    static var lambdaShift: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !url.path.hasSuffix("/debug") && !url.path.hasSuffix("/release") && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("lambda-shift").path
    }

    /// Runs the lambda-shift binary with exactly this environment.
    static func lambdaShift(_ arguments: [String], environment: [String: String]) throws -> Result {
        try run([lambdaShift] + arguments, environment: environment)
    }
}
