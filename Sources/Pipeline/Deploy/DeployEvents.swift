/// One thing a deploy says as it goes: a log line, a warning, a timeline entry (the summary's;
/// `passed` marks a gate's verdict) or a phase (a collapsible group). `target` names the target
/// it is about in a run over several (nil for the run itself, and in a run of one); how a target
/// is shown is the report's business (`narrated`), never part of the text.
package struct DeployEvent: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case line
        case warning
        case timeline(passed: Bool?)
        case phase
    }

    package var kind: Kind
    package var text: String
    package var target: String?

    package init(_ kind: Kind, _ text: String, target: String? = nil) {
        self.kind = kind
        self.text = text
        self.target = target
    }

    /// The event as one log shows it, targets side by side: a line or phase of a target as
    /// `[target] text` (targets run at once, so their groups would interleave: a target's phase
    /// is a line), a warning or timeline entry as `target: text`.
    package var narrated: DeployEvent {
        guard let target else { return self }
        switch kind {
        case .line, .phase: return DeployEvent(.line, "[\(target)] \(text)")
        case .warning, .timeline: return DeployEvent(kind, "\(target): \(text)")
        }
    }
}

/// Where a deploy's events go: the CLI's report (the CI's log, the summary's timeline), or a
/// recorder in tests. Nothing in the pipeline writes anywhere else.
package protocol DeployEvents: Sendable {
    func record(_ event: DeployEvent)
}

extension DeployEvents {
    package func line(_ text: String) { record(DeployEvent(.line, text)) }
    package func warning(_ text: String) { record(DeployEvent(.warning, text)) }
    /// A line that also goes on the summary's timeline; `passed` marks a gate's verdict.
    package func event(_ text: String, passed: Bool? = nil) { record(DeployEvent(.timeline(passed: passed), text)) }
    package func phase(_ title: String) { record(DeployEvent(.phase, title)) }

    /// The same events, each marked as about `target`.
    package func about(_ target: String) -> any DeployEvents { TargetEvents(inner: self, target: target) }
}

/// A target's events in a run over several: each carries the target.
struct TargetEvents: DeployEvents {
    let inner: any DeployEvents
    let target: String

    func record(_ event: DeployEvent) {
        var marked = event
        marked.target = target
        inner.record(marked)
    }
}
