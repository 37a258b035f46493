import AWSServices
import Fakes
import Foundation
import LambdaShiftCore
import Testing

@testable import Pipeline
@testable import Rollout

/// Which judge a plan's log limits get: the logs when they can be read, the p99 metric for the
/// duration limit when they cannot (said), and exit 2 for the limits no metric can stand in for.
@Suite("The log-based judge, or its fallback")
struct LogJudgeChoiceTests {
    typealias World = DeployPipelineTests.World

    func choose(_ world: World, logs: FakeLogs?, _ tweak: (inout SettingFlags) -> Void) async throws -> LogGate? {
        var deps = world.deps()
        deps.logs = logs
        let plan = try world.plan(tweak)
        let function = try await world.lambda.getFunctionConfiguration("svc", qualifier: nil)
        return try await Preflight.logGate(plan, function: function, stable: nil, deps: deps, report: world.events)
    }

    @Test("logs that can be read judge every limit; the group is the function's own by default")
    func readable() async throws {
        let world = try World()
        let logs = FakeLogs()
        logs.append(group: "/aws/lambda/svc", stream: "2027/01/15/[1]a", timestamp: 0, message: "START")
        logs.append(group: "/custom/group", stream: "2027/01/15/[1]a", timestamp: 0, message: "START")
        let gate = try #require(try await choose(world, logs: logs) { $0["max-duration-increase"] = "10" })
        #expect(gate.group == "/aws/lambda/svc" && gate.limits.maxDurationIncreasePercent == 10)
        let custom = try #require(
            try await choose(world, logs: logs) {
                $0["max-duration-increase"] = "10"
                $0["log-group"] = "/custom/group"
            })
        #expect(custom.group == "/custom/group")
    }

    @Test("logs that may not be read: duration falls back to the metric, said; memory is exit 2")
    func denied() async throws {
        let world = try World()
        let logs = FakeLogs()
        logs.deny()
        #expect(try await choose(world, logs: logs) { $0["max-duration-increase"] = "10" } == nil)
        #expect(
            world.events.lines.contains {
                $0.hasPrefix("warning: The logs of /aws/lambda/svc cannot be read (these credentials may not read it")
            }, "\(world.events.lines)")
        let gates = Preflight.gates(
            try world.plan { $0["max-duration-increase"] = "10" }, metrics: world.metrics, ignoring: [])
        let canary = try #require(gates.compactMap { $0 as? ComparativeGate }.first)
        #expect(canary.limits.maxDurationIncreasePercent == 10)
        await #expect {
            _ = try await choose(world, logs: logs) { $0["max-memory-use"] = "90" }
        } throws: { error in
            Outcome(ending: error).exitCode == 2
                && sentence(of: error).hasPrefix("--max-memory-use judges from the function's logs in /aws/lambda/svc")
        }
    }

    @Test("plan says what the logs will judge, or that they cannot be read and the metric judges duration")
    func planSaysIt() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let logs = FakeLogs()
        logs.append(group: "/aws/lambda/svc", stream: "2027/01/15/[1]a", timestamp: 0, message: "START")
        var deps = world.deps()
        deps.logs = logs
        let plan = try world.plan {
            $0["max-duration-increase"] = "10"
            $0["max-memory-use"] = "90"
        }
        let report = try await DeployPipeline(plan: plan, deps: deps, events: world.events).dryRun()
        #expect(
            report.lines.contains(
                "logs: every invocation of both versions judged from the function's reports: durations shifted at most 10% of the stable median (the Hodges–Lehmann shift's lower bound at 95%), and the p99 too, no invocation above 90% of its memory"
            ), "\(report.lines)")
        #expect(report.document["log-judge"]?.object?["reads-logs"] == .bool(true))
        logs.deny()
        let durationOnly = try world.plan { $0["max-duration-increase"] = "10" }
        let fallback = try await DeployPipeline(plan: durationOnly, deps: deps, events: world.events).dryRun()
        #expect(fallback.lines.contains("logs: cannot be read, so the duration limit is judged from the p99 metric"))
        #expect(world.lambda.mutations.isEmpty)
    }

    @Test("a log group name CloudWatch Logs would refuse is exit 2 before any AWS call, in one sentence")
    func badGroupName() throws {
        let world = try World()
        #expect {
            _ = try world.plan {
                $0["max-duration-increase"] = "10"
                $0["log-group"] = "bad group!"
            }
        } throws: { error in
            Outcome(ending: error).exitCode == 2
                && sentence(of: error)
                    == "--log-group is \"bad group!\": a log group name is 1 to 512 letters, digits and . - _ / #, such as /aws/lambda/my-function."
        }
        #expect(world.lambda.mutations.isEmpty)
        #expect(LogSource.isValidGroup("/aws/lambda/svc") && LogSource.isValidGroup("/custom/a.b_c-d#1"))
        #expect(!LogSource.isValidGroup(String(repeating: "a", count: 513)) && !LogSource.isValidGroup("é"))
    }

    @Test("no group yet (never invoked): duration from the metric this time; memory still from the logs")
    func missingGroup() async throws {
        let world = try World()
        let logs = FakeLogs()
        #expect(try await choose(world, logs: logs) { $0["max-duration-increase"] = "10" } == nil)
        #expect(world.events.lines.contains { $0.contains("does not exist yet (the function was never invoked)") })
        let gate = try #require(
            try await choose(world, logs: logs) {
                $0["max-duration-increase"] = "10"
                $0["max-memory-use"] = "90"
            })
        #expect(gate.limits.maxDurationIncreasePercent == nil && gate.limits.maxMemoryUsePercent == 90)
    }
}
