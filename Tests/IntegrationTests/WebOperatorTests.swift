import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

/// Issue 38, the rest: a detached rollout of an endpoint with `advance`, `cleanup` of the
/// revisions nothing uses, `doctor`, and a settings file whose targets mix a function and a web
/// function, through the binary against the twin.
extension TwinSuite.DeployTests {
    func web(_ f: WebFixture, _ arguments: [String]) throws -> Shell.Result {
        try Shell.lambdaShift(
            arguments + ["--web-function", f.function, "--output", "json"], environment: twin.environment().variables)
    }

    @Test(
        "web: deploy --detach leaves the endpoint split and Disabled; advance waits, then completes and brings LatestRevision back; rollback ends the next one and brings it back too"
    )
    func webDetached() async throws {
        let f = try await webFixture("wdt", mode: "LatestRevision")
        let alarm = uniqueName("wdt-errors")
        try await Seeder(client: try twin.client()).createAlarm(alarm, state: "OK")
        let settings = ["--branch", "main", "--strategy", "linear:50%:2s", "--alarm", alarm]
        let started = try web(f, ["deploy", "--detach", "--bucket", f.bucket, "--source", f.source] + settings)
        #expect(started.status == 0, "\(started.all)")
        let document = try self.document(started)
        #expect(document["outcome"] as? String == "in-progress", "\(started.stdout)")
        let revision = try #require(document["revision-id"] as? String)
        var live = try await endpoint(f)
        #expect(
            live.revisionWeights.map { "\($0.revisionId)=\($0.weight)" }.sorted()
                == ["\(f.revision)=50", "\(revision)=50"].sorted(), "\(live)")
        // Disabled for the rollout (LatestRevision would serve the revision to everyone), and the
        // record says the mode comes back when it ends.
        #expect(live.autoDeploymentMode == "Disabled")
        #expect(live.description.contains("rollout=\(revision),\(f.revision),0,1,"), "\(live.description)")
        #expect(live.description.hasSuffix(",L]"), "\(live.description)")

        let status = try self.document(try web(f, ["status"]))
        let detached = try #require(status["detached"] as? [String: Any], "\(status)")
        #expect(detached["new-version"] as? String == revision && detached["old-version"] as? String == f.revision)

        // Another deploy meanwhile is refused, as over an alias's detached rollout: exit 2, no change.
        try await twin.clearRequests()
        let g = WebFixture(
            function: f.function, bucket: f.bucket, source: try sourceDirectory(returning: "wdt-v3"),
            revision: revision)
        let over = try web(g, ["deploy", "--bucket", g.bucket, "--source", g.source] + settings)
        #expect(over.status == 2 && over.stderr.contains("A detached rollout of revision \(revision) is in progress"))
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

        try await twin.clearRequests()
        let early = try web(f, ["advance"] + settings)
        let waited = try self.document(early)
        #expect(early.status == 0 && waited["outcome"] as? String == "waiting", "\(early.all)")
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

        try await Task.sleep(for: .seconds(2.2))
        let done = try web(f, ["advance"] + settings)
        #expect(done.status == 0, "\(done.all)")
        let ended = try self.document(done)
        #expect(ended["outcome"] as? String == "deployed", "\(done.stdout)")
        #expect(ended["revision-id"] as? String == revision && ended["previous-revision-id"] as? String == f.revision)
        live = try await endpoint(f)
        #expect(live.revisionWeights == [RevisionWeight(revisionId: revision, weight: 100)], "\(live)")
        #expect(live.autoDeploymentMode == "LatestRevision", "\(live)")
        #expect(!live.description.contains("rollout=") && live.description.contains("good=\(revision)"))
        let again = try web(f, ["advance"] + settings)
        let nothing = try self.document(again)
        #expect(again.status == 0 && nothing["outcome"] as? String == "nothing-to-do", "\(again.all)")

        // The next detached rollout, ended by the operator's rollback: the mode comes back too.
        let next = try web(g, ["deploy", "--detach", "--bucket", g.bucket, "--source", g.source] + settings)
        let nextDocument = try self.document(next)
        #expect(next.status == 0 && nextDocument["outcome"] as? String == "in-progress", "\(next.all)")
        #expect(try await endpoint(f).autoDeploymentMode == "Disabled")
        let rolled = try web(g, ["rollback", "--branch", "main"])
        #expect(rolled.status == 0, "\(rolled.all)")
        live = try await endpoint(f)
        #expect(live.revisionWeights == [RevisionWeight(revisionId: revision, weight: 100)], "\(live)")
        #expect(live.autoDeploymentMode == "LatestRevision", "\(rolled.stdout)")
        #expect(!live.description.contains("rollout="), "\(live.description)")
    }

    @Test(
        "web: cleanup deletes the revisions no endpoint uses beyond the newest --keep-versions, never the served one or its rollback target; --dry-run deletes nothing"
    )
    func webCleanup() async throws {
        let f = try await webFixture("wcl")
        var served: [String] = []
        for code in ["wcl-a", "wcl-b", "wcl-c"] {
            let g = WebFixture(
                function: f.function, bucket: f.bucket, source: try sourceDirectory(returning: code),
                revision: f.revision)
            let result = try webDeploy(g, ["--environment", "staging"])
            #expect(result.status == 0, "\(result.all)")
            served.append(try #require(try document(result)["revision-id"] as? String))
        }
        let client = LambdaWebClient(client: try twin.client())
        #expect(try await client.revisions(f.function).count == 4)
        try await twin.clearRequests()
        let dry = try web(f, ["cleanup", "--keep-versions", "1", "--dry-run", "--environment", "staging"])
        #expect(dry.status == 0, "\(dry.all)")
        let listed = try document(dry)
        #expect(listed["revisions"] as? [String] == [f.revision, served[0]], "\(dry.stdout)")
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        #expect(try await client.revisions(f.function).count == 4)

        let cleaned = try web(f, ["cleanup", "--keep-versions", "1", "--environment", "staging"])
        #expect(cleaned.status == 0, "\(cleaned.all)")
        let answer = try document(cleaned)
        #expect(answer["outcome"] as? String == "cleaned", "\(cleaned.stdout)")
        #expect(answer["revisions"] as? [String] == [f.revision, served[0]])
        let kept = try #require(answer["kept"] as? [[String: Any]])
        #expect(kept.first?["revision"] as? String == served[1], "\(kept)")
        #expect((kept.first?["why"] as? String)?.contains("rollback target") == true, "\(kept)")
        let left = Set(try await client.revisions(f.function).map(\.revisionId))
        #expect(left == [served[1], served[2]], "\(left)")
        expectVerified(try await twin.requests())
        // Nothing left to delete: said, exit 0.
        let twice = try web(f, ["cleanup", "--keep-versions", "1", "--environment", "staging"])
        let twiceDocument = try document(twice)
        #expect(twice.status == 0 && twiceDocument["outcome"] as? String == "nothing-to-do", "\(twice.all)")
        let artifacts = try web(f, ["cleanup", "--artifacts", "--environment", "staging"])
        #expect(artifacts.status == 2 && artifacts.stderr.contains("does not work on a web function yet"))
    }

    @Test(
        "web: doctor checks the web function, its endpoint and the served revision; a split endpoint or a missing function is FAIL (exit 1)"
    )
    func webDoctor() async throws {
        let f = try await webFixture("wdc", mode: "LatestRevision")
        let healthy = try web(f, ["doctor", "--environment", "staging", "--bucket", f.bucket])
        #expect(healthy.status == 0, "\(healthy.all)")
        let checks = try #require(try document(healthy)["checks"] as? [[String: Any]])
        #expect(
            checks.map { $0["check"] as? String } == ["identity", "web function", "endpoint", "revision", "bucket"],
            "\(checks)")
        #expect(checks.allSatisfy { $0["ok"] as? Bool == true }, "\(checks)")
        #expect(healthy.stdout.contains("a deploy sets it to Disabled"), "\(healthy.stdout)")

        let deployed = try webDeploy(f, ["--environment", "staging"])
        #expect(deployed.status == 0, "\(deployed.all)")
        let revision = try #require(try document(deployed)["revision-id"] as? String)
        _ = try await twin.controlJSON(
            "POST", "/_twin/web-endpoint",
            [
                "function": f.function, "endpoint": "live",
                "weights": [["revisionId": revision, "weight": 70], ["revisionId": f.revision, "weight": 30]],
            ])
        let split = try web(f, ["doctor", "--environment", "staging"])
        #expect(split.status == 1, "\(split.all)")
        let failed = try #require(try document(split)["checks"] as? [[String: Any]])
        let endpointCheck = try #require(failed.first { $0["check"] as? String == "endpoint" })
        #expect(endpointCheck["ok"] as? Bool == false, "\(failed)")
        #expect((endpointCheck["detail"] as? String)?.hasPrefix("live is split between") == true, "\(failed)")

        let missing = try Shell.lambdaShift(
            ["doctor", "--web-function", "no-such-web", "--environment", "staging"],
            environment: twin.environment().variables)
        #expect(missing.status == 1 && missing.stdout.contains("FAIL web function: No web function no-such-web"))
    }

    @Test(
        "web: one deploy of a settings file whose targets are a function and a web function moves the alias and the endpoint"
    )
    func webMixedTargets() async throws {
        let f = try await webFixture("wmx")
        let function = uniqueName("wmx-fn")
        try await twin.seedFunction(function, alias: "live")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wmx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("lambda-shift.yml").path
        try """
        bucket: \(f.bucket)
        targets:
          - {function: \(function)}
          - {web-function: \(f.function), endpoint: live}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        try await twin.clearRequests()
        let result = try Shell.lambdaShift(
            ["deploy", "--config", config, "--source", f.source, "--environment", "staging", "--output", "json"],
            environment: twin.environment().variables)
        #expect(result.status == 0, "\(result.all)")
        let rows = try #require(try document(result)["targets"] as? [[String: Any]])
        #expect(rows.count == 2 && rows.allSatisfy { $0["outcome"] as? String == "deployed" }, "\(rows)")
        let alias = try await LambdaClient(client: try twin.client()).getAlias(function, alias: "live")
        #expect(alias.functionVersion == "2", "\(alias)")
        let served = try await endpoint(f)
        #expect(served.revisionWeights.count == 1 && served.revisionWeights[0].revisionId != f.revision, "\(served)")
        expectVerified(try await twin.requests())
    }
}

extension TwinSuite.DeployTests {
    @Test("web: SIGTERM mid-bake restores the weights found and the LatestRevision mode, exit 4")
    func webSignal() async throws {
        let f = try await webFixture("wsg", mode: "LatestRevision")
        let running = try webStart(f, ["--branch", "main", "--strategy", "canary:10%:30s"])
        let split = try await waitForSplit(f)
        #expect(split.autoDeploymentMode == "Disabled", "\(split)")
        kill(running.process.processIdentifier, SIGTERM)
        let ended = finish(running)
        #expect(ended.status == 4, "\(ended.output)")
        let restored = try await endpoint(f)
        #expect(restored.revisionWeights == [RevisionWeight(revisionId: f.revision, weight: 100)], "\(restored)")
        #expect(restored.autoDeploymentMode == "LatestRevision", "\(restored)")
        // A signal is no verdict on the revision: nothing recorded failed.
        #expect(DeployHistory(description: restored.description).failed.isEmpty, "\(restored.description)")
    }
}
