import AWSCore
@testable import CISupport
import TestSupport
import Testing

@Suite("Bake countdown")
struct CountdownTests {
    @Test("a terminal sees the time left redrawn in place, then cleared; CI logs see nothing")
    func countdown() async throws {
        let capture = Capture()
        let raw = Capture()
        let sink = ReportSink(err: capture.write, raw: raw.write)
        let terminal = TerminalReporter(sink: sink, colour: true)
        let inner = RecordingSleeper()
        try await CountdownSleeper(inner: inner, reporter: terminal).sleep(seconds: 2.5)
        #expect(inner.recorded == [1, 1, 0.5])
        #expect(
            raw.all == [
                "\r\u{1B}[2K\u{1B}[2mbaking: 3s left\u{1B}[0m", "\r\u{1B}[2K\u{1B}[2mbaking: 2s left\u{1B}[0m",
                "\r\u{1B}[2K\u{1B}[2mbaking: 1s left\u{1B}[0m", "\r\u{1B}[2K",
            ])
        let github = GitHubReporter(environment: [:], sink: sink)
        try await CountdownSleeper(inner: inner, reporter: github).sleep(seconds: 2)
        #expect(raw.all.count == 4)
        #expect(capture.all.isEmpty)
    }
}
