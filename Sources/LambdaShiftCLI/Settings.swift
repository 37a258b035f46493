import AWSCore
import Config
import Foundation

/// Reads a setting the way PRODUCT.md orders them: the flag, then the environment (the
/// GitHub Action input `INPUT_<NAME>` with hyphens kept, then `LAMBDA_SHIFT_<NAME>`).
struct SettingSource {
    var environment: Environment

    func value(_ flag: String?, _ name: String) -> String? {
        if let flag, !flag.isEmpty { return flag }
        let upper = name.uppercased()
        return environment["INPUT_" + upper] ?? environment["LAMBDA_SHIFT_" + upper.replacingOccurrences(of: "-", with: "_")]
    }

    func list(_ flags: [String], _ name: String) -> [String] {
        if !flags.isEmpty { return flags }
        guard let text = value(nil, name) else { return [] }
        return text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// What git says about the working tree, for runs outside CI. Never fails: a missing git or
/// repository gives empty facts.
enum LocalGit {
    static func facts(directory: String = FileManager.default.currentDirectoryPath) -> Provenance.GitFacts {
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
            var path = url.replacingOccurrences(of: ":", with: "/").split(separator: "/").suffix(2).joined(separator: "/")
            if path.hasSuffix(".git") { path.removeLast(4) }
            repository = path
        }
        let branch = git("rev-parse", "--abbrev-ref", "HEAD")
        return Provenance.GitFacts(commit: git("rev-parse", "HEAD"), branch: branch == "HEAD" ? nil : branch,
                                   tagOnHead: git("describe", "--exact-match", "--tags", "HEAD"), repository: repository)
    }
}
