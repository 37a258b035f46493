import LambdaShiftCore
import AWSCore
import AWSServices
import CISupport
import Config
import FoundationEssentials
import Packaging
import Pipeline
import Rollout
import Synchronization

/// Reports a deploy through the CI's reporter (stderr): progress lines in groups, a timeline,
/// and at the end the CI's outputs (GITHUB_OUTPUT, GitLab dotenv) and summary. The result goes
/// to stdout: `name=value` lines, or with `--output json` one document.
final class DeployReport: DeployEvents {
    /// PRODUCT.md's outputs, in the order they are printed.
    static let outputNames = [
        "version", "previous-version", "published-version", "alias", "function", "environment", "sha256", "code-sha256",
        "s3-key",
        "s3-version-id", "outcome", "skipped", "url",
    ]
    let context: CommandContext
    private let started = Date()
    private let state = Mutex<(timeline: [DeploySummary.Entry], groupOpen: Bool, finished: Bool)>(([], false, false))

    init(context: CommandContext) {
        self.context = context
    }

    var reporter: any Reporter { context.reporter }

    func line(_ text: String) {
        reporter.info(text)
    }

    func warning(_ text: String) {
        reporter.warning(text)
    }

    /// A line that also goes on the summary's timeline.
    func event(_ text: String, passed: Bool?) {
        let offset = Int(Date().timeIntervalSince(started))
        state.withLock { $0.timeline.append(DeploySummary.Entry(offset: offset, text: text, passed: passed)) }
        if passed == false { reporter.warning(text) } else { reporter.info(text) }
    }

    /// Starts a collapsible phase (closing the previous one).
    func phase(_ title: String) {
        let wasOpen = state.withLock { s in
            let open = s.groupOpen; s.groupOpen = true; return open
        }
        if wasOpen { reporter.endGroup() }
        reporter.beginGroup(title)
    }

    /// Closes the open phase, if any (every path out of a deploy calls this).
    func closePhase() {
        let wasOpen = state.withLock { s in
            let open = s.groupOpen; s.groupOpen = false; return open
        }
        if wasOpen { reporter.endGroup() }
    }

    var timeline: [DeploySummary.Entry] { state.withLock { $0.timeline } }

    /// The outputs as the JSON document has them: `skipped` a boolean, the rest strings.
    static func document(
        outputs: [String: String], exitCode: Int32, sentence: String, analysis: [CanaryStep] = []
    ) -> [String: JSONValue] {
        var members: [String: JSONValue] = ["command": "deploy", "exit-code": .int(Int(exitCode))]
        if !analysis.isEmpty { members["analysis"] = .array(analysis.map(Self.analysisValue)) }
        for name in outputNames {
            guard let value = outputs[name] else { continue }
            members[name] = name == "skipped" ? .bool(value == "true") : .string(value)
        }
        members[exitCode == 0 ? "message" : "error"] = .string(sentence)
        return members
    }

    /// A step of the canary analysis as the JSON document has it: rates as fractions, times in ms.
    static func analysisValue(_ step: CanaryStep) -> JSONValue {
        func side(_ sample: VersionSample) -> JSONValue {
            var members: [String: JSONValue] = [
                "version": .string(sample.version), "invocations": .int(sample.invocations),
                "failures": .int(sample.failures), "error-rate": .double(sample.failureRate),
            ]
            if let p50 = sample.p50 { members["p50-ms"] = .double(p50) }
            if let p99 = sample.p99 { members["p99-ms"] = .double(p99) }
            return .object(members)
        }
        let c = step.comparison
        var members: [String: JSONValue] = [
            "weight-percent": .double(Double(step.weightBasisPoints) / 100), "new": side(c.candidate),
            "stable": side(c.stable), "verdict": .string(c.verdict.rawValue),
            "reasons": .array(c.reasons.map { .string($0) }), "action": .string(step.action),
        ]
        if let p = c.pValue { members["p-value"] = .double(p) }
        return .object(members)
    }

    /// A target of a run over several, as the JSON document and the targets output have it.
    static func targetValue(_ target: TargetResult) -> JSONValue {
        .object([
            "function": .string(target.function), "region": .string(target.region), "alias": .string(target.alias),
            "previous-version": .string(target.previousVersion), "version": .string(target.version),
            "published-version": .string(target.publishedVersion), "outcome": .string(target.outcome),
            "detail": .string(target.detail),
        ])
    }

    /// A failed run's headline, short of the reason the summary gives beside it: what
    /// happened and what the alias serves now.
    static func headline(_ outputs: [String: String]) -> String {
        let word =
            ["rolled-back": "Rolled back", "cancelled": "Cancelled", "failed": "Failed"][outputs["outcome"] ?? ""]
            ?? "Failed"
        guard let alias = outputs["alias"], let served = outputs["version"], !served.isEmpty else { return word }
        return "\(word): alias \(alias) serves version \(served)"
    }

    /// The same steps as the summary's rows.
    static func summaryRows(_ analysis: [CanaryStep]) -> [DeploySummary.CanaryRow] {
        analysis.map { step in
            let c = step.comparison
            func side(_ sample: VersionSample) -> DeploySummary.CanaryRow.Side {
                DeploySummary.CanaryRow.Side(
                    version: sample.version, invocations: sample.invocations,
                    errorRatePercent: sample.failureRate * 100,
                    p50: sample.p50.map(CanaryLimits.milliseconds), p99: sample.p99.map(CanaryLimits.milliseconds))
            }
            return DeploySummary.CanaryRow(
                weight: Strategy.percent(step.weightBasisPoints), candidate: side(c.candidate), stable: side(c.stable),
                verdict: c.verdict.rawValue, why: c.reasons.joined(separator: "; "), action: step.action)
        }
    }

    /// Whether `finish` has run (a run's outputs and summary are written once).
    var finished: Bool { state.withLock { $0.finished } }

    func finish(_ result: DeployResult, plan: DeployPlan? = nil, targets: [TargetResult] = []) {
        let outputs = result.outputs, exitCode = result.exitCode, message = result.message, reason = result.reason
        let first = state.withLock { s in
            defer { s.finished = true }; return !s.finished
        }
        guard first else { return }
        closePhase()
        let ordered = Self.outputNames.compactMap { name in outputs[name].map { (name, $0) } }
        let sentence = message.isEmpty ? (reason ?? "") : message
        // A reporter whose summary is itself the last log line (GitLab, CodeBuild) says it once.
        let summarised = plan != nil && reporter.summaryIsLogLine
        if exitCode == 0 && !message.isEmpty && !summarised { reporter.info(message) }
        var lines = ordered
        if !targets.isEmpty { lines.append(("targets", JSONValue.array(targets.map(Self.targetValue)).rendered())) }
        for (name, value) in lines { context.result.line("\(name)=\(value)") }
        var document = Self.document(
            outputs: outputs, exitCode: exitCode, sentence: sentence, analysis: result.analysis)
        if !targets.isEmpty { document["targets"] = .array(targets.map(Self.targetValue)) }
        context.result.document(document)
        do {
            try reporter.setOutputs(lines)
            if let plan {
                try reporter.writeSummary(
                    DeploySummary(
                        outcome: outputs["outcome"] ?? "failed",
                        headline: message.isEmpty ? Self.headline(outputs) : message,
                        function: targets.isEmpty ? plan.function : "\(targets.count) targets",
                        alias: plan.alias, environment: plan.environment,
                        previousVersion: outputs["previous-version"] ?? "", newVersion: outputs["version"] ?? "",
                        publishedVersion: outputs["published-version"] ?? "",
                        sha256: outputs["sha256"] ?? "", s3Key: outputs["s3-key"] ?? "", strategy: plan.strategy.name,
                        timeline: timeline, reason: exitCode == 0 ? nil : reason, runURL: plan.provenance.runURL,
                        canary: Self.summaryRows(result.analysis),
                        targets: targets))
            }
        } catch {
            reporter.warning("Could not write the outputs or summary: \(error)")
        }
    }
}
