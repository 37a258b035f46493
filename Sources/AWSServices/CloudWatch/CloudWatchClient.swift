import AWSCore
import FoundationEssentials

/// An alarm's name and state.
/// An alarm's change of state, from its history.
/// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html
package struct AlarmTransition: Sendable, Equatable {
    package var name: String
    package var at: Date
    /// The state it entered: `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    package var state: String

    package init(name: String, at: Date, state: String) {
        self.name = name
        self.at = at
        self.state = state
    }
}

package struct AlarmState: Sendable, Equatable {
    package var name: String
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    package var state: String
    package var reason: String
    /// A metric alarm's metric: its namespace, name and dimensions (empty for a composite alarm).
    package var namespace = ""
    package var metricName = ""
    package var dimensions: [String: String] = [:]

    package init(name: String, state: String, reason: String) {
        self.name = name
        self.state = state
        self.reason = reason
    }
}

/// One metric to read with GetMetricData.
package struct MetricQuery: Sendable, Equatable {
    package var id: String
    package var namespace: String
    package var metricName: String
    package var dimensions: [(name: String, value: String)]
    package var period: Int
    package var stat: String

    package init(
        id: String, namespace: String, metricName: String, dimensions: [(name: String, value: String)], period: Int,
        stat: String
    ) {
        self.id = id
        self.namespace = namespace
        self.metricName = metricName
        self.dimensions = dimensions
        self.period = period
        self.stat = stat
    }

    package static func == (a: MetricQuery, b: MetricQuery) -> Bool {
        a.id == b.id && a.namespace == b.namespace && a.metricName == b.metricName && a.period == b.period
            && a.stat == b.stat
            && a.dimensions.map(\.name) == b.dimensions.map(\.name)
            && a.dimensions.map(\.value) == b.dimensions.map(\.value)
    }
}

/// The values of one query.
package struct MetricResult: Sendable, Equatable {
    package var id: String
    package var timestamps: [Date]
    package var values: [Double]
    package var statusCode: String

    package init(id: String, timestamps: [Date], values: [Double], statusCode: String = "Complete") {
        self.id = id
        self.timestamps = timestamps
        self.values = values
        self.statusCode = statusCode
    }
}

/// CloudWatch over its JSON 1.0 protocol (X-Amz-Target GraniteServiceVersion20100801.*).
/// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
package struct CloudWatchClient: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    package func describeAlarms(names: [String] = [], prefix: String? = nil) async throws -> [AlarmState] {
        var alarms: [AlarmState] = []
        var nextToken: String?
        repeat {
            var body: [String: Any] = ["AlarmTypes": ["MetricAlarm", "CompositeAlarm"]]
            if !names.isEmpty { body["AlarmNames"] = names }
            if let prefix { body["AlarmNamePrefix"] = prefix }
            if let nextToken { body["NextToken"] = nextToken }
            let answer = try await call("DescribeAlarms", body)
            for alarm in answer.array("MetricAlarms") + answer.array("CompositeAlarms") {
                var state = AlarmState(
                    name: alarm.string("AlarmName") ?? "", state: alarm.string("StateValue") ?? "",
                    reason: alarm.string("StateReason") ?? "")
                state.namespace = alarm.string("Namespace") ?? ""
                state.metricName = alarm.string("MetricName") ?? ""
                for dimension in alarm.array("Dimensions") {
                    if let name = dimension.string("Name") { state.dimensions[name] = dimension.string("Value") ?? "" }
                }
                alarms.append(state)
            }
            nextToken = answer.string("NextToken")
        } while nextToken != nil
        return alarms
    }

    package func getMetricData(_ queries: [MetricQuery], start: Date, end: Date) async throws -> [MetricResult] {
        var results: [String: MetricResult] = [:]
        var nextToken: String?
        repeat {
            var body: [String: Any] = [
                "StartTime": Int(start.timeIntervalSince1970), "EndTime": Int(end.timeIntervalSince1970),
                "MetricDataQueries": queries.map { q -> [String: Any] in
                    [
                        "Id": q.id, "ReturnData": true,
                        "MetricStat": [
                            "Period": q.period, "Stat": q.stat,
                            "Metric": [
                                "Namespace": q.namespace, "MetricName": q.metricName,
                                "Dimensions": q.dimensions.map { ["Name": $0.name, "Value": $0.value] },
                            ],
                        ],
                    ]
                },
            ]
            if let nextToken { body["NextToken"] = nextToken }
            let answer = try await call("GetMetricData", body)
            for item in answer.array("MetricDataResults") {
                let id = item.string("Id") ?? ""
                var result = results[id] ?? MetricResult(id: id, timestamps: [], values: [], statusCode: "")
                result.timestamps += item.doubles("Timestamps").map { Date(timeIntervalSince1970: $0) }
                result.values += item.doubles("Values")
                result.statusCode = item.string("StatusCode") ?? result.statusCode
                results[id] = result
            }
            nextToken = answer.string("NextToken")
        } while nextToken != nil
        return queries.compactMap { results[$0.id] }
    }

    /// An alarm's state changes between `start` and `end`, oldest first: DescribeAlarmHistory's
    /// StateUpdate items, the new state read from HistoryData (`newState.stateValue`). One alarm
    /// per call, so that a policy can allow it on that alarm alone.
    /// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html
    package func alarmTransitions(name: String, start: Date, end: Date) async throws -> [AlarmTransition] {
        var transitions: [AlarmTransition] = []
        var nextToken: String?
        repeat {
            var body: [String: Any] = [
                "AlarmName": name, "HistoryItemType": "StateUpdate", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
                "StartDate": Int(start.timeIntervalSince1970),
                "EndDate": Int(end.timeIntervalSince1970.rounded(.up)), "ScanBy": "TimestampAscending",
                "MaxRecords": 100,
            ]
            if let nextToken { body["NextToken"] = nextToken }
            let answer = try await call("DescribeAlarmHistory", body)
            for item in answer.array("AlarmHistoryItems") {
                let data = (item.string("HistoryData") ?? "").data(using: .utf8).flatMap {
                    try? JSONFields(data: $0, service: "CloudWatch", operation: "DescribeAlarmHistory")
                }
                guard let name = item.string("AlarmName"), let at = item.double("Timestamp"),
                    let state = data?.fields("newState")?.string("stateValue")
                else { continue }
                transitions.append(AlarmTransition(name: name, at: Date(timeIntervalSince1970: at), state: state))
            }
            nextToken = answer.string("NextToken")
        } while nextToken != nil
        return transitions
    }

    private func call(_ action: String, _ body: [String: Any]) async throws -> JSONFields {
        try await client.jsonTargetCall(.cloudWatch, targetPrefix: "GraniteServiceVersion20100801", action, body)
    }

}
