import AWSCore
import AWSServices
import Config
import Fakes
import Foundation
import LambdaShiftCore
import Pipeline
import Rollout
import TestSupport
import Testing

@Suite("Provisioned concurrency in-process")
struct WarmCapacityTests {
    typealias World = DeployPipelineTests.World

    @Test("on the alias: each weight change waits for READY, said in the timeline; the deploy succeeds")
    func aliasLevel() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.seedProvisioned("live", amount: 10)
        let result = await world.run(try world.plan { $0["strategy"] = "linear:50%:10s" })
        #expect(result.outcome == .deployed, "\(result)")
        let log = world.lambda.state.withLock { $0.capacityLog }
        // Preflight read, then per change: the update, one IN_PROGRESS read, READY.
        #expect(
            log == ["read live READY"]
                + Array(repeating: ["update live", "read live IN_PROGRESS", "read live READY"], count: 2).flatMap { $0 },
            "\(log)")
        #expect(world.events.lines.contains("provisioned concurrency: alias live has 10 (READY, 10 allocated)"))
        #expect(
            world.events.lines.filter {
                $0.hasPrefix("provisioned concurrency of alias live: READY: 10 of 10 allocated")
            }.count == 2)
    }

    @Test("a FAILED allocation on the alias rolls back with exit 3 and Lambda's reason")
    func aliasFailed() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.seedProvisioned("live", amount: 10)
        world.lambda.state.withLock { $0.failingInit = ["2"] }
        let result = await world.run(try world.plan())
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.reason?.contains("provisioned concurrency of alias live FAILED") == true, "\(result)")
        #expect(result.reason?.contains("FUNCTION_ERROR_INIT_FAILURE") == true)
        #expect(
            world.lambda.alias()?.functionVersion == "1"
                && world.lambda.alias()?.additionalVersionWeights.isEmpty == true)
    }

    @Test("an allocation already FAILED before the deploy is exit 2 with no change")
    func failedBefore() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.state.withLock {
            $0.provisioned["live"] = ProvisionedConcurrency(
                requested: 10, status: "FAILED", statusReason: "FUNCTION_ERROR_INIT_FAILURE")
        }
        let result = await world.run(try world.plan())
        #expect(result.exitCode == ExitStatus.usage, "\(result)")
        #expect(result.reason?.contains("The provisioned concurrency of alias live is FAILED") == true, "\(result)")
        #expect(world.lambda.mutations.isEmpty, "\(world.lambda.mutations)")
    }

    @Test(
        "on the live version: the new version gets as much and is READY before traffic; the old one's goes after success"
    )
    func versionLevel() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.seedProvisioned("1", amount: 5)
        let result = await world.run(try world.plan())
        #expect(result.outcome == .deployed, "\(result)")
        let provisioned = world.lambda.state.withLock { $0.provisioned }
        #expect(provisioned["1"] == nil && provisioned["2"]?.requested == 5, "\(provisioned)")
        let mutations = world.lambda.mutations
        let put = try #require(mutations.firstIndex(of: "PutProvisionedConcurrencyConfig"))
        let firstShift = try #require(mutations.firstIndex(of: "UpdateAlias"))
        let delete = try #require(mutations.lastIndex(of: "DeleteProvisionedConcurrencyConfig"))
        #expect(put < firstShift && firstShift < delete, "\(mutations)")
        #expect(world.events.lines.contains("provisioned concurrency of version 2: READY: 5 of 5 allocated after 0s"))
        #expect(
            world.events.lines.contains(
                "provisioned concurrency moved: version 1's configuration removed; version 2 keeps its 5"))
    }

    @Test(
        "on the live version, a new version whose allocation FAILS moves no traffic (exit 3); its configuration goes, the old stays"
    )
    func versionLevelFailed() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.seedProvisioned("1", amount: 5)
        world.lambda.state.withLock { $0.failingInit = ["2"] }
        let result = await world.run(try world.plan())
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.reason?.contains("provisioned concurrency of version 2 FAILED") == true, "\(result)")
        #expect(result.reason?.contains("no traffic moved") == true)
        #expect(
            world.lambda.aliasUpdates.allSatisfy { $0.weights.isEmpty && $0.version == "1" },
            "\(world.lambda.aliasUpdates)")
        let provisioned = world.lambda.state.withLock { $0.provisioned }
        #expect(provisioned["2"] == nil && provisioned["1"]?.requested == 5, "\(provisioned)")
        #expect(DeployHistory(description: world.lambda.alias()?.description ?? "").failed == ["2"])
    }

    @Test("on the live version, a gate that rolls back removes the new version's configuration, not the old one's")
    func versionLevelRolledBack() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.seedProvisioned("1", amount: 5)
        world.metrics.alarms.withLock { $0["errors"] = "OK" }
        world.metrics.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        let result = await world.run(try world.plan { $0.values["alarm"] = ["errors"] })
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        let provisioned = world.lambda.state.withLock { $0.provisioned }
        #expect(provisioned["2"] == nil && provisioned["1"]?.requested == 5, "\(provisioned)")
    }

    @Test("plan names the provisioned concurrency it will wait for")
    func plan() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.seedProvisioned("live", amount: 10)
        let deps = DeployDependencies(
            identity: FakeIdentity(), functions: world.lambda, store: world.store, metrics: world.metrics,
            images: world.registry, signer: world.signer, region: "us-east-1", credentials: { nil },
            clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), bakeSleeper: RecordingSleeper(),
            pollSleeper: RecordingSleeper(), environment: Environment([:]))
        let report = try await DeployPipeline(plan: try world.plan(), deps: deps, events: world.events).dryRun()
        #expect(
            report.lines.contains {
                $0.hasPrefix(
                    "provisioned concurrency: alias live has 10 (READY); after every weight change the rollout would wait for READY (up to 900s)"
                )
            }, "\(report.lines)")
        #expect(report.document["provisioned-concurrency"] != nil)
        #expect(world.lambda.mutations.isEmpty)
    }
}

@Suite("Timeouts that would fail at once")
struct ZeroTimeoutTests {
    @Test(
        "--hook-timeout 0 and --provisioned-concurrency-timeout 0 are refused by name",
        arguments: [
            "hook-timeout", "provisioned-concurrency-timeout",
        ])
    func zero(_ setting: String) throws {
        let world = try DeployPipelineTests.World()
        #expect {
            try world.plan { $0[setting] = "0s" }
        } throws: {
            ($0 as? any LambdaShiftError)?.sentence.hasPrefix("--\(setting) is 0:") == true
        }
        let one = try world.plan { $0[setting] = "1s" }
        #expect((setting == "hook-timeout" ? one.hookTimeoutSeconds : one.provisionedConcurrencyTimeoutSeconds) == 1)
    }
}
