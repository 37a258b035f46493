import FoundationEssentials
import Synchronization

/// GitHub Actions: `::error::`/`::warning::` annotations, `::group::`, `::add-mask::`, outputs
/// in GITHUB_OUTPUT and a Markdown summary in GITHUB_STEP_SUMMARY.
package final class GitHubReporter: Reporter {
    package let kind = CIKind.github
    let environment: [String: String]
    let sink: ReportSink
    private let pending = Mutex<[String]>([])

    package init(environment: [String: String], sink: ReportSink) {
        self.environment = environment
        self.sink = sink
    }

    /// Announces a secret (each new form once: the front decides). Its `::add-mask::` is written
    /// on stderr just before the next line of ours, so a command that logs nothing (`--version`,
    /// `--help`, `iam-policy`) writes no workflow command at all, and no line can carry a secret
    /// the runner does not yet mask.
    package func mask(_ secret: String) { pending.withLock { $0.append(secret) } }

    /// Every line goes to stderr (the runner reads workflow commands there as on stdout),
    /// after the masks it may need.
    private func emit(_ line: String) {
        // The mask command itself must carry the secret; it is the one line that does.
        for secret in pending.withLock({ list in
            defer { list = [] }; return list
        }) {
            sink.err(WorkflowCommand.format("add-mask", message: secret))
        }
        sink.err(line)
    }

    package func info(_ text: String) { emit(text) }

    package func warning(_ text: String) { emit(WorkflowCommand.format("warning", message: text)) }

    package func error(_ text: String, title: String?) {
        let properties = title.map { [("title", $0)] } ?? []
        emit(WorkflowCommand.format("error", properties: properties, message: text))
    }

    package func beginGroup(_ title: String) { emit(WorkflowCommand.format("group", message: title)) }
    package func endGroup() { emit("::endgroup::") }

    /// GITHUB_OUTPUT, when the runner gives one; the `name=value` result on stdout is the
    /// command's, not the reporter's.
    package func setOutputs(_ outputs: [(String, String)]) throws {
        guard let path = environment["GITHUB_OUTPUT"], !path.isEmpty else { return }
        let delimiter = GitHubOutputFile.randomDelimiter()
        var text = ""
        for (name, value) in outputs {
            text += try GitHubOutputFile.entry(name: name, value: value, delimiter: delimiter)
        }
        try GitHubOutputFile.append(text, to: path)
    }

    package func writeSummary(_ summary: DeploySummary) throws {
        guard let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
        try GitHubOutputFile.append(summary.markdown(), to: path)
    }
}
