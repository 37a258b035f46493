import LambdaShiftCore
import FoundationEssentials

/// What a deploy did, for the CI's summary: the outcome first, then where, what and how.
package struct DeploySummary: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        /// Seconds since the deploy started.
        package var offset: Int
        package var text: String
        /// For gate results: whether the gate passed.
        package var passed: Bool?

        package init(offset: Int, text: String, passed: Bool? = nil) {
            self.offset = offset
            self.text = text
            self.passed = passed
        }
    }

    package var outcome: Outcome
    package var headline: String
    package var function: String
    package var alias: String
    package var environment: String
    package var previousVersion: String
    /// The version the alias serves when the run ends.
    package var newVersion: String
    /// The version the run published ("" when none): differs from `newVersion` after a rollback.
    package var publishedVersion: String
    package var sha256: String
    package var s3Key: String
    /// An image function's image, pinned by digest ("" for a zip).
    package var image: String = ""
    package var strategy: String
    package var timeline: [Entry]
    package var reason: String?
    package var runURL: String?
    /// The canary analysis, a row per weighted step (empty without comparative gates).
    package var canary: [CanaryRow]
    /// The log-based judge's metrics, a row per metric and step.
    package var judged: [JudgedRow] = []
    /// A deploy of several targets: a row per target.
    package var targets: [TargetRow]
    /// A detached rollout: every step, those done and those to come.
    package var rollout: [RolloutStepRow] = []
    /// The stable and new versions run different runtime versions: said above the analysis.
    package var runtimeDrift: String = ""

    /// A target of a run over several, as every report shows it.
    package struct TargetRow: Sendable, Equatable {
        /// `function (region)`, as the run's sentences name a target.
        package var label: String { region.isEmpty ? function : "\(function) (\(region))" }

        package var function: String
        package var region: String
        package var alias: String
        package var previousVersion: String
        /// The version the alias serves when the run ends ("" when that is not known).
        package var version: String
        /// The version this run published for the target ("" when it published none).
        package var publishedVersion: String
        /// deployed, skipped, rolled-back (moved, then restored), not-moved (prepared, never
        /// shifted), cancelled, failed.
        package var outcome: Outcome
        package var detail: String

        package init(
            function: String, region: String, alias: String = "", previousVersion: String, version: String,
            publishedVersion: String = "", outcome: Outcome, detail: String
        ) {
            self.function = function
            self.region = region
            self.alias = alias
            self.previousVersion = previousVersion
            self.version = version
            self.publishedVersion = publishedVersion
            self.outcome = outcome
            self.detail = detail
        }
    }

    /// One metric of a step as the log-based judge saw it, as text ready for the table, and the
    /// duration quantiles (p10 … p99 of each version) for the chart.
    package struct JudgedRow: Sendable, Equatable {
        package var weight: String
        package var metric: String
        package var candidate: String
        package var stable: String
        package var shift: String
        package var allowed: String
        package var verdict: String
        package var why: String
        package var quantiles: [(q: Int, candidate: Double, stable: Double)]

        package init(
            weight: String, metric: String, candidate: String, stable: String, shift: String, allowed: String,
            verdict: String, why: String, quantiles: [(q: Int, candidate: Double, stable: Double)] = []
        ) {
            self.weight = weight
            self.metric = metric
            self.candidate = candidate
            self.stable = stable
            self.shift = shift
            self.allowed = allowed
            self.verdict = verdict
            self.why = why
            self.quantiles = quantiles
        }

        package static func == (a: JudgedRow, b: JudgedRow) -> Bool {
            a.weight == b.weight && a.metric == b.metric && a.candidate == b.candidate && a.stable == b.stable
                && a.shift == b.shift && a.allowed == b.allowed && a.verdict == b.verdict && a.why == b.why
                && a.quantiles.map(\.q) == b.quantiles.map(\.q)
                && a.quantiles.map(\.candidate) == b.quantiles.map(\.candidate)
                && a.quantiles.map(\.stable) == b.quantiles.map(\.stable)
        }
    }

    /// One step of the canary analysis, as text ready for the table.
    package struct CanaryRow: Sendable, Equatable {
        package struct Side: Sendable, Equatable {
            package var version: String
            package var invocations: Int
            package var errorRatePercent: Double
            package var p50: String?
            package var p99: String?

            package init(version: String, invocations: Int, errorRatePercent: Double, p50: String?, p99: String?) {
                self.version = version
                self.invocations = invocations
                self.errorRatePercent = errorRatePercent
                self.p50 = p50
                self.p99 = p99
            }
        }
        package var weight: String
        package var candidate: Side
        package var stable: Side
        package var verdict: String
        package var why: String
        package var action: String

        package init(weight: String, candidate: Side, stable: Side, verdict: String, why: String, action: String) {
            self.weight = weight
            self.candidate = candidate
            self.stable = stable
            self.verdict = verdict
            self.why = why
            self.action = action
        }
    }

    package init(
        outcome: Outcome, headline: String, function: String, alias: String, environment: String,
        previousVersion: String,
        newVersion: String, publishedVersion: String = "", sha256: String, s3Key: String, strategy: String,
        timeline: [Entry], reason: String? = nil,
        runURL: String? = nil, canary: [CanaryRow] = [], judged: [JudgedRow] = [], targets: [TargetRow] = []
    ) {
        self.outcome = outcome
        self.headline = headline
        self.function = function
        self.alias = alias
        self.environment = environment
        self.previousVersion = previousVersion
        self.newVersion = newVersion
        self.publishedVersion = publishedVersion
        self.sha256 = sha256
        self.s3Key = s3Key
        self.strategy = strategy
        self.timeline = timeline
        self.reason = reason
        self.runURL = runURL
        self.canary = canary
        self.judged = judged
        self.targets = targets
    }

    /// The version row: `5 → 6` when the run moved the alias to what it published, `6 (rolled
    /// back to 5)` when it published 6 and the alias serves 5 again, the served version alone
    /// otherwise.
    static func versions(previous: String, served: String, published: String) -> String {
        if !published.isEmpty && published != served {
            return served.isEmpty
                ? "\(published) (the alias's state is not known)" : "\(published) (rolled back to \(served))"
        }
        return previous.isEmpty || previous == served ? served : "\(previous) → \(served)"
    }

    static func icon(_ outcome: Outcome) -> String {
        switch outcome {
        case .deployed, .promoted, .cleaned, .ok: "✅"
        case .skipped, .nothingToDo, .wouldSkip: "⏭️"
        case .rolledBack, .revertedByOperator: "↩️"
        case .cancelled: "⏹️"
        case .failed: "❌"
        case .notMoved, .waiting: "⏸️"
        case .inProgress: "⏳"
        case .wouldDeploy: "ℹ️"
        }
    }

    /// GitHub-flavoured Markdown. Text that comes from outside (names, reasons, versions) is
    /// escaped so it cannot break the table or inject markup; at most 200 timeline rows, far
    /// under the runner's 1 MiB limit.
    package func markdown() -> String {
        var out = "### \(Self.icon(outcome)) lambda-shift: \(Self.escape(headline))\n\n"
        if let reason { out += "> **Reason:** \(Self.escape(reason))\n\n" }
        if !runtimeDrift.isEmpty { out += "> ⚠️ **Runtime versions differ:** \(Self.escape(runtimeDrift))\n\n" }
        out += "| | |\n|---|---|\n"
        let rows: [(String, String)] = [
            ("Function", function), ("Alias", alias), ("Environment", environment),
            ("Version", Self.versions(previous: previousVersion, served: newVersion, published: publishedVersion)),
            ("SHA-256", sha256), ("S3 key", s3Key), ("Image", image), ("Strategy", strategy),
            ("Outcome", outcome.word),
        ]
        for (name, value) in rows where !value.isEmpty {
            out += "| \(name) | `\(Self.escapeCode(value))` |\n"
        }
        if !targets.isEmpty {
            out += "\n| target | region | version | outcome |\n|---|---|---|---|\n"
            for row in targets.prefix(200) {
                let version = Self.versions(
                    previous: row.previousVersion, served: row.version, published: row.publishedVersion)
                out += "| `\(Self.escapeCode(row.function))` | \(Self.escape(row.region)) | \(Self.escape(version))"
                out += " | \(Self.icon(row.outcome)) \(Self.escape(row.outcome.word)) |\n"
            }
        }
        if !canary.isEmpty { out += canaryMarkdown() }
        if !judged.isEmpty { out += judgedMarkdown() }
        if !rollout.isEmpty { out += rolloutMarkdown() }
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

    /// The canary analysis: a table (weight, each version's calls, error rate and p99, the
    /// verdict and why) and a Mermaid chart of the new version's weight and both error rates
    /// over the steps (GitHub renders Mermaid in job summaries).
    func canaryMarkdown() -> String {
        func rate(_ value: Double) -> String { Decimals.text(value) + "%" }
        var out = "\n#### Canary analysis: new version vs stable, same minutes\n\n"
        out +=
            "| weight | new: calls | new: errors | new: p99 | stable: calls | stable: errors | stable: p99 | verdict |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        for row in canary.prefix(100) {
            let icon = ["pass": "✅", "fail": "❌", "inconclusive": "❔"][row.verdict] ?? ""
            out +=
                "| \(Self.escape(row.weight)) | \(row.candidate.invocations) | \(rate(row.candidate.errorRatePercent))"
            out += " | \(Self.escape(row.candidate.p99 ?? "–")) | \(row.stable.invocations)"
            out += " | \(rate(row.stable.errorRatePercent)) | \(Self.escape(row.stable.p99 ?? "–"))"
            out += " | \(icon) \(Self.escape(row.verdict)): \(Self.escape(row.why)); \(Self.escape(row.action)) |\n"
        }
        let labels = canary.prefix(100).enumerated().map {
            "\"\($0.offset + 1): \(Self.mermaidText($0.element.weight))\""
        }
        let highest = canary.flatMap { [$0.candidate.errorRatePercent, $0.stable.errorRatePercent] }.max() ?? 0
        out += "\n```mermaid\nxychart-beta\n"
        out += "    title \"Error rate per step (%): new version (first line) vs stable (second line)\"\n"
        out += "    x-axis \"step: new version's weight\" [\(labels.joined(separator: ", "))]\n"
        out += "    y-axis \"error rate (%)\" 0 --> \(Decimals.text(max(1, (highest * 1.2).rounded(.up))))\n"
        out +=
            "    line [\(canary.prefix(100).map { Decimals.text($0.candidate.errorRatePercent) }.joined(separator: ", "))]\n"
        out +=
            "    line [\(canary.prefix(100).map { Decimals.text($0.stable.errorRatePercent) }.joined(separator: ", "))]\n"
        out += "```\n"
        return out
    }

    /// The log-based judge: a table per judged metric (each version's invocations, median and
    /// p99, the shift with its bound, the allowance, the verdict) and a Mermaid chart of both
    /// versions' duration quantiles at the last judged step.
    func judgedMarkdown() -> String {
        var out = "\n#### Canary judged from the function's logs: every invocation\n\n"
        out += "| weight | metric | new | stable | shift (bound) | allowed | verdict |\n|---|---|---|---|---|---|---|\n"
        for row in judged.prefix(200) {
            let icon = ["pass": "✅", "fail": "❌", "inconclusive": "❔"][row.verdict] ?? ""
            out += "| \(Self.escape(row.weight)) | \(Self.escape(row.metric)) | \(Self.escape(row.candidate))"
            out += " | \(Self.escape(row.stable)) | \(Self.escape(row.shift)) | \(Self.escape(row.allowed))"
            out += " | \(icon) \(Self.escape(row.verdict)): \(Self.escape(row.why)) |\n"
        }
        guard let last = judged.last(where: { !$0.quantiles.isEmpty }) else { return out }
        let highest = last.quantiles.flatMap { [$0.candidate, $0.stable] }.max() ?? 1
        out += "\n```mermaid\nxychart-beta\n"
        out +=
            "    title \"Duration quantiles (ms) at \(Self.mermaidText(last.weight)): new version (first line) vs stable (second line)\"\n"
        out += "    x-axis [\(last.quantiles.map { "\"p\($0.q)\"" }.joined(separator: ", "))]\n"
        out += "    y-axis \"duration (ms)\" 0 --> \(Decimals.text((highest * 1.2).rounded(.up)))\n"
        out += "    line [\(last.quantiles.map { Decimals.text($0.candidate, decimals: 2) }.joined(separator: ", "))]\n"
        out += "    line [\(last.quantiles.map { Decimals.text($0.stable, decimals: 2) }.joined(separator: ", "))]\n"
        out += "```\n"
        return out
    }

    /// A detached rollout across all its runs: each step's weight, bake and state, and a Mermaid
    /// chart of the new version's weight, planned (line) and reached so far (bars).
    func rolloutMarkdown() -> String {
        var out = "\n#### Detached rollout: every step\n\n| step | weight | bake | state |\n|---|---|---|---|\n"
        let icons: [RolloutStepRow.State: String] = [.passed: "✅", .current: "⏳", .pending: "·", .failed: "❌"]
        for (index, row) in rollout.prefix(100).enumerated() {
            out +=
                "| \(index + 1) | \(Self.escape(row.weight)) | \(row.bakeSeconds)s | \(icons[row.state] ?? "") \(row.state.rawValue) |\n"
        }
        let steps = rollout.prefix(100)
        let labels = steps.enumerated().map { "\"\($0.offset + 1): \(Self.mermaidText($0.element.weight))\"" }
        out += "\n```mermaid\nxychart-beta\n"
        out += "    title \"New version's weight per step (%): planned (line), reached (bars)\"\n"
        out += "    x-axis \"step\" [\(labels.joined(separator: ", "))]\n"
        out += "    y-axis \"weight (%)\" 0 --> 100\n"
        out +=
            "    bar [\(steps.map { $0.state == .pending ? "0" : Decimals.text($0.percent) }.joined(separator: ", "))]\n"
        out += "    line [\(steps.map { Decimals.text($0.percent) }.joined(separator: ", "))]\n"
        out += "```\n"
        return out
    }

    /// Text inside a Mermaid string: no quotes, brackets or line breaks.
    static func mermaidText(_ text: String) -> String { text.filter { !"\"[]\n\r`".contains($0) } }

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

/// One step of a detached rollout, for the summary across all its runs.
package struct RolloutStepRow: Sendable, Equatable {
    package enum State: String, Sendable, Equatable {
        case passed, current, pending
        case failed
    }
    /// `10%`, `100%`, `100% (bake)`.
    package var weight: String
    package var percent: Double
    package var bakeSeconds: Int
    package var state: State

    package init(weight: String, percent: Double, bakeSeconds: Int, state: State) {
        self.weight = weight
        self.percent = percent
        self.bakeSeconds = bakeSeconds
        self.state = state
    }
}

extension DeploySummary {
    /// The same summary with `transform` applied to every text it shows (the front's redaction:
    /// fields are cleaned before any reporter renders them).
    package func mapText(_ transform: (String) -> String) -> DeploySummary {
        var copy = self
        copy.headline = transform(headline)
        copy.function = transform(function)
        copy.alias = transform(alias)
        copy.environment = transform(environment)
        copy.previousVersion = transform(previousVersion)
        copy.newVersion = transform(newVersion)
        copy.publishedVersion = transform(publishedVersion)
        copy.sha256 = transform(sha256)
        copy.s3Key = transform(s3Key)
        copy.image = transform(image)
        copy.strategy = transform(strategy)
        copy.reason = reason.map(transform)
        copy.runURL = runURL.map(transform)
        copy.timeline = timeline.map { entry in
            var entry = entry
            entry.text = transform(entry.text)
            return entry
        }
        copy.targets = targets.map { row in
            var row = row
            row.function = transform(row.function)
            row.region = transform(row.region)
            row.alias = transform(row.alias)
            row.detail = transform(row.detail)
            return row
        }
        copy.judged = judged.map { row in
            var row = row
            row.candidate = transform(row.candidate)
            row.stable = transform(row.stable)
            row.why = transform(row.why)
            return row
        }
        copy.canary = canary.map { row in
            var row = row
            row.verdict = transform(row.verdict)
            row.why = transform(row.why)
            row.action = transform(row.action)
            return row
        }
        return copy
    }
}
