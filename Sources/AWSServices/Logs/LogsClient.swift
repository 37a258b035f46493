import AWSCore
import FoundationEssentials

/// One log event as FilterLogEvents returns it.
/// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilteredLogEvent.html
package struct LogEvent: Sendable, Equatable {
    package var eventId: String
    package var stream: String
    /// Milliseconds since the epoch.
    package var timestamp: Int64
    package var message: String

    package init(eventId: String, stream: String, timestamp: Int64, message: String) {
        self.eventId = eventId
        self.stream = stream
        self.timestamp = timestamp
        self.message = message
    }
}

/// One page of a filtered read, and the token for the next (nil: the read is complete).
package struct LogPage: Sendable, Equatable {
    package var events: [LogEvent]
    package var nextToken: String?

    package init(events: [LogEvent], nextToken: String?) {
        self.events = events
        self.nextToken = nextToken
    }
}

/// CloudWatch Logs over its JSON 1.1 protocol: only the filtered read a canary judge makes.
package struct LogsClient: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    /// One page of `group`'s events in `[start, end]` (milliseconds) that match `pattern`
    /// (filtered on the server); a group that does not exist is `ResourceNotFoundException`.
    /// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
    package func filterLogEvents(
        group: String, start: Int64, end: Int64, pattern: String, nextToken: String?, limit: Int = 10_000
    ) async throws -> LogPage {
        var body: [String: Any] = [
            "logGroupName": group, "startTime": Int(start), "endTime": Int(end), "filterPattern": pattern,
            "limit": limit,
        ]
        if let nextToken { body["nextToken"] = nextToken }
        let answer = try await client.jsonTargetCall(.logs, targetPrefix: "Logs_20140328", "FilterLogEvents", body)
        let events = answer.array("events").map { event in
            LogEvent(
                eventId: event.string("eventId") ?? "", stream: event.string("logStreamName") ?? "",
                timestamp: Int64(event.double("timestamp") ?? 0), message: event.string("message") ?? "")
        }
        return LogPage(events: events, nextToken: answer.string("nextToken"))
    }
}
