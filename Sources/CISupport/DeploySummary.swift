import LambdaShiftCore
import FoundationEssentials

/// What a deploy did, for the CI's summary: the outcome first, then where, what and how.
public struct DeploySummary: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// Seconds since the deploy started.
        public var offset: Int
        public var text: String
        /// For gate results: whether the gate passed.
        public var passed: Bool?

        public init(offset: Int, text: String, passed: Bool? = nil) {
            self.offset = offset
            self.text = text
            self.passed = passed
        }
    }

    public var outcome: String
    public var headline: String
    public var function: String
    public var alias: String
    public var environment: String
    public var previousVersion: String
    public var newVersion: String
    public var sha256: String
    public var s3Key: String
    public var strategy: String
    public var timeline: [Entry]
    public var reason: String?
    public var runURL: String?

    public init(
        outcome: String, headline: String, function: String, alias: String, environment: String,
        previousVersion: String,
        newVersion: String, sha256: String, s3Key: String, strategy: String, timeline: [Entry], reason: String? = nil,
        runURL: String? = nil
    ) {
        self.outcome = outcome
        self.headline = headline
        self.function = function
        self.alias = alias
        self.environment = environment
        self.previousVersion = previousVersion
        self.newVersion = newVersion
        self.sha256 = sha256
        self.s3Key = s3Key
        self.strategy = strategy
        self.timeline = timeline
        self.reason = reason
        self.runURL = runURL
    }

    static let icons = [
        "deployed": "✅", "skipped": "⏭️", "nothing-to-do": "⏭️", "rolled-back": "↩️", "cancelled": "⏹️", "failed": "❌",
    ]

    /// GitHub-flavoured Markdown. Text that comes from outside (names, reasons, versions) is
    /// escaped so it cannot break the table or inject markup; at most 200 timeline rows, far
    /// under the runner's 1 MiB limit.
    public func markdown() -> String {
        var out = "### \(Self.icons[outcome] ?? "ℹ️") lambda-shift: \(Self.escape(headline))\n\n"
        if let reason { out += "> **Reason:** \(Self.escape(reason))\n\n" }
        out += "| | |\n|---|---|\n"
        let rows: [(String, String)] = [
            ("Function", function), ("Alias", alias), ("Environment", environment),
            ("Version", previousVersion.isEmpty ? newVersion : "\(previousVersion) → \(newVersion)"),
            ("SHA-256", sha256), ("S3 key", s3Key), ("Strategy", strategy), ("Outcome", outcome),
        ]
        for (name, value) in rows where !value.isEmpty {
            out += "| \(name) | `\(Self.escapeCode(value))` |\n"
        }
        if !timeline.isEmpty {
            out += "\n<details open><summary>Timeline</summary>\n\n| t | step |\n|---|---|\n"
            for entry in timeline.prefix(200) {
                let mark = entry.passed.map { $0 ? "✅ " : "❌ " } ?? ""
                out += "| +\(entry.offset)s | \(mark)\(Self.escape(entry.text)) |\n"
            }
            if timeline.count > 200 { out += "| … | \(timeline.count - 200) more |\n" }
            out += "\n</details>\n"
        }
        if let runURL, !runURL.isEmpty { out += "\n[Run](\(Self.escapeURL(runURL)))\n" }
        return out
    }

    /// Escapes Markdown and HTML in table cells.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\", "`", "*", "_", "[", "]", "#", "|", "~", "!": out += "\\" + String(ch)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r": out += " "
            default: out.append(ch)
            }
        }
        return out
    }

    /// Inside a code span: backticks and pipes would end it or the cell.
    static func escapeCode(_ text: String) -> String {
        text.replacingAll("`", with: "'").replacingAll("|", with: "\\|")
            .replacingAll("\n", with: " ")
    }

    static func escapeURL(_ text: String) -> String {
        text.filter { !" ()<>\n\r".contains($0) }
    }
}
