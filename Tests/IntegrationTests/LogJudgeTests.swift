import AWSCore
import AWSServices
import Foundation
import Synchronization
import Testing

extension TwinSuite.DeployTests {
    /// How each version behaves in the records the twin's Invoke writes.
    func behave(_ f: Fixture, version: String, _ behaviour: [String: Any]) async throws {
        var body = behaviour
        body["function"] = f.function
        body["version"] = version
        try await twin.control("POST", "/_twin/lambda-behaviour", body)
    }

    /// Runs `deploy` while traffic goes through alias live (invoked as fast as the twin answers),
    /// so both versions write reports during the bake; returns the deploy's result.
    func deployUnderTraffic(_ f: Fixture, _ extra: [String]) async throws -> Shell.Result {
        let lambda = LambdaClient(client: try twin.client())
        // One call first: the function's log group exists before the deploy looks for it.
        _ = try await lambda.invoke(f.function, qualifier: "live", payload: Data("{}".utf8))
        let stop = Mutex(false)
        let function = f.function
        let traffic = Task {
            var calls = 0
            while !stop.withLock({ $0 }) {
                _ = try? await lambda.invoke(function, qualifier: "live", payload: Data("{}".utf8))
                calls += 1
            }
            return calls
        }
        let result = try deploy(f, extra)
        stop.withLock { $0 = true }
        _ = await traffic.value
        return result
    }

    /// No CloudWatch metric was read or published: the verdict came from the logs alone.
    func expectNoMetrics(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let operations = try await twin.requests().compactMap { $0["operation"] as? String }
        #expect(
            !operations.contains("GetMetricData") && !operations.contains("PutMetricData"),
            sourceLocation: sourceLocation)
        #expect(operations.contains("FilterLogEvents"), sourceLocation: sourceLocation)
    }

    static let logCanary = [
        "--strategy", "canary:50%:8s", "--gate-interval", "1s", "--min-invocations", "20", "--output", "json",
    ]

    @Test(
        "logs: a canary 30% slower over its whole distribution rolls back (exit 3), naming both medians; no metric involved"
    )
    func logsSlowerCanary() async throws {
        let f = try await fixture("lgs")
        try await behave(f, version: "1", ["durationMs": 100, "jitterMs": 10])
        try await behave(f, version: "2", ["durationMs": 130, "jitterMs": 13])
        try await twin.clearRequests()
        let result = try await deployUnderTraffic(f, Self.logCanary + ["--max-duration-increase", "10"])
        #expect(result.status == 3, "\(result.all)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(try TwinSuite.OutputStreamTests.schemaProblems([result.stdout]) == "", "the document breaks the schema")
        let error = try #require(document["error"] as? String)
        // 130 ± 13 ms against 100 ± 10 ms: both medians named, the shift about +30%.
        #expect(error.contains("duration: version 2 median 1"), "\(error)")
        #expect(error.contains(" ms on version 1, +2") || error.contains(" ms on version 1, +3"), "\(error)")
        #expect(error.contains("allowed +10%"), "\(error)")
        #expect(result.stderr.contains("canary judged from the logs of /aws/lambda/\(f.function) (Text reports"))
        let analysis = try #require(document["log-analysis"] as? [[String: Any]])
        let duration = try #require(
            (analysis.last?["metrics"] as? [[String: Any]])?.first { $0["metric"] as? String == "duration" })
        #expect(duration["verdict"] as? String == "fail")
        #expect(((duration["median"] as? Double) ?? 0) > 125 && ((duration["stable-median"] as? Double) ?? 0) < 105)
        let after = try await alias(f)
        #expect(after.functionVersion == "1" && after.additionalVersionWeights.isEmpty)
        try await expectNoMetrics()
        expectVerified(try await twin.requests())
    }

    @Test("logs: an equally fast canary passes and deploys")
    func logsEqualCanary() async throws {
        let f = try await fixture("lge")
        try await behave(f, version: "1", ["durationMs": 100, "jitterMs": 10])
        try await behave(f, version: "2", ["durationMs": 100, "jitterMs": 10])
        try await twin.clearRequests()
        let result = try await deployUnderTraffic(f, Self.logCanary + ["--max-duration-increase", "10"])
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stderr.contains("duration: version 2 median"), "\(result.stderr)")
        #expect(try await alias(f).functionVersion == "2")
        try await expectNoMetrics()
    }

    @Test("logs: a canary using 124 of 128 MB fails --max-memory-use 90")
    func logsMemory() async throws {
        let f = try await fixture("lgm")
        try await behave(f, version: "1", ["durationMs": 50, "memorySizeMb": 128, "maxMemoryUsedMb": 70])
        try await behave(f, version: "2", ["durationMs": 50, "memorySizeMb": 128, "maxMemoryUsedMb": 124])
        let result = try await deployUnderTraffic(f, Self.logCanary + ["--max-memory-use", "90"])
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stdout.contains("used 124 of 128 MB (96.9%), more than the 90% allowed"), "\(result.stdout)")
        #expect(try await alias(f).functionVersion == "1")
    }

    @Test("logs: cold starts three times slower fail --max-init-duration-increase 50")
    func logsColdStarts() async throws {
        let f = try await fixture("lgc")
        try await behave(f, version: "1", ["durationMs": 50, "initDurationMs": 150, "coldStartEvery": 3])
        try await behave(f, version: "2", ["durationMs": 50, "initDurationMs": 450, "coldStartEvery": 3])
        let result = try await deployUnderTraffic(f, Self.logCanary + ["--max-init-duration-increase", "50"])
        #expect(result.status == 3, "\(result.all)")
        #expect(
            result.stdout.contains("init duration: version 2 median 450 ms vs 150 ms on version 1"), "\(result.stdout)")
        #expect(try await alias(f).functionVersion == "1")
    }

    @Test(
        "logs: a function moved to JSON logs in a custom group is judged from both groups: the new version's, and the one the stable version still logs to"
    )
    func logsJSONCustomGroup() async throws {
        let f = try await fixture("lgj")
        let group = "/custom/\(f.function)"
        try await twin.control(
            "POST", "/_twin/function-config",
            ["function": f.function, "loggingConfig": ["LogFormat": "JSON", "LogGroup": group]])
        try await behave(f, version: "1", ["durationMs": 100, "jitterMs": 10])
        try await behave(f, version: "2", ["durationMs": 130, "jitterMs": 13])
        let result = try await deployUnderTraffic(f, Self.logCanary + ["--max-duration-increase", "10"])
        #expect(result.status == 3, "\(result.all)")
        // Version 1 was published before the change: it keeps its Text logs in Lambda's default group.
        let both = "\(group) and /aws/lambda/\(f.function)"
        #expect(result.stderr.contains("canary judged from the logs of \(both) (JSON reports"), "\(result.stderr)")
        #expect(result.stdout.contains("from the logs of \(both): duration: version 2 median"), "\(result.stdout)")
        #expect(try await alias(f).functionVersion == "1")
    }

    @Test("logs: failing invocations in the reports fail --max-error-rate within the step, before any metric exists")
    func logsErrors() async throws {
        let f = try await fixture("lgx")
        try await behave(f, version: "1", ["durationMs": 50])
        try await behave(f, version: "2", ["durationMs": 50, "errorEvery": 1])
        let result = try await deployUnderTraffic(
            f, Self.logCanary + ["--max-duration-increase", "50", "--max-error-rate", "5"])
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stdout.contains("errors: "), "\(result.stdout)")
        #expect(result.stdout.contains("failed (0 timed out) of"), "\(result.stdout)")
        #expect(try await alias(f).functionVersion == "1")
    }

    @Test("iam-policy with a log-based gate grants logs:FilterLogEvents on that function's log group only")
    func logsPolicy() throws {
        let result = try Shell.lambdaShift(
            [
                "iam-policy", "--function", "svc", "--bucket", "b", "--environment", "production", "--region",
                "us-east-1", "--account-id", "123456789012", "--max-memory-use", "90",
            ], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"])
        #expect(result.status == 0, "\(result.all)")
        let policy = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        let statements = try #require(policy["Statement"] as? [[String: Any]])
        let logs = statements.filter { "\($0["Action"] ?? "")".contains("logs:") }
        #expect(logs.count == 1)
        #expect("\(logs.first?["Action"] ?? "")".contains("logs:FilterLogEvents"))
        // That group alone: not every group of the account (log-group:*).
        #expect(
            logs.first?["Resource"] as? [String] == ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/svc:*"],
            "\(logs)")
        #expect(result.stderr.contains("pass --log-group if its LoggingConfig names another group"))
    }
}
