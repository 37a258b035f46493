import LambdaShiftCore
import CISupport
import Config
import FoundationEssentials
import Packaging
import Synchronization

/// Reports a deploy through the CI's reporter (stderr): progress lines in groups, a timeline,
/// and at the end the CI's outputs (GITHUB_OUTPUT, GitLab dotenv) and summary. The result goes
/// to stdout: `name=value` lines, or with `--output json` one document.
package final class DeployReport: DeployEvents {
    let context: CommandContext
    /// `deploy` or `advance`: the JSON document's command.
    let command: String
    private let started = Date()
    private let state = Mutex<(timeline: [DeploySummary.Entry], groupOpen: Bool, finished: Bool)>(([], false, false))

    package init(context: CommandContext, command: String = "deploy") {
        self.context = context
        self.command = command
    }

    var reporter: any Reporter { context.reporter }

    /// Shows an event in the CI's log (a target's as `narrated` says), and a timeline entry
    /// also on the summary's timeline.
    package func record(_ event: DeployEvent) {
        let shown = event.narrated
        switch shown.kind {
        case .line: reporter.info(shown.text)
        case .warning: reporter.warning(shown.text)
        case .timeline(let passed):
            let offset = Int(Date().timeIntervalSince(started))
            state.withLock { $0.timeline.append(DeploySummary.Entry(offset: offset, text: shown.text, passed: passed)) }
            if passed == false { reporter.warning(shown.text) } else { reporter.info(shown.text) }
        case .phase:
            // Starts a collapsible phase (closing the previous one).
            let wasOpen = state.withLock { s in
                let open = s.groupOpen; s.groupOpen = true; return open
            }
            if wasOpen { reporter.endGroup() }
            reporter.beginGroup(shown.text)
        }
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
    static func document(_ result: DeployResult, sentence: String, command: String = "deploy") -> [String: JSONValue] {
        let outputs = result.outputs
        var members = outputs.members
        if !result.analysis.isEmpty { members["analysis"] = .array(result.analysis.map(\.value)) }
        if !result.judged.isEmpty { members["log-analysis"] = .array(result.judged.map(\.value)) }
        if !result.hooks.isEmpty { members["hooks"] = .array(result.hooks.map(\.value)) }
        if let drift = result.runtimeDrift { members["runtime-drift"] = drift.value }
        var document = CommandResult(command: command, outcome: outputs.outcome, lines: [], members: members).document
        // A deploy's document always says why it ended, in a message or an error ("" for none).
        document[outputs.outcome.succeeded ? "message" : "error"] = .string(sentence)
        return document
    }

    /// A target of a run over several, as the JSON document and the targets output have it.
    static func targetValue(_ target: TargetResult) -> JSONValue {
        .object([
            "function": .string(target.function), "region": .string(target.region), "alias": .string(target.alias),
            "previous-version": .string(target.previousVersion), "version": .string(target.version),
            "published-version": .string(target.publishedVersion), "outcome": .string(target.outcome.word),
            "detail": .string(target.detail),
        ])
    }

    /// A failed run's headline, short of the reason the summary gives beside it: what
    /// happened and what the alias serves now.
    static func headline(_ outputs: DeployOutputs) -> String {
        let word =
            switch outputs.outcome {
            case .rolledBack: "Rolled back"
            case .cancelled: "Cancelled"
            default: "Failed"
            }
        guard let alias = outputs.alias, let served = outputs.version, !served.isEmpty else { return word }
        return "\(word): alias \(alias) serves version \(served)"
    }

    /// Whether `finish` has run (a run's outputs and summary are written once).
    var finished: Bool { state.withLock { $0.finished } }

    func finish(_ result: DeployResult, plan: DeployPlan? = nil, targets: [TargetResult] = []) {
        let outputs = result.outputs, succeeded = result.outcome.succeeded, message = result.message
        let reason = result.reason
        let first = state.withLock { s in
            defer { s.finished = true }; return !s.finished
        }
        guard first else { return }
        closePhase()
        let sentence = message.isEmpty ? (reason ?? "") : message
        // A reporter whose summary is itself the last log line (GitLab, CodeBuild) says it once.
        let summarised = plan != nil && reporter.summaryIsLogLine
        if succeeded && !message.isEmpty && !summarised { reporter.info(message) }
        var lines = outputs.pairs.map { ($0.name, $0.value) }
        if !targets.isEmpty { lines.append(("targets", JSONValue.array(targets.map(Self.targetValue)).rendered())) }
        for (name, value) in lines { context.result.line("\(name)=\(value)") }
        var document = Self.document(result, sentence: sentence, command: command)
        if !targets.isEmpty { document["targets"] = .array(targets.map(Self.targetValue)) }
        context.result.document(document)
        do {
            try reporter.setOutputs(lines)
            if let plan {
                var summary = DeploySummary(
                    outcome: outputs.outcome,
                    headline: message.isEmpty ? Self.headline(outputs) : message,
                    function: targets.isEmpty ? plan.function : "\(targets.count) targets",
                    alias: plan.alias, environment: plan.environment,
                    previousVersion: outputs.previousVersion ?? "", newVersion: outputs.version ?? "",
                    publishedVersion: outputs.publishedVersion ?? "",
                    sha256: outputs.sha256 ?? "", s3Key: outputs.s3Key ?? "", strategy: plan.strategy.name,
                    timeline: timeline, reason: succeeded ? nil : reason, runURL: plan.provenance.runURL,
                    canary: result.analysis.map(\.summaryRow),
                    judged: result.judged.flatMap(\.summaryRows),
                    targets: targets)
                summary.image = outputs.imageUri ?? ""
                summary.rollout = result.rollout
                summary.runtimeDrift = result.runtimeDrift?.sentence ?? ""
                try reporter.writeSummary(summary)
            }
        } catch {
            reporter.warning("Could not write the outputs or summary: \(error)")
        }
    }
}
