import Foundation

/// GitHub Actions: `::error::`/`::warning::` annotations, `::group::`, `::add-mask::`, outputs
/// in GITHUB_OUTPUT and a Markdown summary in GITHUB_STEP_SUMMARY.
public struct GitHubReporter: Reporter {
    public let kind = CIKind.github
    let environment: [String: String]
    let sink: ReportSink
    let secrets: SecretRegistry

    public init(environment: [String: String], sink: ReportSink, secrets: SecretRegistry) {
        self.environment = environment
        self.sink = sink
        self.secrets = secrets
    }

    public func mask(_ secret: String) {
        // The mask command itself must carry the secret; it is the one line that does.
        if secrets.add(secret) { sink.out(WorkflowCommand.format("add-mask", message: secret)) }
    }

    public func info(_ text: String) { sink.out(secrets.redact(text)) }

    public func warning(_ text: String) { sink.out(WorkflowCommand.format("warning", message: secrets.redact(text))) }

    public func error(_ text: String, title: String?) {
        let properties = title.map { [("title", secrets.redact($0))] } ?? []
        sink.out(WorkflowCommand.format("error", properties: properties, message: secrets.redact(text)))
    }

    public func beginGroup(_ title: String) { sink.out(WorkflowCommand.format("group", message: secrets.redact(title))) }
    public func endGroup() { sink.out("::endgroup::") }

    public func setOutputs(_ outputs: [(String, String)]) throws {
        guard let path = environment["GITHUB_OUTPUT"], !path.isEmpty else {
            for (name, value) in outputs { sink.out(secrets.redact("\(name)=\(value)")) }
            return
        }
        let delimiter = GitHubOutputFile.randomDelimiter()
        var text = ""
        for (name, value) in outputs { text += try GitHubOutputFile.entry(name: name, value: secrets.redact(value), delimiter: delimiter) }
        try GitHubOutputFile.append(text, to: path)
    }

    public func writeSummary(_ summary: DeploySummary) throws {
        guard let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
        try GitHubOutputFile.append(secrets.redact(summary.markdown()), to: path)
    }
}
