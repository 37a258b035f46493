import Pipeline
import Synchronization

/// Every event the pipeline reports, in order.
final class RecordedEvents: DeployEvents {
    let all = Mutex<[String]>([])
    var lines: [String] { all.withLock { $0 } }
    /// As a log shows it (`narrated`): warnings marked, phases as `== title`.
    func record(_ event: DeployEvent) {
        let shown = event.narrated
        let text =
            switch shown.kind {
            case .line, .timeline: shown.text
            case .warning: "warning: " + shown.text
            case .phase: "== " + shown.text
            }
        all.withLock { $0.append(text) }
    }
}
