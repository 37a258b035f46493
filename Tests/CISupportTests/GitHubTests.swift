import LambdaShiftCore
import AWSCore
@testable import CISupport
import Foundation
import Synchronization
import Testing

/// Captures what a reporter writes.
final class Capture: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var write: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
    var sink: ReportSink { ReportSink(err: write) }
}

/// The runner's reading of GITHUB_OUTPUT (actions/runner's file-command parser): `name=value`
/// lines, or `name<<DELIMITER` then lines up to a line equal to the delimiter.
func parseOutputFile(_ text: String) throws -> [String: String] {
    var result: [String: String] = [:]
    var lines = text.components(separatedBy: "\n")[...]
    while let line = lines.popFirst() {
        if line.isEmpty { continue }
        if let heredoc = line.range(of: "<<"), !line[..<heredoc.lowerBound].contains("=") {
            let name = String(line[..<heredoc.lowerBound])
            let delimiter = String(line[heredoc.upperBound...])
            var value: [String] = []
            while true {
                guard let next = lines.popFirst() else { throw ReporterError("unterminated heredoc for \(name)") }
                if next == delimiter { break }
                value.append(next)
            }
            result[name] = value.joined(separator: "\n")
        } else if let eq = line.firstIndex(of: "=") {
            result[String(line[..<eq])] = String(line[line.index(after: eq)...])
        } else {
            throw ReporterError("bad line \(line)")
        }
    }
    return result
}

@Suite("GitHub Actions: workflow commands, outputs, summary")
struct GitHubTests {
    @Test("escaping, byte for byte as the runner unescapes: % CR LF in data; also : and , in properties")
    func escaping() {
        #expect(WorkflowCommand.escapeData("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b")
        #expect(WorkflowCommand.escapeProperty("a:b,c%\n") == "a%3Ab%2Cc%25%0A")
        #expect(
            WorkflowCommand.format(
                "error", properties: [("title", "Gate: alarms, metrics")], message: "line1\nline2 50%")
                == "::error title=Gate%3A alarms%2C metrics::line1%0Aline2 50%25")
        #expect(WorkflowCommand.format("warning", message: "::not-a-command::") == "::warning::::not-a-command::")
        // Escaping is reversible: the runner's unescape gives the original back.
        let original = "odd %0A already-escaped, text: \r\n%25"
        let escaped = WorkflowCommand.escapeProperty(original)
        let unescaped = escaped.replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
            .replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%2C", with: ",").replacingOccurrences(
                of: "%25", with: "%")
        #expect(unescaped == original)
    }

    @Test("GITHUB_OUTPUT is written with a random delimiter and reads back as the runner reads it")
    func outputs() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gh-output-\(UUID().uuidString)").path
        try "existing=1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let capture = Capture()
        let reporter = GitHubReporter(environment: ["GITHUB_OUTPUT": path], sink: capture.sink)
        let values = [("version", "7"), ("s3-key", "octo/app/fn/v1.2/package.zip"), ("odd", "a=b\nc<<EOF\n%0A")]
        try reporter.setOutputs(values)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let parsed = try parseOutputFile(text)
        #expect(
            parsed == [
                "existing": "1", "version": "7", "s3-key": "octo/app/fn/v1.2/package.zip", "odd": "a=b\nc<<EOF\n%0A",
            ])
        #expect(text.contains("version<<ghadelimiter_"))
        #expect(!text.contains("::set-output"))
        #expect(capture.all.isEmpty)
        #expect(throws: ReporterError.self) {
            try GitHubOutputFile.entry(name: "x", value: "has D in it", delimiter: "D")
        }
    }

    @Test("masking: add-mask comes before any line that could hold the secret; later lines are redacted")
    func masking() {
        let capture = Capture()
        // Through the front, as every command reports: it redacts, the GitHub reporter formats.
        let reporter = RedactingReporter(
            GitHubReporter(environment: [:], sink: capture.sink), secrets: SecretRegistry())
        reporter.mask("s3cr3t-token-value")
        reporter.mask("s3cr3t-token-value")  // once is enough
        // Nothing yet: a command that logs nothing (--version, iam-policy) writes no workflow command.
        #expect(capture.all.isEmpty)
        reporter.info("using token s3cr3t-token-value")
        reporter.mask("second-secret-value")
        reporter.error("failed with s3cr3t-token-value and second-secret-value", title: "Deploy")
        #expect(
            capture.all == [
                "::add-mask::s3cr3t-token-value", "using token ***", "::add-mask::second-secret-value",
                "::error title=Deploy::failed with *** and ***",
            ])
    }

    @Test(
        "issue 35: the front redacts before a reporter formats: a secret a workflow command would escape (% and a newline) is not shown escaped"
    )
    func redactedBeforeFormatting() throws {
        let capture = Capture()
        let reporter = RedactingReporter(
            GitHubReporter(environment: [:], sink: capture.sink), secrets: SecretRegistry())
        reporter.mask("pa%ss\nword-1")
        reporter.warning("login with pa%ss\nword-1 failed")
        reporter.beginGroup("as pa%ss\nword-1")
        let shown = capture.all.filter { !$0.hasPrefix("::add-mask::") }
        #expect(shown == ["::warning::login with *** failed", "::group::as ***"], "\(capture.all)")
        #expect(!shown.joined().contains("pa%25ss%0Aword-1"))
    }

    @Test("stdout is the result: text lines, or exactly one JSON document with typed values and no secret")
    func resultChannel() throws {
        let text = Capture()
        let secrets = SecretRegistry(["hunter2-secret"])
        let clean = RedactingReporter(PlainReporter(kind: .local, sink: Capture().sink), secrets: secrets).clean
        let plain = ResultChannel(json: false, clean: clean, write: text.write)
        plain.line("version=4 hunter2-secret")
        plain.document(["outcome": "deployed"])
        #expect(text.all == ["version=4 ***"])
        let json = Capture()
        let channel = ResultChannel(json: true, clean: clean, write: json.write)
        channel.line("not in JSON mode")
        channel.document([
            "outcome": "deployed", "skipped": false, "exit-code": 0, "weights": .object(["4": .double(0.1)]),
            "error": "quote \" slash / newline\n tab\t bell\u{07} é hunter2-secret", "none": .null,
        ])
        channel.document(["outcome": "failed"])  // a second document never follows the first
        #expect(channel.wroteDocument)
        #expect(
            json.all == [
                #"{"error":"quote \" slash / newline\n tab\t bell\u0007 é ***","exit-code":0,"none":null,"outcome":"deployed","skipped":false,"weights":{"4":0.1}}"#
            ])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.all[0].utf8)) as? [String: Any]
        #expect(parsed?["skipped"] as? Bool == false)
        #expect((parsed?["weights"] as? [String: Double])?["4"] == 0.1)
    }

    func summary(_ outcome: Outcome, headline: String, reason: String? = nil, timeline: [DeploySummary.Entry] = [])
        -> DeploySummary
    {
        DeploySummary(
            outcome: outcome, headline: headline, function: "name-searcher", alias: "live", environment: "production",
            previousVersion: "3", newVersion: outcome == .skipped ? "3" : "4", sha256: "ab12",
            s3Key: "octo/app/name-searcher/abc1234/package.zip",
            strategy: "Canary10Percent5Minutes", timeline: timeline, reason: reason,
            runURL: "https://github.com/octo/app/actions/runs/1")
    }

    @Test("the log-based judge's table and its chart of both versions' duration quantiles")
    func judgedSummary() {
        var rolledBack = summary(.rolledBack, headline: "Rolled back: alias live serves version 3", reason: "duration")
        rolledBack.judged = [
            DeploySummary.JudgedRow(
                weight: "10%", metric: "duration", candidate: "v4: 300, median 130 ms, p99 143 ms",
                stable: "v3: 300, median 100 ms, p99 110 ms", shift: "+30.0% (at least +28.9%)", allowed: "+10.0%",
                verdict: "fail", why: "duration: version 4 median 130 ms vs 100 ms",
                quantiles: [(50, 130, 100), (99, 143, 110)])
        ]
        let markdown = rolledBack.markdown()
        #expect(markdown.contains("#### Canary judged from the function's logs: every invocation"))
        #expect(
            markdown.contains(
                "| 10% | duration | v4: 300, median 130 ms, p99 143 ms | v3: 300, median 100 ms, p99 110 ms | +30.0% (at least +28.9%) | +10.0% | ❌ fail: duration: version 4 median 130 ms vs 100 ms |"
            ), "\(markdown)")
        #expect(
            markdown.contains(
                "    x-axis [\"p50\", \"p99\"]\n    y-axis \"duration (ms)\" 0 --> 172\n    line [130, 143]\n    line [100, 110]"
            ), "\(markdown)")
    }

    @Test("the summary of a deployed run: outcome first, the table, the timeline")
    func deployedSummary() {
        let markdown = summary(
            .deployed, headline: "alias live serves version 4",
            timeline: [
                .init(offset: 0, text: "shifted 10% to version 4"),
                .init(offset: 300, text: "alarms: none in ALARM", passed: true),
                .init(offset: 301, text: "alias live → version 4"),
            ]
        ).markdown()
        #expect(
            markdown == """
                ### ✅ lambda-shift: alias live serves version 4

                | | |
                |---|---|
                | Function | `name-searcher` |
                | Alias | `live` |
                | Environment | `production` |
                | Version | `3 → 4` |
                | SHA-256 | `ab12` |
                | S3 key | `octo/app/name-searcher/abc1234/package.zip` |
                | Strategy | `Canary10Percent5Minutes` |
                | Outcome | `deployed` |

                <details open><summary>Timeline</summary>

                | t | step |
                |---|---|
                | +0s | shifted 10% to version 4 |
                | +300s | ✅ alarms: none in ALARM |
                | +301s | alias live → version 4 |

                </details>

                [Run](https://github.com/octo/app/actions/runs/1)

                """)
    }

    @Test("skipped and rolled-back summaries; untrusted text cannot break out of the table")
    func otherSummaries() {
        let skipped = summary(.skipped, headline: "alias live already serves this code (version 3)").markdown()
        #expect(skipped.hasPrefix("### ⏭️ lambda-shift: alias live already serves this code (version 3)\n"))
        let rolledBack = summary(
            .rolledBack, headline: "rolled back to version 3",
            reason: "alarms: in ALARM: errors|<script>alert(1)</script>\n# injected",
            timeline: [.init(offset: 60, text: "metrics | `x` *y*", passed: false)]
        ).markdown()
        #expect(
            rolledBack.hasPrefix(
                "### ↩️ lambda-shift: rolled back to version 3\n\n> **Reason:** alarms: in ALARM: errors\\|&lt;script&gt;alert(1)&lt;/script&gt; \\# injected\n"
            ))
        #expect(rolledBack.contains("| +60s | ❌ metrics \\| \\`x\\` \\*y\\* |"))
        #expect(!rolledBack.contains("<script>"))
        let huge = summary(
            .deployed, headline: "x",
            timeline: (0..<5000).map { .init(offset: $0, text: String(repeating: "y", count: 100)) }
        ).markdown()
        #expect(huge.utf8.count < 64 * 1024)
    }
}

@Suite("GitLab, CodeBuild and the terminal")
struct OtherCITests {
    @Test("GitLab: the dotenv report with LAMBDA_SHIFT_ names, single-line values, and collapsible sections")
    func gitlab() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let capture = Capture()
        let reporter = GitLabReporter(environment: ["CI_PROJECT_DIR": directory], sink: capture.sink)
        try reporter.setOutputs([("previous-version", "3"), ("outcome", "deployed"), ("odd", "a\nb")])
        let dotenv = try String(contentsOfFile: directory + "/lambda-shift.env", encoding: .utf8)
        #expect(
            dotenv
                == "LAMBDA_SHIFT_PREVIOUS_VERSION=3\nLAMBDA_SHIFT_OUTCOME=deployed\nLAMBDA_SHIFT_ODD=a b\nLAMBDA_SHIFT_OUTPUTS=previous-version,outcome,odd\n"
        )
        reporter.beginGroup("Upload")
        reporter.endGroup()
        let lines = capture.all.suffix(2)
        #expect(
            lines.first?.hasPrefix("\u{1B}[0Ksection_start:") == true
                && lines.first?.hasSuffix(":lambda_shift_1[collapsed=true]\r\u{1B}[0KUpload") == true)
        #expect(
            lines.last?.hasPrefix("\u{1B}[0Ksection_end:") == true
                && lines.last?.hasSuffix(":lambda_shift_1\r\u{1B}[0K") == true)
    }

    @Test("an earlier job's dotenv outputs are not settings: the variables its marker names are dropped, no others")
    func earlierOutputs() {
        let (environment, ignored) = CIEnvironment.withoutEarlierOutputs(
            Environment([
                "LAMBDA_SHIFT_ENVIRONMENT": "staging", "LAMBDA_SHIFT_FUNCTION": "api-staging",
                "LAMBDA_SHIFT_PREVIOUS_VERSION": "1", "LAMBDA_SHIFT_BUCKET": "artifacts", "INPUT_FUNCTION": "api",
                "LAMBDA_SHIFT_OUTPUTS": "environment,function,previous-version,url",
            ]))
        #expect(ignored == ["LAMBDA_SHIFT_ENVIRONMENT", "LAMBDA_SHIFT_FUNCTION", "LAMBDA_SHIFT_PREVIOUS_VERSION"])
        #expect(environment.variables == ["LAMBDA_SHIFT_BUCKET": "artifacts", "INPUT_FUNCTION": "api"])
        // Without a report (a laptop, the first job) every variable is a setting.
        let plain = Environment(["LAMBDA_SHIFT_FUNCTION": "api"])
        #expect(CIEnvironment.withoutEarlierOutputs(plain).0.variables == plain.variables)
    }

    @Test("CodeBuild and plain logs: one greppable line per event, no ANSI")
    func plain() throws {
        let capture = Capture()
        let reporter = RedactingReporter(
            PlainReporter(kind: .codebuild, sink: capture.sink), secrets: SecretRegistry(["hunter22"]))
        reporter.info("uploading\nto s3")
        reporter.warning("alarm already firing")
        reporter.error("gate failed with hunter22", title: "Rollback")
        try reporter.setOutputs([("version", "4")])
        #expect(
            capture.all == [
                "lambda-shift: info: uploading to s3", "lambda-shift: warning: alarm already firing",
                "lambda-shift: error: Rollback: gate failed with ***",
            ])
        #expect(capture.all.allSatisfy { !$0.contains("\u{1B}") })
    }

    @Test("which reporter: by CI variables, colour only on a TTY and without NO_COLOR")
    func selection() {
        let capture = Capture()
        func kind(_ env: [String: String], tty: Bool = false) -> String {
            // Behind the front every command reports through.
            String(
                describing: type(
                    of: Reporters.make(environment: env, sink: capture.sink, secrets: SecretRegistry(), isTerminal: tty)
                        .inner))
        }
        #expect(kind(["GITHUB_ACTIONS": "true"]) == "GitHubReporter")
        #expect(kind(["GITLAB_CI": "true"]) == "GitLabReporter")
        #expect(kind(["CODEBUILD_BUILD_ID": "b:1"]) == "PlainReporter")
        #expect(kind([:], tty: true) == "TerminalReporter")
        let plainTerminal = TerminalReporter(sink: capture.sink, colour: false)
        plainTerminal.warning("careful")
        let colourTerminal = TerminalReporter(sink: capture.sink, colour: true)
        colourTerminal.warning("careful")
        #expect(capture.all.suffix(2) == ["warning: careful", "\u{1B}[33mwarning:\u{1B}[0m careful"])
        let noColour = Reporters.make(
            environment: ["NO_COLOR": "1"], sink: capture.sink, secrets: SecretRegistry(), isTerminal: true)
        noColour.warning("careful")
        #expect(capture.all.last == "warning: careful")
    }
}
