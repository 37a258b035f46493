import Foundation

/// What git says about the working tree, for runs outside CI. Never fails: a missing git or
/// repository gives empty facts.
public enum LocalGit {
    public static func facts(directory: String = FileManager.default.currentDirectoryPath) -> Provenance.GitFacts {
        func git(_ arguments: String...) -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", directory] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return process.terminationStatus == 0 && !text.isEmpty ? text : nil
        }
        var repository: String?
        if let url = git("config", "--get", "remote.origin.url") {
            var path = url.replacingOccurrences(of: ":", with: "/").split(separator: "/").suffix(2).joined(
                separator: "/")
            if path.hasSuffix(".git") { path.removeLast(4) }
            repository = path
        }
        let branch = git("rev-parse", "--abbrev-ref", "HEAD")
        return Provenance.GitFacts(
            commit: git("rev-parse", "HEAD"), branch: branch == "HEAD" ? nil : branch,
            tagOnHead: git("describe", "--exact-match", "--tags", "HEAD"), repository: repository)
    }
}
