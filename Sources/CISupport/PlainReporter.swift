/// CodeBuild and any plain log: one greppable line per event, `lambda-shift: LEVEL: text`,
/// no ANSI codes.
package struct PlainReporter: Reporter {
    package let kind: CIKind
    let sink: ReportSink

    package init(kind: CIKind, sink: ReportSink) {
        self.kind = kind
        self.sink = sink
    }

    func line(_ level: String, _ text: String) {
        sink.err("lambda-shift: \(level): " + text.replacingAll("\n", with: " "))
    }

    /// CodeBuild has no masking of its own: the front's redaction is all there is.
    package func mask(_ secret: String) {}
    package func info(_ text: String) { line("info", text) }
    package func warning(_ text: String) { line("warning", text) }
    package func error(_ text: String, title: String?) { line("error", title.map { "\($0): \(text)" } ?? text) }
    package func beginGroup(_ title: String) { line("phase", title) }
    package func endGroup() {}
    /// CodeBuild has no outputs file: the `name=value` result on stdout is all there is.
    package func setOutputs(_ outputs: [(String, String)]) throws {}
    package var summaryIsLogLine: Bool { true }

    package func writeSummary(_ summary: DeploySummary) throws {
        line("summary", "\(summary.outcome): \(summary.headline)")
    }
}

/// A person at a terminal, or a local pipe: plain lines, `name=value` outputs; colour (red
/// errors, yellow warnings, bold headings) only on a TTY without NO_COLOR.
package struct TerminalReporter: Reporter {
    package let kind = CIKind.local
    let sink: ReportSink
    let colour: Bool

    package init(sink: ReportSink, colour: Bool) {
        self.sink = sink
        self.colour = colour
    }

    func paint(_ code: String, _ text: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// A terminal masks nothing: the front's redaction is all there is.
    package func mask(_ secret: String) {}
    package func info(_ text: String) { sink.err(text) }
    package func warning(_ text: String) { sink.err(paint("33", "warning:") + " " + text) }
    package func error(_ text: String, title: String?) {
        sink.err(paint("1;31", "error:") + " " + (title.map { $0 + ": " } ?? "") + text)
    }
    package func beginGroup(_ title: String) { if colour { sink.err(paint("1", "▸ " + title)) } }
    package func endGroup() {}
    /// A terminal has no outputs file: the `name=value` result on stdout is all there is.
    package func setOutputs(_ outputs: [(String, String)]) throws {}
    /// The outcome was already said (the closing line or the error); nothing more at a terminal.
    package func writeSummary(_ summary: DeploySummary) throws {}

    /// On a TTY: the status line redrawn in place (`nil` clears it).
    package func progress(_ text: String?) {
        guard colour else { return }
        sink.raw("\r\u{1B}[2K" + (text.map { paint("2", $0) } ?? ""))
    }
}
