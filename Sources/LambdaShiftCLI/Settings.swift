import AWSCore
import Config
import Foundation

/// Reads a setting the way PRODUCT.md orders them: the flag, then the environment (the
/// GitHub Action input `INPUT_<NAME>` with hyphens kept, then `LAMBDA_SHIFT_<NAME>`).
struct SettingSource {
    var environment: Environment
    /// `.lambda-shift.yml`, when there is one, read for `environmentName`.
    var file: ConfigFile?
    var environmentName: String?

    init(environment: Environment, file: ConfigFile? = nil) {
        self.environment = environment
        self.file = file
    }

    func value(_ flag: String?, _ name: String, fileKeys: [String]? = nil) -> String? {
        if let flag, !flag.isEmpty { return flag }
        let upper = name.uppercased()
        if let fromEnvironment = environment["INPUT_" + upper] ?? environment["LAMBDA_SHIFT_" + upper.replacingOccurrences(of: "-", with: "_")] {
            return fromEnvironment
        }
        for key in fileKeys ?? [name] {
            if let fromFile = file?.value(key, environment: environmentName) { return fromFile }
        }
        return nil
    }

    func list(_ flags: [String], _ name: String, fileKeys: [String]? = nil) -> [String] {
        if !flags.isEmpty { return flags }
        let upper = name.uppercased()
        if let text = environment["INPUT_" + upper] ?? environment["LAMBDA_SHIFT_" + upper.replacingOccurrences(of: "-", with: "_")] {
            return text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        for key in fileKeys ?? [name] {
            if let values = file?.values(key, environment: environmentName), !values.isEmpty { return values }
        }
        return []
    }

    /// `--config FILE`, the `config` input, or `.lambda-shift.yml` in the working directory.
    static func loadFile(flag: String?, environment: Environment) throws -> ConfigFile? {
        if let path = flag ?? environment["INPUT_CONFIG"] ?? environment["LAMBDA_SHIFT_CONFIG"] { return try ConfigFile.load(path: path) }
        let fallback = FileManager.default.currentDirectoryPath + "/.lambda-shift.yml"
        return FileManager.default.fileExists(atPath: fallback) ? try ConfigFile.load(path: fallback) : nil
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
