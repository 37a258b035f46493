import LambdaShiftCore
import AWSCore
import AWSServices
import Config
import Hashing
import Rollout

/// The alias a branch's preview lives on: `preview-<branch>` by default, or a template with
/// `{branch}` and `{pr}`; characters Lambda does not allow in an alias name become `-`, and a
/// name over Lambda's 128 characters is cut, ending in a short hash of the whole name.
/// https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html#lambda-CreateAlias-request-Name
package enum PreviewAlias {
    package static let defaultTemplate = "preview-{branch}"

    package static func name(template: String, branch: String?, pr: String?) throws -> String {
        if template.contains("{branch}") && (branch ?? "").isEmpty {
            throw ConfigError("A preview alias needs the branch, and none was detected: pass --branch.")
        }
        if template.contains("{pr}") && (pr ?? "").isEmpty {
            throw ConfigError(
                "The preview alias \(template) needs a pull or merge request number, and this run has none: run it on a pull request, or use {branch}."
            )
        }
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            switch rest[rest.index(after: open)..<close] {
            case "branch": out += branch ?? ""
            case "pr": out += pr ?? ""
            default:
                throw ConfigError("The preview alias \(template) may use {branch} and {pr} only.")
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        var cleaned = String(
            out.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "-" })
        if cleaned.count > 128 {
            // Cut to Lambda's 128, ending in a short hash of the whole name: two long branches
            // that share their first 119 characters still get aliases of their own.
            let digest = ByteEncoding.hex(SHA256Hasher.hash(Array(out.utf8))).prefix(8)
            cleaned = cleaned.prefix(119) + "-" + digest
        }
        return try AliasName.validated(cleaned)
    }

    /// The text a preview deploy writes before its record in the alias description: what tells
    /// a preview alias from one that serves callers.
    package static let marker = "lambda-shift preview"

    /// Whether a deploy or `cleanup` may treat `alias` as a preview: it carries no deploy
    /// history and no rollout record, or a preview deploy made it (the marker, or the default
    /// `preview-` prefix of aliases made before the marker). Anything else serves callers.
    package static func mayTreatAsPreview(_ alias: AliasConfiguration) -> Bool {
        let history = DeployHistory(description: alias.description)
        if history.isEmpty && history.rollout == nil { return true }
        return history.text.hasPrefix(marker) || alias.name.hasPrefix("preview-")
    }

    /// The refusal for a preview alias that is an alias serving callers.
    package static func refusal(_ name: String, why: String) -> ConfigError {
        ConfigError(
            "The preview alias resolves to \(name), \(why): a preview never deploys to or removes an alias that serves callers; change --preview-alias (or --branch) so it names an alias of its own."
        )
    }

    /// The part of every name the template makes that is fixed: what `cleanup` requires of an
    /// alias before it deletes it (`preview-` by default).
    package static func prefix(template: String) -> String {
        String(template.prefix { $0 != "{" })
    }
}
