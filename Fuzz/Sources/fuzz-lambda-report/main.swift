@testable import AWSServices
import FuzzSupport
@testable import Rollout

/// Lambda's invocation reports (`InvocationReport.parse`, text REPORT lines and JSON
/// platform.report records) and the version in a stream's name: whatever a log holds, a report
/// read from it has finite, non-negative measurements, a timeout is a failure, and written back
/// as a text REPORT line it reads as the same report; a stream's version is never empty and
/// never holds a bracket.
fuzz { bytes in
    let message = text(bytes)
    for format in [InvocationReport.Format.text, .json] {
        let event = LogEvent(eventId: "1", stream: "2027/01/15/[7]0a1b", timestamp: 0, message: message)
        guard let report = InvocationReport.parse(event, format: format) else { continue }
        let numbers = [report.durationMs, report.memorySizeMB, report.maxMemoryUsedMB] + [report.initDurationMs]
            .compactMap { $0 }
        require(numbers.allSatisfy { $0.isFinite && $0 >= 0 }, "\(format): \(numbers)")
        require(report.version == "7", "version \(report.version)")
        require(!report.timedOut || report.failed, "a timeout that is no failure")
        let status = report.timedOut ? "Status: timeout\t" : report.failed ? "Status: error\t" : ""
        let line =
            "REPORT RequestId: r\tDuration: \(report.durationMs) ms\tBilled Duration: 1 ms\tMemory Size: \(report.memorySizeMB) MB\tMax Memory Used: \(report.maxMemoryUsedMB) MB\t"
            + (report.initDurationMs.map { "Init Duration: \($0) ms\t" } ?? "") + status
        let back = InvocationReport.parse(
            LogEvent(eventId: "2", stream: event.stream, timestamp: 0, message: line), format: .text)
        require(back == report, "\(format) \(report) reads back as \(String(describing: back))")
    }
    if let version = InvocationReport.version(ofStream: message) {
        require(!version.isEmpty && !version.contains("]"), "stream version \(version)")
    }
}
