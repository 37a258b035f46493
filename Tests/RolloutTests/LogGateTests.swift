import AWSServices
import Fakes
import Foundation
import Testing

@testable import Rollout

/// The log-based judge over Lambda's own reports, in both formats, in memory.
@Suite("The canary judged from the function's logs")
struct LogGateTests {
    static let group = "/aws/lambda/svc"
    let logs = FakeLogs(pageSize: 250)
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// `count` text REPORT lines of `version`, durations around `median` (a fixed spread).
    func traffic(
        _ version: String, count: Int, median: Double, memory: Double = 40, cold: Int = 0, initMs: Double = 150,
        failed: Int = 0, json: Bool = false, group: String = LogGateTests.group
    ) {
        for index in 0..<count {
            let spread = Double((index * 37) % 21 - 10) / 100  // −10% … +10%
            let duration = ((median * (1 + spread)) * 100).rounded() / 100
            let coldStart = index < cold
            let status = index < failed ? "error" : "success"
            let message: String
            if json {
                let initPart = coldStart ? ", \"initDurationMs\": \(initMs)" : ""
                message =
                    "{\"time\": \"2027-01-15T08:00:00.000Z\", \"type\": \"platform.report\", \"record\": {\"requestId\": \"r\(index)\", \"metrics\": {\"durationMs\": \(duration), \"billedDurationMs\": \(Int(duration.rounded(.up))), \"memorySizeMB\": 128, \"maxMemoryUsedMB\": \(Int(memory))\(initPart)}, \"status\": \"\(status)\"}}"
            } else {
                message =
                    "REPORT RequestId: r\(index)\tDuration: \(duration) ms\tBilled Duration: \(Int(duration.rounded(.up))) ms\tMemory Size: 128 MB\tMax Memory Used: \(Int(memory)) MB\t"
                    + (coldStart ? "Init Duration: \(initMs) ms\t" : "") + (index < failed ? "Status: error\t" : "")
            }
            logs.append(
                group: group, stream: "2027/01/15/[\(version)]\(coldStart ? "cold\(index)" : "warm")",
                timestamp: Int64(start.timeIntervalSince1970 * 1000) + Int64(index) * 10, message: message)
        }
    }

    func window(final: Bool = true) -> GateWindow {
        GateWindow(newVersion: "2", stableVersion: "1", start: start, end: start.addingTimeInterval(600), final: final)
    }

    func gate(_ limits: LogLimits, json: Bool = false) -> LogGate {
        LogGate(logs: logs, group: Self.group, format: json ? .json : .text, limits: limits)
    }

    @Test("a canary 30% slower over its whole distribution fails, naming both medians")
    func slowerFails() async throws {
        traffic("1", count: 300, median: 100)
        traffic("2", count: 300, median: 130)
        let result = try await gate(LogLimits(maxDurationIncreasePercent: 10, minInvocations: 50)).evaluate(window())
        #expect(result.failed, "\(result.detail)")
        #expect(
            result.detail.contains(
                "duration: version 2 median 130 ms vs 100 ms on version 1, +30% (at 95% confidence at least +28.9%), allowed +10%"
            ), "\(result.detail)")
        #expect(result.detail.contains("allowed +10%"), "\(result.detail)")
        let duration = try #require(result.metrics.first { $0.metric == "duration" })
        #expect(duration.candidateCount == 300 && duration.stableCount == 300)
        #expect(duration.quantiles.count == 7)
    }

    @Test("an equally fast canary passes; too few invocations is no verdict, never a pass")
    func equalPasses() async throws {
        traffic("1", count: 200, median: 100)
        traffic("2", count: 200, median: 100.5)
        let pass = try await gate(LogLimits(maxDurationIncreasePercent: 10, minInvocations: 50)).evaluate(window())
        #expect(pass.passed && !pass.inconclusive, "\(pass.detail)")
        let few = try await gate(LogLimits(maxDurationIncreasePercent: 10, minInvocations: 500)).evaluate(window())
        #expect(few.inconclusive && !few.passed, "\(few.detail)")
        let soFar = try await gate(LogLimits(maxDurationIncreasePercent: 10, minInvocations: 500)).evaluate(
            window(final: false))
        #expect(soFar.passed && soFar.provisional, "\(soFar.detail)")
    }

    @Test("124 of 128 MB fails --max-memory-use 90; 70 of 128 passes it")
    func memory() async throws {
        traffic("1", count: 60, median: 100, memory: 70)
        traffic("2", count: 60, median: 100, memory: 124)
        let result = try await gate(LogLimits(maxMemoryUsePercent: 90, minInvocations: 10)).evaluate(window())
        #expect(result.failed)
        #expect(result.detail.contains("used 124 of 128 MB (96.9%), more than the 90% allowed"), "\(result.detail)")
        let logs2 = FakeLogs()
        for index in 0..<20 {
            logs2.append(
                group: Self.group, stream: "2027/01/15/[2]x", timestamp: 1_800_000_000_000 + Int64(index),
                message:
                    "REPORT RequestId: r\(index)\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t"
            )
        }
        let fine = try await LogGate(
            logs: logs2, group: Self.group, format: .text,
            limits: LogLimits(maxMemoryUsePercent: 90, minInvocations: 10)
        ).evaluate(window())
        #expect(fine.passed, "\(fine.detail)")
    }

    @Test("cold starts three times slower fail --max-init-duration-increase 50; fewer than 5 is no verdict")
    func coldStarts() async throws {
        traffic("1", count: 100, median: 100, cold: 8, initMs: 150)
        traffic("2", count: 100, median: 100, cold: 8, initMs: 450)
        let result = try await gate(LogLimits(maxInitDurationIncreasePercent: 50, minInvocations: 10)).evaluate(
            window())
        #expect(result.failed, "\(result.detail)")
        #expect(result.detail.contains("init duration: version 2 median 450 ms vs 150 ms"), "\(result.detail)")
        let few = FakeLogs()
        let judge = LogGate(
            logs: few, group: Self.group, format: .text, limits: LogLimits(maxInitDurationIncreasePercent: 50))
        let none = judge.judge(
            candidate: LogGate.Sample(), version: "2", stable: LogGate.Sample(), stableVersion: "1")
        #expect(none.first?.verdict == .inconclusive)
        #expect(none.first?.sentence.contains("fewer than the 5 needed") == true)
    }

    @Test("JSON platform.report records are judged the same; failed invocations count as errors")
    func jsonFormat() async throws {
        traffic("1", count: 100, median: 100, json: true)
        traffic("2", count: 100, median: 100, failed: 20, json: true)
        let result = try await gate(LogLimits(maxErrorRateBasisPoints: 500, minInvocations: 50), json: true)
            .evaluate(window())
        #expect(result.failed, "\(result.detail)")
        #expect(
            result.detail.contains("errors: 20 failed (0 timed out) of 100 invocations of version 2"),
            "\(result.detail)")
    }

    @Test("each read goes on from the last: records already read are not counted twice")
    func incremental() async throws {
        traffic("1", count: 100, median: 100)
        traffic("2", count: 100, median: 100)
        let judge = gate(LogLimits(maxDurationIncreasePercent: 10, minInvocations: 10))
        _ = try await judge.evaluate(window(final: false))
        let samples = try await judge.read(window())
        #expect(samples["2"]?.invocations == 100 && samples["1"]?.invocations == 100)
    }

    @Test("a group that does not exist yet is no records, not an error")
    func noGroup() async throws {
        let result = try await gate(LogLimits(maxDurationIncreasePercent: 10, minInvocations: 1)).evaluate(window())
        #expect(result.inconclusive)
    }

    @Test("the parsers: the version from the stream name, text and JSON reports, timeouts")
    func parsing() {
        #expect(InvocationReport.version(ofStream: "2027/01/15/[$LATEST]0a1b") == "$LATEST")
        #expect(InvocationReport.version(ofStream: "2027/01/15/[12]0a1b") == "12")
        #expect(InvocationReport.version(ofStream: "no-version") == nil)
        let text = InvocationReport.parse(
            LogEvent(
                eventId: "1", stream: "2027/01/15/[3]ab", timestamp: 0,
                message:
                    "REPORT RequestId: abc\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 39 MB\tInit Duration: 190.48 ms\tStatus: timeout\t"
            ), format: .text)
        #expect(
            text
                == InvocationReport(
                    version: "3", durationMs: 3000, memorySizeMB: 128, maxMemoryUsedMB: 39, initDurationMs: 190.48,
                    failed: true, timedOut: true))
        #expect(
            InvocationReport.parse(
                LogEvent(eventId: "2", stream: "2027/01/15/[3]ab", timestamp: 0, message: "START RequestId: abc"),
                format: .text) == nil)
        #expect(
            InvocationReport.parse(
                LogEvent(
                    eventId: "3", stream: "2027/01/15/[3]ab", timestamp: 0, message: "{\"type\": \"platform.start\"}"),
                format: .json) == nil)
    }
}
