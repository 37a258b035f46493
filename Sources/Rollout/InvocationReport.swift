import AWSServices
import FoundationEssentials
import LambdaShiftCore

/// One invocation as Lambda's own report of it says: the REPORT line of a text-format
/// function, or the `platform.report` record of a JSON-format one. The version is the log
/// stream's (`2026/12/07/[7]0a1b…`): Lambda names a stream after the version its execution
/// environment runs.
/// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
/// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
/// https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
package struct InvocationReport: Sendable, Equatable {
    package var version: String
    package var durationMs: Double
    package var memorySizeMB: Double
    package var maxMemoryUsedMB: Double
    /// Init Duration: present on a cold start only.
    package var initDurationMs: Double?
    /// The invocation failed (an error status) or timed out.
    package var failed: Bool
    package var timedOut: Bool

    package init(
        version: String, durationMs: Double, memorySizeMB: Double, maxMemoryUsedMB: Double,
        initDurationMs: Double? = nil, failed: Bool = false, timedOut: Bool = false
    ) {
        self.version = version
        self.durationMs = durationMs
        self.memorySizeMB = memorySizeMB
        self.maxMemoryUsedMB = maxMemoryUsedMB
        self.initDurationMs = initDurationMs
        self.failed = failed
        self.timedOut = timedOut
    }

    /// How the function writes its logs (LoggingConfig.LogFormat), and the server-side filter
    /// that reads only its reports.
    /// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
    package enum Format: String, Sendable {
        case text = "Text"
        case json = "JSON"

        package init(_ logFormat: String?) { self = logFormat == "JSON" ? .json : .text }

        package var filterPattern: String {
            switch self {
            case .text: "\"REPORT RequestId\""
            case .json: "{ $.type = \"platform.report\" }"
            }
        }
    }

    /// The version a stream's name carries (`YYYY/MM/DD/[VERSION]ID`), nil for another name.
    package static func version(ofStream name: String) -> String? {
        guard let open = name.firstIndex(of: "["), let close = name[open...].firstIndex(of: "]") else { return nil }
        let version = String(name[name.index(after: open)..<close])
        return version.isEmpty ? nil : version
    }

    /// The report in `event`, nil when it holds none (another line, a malformed record).
    package static func parse(_ event: LogEvent, format: Format) -> InvocationReport? {
        guard let version = version(ofStream: event.stream) else { return nil }
        switch format {
        case .text: return parseText(event.message, version: version)
        case .json: return parseJSON(event.message, version: version)
        }
    }

    /// A measurement as a report may hold one: finite and not negative (`nan ms` or `-1 ms` is
    /// no measurement, and would poison every statistic over it).
    static func measure(_ value: Double) -> Double? { value.isFinite && value >= 0 ? value : nil }

    /// `REPORT RequestId: ID\tDuration: 2.29 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t
    /// Max Memory Used: 39 MB\tInit Duration: 190.48 ms\tStatus: timeout`.
    static func parseText(_ message: String, version: String) -> InvocationReport? {
        guard message.hasPrefix("REPORT RequestId:") else { return nil }
        var fields: [String: String] = [:]
        for part in message.split(separator: "\t") {
            guard let colon = part.firstIndex(of: ":") else { continue }
            let name = String(part[..<colon]).trimmed()
            fields[name] = String(part[part.index(after: colon)...]).trimmed()
        }
        func number(_ name: String, unit: String) -> Double? {
            guard let text = fields[name], text.hasSuffix(" " + unit) else { return nil }
            return Double(text.dropLast(unit.count + 1)).flatMap(measure)
        }
        guard let duration = number("Duration", unit: "ms"), let size = number("Memory Size", unit: "MB"),
            let used = number("Max Memory Used", unit: "MB")
        else { return nil }
        let status = fields["Status"]?.lowercased()
        return InvocationReport(
            version: version, durationMs: duration, memorySizeMB: size, maxMemoryUsedMB: used,
            initDurationMs: number("Init Duration", unit: "ms"), failed: status != nil && status != "success",
            timedOut: status == "timeout")
    }

    /// `{"type": "platform.report", "record": {"metrics": {"durationMs": …, "memorySizeMB": …,
    /// "maxMemoryUsedMB": …, "initDurationMs": …}, "status": "success" | "error" | "failure" | "timeout"}}`.
    static func parseJSON(_ message: String, version: String) -> InvocationReport? {
        guard case .object(let object)? = JSONValue.parse(Array(message.utf8)),
            object["type"]?.string == "platform.report", case .object(let record)? = object["record"],
            case .object(let metrics)? = record["metrics"],
            let duration = metrics["durationMs"]?.double.flatMap(measure),
            let size = metrics["memorySizeMB"]?.double.flatMap(measure),
            let used = metrics["maxMemoryUsedMB"]?.double.flatMap(measure)
        else { return nil }
        let status = record["status"]?.string ?? "success"
        return InvocationReport(
            version: version, durationMs: duration, memorySizeMB: size, maxMemoryUsedMB: used,
            initDurationMs: metrics["initDurationMs"]?.double.flatMap(measure), failed: status != "success",
            timedOut: status == "timeout")
    }
}
