import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite.DeployTests {
    /// Publishes what Lambda would for calls of `version` through alias live: the twin's
    /// /_twin/lambda-metrics sends PutMetricData with FunctionName, Resource and ExecutedVersion.
    /// Stamped 20 s ahead, inside the minute the step's window starts in.
    func publish(
        _ f: Fixture, version: String, invocations: Int, errors: Int, durations: [Double] = []
    ) async throws {
        var body: [String: Any] = [
            "function": f.function, "alias": "live", "version": version, "invocations": invocations,
            "errors": errors, "timestamp": Int(Date().timeIntervalSince1970) + 20,
        ]
        if !durations.isEmpty { body["durations"] = durations }
        try await twin.control("POST", "/_twin/lambda-metrics", body)
    }

    /// GetMetricData requests the run made, each asking for both versions.
    func metricQueries() async throws -> [[String: Any]] {
        try await twin.requests().filter { ($0["operation"] as? String) == "GetMetricData" }
    }

    @Test(
        "canary: a new version clearly worse than the stable one rolls back (exit 3), both rates in the message, the JSON analysis and the step summary"
    )
    func canaryRegression() async throws {
        let f = try await fixture("cnr")
        try await publish(f, version: "1", invocations: 1000, errors: 10)
        try await publish(f, version: "2", invocations: 200, errors: 40)
        try await twin.clearRequests()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cnr-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let github = [
            "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": directory + "/output",
            "GITHUB_STEP_SUMMARY": directory + "/summary", "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch",
        ]
        let result = try deploy(
            f,
            [
                "--strategy", "canary:10%:3s", "--gate-interval", "1s", "--max-error-rate-increase", "1",
                "--min-invocations", "50", "--output", "json",
            ], env: github)
        #expect(result.status == 3, "\(result.all)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(try TwinSuite.OutputStreamTests.schemaProblems([result.stdout]) == "", "the document breaks the schema")
        let error = try #require(document["error"] as? String)
        #expect(error.contains("error rate 20% vs 1% on version 1 (+19 pp): more than the 1 pp allowed"), "\(error)")
        #expect(error.contains("alias live was rolled back to version 1"))
        let analysis = try #require(document["analysis"] as? [[String: Any]])
        #expect(analysis.count == 1)
        let step = try #require(analysis.first)
        #expect(step["verdict"] as? String == "fail" && step["weight-percent"] as? Double == 10)
        #expect((step["new"] as? [String: Any])?["invocations"] as? Int == 200)
        #expect((step["new"] as? [String: Any])?["error-rate"] as? Double == 0.2)
        #expect((step["stable"] as? [String: Any])?["version"] as? String == "1")
        #expect((step["stable"] as? [String: Any])?["error-rate"] as? Double == 0.01)
        #expect(((step["p-value"] as? Double) ?? 1) < 0.05)
        let summary = try String(contentsOfFile: directory + "/summary", encoding: .utf8)
        #expect(summary.contains("#### Canary analysis: new version vs stable, same minutes"))
        #expect(summary.contains("| 10% | 200 | 20% | – | 1000 | 1% | – | ❌ fail: error rate 20% vs 1%"), "\(summary)")
        #expect(summary.contains("```mermaid\nxychart-beta\n"))
        #expect(summary.contains("    line [20]\n    line [1]\n"))
        // Caught mid-bake, read for both versions in one request; the alias is as it was.
        let queries = try await metricQueries()
        #expect(!queries.isEmpty)
        #expect(try await alias(f).functionVersion == "1")
        #expect(try await alias(f).additionalVersionWeights.isEmpty)
        expectVerified(try await twin.requests())
    }

    @Test("canary: a new version as good as the stable one deploys; p50 and p99 are reported for both")
    func canaryEqual() async throws {
        let f = try await fixture("cne")
        try await publish(
            f, version: "1", invocations: 400, errors: 4, durations: (1...400).map { Double(100 + $0 % 50) })
        try await publish(
            f, version: "2", invocations: 100, errors: 1, durations: (1...100).map { Double(102 + $0 % 50) })
        let result = try deploy(
            f,
            [
                "--strategy", "canary:10%:2s", "--gate-interval", "1s", "--max-error-rate-increase", "1",
                "--max-duration-increase", "20", "--min-invocations", "50",
            ])
        #expect(result.status == 0, "\(result.all)")
        #expect(outputs(result)["outcome"] == "deployed")
        #expect(
            result.stderr.contains(
                "canary at 10%: new version 2: 100 calls, 1% errors, p50 126 ms, p99 151 ms | stable version 1: 400 calls, 1% errors, p50 124 ms, p99 149 ms → pass"
            ), "\(result.stderr)")
        #expect(result.stderr.contains("p99 151 ms vs 149 ms (+1.3%): within the 20% allowed"))
        #expect(try await alias(f).functionVersion == "2")
    }

    @Test(
        "canary: too little traffic is no verdict; the bake goes on to --max-bake, then rollback (default) or proceed, as configured"
    )
    func canaryInconclusive() async throws {
        let f = try await fixture("cni")
        try await publish(f, version: "1", invocations: 1000, errors: 0)
        try await publish(f, version: "2", invocations: 3, errors: 0)
        let rolledBack = try deploy(
            f,
            [
                "--strategy", "canary:10%:2s", "--gate-interval", "1s", "--max-error-rate-increase", "1",
                "--min-invocations", "50", "--max-bake", "4s",
            ])
        #expect(rolledBack.status == 3, "\(rolledBack.all)")
        #expect(
            rolledBack.stderr.contains(
                "no verdict after 2s (canary: version 2 had 3 invocation(s), fewer than --min-invocations 50): baking on, up to 4s (--max-bake)"
            ), "\(rolledBack.stderr)")
        #expect(
            rolledBack.stderr.contains(
                "inconclusive after 4s (--max-bake 4s), rolled back as --on-inconclusive rollback asks"))
        #expect(outputs(rolledBack)["outcome"] == "rolled-back")
        #expect(try await alias(f).functionVersion == "1")

        let proceeded = try deploy(
            f,
            [
                "--strategy", "canary:10%:2s", "--gate-interval", "1s", "--max-error-rate-increase", "1",
                "--min-invocations", "50", "--max-bake", "3s", "--on-inconclusive", "proceed",
            ])
        #expect(proceeded.status == 0, "\(proceeded.all)")
        #expect(
            proceeded.stderr.contains(
                "Still no verdict after 3s (--max-bake): the shift goes on, as --on-inconclusive proceed asks."),
            "\(proceeded.stderr)")
        #expect(outputs(proceeded)["outcome"] == "deployed")
        #expect(try await alias(f).functionVersion == "3")
    }

    @Test("canary settings are checked before AWS is touched: one sentence, exit 2")
    func canarySettings() async throws {
        let f = try await fixture("cns")
        try await twin.clearRequests()
        for (flags, sentence) in [
            (["--max-error-rate-increase", "abc"], "--max-error-rate-increase is \"abc\": give a percentage above 0"),
            (
                ["--max-error-rate-increase", "1", "--confidence", "30"],
                "--confidence is 30.0%: give a confidence from 50"
            ),
            (["--on-inconclusive", "wait"], "--on-inconclusive is \"wait\": use rollback or proceed."),
            (
                ["--warm-invocations", "5"],
                "--warm-invocations sends the smoke payload to the alias: set --smoke-payload too."
            ),
        ] {
            let result = try deploy(f, ["--strategy", "canary:10%:1s"] + flags)
            #expect(result.status == 2, "\(flags): \(result.all)")
            #expect(result.stderr.contains(sentence), "\(flags): \(result.stderr)")
        }
        let changing = try await twin.requests().filter {
            !["GetCallerIdentity"].contains($0["operation"] as? String ?? "") && ($0["method"] as? String) != "GET"
        }
        #expect(changing.isEmpty, "\(changing)")
    }
}
