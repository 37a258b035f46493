import AWSCore
import AWSServices
import Foundation
import Testing

/// Issue 38 through the twin: a web function's endpoint moved revision by revision with the
/// alias engine (weights, bakes, alarms, restores, history), the LatestRevision trap closed
/// before the new revision exists, a failed build, and someone else's change left alone.
extension TwinSuite.DeployTests {
    struct WebFixture {
        var function: String
        var bucket: String
        var source: String
        var revision: String
    }

    func webFixture(_ prefix: String, mode: String = "Disabled", endpoints: [String] = ["live"]) async throws
        -> WebFixture
    {
        let function = uniqueName(prefix)
        var seed: [String: Any] = [
            "name": function, "endpoint": ["name": endpoints[0], "autoDeploymentMode": mode],
        ]
        seed["revisions"] = 1
        let answer = try #require(try await twin.controlJSON("POST", "/_twin/web-function", seed) as? [String: Any])
        let revision = try #require((answer["revisions"] as? [[String: Any]])?.first?["revisionId"] as? String)
        for extra in endpoints.dropFirst() {
            let body = try JSONSerialization.data(withJSONObject: [
                "endpointName": extra, "revisionWeights": [["revisionId": revision, "weight": 100]],
                "endpointType": "HomeRegion", "authType": "ApplicationManaged",
            ])
            _ = try await twin.client().send(.lambdaWeb, AWSOperation("CreateWebFunctionEndpoint")) { endpoint in
                HTTPRequest(
                    method: "PUT", endpoint: endpoint, path: "/2025-03-07/web-functions/\(function)/endpoints",
                    headers: ["Content-Type": "application/json"], body: .bytes(body))
            }
        }
        let bucket = uniqueName(prefix + "-b")
        try await Seeder(client: try twin.client()).createBucket(bucket)
        try await twin.control("POST", "/_twin/web-behaviour", ["buildPolls": 1, "updatePolls": 1])
        return WebFixture(
            function: function, bucket: bucket, source: try sourceDirectory(returning: "web-v2"), revision: revision)
    }

    func webDeploy(_ f: WebFixture, _ extra: [String]) throws -> Shell.Result {
        try Shell.lambdaShift(
            ["deploy", "--web-function", f.function, "--bucket", f.bucket, "--source", f.source, "--output", "json"]
                + extra,
            environment: twin.environment().variables)
    }

    func webStart(_ f: WebFixture, _ extra: [String]) throws -> Running {
        try start(
            ["deploy", "--web-function", f.function, "--bucket", f.bucket, "--source", f.source, "--output", "json"]
                + extra)
    }

    func endpoint(_ f: WebFixture, _ name: String = "live") async throws -> WebEndpoint {
        try await LambdaWebClient(client: try twin.client()).endpoint(f.function, name)
    }

    /// Waits until the endpoint is split between two revisions (the first weighted step).
    func waitForSplit(_ f: WebFixture) async throws -> WebEndpoint {
        for _ in 0..<400 {
            let state = try #require(
                try await twin.controlJSON("GET", "/_twin/web-function?name=\(f.function)") as? [String: Any])
            let live = (state["endpoints"] as? [String: Any])?["live"] as? [String: Any]
            // Split, and the update settled as lambda-shift saw it (the bake has begun).
            if ((live?["revisionWeights"] as? [[String: Any]]) ?? []).count == 2,
                live?["updateStatus"] as? String == "Successful"
            {
                return try await endpoint(f)
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TwinError("the deploy never split the endpoint")
    }

    @Test("web: a staging deploy creates a revision from the uploaded object version and moves the endpoint to it")
    func webStaging() async throws {
        let f = try await webFixture("web")
        try await twin.clearRequests()
        let result = try webDeploy(f, ["--environment", "staging"])
        #expect(result.status == 0, "\(result.all)")
        let document = try self.document(result)
        let revision = try #require(document["revision-id"] as? String)
        #expect(document["previous-revision-id"] as? String == f.revision)
        #expect(document["version"] as? String == revision && revision != f.revision)
        let served = try await endpoint(f)
        #expect(served.revisionWeights == [RevisionWeight(revisionId: revision, weight: 100)])
        let built = try await LambdaWebClient(client: try twin.client()).revision(f.function, revision)
        #expect(
            built.codeObject
                == ReferencedObject(
                    bucket: f.bucket, key: try #require(document["s3-key"] as? String),
                    versionId: document["s3-version-id"] as? String))
        #expect(served.description.contains("good=\(revision)"), "\(served.description)")
        let requests = try await twin.requests()
        expectVerified(requests)
        #expect(requests.contains { $0["operation"] as? String == "CreateWebFunctionRevision" })
        // The same code again: the endpoint already serves it.
        let again = try webDeploy(f, ["--environment", "staging"])
        #expect(again.status == 0, "\(again.all)")
        #expect(try self.document(again)["outcome"] as? String == "skipped", "\(again.stdout)")
    }

    @Test(
        "web: a production canary sets 10/90, waits for each update, bakes and completes; an alarm mid-bake restores the weights found (exit 3)"
    )
    func webCanary() async throws {
        let f = try await webFixture("wcn")
        let alarm = uniqueName("wcn-errors")
        let seeder = Seeder(client: try twin.client())
        try await seeder.createAlarm(alarm, state: "OK")
        let running = try webStart(f, ["--branch", "main", "--strategy", "canary:10%:3s", "--alarm", alarm])
        let split = try await waitForSplit(f)
        #expect(Set(split.revisionWeights.map(\.weight)) == [10, 90], "\(split)")
        #expect(split.revisionWeights.first { $0.weight == 90 }?.revisionId == f.revision)
        let done = finish(running)
        #expect(done.status == 0, "\(done.output)")
        let after = try await endpoint(f)
        #expect(after.revisionWeights.count == 1 && after.revisionWeights[0].revisionId != f.revision)
        let good = after.revisionWeights[0].revisionId

        let g = WebFixture(
            function: f.function, bucket: f.bucket, source: try sourceDirectory(returning: "web-v3"), revision: good)
        let failing = try webStart(g, ["--branch", "main", "--strategy", "canary:10%:20s", "--alarm", alarm])
        _ = try await waitForSplit(g)
        _ = try await seeder.cloudWatch(
            "SetAlarmState", ["AlarmName": alarm, "StateValue": "ALARM", "StateReason": "errors"])
        let rolled = finish(failing)
        #expect(rolled.status == 3, "\(rolled.output)")
        #expect(rolled.output.contains("in ALARM: \(alarm)"), "\(rolled.output)")
        let restored = try await endpoint(g)
        #expect(restored.revisionWeights == [RevisionWeight(revisionId: good, weight: 100)], "\(restored)")
        #expect(restored.description.contains("failed="), "\(restored.description)")
        _ = try await seeder.cloudWatch(
            "SetAlarmState", ["AlarmName": alarm, "StateValue": "OK", "StateReason": "fixed"])
    }

    @Test(
        "web: an endpoint in LatestRevision is set to Disabled before the revision exists, and the mode comes back after"
    )
    func webLatestRevisionTrap() async throws {
        let f = try await webFixture("wlr", mode: "LatestRevision")
        try await twin.clearRequests()
        let planned = try Shell.lambdaShift(
            [
                "plan", "--web-function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main",
                "--strategy", "canary:10%:2s",
            ],
            environment: twin.environment().variables)
        #expect(planned.status == 0, "\(planned.all)")
        #expect(planned.stdout.contains("would first set endpoint live to Disabled"), "\(planned.stdout)")
        #expect(planned.stdout.contains("  at 0s: 10% to the new version, bake 2s"), "\(planned.stdout)")
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        let foreign = try Shell.lambdaShift(
            [
                "plan", "--web-function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main",
                "--allowed-account-ids", "999999999999",
            ],
            environment: twin.environment().variables)
        #expect(foreign.status == 2 && foreign.stderr.contains("not in --allowed-account-ids"), "\(foreign.all)")
        let running = try webStart(f, ["--branch", "main", "--strategy", "canary:10%:2s"])
        // While the canary bakes, the new revision serves 10%, not everything.
        let split = try await waitForSplit(f)
        #expect(split.autoDeploymentMode == "Disabled")
        #expect(Set(split.revisionWeights.map(\.weight)) == [10, 90], "\(split)")
        let done = finish(running)
        #expect(done.status == 0, "\(done.output)")
        #expect(
            done.output.contains("was in LatestRevision mode, which serves every new revision at once: set to Disabled")
        )
        let operations = try await twin.requests().compactMap { $0["operation"] as? String }
        let disabled = try #require(operations.firstIndex(of: "UpdateWebFunctionEndpoint"))
        let created = try #require(operations.firstIndex(of: "CreateWebFunctionRevision"))
        #expect(disabled < created, "\(operations)")
        let after = try await endpoint(f)
        #expect(after.autoDeploymentMode == "LatestRevision" && after.revisionWeights.count == 1)
    }

    @Test(
        "web: a revision that fails to build changes nothing else (exit 1); someone else's weight change mid-bake is left as they set it (exit 1)"
    )
    func webFailures() async throws {
        let f = try await webFixture("wfl", mode: "LatestRevision")
        try await twin.control(
            "POST", "/_twin/web-behaviour",
            [
                "failNextBuild": [
                    "errors": [["attribute": "code", "errorCode": "InvalidZip", "errorMessage": "bad zip"]]
                ]
            ])
        let failed = try webDeploy(f, ["--environment", "staging"])
        #expect(failed.status == 1, "\(failed.all)")
        #expect(
            failed.stderr.contains("failed to build (code: InvalidZip: bad zip): no traffic moved"), "\(failed.stderr)")
        let unchanged = try await endpoint(f)
        #expect(unchanged.revisionWeights == [RevisionWeight(revisionId: f.revision, weight: 100)])
        #expect(unchanged.autoDeploymentMode == "LatestRevision")

        let g = try await webFixture("wot")
        let running = try webStart(g, ["--branch", "main", "--strategy", "canary:10%:6s"])
        _ = try await waitForSplit(g)
        _ = try await twin.controlJSON(
            "POST", "/_twin/web-endpoint",
            ["function": g.function, "endpoint": "live", "weights": [["revisionId": g.revision, "weight": 100]]])
        let interfered = finish(running)
        #expect(interfered.status == 1, "\(interfered.output)")
        let theirs = try await endpoint(g)
        #expect(theirs.revisionWeights == [RevisionWeight(revisionId: g.revision, weight: 100)], "\(theirs)")
    }

    @Test(
        "web: status and rollback work on the endpoint (back to the last good revision); cleanup keeps three revisions")
    func webOperators() async throws {
        let f = try await webFixture("wop")
        let first = try webDeploy(f, ["--environment", "staging"])
        #expect(first.status == 0, "\(first.all)")
        let good = try #require(try document(first)["revision-id"] as? String)
        let g = WebFixture(
            function: f.function, bucket: f.bucket, source: try sourceDirectory(returning: "web-v3"), revision: good)
        let second = try webDeploy(g, ["--environment", "staging"])
        #expect(second.status == 0, "\(second.all)")
        let latest = try #require(try document(second)["revision-id"] as? String)
        func run(_ arguments: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(
                arguments + ["--web-function", f.function, "--environment", "staging", "--output", "json"],
                environment: twin.environment().variables)
        }
        let status = try run(["status"])
        #expect(status.status == 0, "\(status.all)")
        #expect(status.stdout.contains(latest), "\(status.stdout)")
        let rolled = try run(["rollback"])
        #expect(rolled.status == 0, "\(rolled.all)")
        #expect(try await endpoint(f).revisionWeights == [RevisionWeight(revisionId: good, weight: 100)])
        #expect((try await endpoint(f)).description.contains("rolled-back=\(latest)"))
        // Three revisions, all within the newest --keep-versions (3): nothing to delete.
        let cleanup = try run(["cleanup"])
        let cleaned = try document(cleanup)
        #expect(cleanup.status == 0 && cleaned["outcome"] as? String == "nothing-to-do", "\(cleanup.all)")
    }

    @Test("web: bad input is exit 2 before any change")
    func webBadInput() async throws {
        let f = try await webFixture("wbd", endpoints: ["live", "beta"])
        try await twin.clearRequests()
        let cases: [([String], String)] = [
            (["--environment", "staging"], "has 2 endpoints (beta, live): name one with --endpoint."),
            (["--environment", "staging", "--alias", "live"], "give --endpoint instead"),
            (["--environment", "staging", "--endpoint", "gone"], "has no endpoint gone: check --endpoint."),
            (["--environment", "staging", "--endpoint", "live", "--max-error-rate", "1"], "gated by --alarm"),
            (["--environment", "staging", "--endpoint", "live", "--smoke-payload", "{}"], "has no Invoke"),
        ]
        for (extra, sentence) in cases {
            let result = try webDeploy(f, extra)
            #expect(result.status == 2 && result.stderr.contains(sentence), "\(extra): \(result.all)")
        }
        let missing = try Shell.lambdaShift(
            [
                "deploy", "--web-function", "no-such-web", "--bucket", f.bucket, "--source", f.source, "--environment",
                "staging",
            ],
            environment: twin.environment().variables)
        #expect(missing.status == 2 && missing.stderr.contains("No web function no-such-web"), "\(missing.all)")
        let endpointAlone = try Shell.lambdaShift(
            [
                "deploy", "--function", "x", "--endpoint", "live", "--bucket", f.bucket, "--source", f.source,
                "--environment", "staging",
            ],
            environment: twin.environment().variables)
        #expect(endpointAlone.status == 2 && endpointAlone.stderr.contains("only a web function has"))
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
    }
}
