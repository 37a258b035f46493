/// CodeBuild and any plain log: one greppable line per event, `lambda-shift: LEVEL: text`,
/// no ANSI codes.
public struct PlainReporter: Reporter {
    public let kind: CIKind
    let sink: ReportSink
    let secrets: SecretRegistry

    public init(kind: CIKind, sink: ReportSink, secrets: SecretRegistry) {
        self.kind = kind
        self.sink = sink
        self.secrets = secrets
    }

    func line(_ level: String, _ text: String) {
        sink.out("lambda-shift: \(level): " + secrets.redact(text).replacingOccurrences(of: "\n", with: " "))
    }

    public func mask(_ secret: String) { secrets.add(secret) }
    public func info(_ text: String) { line("info", text) }
    public func warning(_ text: String) { line("warning", text) }
    public func error(_ text: String, title: String?) { line("error", title.map { "\($0): \(text)" } ?? text) }
    public func beginGroup(_ title: String) { line("phase", title) }
    public func endGroup() {}
    public func setOutputs(_ outputs: [(String, String)]) throws {
        for (name, value) in outputs { line("output", "\(name)=\(value)") }
    }
    public func writeSummary(_ summary: DeploySummary) throws {
        line("summary", "\(summary.outcome): \(summary.headline)")
    }
}

/// A person at a terminal: colour (red errors, yellow warnings, bold headings); NO_COLOR and
/// non-TTY output get PlainReporter instead.
public struct TerminalReporter: Reporter {
    public let kind = CIKind.local
    let sink: ReportSink
    let secrets: SecretRegistry

    public init(sink: ReportSink, secrets: SecretRegistry) {
        self.sink = sink
        self.secrets = secrets
    }

    public func mask(_ secret: String) { secrets.add(secret) }
    public func info(_ text: String) { sink.out(secrets.redact(text)) }
    public func warning(_ text: String) { sink.out("\u{1B}[33mwarning:\u{1B}[0m " + secrets.redact(text)) }
    public func error(_ text: String, title: String?) {
        sink.out("\u{1B}[1;31merror:\u{1B}[0m " + (title.map { "\u{1B}[1m\(secrets.redact($0))\u{1B}[0m: " } ?? "") + secrets.redact(text))
    }
    public func beginGroup(_ title: String) { sink.out("\u{1B}[1m▸ \(secrets.redact(title))\u{1B}[0m") }
    public func endGroup() {}
    public func setOutputs(_ outputs: [(String, String)]) throws {
        for (name, value) in outputs { sink.out("\u{1B}[2m\(name)=\u{1B}[0m" + secrets.redact(value)) }
    }
    public func writeSummary(_ summary: DeploySummary) throws {
        sink.out("\u{1B}[1m" + secrets.redact(summary.headline) + "\u{1B}[0m")
    }
}
