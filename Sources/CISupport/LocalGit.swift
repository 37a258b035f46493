import LambdaShiftCore
import FoundationEssentials

/// What git says about the working tree, for runs outside CI. Never fails: a missing git or
/// repository gives empty facts.
package enum LocalGit {
    package static func facts(directory: String = FileManager.default.currentDirectoryPath) -> Provenance.GitFacts {
        func git(_ arguments: String...) -> String? {
            guard let result = POSIX.output(of: ["git", "-C", directory] + arguments) else { return nil }
            let text = String(decoding: result.output, as: UTF8.self).trimmed()
            return result.status == 0 && !text.isEmpty ? text : nil
        }
        var repository: String?
        if let url = git("config", "--get", "remote.origin.url") {
            var path = url.replacingAll(":", with: "/").split(separator: "/").suffix(2).joined(
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
