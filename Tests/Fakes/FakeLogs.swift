import AWSCore
import AWSServices
import Ports
import Synchronization

/// CloudWatch Logs in memory: events per group, filtered on the two patterns the log-based
/// judge sends (a quoted term, and `{ $.type = "platform.report" }`), paged.
package final class FakeLogs: LogsAPI {
    private let state = Mutex<(groups: [String: [LogEvent]], reads: Int, denied: Bool)>(([:], 0, false))
    package let pageSize: Int

    package init(pageSize: Int = 1000) { self.pageSize = pageSize }

    package var reads: Int { state.withLock { $0.reads } }

    /// Refuse every read with AccessDeniedException.
    package func deny() { state.withLock { $0.denied = true } }

    package func append(group: String, stream: String, timestamp: Int64, message: String) {
        state.withLock { s in
            let id = "\(s.groups[group, default: []].count)-\(stream)"
            s.groups[group, default: []].append(
                LogEvent(eventId: id, stream: stream, timestamp: timestamp, message: message))
        }
    }

    package func filterLogEvents(
        group: String, start: Int64, end: Int64, pattern: String, nextToken: String?, limit: Int
    ) async throws -> LogPage {
        try state.withLock { s in
            s.reads += 1
            if s.denied {
                throw AWSServiceError(
                    service: "CloudWatch Logs", operation: "FilterLogEvents", code: "AccessDeniedException",
                    message: "not authorized to perform logs:FilterLogEvents", status: 400, requestId: nil)
            }
            guard let events = s.groups[group] else {
                throw AWSServiceError(
                    service: "CloudWatch Logs", operation: "FilterLogEvents", code: "ResourceNotFoundException",
                    message: "The specified log group does not exist.", status: 400, requestId: nil)
            }
            let matching = events.filter { event in
                guard event.timestamp >= start && event.timestamp <= end else { return false }
                if pattern.hasPrefix("\"") { return event.message.contains(pattern.dropFirst().dropLast()) }
                return event.message.contains("\"type\": \"platform.report\"")
                    || event.message.contains("\"type\":\"platform.report\"")
            }
            let offset = nextToken.flatMap(Int.init) ?? 0
            let page = Array(matching.dropFirst(offset).prefix(min(limit, pageSize)))
            let next = offset + page.count < matching.count ? String(offset + page.count) : nil
            return LogPage(events: page, nextToken: next)
        }
    }
}
