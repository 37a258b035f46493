/// CodeBuild and any plain log: one greppable line per event, `lambda-shift: LEVEL: text`,
/// no ANSI codes.
public struct PlainReporter: Reporter {
    public let kind: CIKind
    let sink: ReportSink

    public init(kind: CIKind, sink: ReportSink) {
        self.kind = kind
        self.sink = sink
    }

    func line(_ level: String, _ text: String) {
        sink.err("lambda-shift: \(level): " + text.replacingAll("\n", with: " "))
    }

    /// CodeBuild has no masking of its own: the front's redaction is all there is.
    public func mask(_ secret: String) {}
    public func info(_ text: String) { line("info", text) }
    public func warning(_ text: String) { line("warning", text) }
    public func error(_ text: String, title: String?) { line("error", title.map { "\($0): \(text)" } ?? text) }
    public func beginGroup(_ title: String) { line("phase", title) }
    public func endGroup() {}
    /// CodeBuild has no outputs file: the `name=value` result on stdout is all there is.
    public func setOutputs(_ outputs: [(String, String)]) throws {}
    public var summaryIsLogLine: Bool { true }

    public func writeSummary(_ summary: DeploySummary) throws {
        line("summary", "\(summary.outcome): \(summary.headline)")
    }
}

/// A person at a terminal, or a local pipe: plain lines, `name=value` outputs; colour (red
/// errors, yellow warnings, bold headings) only on a TTY without NO_COLOR.
public struct TerminalReporter: Reporter {
    public let kind = CIKind.local
    let sink: ReportSink
    let colour: Bool

    public init(sink: ReportSink, colour: Bool) {
        self.sink = sink
        self.colour = colour
    }

    func paint(_ code: String, _ text: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// A terminal masks nothing: the front's redaction is all there is.
    public func mask(_ secret: String) {}
    public func info(_ text: String) { sink.err(text) }
    public func warning(_ text: String) { sink.err(paint("33", "warning:") + " " + text) }
    public func error(_ text: String, title: String?) {
        sink.err(paint("1;31", "error:") + " " + (title.map { $0 + ": " } ?? "") + text)
    }
    public func beginGroup(_ title: String) { if colour { sink.err(paint("1", "▸ " + title)) } }
    public func endGroup() {}
    /// A terminal has no outputs file: the `name=value` result on stdout is all there is.
    public func setOutputs(_ outputs: [(String, String)]) throws {}
    /// The outcome was already said (the closing line or the error); nothing more at a terminal.
    public func writeSummary(_ summary: DeploySummary) throws {}

    /// On a TTY: the status line redrawn in place (`nil` clears it).
    public func progress(_ text: String?) {
        guard colour else { return }
        sink.raw("\r\u{1B}[2K" + (text.map { paint("2", $0) } ?? ""))
    }
}
