import Hashing
import AWSCore
import Foundation

/// A temporary build tree for a test, removed afterwards.
final class TreeFixture {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ls-tree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    var path: String { root.path }
    var source: String { root.appendingPathComponent("src").path }

    @discardableResult
    func file(_ relative: String, _ contents: Data, mode: Int = 0o644, base: String = "src") throws -> String {
        let url = root.appendingPathComponent(base).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
        chmod(url.path, mode_t(mode))
        return url.path
    }

    @discardableResult
    func file(_ relative: String, _ text: String, mode: Int = 0o644, base: String = "src") throws -> String {
        try file(relative, Data(text.utf8), mode: mode, base: base)
    }

    func symlink(_ relative: String, to target: String) throws {
        let url = root.appendingPathComponent("src").appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    /// A small tree like a real function's: code, an executable bootstrap, text that
    /// compresses, bytes that do not, a multi-chunk file, unicode names.
    func populateTypical() throws {
        try file("bootstrap", "#!/bin/sh\nexec ./handler\n", mode: 0o755)
        try file("index.py", "def handler(event, context):\n    return event\n")
        try file("lib/küche/ü.py", "# unicode name\n")
        try file("lib/data.json", String(repeating: "{\"k\": \"value\"}\n", count: 50_000))
        var random = SystemRandomNumberGenerator()
        try file("lib/blob.bin", Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &random) }))
        try file("empty.txt", "")
    }

    /// Copies the tree to a sibling and gives every file and directory another mtime.
    func copyWithOtherTimes(to name: String) throws -> String {
        let target = root.appendingPathComponent(name)
        try FileManager.default.copyItem(at: root.appendingPathComponent("src"), to: target)
        let enumerator = FileManager.default.enumerator(atPath: target.path)
        var times = [timespec(tv_sec: 1_700_000_000, tv_nsec: 0), timespec(tv_sec: 1_700_000_000, tv_nsec: 0)]
        while let item = enumerator?.nextObject() as? String {
            utimensat(AT_FDCWD, target.appendingPathComponent(item).path, &times, 0)
        }
        return target.path
    }
}

/// Runs a program and returns its exit status and output.
func runTool(_ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func sha256Hex(ofFile path: String) throws -> String {
    ByteEncoding.hex(try SHA256Hasher.hash(fileAt: path))
}
