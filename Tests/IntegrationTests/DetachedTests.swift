import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite {
    /// Issue 23: deploy --detach, then advance runs, through the binary against the twin.
    @Suite("Detached rollouts")
    struct DetachedTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        struct Fixture {
            var function: String
            var bucket: String
            var source: String
            var alarm: String
        }

        func fixture(_ prefix: String) async throws -> Fixture {
            let function = uniqueName(prefix)
            try await twin.seedFunction(function)
            let bucket = uniqueName(prefix + "-b")
            let seeder = Seeder(client: try twin.client())
            try await seeder.createBucket(bucket)
            let alarm = uniqueName(prefix + "-errors")
            try await seeder.createAlarm(alarm)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            return Fixture(
                function: function, bucket: bucket, source: try sourceDirectory(returning: prefix), alarm: alarm)
        }

        func settings(_ f: Fixture, strategy: String) -> [String] {
            ["--function", f.function, "--environment", "production", "--strategy", strategy, "--alarm", f.alarm]
        }

        func deploy(_ f: Fixture, strategy: String) throws -> Shell.Result {
            try Shell.lambdaShift(
                ["deploy", "--detach", "--bucket", f.bucket, "--source", f.source] + settings(f, strategy: strategy),
                environment: twin.environment().variables)
        }

        func advance(_ f: Fixture, strategy: String) throws -> Shell.Result {
            try Shell.lambdaShift(
                ["advance"] + settings(f, strategy: strategy), environment: twin.environment().variables)
        }

        func alias(_ function: String) async throws -> AliasConfiguration {
            try await LambdaClient(client: try twin.client()).getAlias(function, alias: "live")
        }

        func mutations() async throws -> [String] {
            try await twin.requests().filter { $0["mutating"] as? Bool == true }.compactMap {
                $0["operation"] as? String
            }
        }

        @Test("detach leaves 50%; advance at once waits and changes nothing; after 2 s it flips; then nothing to do")
        func happyPath() async throws {
            let f = try await fixture("dt")
            let started = try deploy(f, strategy: "linear:50%:2s")
            #expect(started.status == 0 && started.outputs["outcome"] == "in-progress", "\(started.all)")
            #expect(started.outputs["step"] == "1/1" && started.outputs["weight"] == "50")
            #expect(started.outputs["next-check-at"]?.hasSuffix("Z") == true)
            var live = try await alias(f.function)
            #expect(live.functionVersion == "1" && live.additionalVersionWeights == ["2": 0.5])

            let status = try Shell.lambdaShift(
                ["status", "--function", f.function, "--alias", "live"], environment: twin.environment().variables)
            #expect(status.stdout.contains("detached: version 2 replacing 1, step 1 of 1"), "\(status.all)")

            try await twin.clearRequests()
            let early = try advance(f, strategy: "linear:50%:2s")
            #expect(early.status == 0 && early.outputs["outcome"] == "waiting", "\(early.all)")
            #expect(try await mutations().isEmpty)

            try await Task.sleep(for: .seconds(2.2))
            let done = try advance(f, strategy: "linear:50%:2s")
            #expect(done.status == 0 && done.outputs["outcome"] == "deployed", "\(done.all)")
            live = try await alias(f.function)
            #expect(live.functionVersion == "2" && live.additionalVersionWeights.isEmpty)
            let history = DeployHistory(description: live.description)
            #expect(history.good.first == "2" && history.rollout == nil)

            let after = try advance(f, strategy: "linear:50%:2s")
            #expect(after.status == 0 && after.outputs["outcome"] == "nothing-to-do", "\(after.all)")
        }

        @Test("an alarm that fires between two advance runs and clears before the next rolls back with exit 3")
        func alarmBetweenRuns() async throws {
            let f = try await fixture("da")
            #expect(try deploy(f, strategy: "linear:50%:1s").outputs["outcome"] == "in-progress")
            let seeder = Seeder(client: try twin.client())
            try await seeder.setAlarmState(f.alarm, "ALARM")
            try await seeder.setAlarmState(f.alarm, "OK")
            try await Task.sleep(for: .seconds(1.2))
            let result = try advance(f, strategy: "linear:50%:1s")
            #expect(result.status == 3 && result.outputs["outcome"] == "rolled-back", "\(result.all)")
            #expect(result.stderr.contains("went into ALARM during the step"), "\(result.all)")
            let live = try await alias(f.function)
            #expect(live.functionVersion == "1" && live.additionalVersionWeights.isEmpty)
            #expect(DeployHistory(description: live.description).failed.first == "2")
        }

        @Test("lambda-shift's own rollback closes the detached record: the next advance has nothing to do")
        func operatorRollback() async throws {
            let f = try await fixture("dh")
            #expect(try deploy(f, strategy: "linear:50%:1s").outputs["outcome"] == "in-progress")
            let rollback = try Shell.lambdaShift(
                ["rollback", "--function", f.function, "--alias", "live"], environment: twin.environment().variables)
            #expect(rollback.status == 0, "\(rollback.all)")
            var live = try await alias(f.function)
            #expect(DeployHistory(description: live.description).rollout == nil, "\(live.description)")
            try await Task.sleep(for: .seconds(1.2))
            try await twin.clearRequests()
            let result = try advance(f, strategy: "linear:50%:1s")
            #expect(result.status == 0 && result.outputs["outcome"] == "nothing-to-do", "\(result.all)")
            #expect(!result.stderr.contains("by hand"), "\(result.all)")
            live = try await alias(f.function)
            #expect(live.functionVersion == "1" && live.additionalVersionWeights.isEmpty)
            #expect(try await mutations().isEmpty)
        }

        @Test("a hand move between runs (the record left in place): the next advance is exit 1 and moves no traffic")
        func handRollback() async throws {
            let f = try await fixture("dh2")
            #expect(try deploy(f, strategy: "linear:50%:1s").outputs["outcome"] == "in-progress")
            let found = try await alias(f.function)
            // What the console or the CLI does: the routing cleared, the description untouched.
            _ = try await LambdaClient(client: try twin.client()).updateAlias(
                f.function, alias: "live", version: "1", additionalVersionWeights: [:], revisionId: found.revisionId,
                description: found.description)
            try await Task.sleep(for: .seconds(1.2))
            try await twin.clearRequests()
            let result = try advance(f, strategy: "linear:50%:1s")
            #expect(result.status == 1, "\(result.all)")
            #expect(result.stderr.contains("by hand"), "\(result.all)")
            let live = try await alias(f.function)
            #expect(live.functionVersion == "1" && live.additionalVersionWeights.isEmpty)
            // Only the record left the description: the routing UpdateAlias sent is the one found.
            let updates = try await twin.requests().filter { $0["operation"] as? String == "UpdateAlias" }
            #expect(updates.count == 1, "the record removed, nothing else: \(updates.count)")
            let next = try advance(f, strategy: "linear:50%:1s")
            #expect(next.status == 0 && next.outputs["outcome"] == "nothing-to-do", "\(next.all)")
        }

        @Test("two advance runs at once move one step between them")
        func concurrent() async throws {
            let f = try await fixture("dc")
            #expect(try deploy(f, strategy: "linear:25%:1s").outputs["outcome"] == "in-progress")
            try await Task.sleep(for: .seconds(1.2))
            let environment = twin.environment().variables
            let arguments = ["advance"] + settings(f, strategy: "linear:25%:1s")
            async let first = Task.detached { try Shell.lambdaShift(arguments, environment: environment) }.value
            async let second = Task.detached { try Shell.lambdaShift(arguments, environment: environment) }.value
            let results = try await [first, second]
            let outcomes = results.map { $0.outputs["outcome"] ?? "?" }.sorted()
            #expect(outcomes == ["in-progress", "waiting"], "\(results.map(\.all))")
            #expect(results.allSatisfy { $0.status == 0 })
            let live = try await alias(f.function)
            #expect(live.additionalVersionWeights == ["2": 0.5], "one step from 25%: \(live)")
        }
    }
}
