import LambdaShiftCore
import FoundationEssentials
import Synchronization

/// Which CI is running us.
package enum CIKind: String, Sendable {
    case github, gitlab, codebuild, local

    package static func detect(_ variables: [String: String]) -> CIKind {
        if variables["GITHUB_ACTIONS"] == "true" { return .github }
        if variables["GITLAB_CI"] == "true" { return .gitlab }
        if let id = variables["CODEBUILD_BUILD_ID"], !id.isEmpty { return .codebuild }
        return .local
    }
}

/// Speaks to the CI in its own language: annotations, collapsible groups, outputs, a summary.
/// Every line goes through the secret registry first, and every line goes to stderr: stdout is
/// the command's result alone (`ResultChannel`).
package protocol Reporter: Sendable {
    var kind: CIKind { get }
    /// Registers a secret: masked by the CI from here on, and redacted from our own lines.
    func mask(_ secret: String)
    func info(_ text: String)
    func warning(_ text: String)
    func error(_ text: String, title: String?)
    func beginGroup(_ title: String)
    func endGroup()
    /// Writes the outputs where the CI reads them (GITHUB_OUTPUT, GitLab's dotenv report);
    /// nothing where the CI has no such file.
    func setOutputs(_ outputs: [(String, String)]) throws
    func writeSummary(_ summary: DeploySummary) throws
    /// A transient status (a countdown), shown in place on a terminal; ignored in CI logs.
    func progress(_ text: String?)
    /// Whether `writeSummary` is itself the run's last log line (GitLab, CodeBuild), so the
    /// final sentence is not printed again beside it.
    var summaryIsLogLine: Bool { get }
}

extension Reporter {
    package func progress(_ text: String?) {}
    package var summaryIsLogLine: Bool { false }
}

/// The secrets known so far, redacted from every line a reporter writes: each as it is and as
/// it reads inside a URL or a JSON string (an error that quotes a request or an answer).
package final class SecretRegistry: Sendable {
    private let secrets = Mutex<[String]>([])

    package init(_ initial: [String] = []) {
        for secret in initial { add(secret) }
    }

    /// Adds a secret and its encoded forms; returns the forms not known before (empty when it
    /// was known, or too short to be one).
    @discardableResult
    package func add(_ secret: String) -> [String] {
        guard secret.count >= 4 else { return [] }
        return secrets.withLock { list in
            let new = Self.forms(of: secret).filter { !list.contains($0) }
            list.append(contentsOf: new)
            list.sort { $0.count > $1.count }  // longest first, so a secret's parts never survive
            return new
        }
    }

    /// `secret`, percent-encoded (all but RFC 3986's unreserved characters, as in a query or a
    /// form body), and JSON-escaped (with and without `\/`).
    static func forms(of secret: String) -> [String] {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        let percent = secret.utf8.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : hex($0) }.joined()
        var json = ""
        for scalar in secret.unicodeScalars {
            switch scalar {
            case "\\": json += "\\\\"
            case "\"": json += "\\\""
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20: json += "\\u" + String(format4(scalar.value))
            default: json.unicodeScalars.append(scalar)
            }
        }
        let slashed = json.replacingAll("/", with: "\\/")
        var forms: [String] = []
        for form in [secret, percent, json, slashed] where !forms.contains(form) { forms.append(form) }
        return forms
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }

    private static func format4(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<4).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 15)] })
    }

    /// `text` with every known secret (in each form) replaced by `***`. Called by the front
    /// alone (`RedactingReporter.clean`): what reaches a person is cleaned in one place.
    func redact(_ text: String) -> String {
        secrets.withLock { $0 }.reduce(text) { $0.replacingAll($1, with: "***") }
    }
}

/// The one front for what reaches a person: every line, annotation, group title, output,
/// summary and progress text a command reports, and the result on stdout, is cleaned here of
/// every known secret before a reporter formats it (a workflow command's escaping could
/// otherwise hide a secret from a later redaction). Reporters only format and emit.
package final class RedactingReporter: Reporter {
    package let inner: any Reporter
    package let secrets: SecretRegistry

    package init(_ inner: any Reporter, secrets: SecretRegistry) {
        self.inner = inner
        self.secrets = secrets
    }

    /// `text` as it may be shown: every known secret replaced by `***`.
    package func clean(_ text: String) -> String { secrets.redact(text) }

    package var kind: CIKind { inner.kind }
    package var summaryIsLogLine: Bool { inner.summaryIsLogLine }

    /// Registers a secret, and announces each form not known before to the CI (GitHub's
    /// `::add-mask::`).
    package func mask(_ secret: String) {
        for form in secrets.add(secret) { inner.mask(form) }
    }

    package func info(_ text: String) { inner.info(clean(text)) }
    package func warning(_ text: String) { inner.warning(clean(text)) }
    package func error(_ text: String, title: String?) { inner.error(clean(text), title: title.map(clean)) }
    package func beginGroup(_ title: String) { inner.beginGroup(clean(title)) }
    package func endGroup() { inner.endGroup() }
    package func setOutputs(_ outputs: [(String, String)]) throws {
        try inner.setOutputs(outputs.map { ($0.0, clean($0.1)) })
    }
    package func writeSummary(_ summary: DeploySummary) throws { try inner.writeSummary(summary.mapText(clean)) }
    package func progress(_ text: String?) { inner.progress(text.map(clean)) }
}

/// Where reporters write: stderr, never stdout.
package struct ReportSink: Sendable {
    /// Writes a line (stderr).
    package var err: @Sendable (String) -> Void
    /// Writes without a newline (a status redrawn in place on stderr).
    package var raw: @Sendable (String) -> Void
    package init(err: @escaping @Sendable (String) -> Void, raw: @escaping @Sendable (String) -> Void = { _ in }) {
        self.err = err
        self.raw = raw
    }
}

package enum Reporters {
    /// The reporter for this environment: GitHub Actions, GitLab CI, CodeBuild (plain lines),
    /// or a terminal (colour when a TTY, unless NO_COLOR).
    package static func make(environment: [String: String], sink: ReportSink, secrets: SecretRegistry, isTerminal: Bool)
        -> RedactingReporter
    {
        let inner: any Reporter =
            switch CIKind.detect(environment) {
            case .github: GitHubReporter(environment: environment, sink: sink)
            case .gitlab: GitLabReporter(environment: environment, sink: sink)
            case .codebuild: PlainReporter(kind: .codebuild, sink: sink)
            case .local:
                TerminalReporter(
                    sink: sink, colour: isTerminal && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb")
            }
        return RedactingReporter(inner, secrets: secrets)
    }
}
