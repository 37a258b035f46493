import AWSCore
import AWSServices
import CISupport
import Config
import Foundation
import Packaging
import Rollout
import Synchronization

/// Reports a deploy through the CI's reporter: progress lines in groups, a timeline, and at
/// the end the outputs (GITHUB_OUTPUT, GitLab dotenv, or lines) and the summary; or, with
/// `--output json`, one document.
final class DeployReport: Sendable {
    let context: CommandContext
    let json: Bool
    private let started = Date()
    private let state = Mutex<(timeline: [DeploySummary.Entry], groupOpen: Bool)>(([], false))

    init(context: CommandContext, json: Bool) {
        self.context = context
        self.json = json
    }

    var reporter: any Reporter { context.reporter }

    func line(_ text: String) {
        if !json { reporter.info(text) }
    }

    /// A line that also goes on the summary's timeline.
    func event(_ text: String, passed: Bool? = nil) {
        let offset = Int(Date().timeIntervalSince(started))
        state.withLock { $0.timeline.append(DeploySummary.Entry(offset: offset, text: text, passed: passed)) }
        if !json {
            if passed == false { reporter.warning(text) } else { reporter.info(text) }
        }
    }

    /// Starts a collapsible phase (closing the previous one).
    func phase(_ title: String) {
        guard !json else { return }
        let wasOpen = state.withLock { s in let open = s.groupOpen; s.groupOpen = true; return open }
        if wasOpen { reporter.endGroup() }
        reporter.beginGroup(title)
    }

    var timeline: [DeploySummary.Entry] { state.withLock { $0.timeline } }

    func finish(outputs: [String: String], exitCode: Int32, message: String, plan: DeployPlan? = nil, reason: String? = nil) {
        let wasOpen = state.withLock { s in let open = s.groupOpen; s.groupOpen = false; return open }
        if wasOpen && !json { reporter.endGroup() }
        let ordered = ["version", "previous-version", "alias", "function", "environment", "sha256", "code-sha256", "s3-key",
                       "s3-version-id", "outcome", "skipped"].compactMap { name in outputs[name].map { (name, $0) } }
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: outputs.merging(["message": message.isEmpty ? (reason ?? "") : message]) { a, _ in a },
                                                    options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            context.output(context.secrets.redact(String(decoding: data, as: UTF8.self)))
            if reporter.kind == .github || reporter.kind == .gitlab { try? reporter.setOutputs(ordered) }
            return
        }
        if exitCode == 0 && !message.isEmpty { reporter.info(message) }
        do {
            try reporter.setOutputs(ordered)
            if let plan {
                try reporter.writeSummary(DeploySummary(
                    outcome: outputs["outcome"] ?? "failed", headline: message.isEmpty ? (reason ?? "failed") : message,
                    function: plan.function, alias: plan.alias, environment: plan.environment,
                    previousVersion: outputs["previous-version"] ?? "", newVersion: outputs["version"] ?? "",
                    sha256: outputs["sha256"] ?? "", s3Key: outputs["s3-key"] ?? "", strategy: plan.strategy.name,
                    timeline: timeline, reason: exitCode == 0 ? nil : reason, runURL: plan.provenance.runURL))
            }
        } catch {
            reporter.warning("Could not write the outputs or summary: \(error)")
        }
    }
}
