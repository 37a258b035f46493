import LambdaShiftCore
import FoundationEssentials

/// GitLab CI: collapsible sections, plain annotations, and the outputs as a dotenv report
/// (`lambda-shift.env` in CI_PROJECT_DIR, for `artifacts: reports: dotenv`), each named
/// `LAMBDA_SHIFT_` + the output upper-cased with `_` for `-`.
/// https://docs.gitlab.com/ci/jobs/job_logs/#custom-collapsible-sections
package struct GitLabReporter: Reporter {
    package let kind = CIKind.gitlab
    package static let dotenvName = "lambda-shift.env"
    let environment: [String: String]
    let sink: ReportSink
    private let sections = SectionCounter()

    package init(environment: [String: String], sink: ReportSink) {
        self.environment = environment
        self.sink = sink
    }

    /// GitLab masks only the variables it was told to: the front's redaction is all there is.
    package func mask(_ secret: String) {}
    package func info(_ text: String) { sink.err(text) }
    package func warning(_ text: String) { sink.err("\u{1B}[0;33mWARNING: \(text)\u{1B}[0m") }
    package func error(_ text: String, title: String?) {
        sink.err("\u{1B}[0;31mERROR: \(title.map { $0 + ": " } ?? "")\(text)\u{1B}[0m")
    }

    package func beginGroup(_ title: String) {
        let name = sections.open()
        let now = Int(Date().timeIntervalSince1970)
        sink.err("\u{1B}[0Ksection_start:\(now):\(name)[collapsed=true]\r\u{1B}[0K\(title)")
    }

    package func endGroup() {
        guard let name = sections.close() else { return }
        sink.err("\u{1B}[0Ksection_end:\(Int(Date().timeIntervalSince1970)):\(name)\r\u{1B}[0K")
    }

    package func setOutputs(_ outputs: [(String, String)]) throws {
        let directory = environment["CI_PROJECT_DIR"] ?? FileManager.default.currentDirectoryPath
        try Data(Self.dotenv(outputs).utf8)
            .write(to: URL(fileURLWithPath: directory).appendingPathComponent(Self.dotenvName))
    }

    /// `LAMBDA_SHIFT_NAME=value` lines; values are single-line (GitLab's dotenv allows no more).
    /// A last line, `LAMBDA_SHIFT_OUTPUTS`, lists the names written: GitLab hands an earlier
    /// job's dotenv report to every later job, and `LAMBDA_SHIFT_FUNCTION` there is an output
    /// of that job, not a setting of this one (see `CIEnvironment.withoutEarlierOutputs`).
    package static func dotenv(_ outputs: [(String, String)]) -> String {
        let lines = outputs.map { name, value in
            variable(name) + "=" + value.replacingAll("\r", with: " ").replacingAll("\n", with: " ") + "\n"
        }
        guard !outputs.isEmpty else { return "" }
        return lines.joined() + CIEnvironment.outputsMarker + "=" + outputs.map(\.0).joined(separator: ",") + "\n"
    }

    /// The dotenv name of an output: `previous-version` is `LAMBDA_SHIFT_PREVIOUS_VERSION`.
    package static func variable(_ output: String) -> String {
        lambdaShiftVariable(output)
    }

    package var summaryIsLogLine: Bool { true }

    package func writeSummary(_ summary: DeploySummary) throws {
        sink.err("lambda-shift: \(summary.outcome): \(summary.headline)")
    }
}

/// Names GitLab sections uniquely within a run.
final class SectionCounter: Sendable {
    private let state = Mutex<(next: Int, open: [String])>((0, []))
    func open() -> String {
        state.withLock { s in
            s.next += 1; let name = "lambda_shift_\(s.next)"; s.open.append(name); return name
        }
    }
    func close() -> String? { state.withLock { $0.open.popLast() } }
}

import Synchronization
