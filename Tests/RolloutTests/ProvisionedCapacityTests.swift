import AWSCore
import AWSServices
import Fakes
import Foundation
@testable import Rollout
import Synchronization
import TestSupport
import Testing

/// A sleeper that moves a manual clock by the time it sleeps.
final class ClockSleeper: Sleeper {
    let clock: ManualClock
    init(_ clock: ManualClock) { self.clock = clock }
    func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        clock.advance(seconds)
    }
}

/// The engine's events, in order.
final class Kinds: Sendable {
    let all = Mutex<[RolloutEvent.Kind]>([])
    func withLock<T>(_ body: (inout [RolloutEvent.Kind]) -> T) -> T { all.withLock { body(&$0) } }
}

@Suite("Rollout: provisioned concurrency is READY before every bake")
struct ProvisionedCapacityTests {
    let before = AliasConfiguration(name: "live", functionVersion: "1", revisionId: "a1")

    /// Lambda with an alias on version 1 carrying 10 provisioned concurrency, and version 2.
    func lambda(allocationReads: Int = 2) -> FakeLambda {
        let lambda = FakeLambda(name: "svc", code: "c1", store: FakeStore())
        lambda.seedAlias()
        lambda.state.withLock { s in
            s.versions["2"] = FunctionConfiguration(functionName: "svc", version: "2", codeSha256: "c2")
            s.allocationReads = allocationReads
        }
        lambda.seedProvisioned("live", amount: 10)
        return lambda
    }

    func engine(
        _ api: FakeLambda, clock: ManualClock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
        timeout: Int = 900, events: Kinds
    ) -> RolloutEngine {
        RolloutEngine(
            api: api, clock: clock, sleeper: ClockSleeper(clock),
            capacity: CapacityWait(qualifier: "live", label: "alias live", timeoutSeconds: timeout)
        ) { event in events.withLock { $0.append(event.kind) } }
    }

    @Test("after every weight change and the flip, the allocation is read until READY, then the bake starts")
    func waitsEachStep() async throws {
        let api = lambda()
        let events = Kinds()
        let alias = try await api.getAlias(function: "svc", alias: "live")
        let outcome = await engine(api, events: events).shift(
            function: "svc", alias: "live", before: alias, newVersion: "2",
            strategy: try Strategy.parse("linear:50%:5s"))
        #expect(outcome == .completed)
        let log = api.state.withLock { $0.capacityLog }
        let perChange = ["update live", "read live IN_PROGRESS", "read live IN_PROGRESS", "read live READY"]
        #expect(log == perChange + perChange, "\(log)")
        // Each weighted step's bake starts only once its allocation was READY.
        let kinds = events.withLock { $0 }
        let order = kinds.compactMap { kind -> String? in
            switch kind {
            case .shifted: "shifted"
            case .capacity(let check): check.ready ? "ready" : "not ready"
            case .baking: "baking"
            case .flipped: "flipped"
            default: nil
            }
        }
        #expect(order == ["shifted", "ready", "baking", "flipped", "ready"], "\(order)")
    }

    @Test("FAILED (a new version whose init fails) restores the alias, with Lambda's reason")
    func failed() async throws {
        let api = lambda()
        api.state.withLock { $0.failingInit = ["2"] }
        let events = Kinds()
        let alias = try await api.getAlias(function: "svc", alias: "live")
        let outcome = await engine(api, events: events).shift(
            function: "svc", alias: "live", before: alias, newVersion: "2",
            strategy: try Strategy.parse("canary:10%:5m"))
        guard case .rolledBack(let reason) = outcome else {
            Issue.record("expected a rollback, got \(outcome)")
            return
        }
        #expect(
            reason.contains("provisioned concurrency of alias live FAILED")
                && reason.contains("FUNCTION_ERROR_INIT_FAILURE"))
        #expect(api.alias()?.functionVersion == "1" && api.alias()?.additionalVersionWeights.isEmpty == true)
        #expect(!events.withLock { $0 }.contains { if case .baking = $0 { true } else { false } }, "no bake started")
        #expect(DeployHistory(description: api.alias()?.description ?? "").failed == ["2"])
    }

    @Test("not READY by --provisioned-concurrency-timeout restores the alias and says how far it got")
    func timeout() async throws {
        let api = lambda(allocationReads: 1000)
        let events = Kinds()
        let alias = try await api.getAlias(function: "svc", alias: "live")
        let outcome = await engine(api, timeout: 30, events: events).shift(
            function: "svc", alias: "live", before: alias, newVersion: "2",
            strategy: try Strategy.parse("canary:10%:5m"))
        guard case .rolledBack(let reason) = outcome else {
            Issue.record("expected a rollback, got \(outcome)")
            return
        }
        #expect(
            reason.contains("still IN_PROGRESS after") && reason.contains("--provisioned-concurrency-timeout"),
            "\(reason)")
        #expect(api.alias()?.functionVersion == "1" && api.alias()?.additionalVersionWeights.isEmpty == true)
        let reads = api.state.withLock { $0.capacityLog }.filter { $0.hasPrefix("read") }.count
        #expect(reads > 3 && reads < 40, "polls back off up to 5 s within 30 s: \(reads)")
    }

    @Test("a restore Lambda refuses for the alias's provisioned concurrency clears the routing instead")
    func routingCleared() async throws {
        // Found mid-way (a rollback of an earlier split): restoring it exactly is refused.
        let api = FakeAlias(version: "1", weights: ["0": 0.2])
        api.refuseWeighted.withLock {
            $0 = AWSServiceError(
                service: "Lambda", operation: "UpdateAlias", code: "InvalidParameterValueException",
                message: "Invalid alias configuration for Provisioned Concurrency", status: 400, requestId: nil)
        }
        let split = api.alias
        let events = Kinds()
        let engine = RolloutEngine(
            api: api, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), sleeper: RecordingSleeper()
        ) { event in events.withLock { $0.append(event.kind) } }
        let outcome = await engine.revert(
            function: "svc", alias: "live", before: split, newVersion: "2",
            outcome: .rolledBack(reason: "post-traffic command failed"))
        #expect(outcome == .rolledBack(reason: "post-traffic command failed"))
        #expect(api.alias.functionVersion == "1" && api.alias.additionalVersionWeights.isEmpty)
        #expect(
            events.withLock { $0 }.contains {
                if case .routingCleared("1", let refusal) = $0 {
                    refusal.contains("Provisioned Concurrency")
                } else {
                    false
                }
            })
    }
}
