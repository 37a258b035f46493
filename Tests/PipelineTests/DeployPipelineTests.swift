import AWSCore
import AWSServices
import CISupport
import Config
import Fakes
import Hashing
import Foundation
import LambdaShiftCore
@testable import Pipeline
import Rollout
import Synchronization
import TestSupport
import Testing

/// The whole deploy in-process, against in-memory Lambda, S3 and CloudWatch with an injected
/// clock and sleepers: the flows the twin tests prove on the wire, here in milliseconds.
@Suite("Deploy pipeline in-process")
struct DeployPipelineTests {
    struct World {
        let store = FakeStore()
        let registry = FakeRegistry()
        let lambda: FakeLambda
        let signer: FakeSigner
        let metrics = FakeMetrics()
        let events = RecordedEvents()
        let source: String

        init(code: String = "seeded") throws {
            lambda = FakeLambda(name: "svc", code: Data(code.utf8).base64EncodedString(), store: store)
            signer = FakeSigner(store: store, lambdas: [lambda])
            source = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            try writeCode("new code")
        }

        func writeCode(_ text: String) throws {
            try Data("def handler(e, c):\n    return '\(text)'\n".utf8).write(
                to: URL(fileURLWithPath: source + "/index.py"))
        }

        func plan(_ tweak: (inout SettingFlags) -> Void = { _ in }) throws -> DeployPlan {
            var settings = SettingFlags()
            settings["function"] = "svc"
            settings["bucket"] = "artifacts"
            settings["source"] = source
            settings["branch"] = "main"
            settings["strategy"] = "canary:10%:30s"
            tweak(&settings)
            return try #require(
                try settings.resolve(
                    Environment([
                        "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/app",
                        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
                    ])))
        }

        func run(
            _ plan: DeployPlan, sleeper: any Sleeper = RecordingSleeper(), credentials: AWSCredentials? = nil,
            environment: [String: String] = [:]
        ) async -> DeployResult {
            await DeployPipeline(
                plan: plan, deps: deps(sleeper: sleeper, credentials: credentials, environment: environment),
                events: events
            ).run()
        }

        func deps(
            sleeper: any Sleeper = RecordingSleeper(), credentials: AWSCredentials? = nil,
            environment: [String: String] = [:]
        ) -> DeployDependencies {
            DeployDependencies(
                identity: FakeIdentity(), functions: lambda, store: store, metrics: metrics, images: registry,
                signer: signer,
                region: "us-east-1",
                credentials: { credentials }, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
                bakeSleeper: sleeper, pollSleeper: RecordingSleeper(), environment: Environment(environment))
        }

        /// How long the preflight reckons `plan`'s rollout can take, seconds.
        func budget(_ plan: DeployPlan, credentials: AWSCredentials?) -> Int {
            Preflight(plan: plan, deps: deps(credentials: credentials), report: events).rolloutBudget
        }
    }

    @Test("all at once: one flip, outputs as PRODUCT.md names them, the history recorded")
    func flip() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let result = await world.run(try world.plan { $0["strategy"] = "AllAtOnce" })
        #expect(result.exitCode == 0 && result.outcome.word == "deployed", "\(result)")
        #expect(result.outputs["version"] == "2" && result.outputs["previous-version"] == "1")
        #expect(result.outputs["s3-key"] == "octo/app/svc/0123456/package.zip")
        #expect(world.lambda.aliasUpdates.map(\.version) == ["2"])
        #expect(DeployHistory(description: world.lambda.alias()?.description ?? "").good == ["2"])
    }

    @Test("unchanged code is skipped: nothing uploaded, nothing changed")
    func skip() async throws {
        let world = try World()
        world.lambda.seedAlias()
        #expect(await world.run(try world.plan { $0["strategy"] = "AllAtOnce" }).exitCode == 0)
        let before = world.lambda.mutations.count
        let again = await world.run(try world.plan { $0["strategy"] = "AllAtOnce" })
        #expect(again.outcome.word == "skipped" && again.outputs["skipped"] == "true")
        #expect(world.store.uploads.withLock { $0 } == 1 && world.lambda.mutations.count == before)
    }

    @Test("a canary: the weight, then the flip; gates watched during the bake")
    func canary() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.metrics.alarms.withLock { $0["errors"] = "OK" }
        let sleeper = RecordingSleeper()
        let result = await world.run(try world.plan { $0.values["alarm"] = ["errors"] }, sleeper: sleeper)
        #expect(result.outcome.word == "deployed", "\(result)")
        #expect(world.lambda.aliasUpdates.map(\.weights) == [["2": 0.1], [:]])
        #expect(sleeper.recorded == [10, 10, 10])
        #expect(world.events.lines.contains { $0.hasPrefix("gates at 10s of 30s: alarms ok") })
    }

    /// A gate that fails a deploy, and what its failure must say.
    enum FailingGate: String, CaseIterable, Sendable {
        case alarmMidBake = "an alarm mid-bake"
        case tooLittleTraffic = "too little traffic"
        case smokeTest = "a failed smoke test"
    }

    @Test("each gate failing rolls back with exit 3", arguments: FailingGate.allCases)
    func gatesFail(_ gate: FailingGate) async throws {
        let world = try World()
        world.lambda.seedAlias()
        switch gate {
        case .alarmMidBake:
            world.metrics.alarms.withLock { $0["errors"] = "OK" }
            world.metrics.scheduled.withLock { $0.append((after: 3, name: "errors", state: "ALARM")) }
            let a = await world.run(try world.plan { $0.values["alarm"] = ["errors"] })
            #expect(a.exitCode == LambdaShiftCore.ExitStatus.gateFailed && a.outcome.word == "rolled-back", "\(a)")
            #expect(a.reason?.contains("seen 20s into a 30s bake") == true, "\(a)")
            #expect(
                world.lambda.alias()?.functionVersion == "1" && world.lambda.alias()?.additionalVersionWeights == [:])
        case .tooLittleTraffic:
            let q = await world.run(
                try world.plan {
                    $0["max-error-rate"] = "1"; $0["min-invocations"] = "5"
                })
            #expect(
                q.exitCode == LambdaShiftCore.ExitStatus.gateFailed
                    && q.reason?.contains("fewer than --min-invocations 5") == true, "\(q)")
            #expect(world.lambda.alias()?.functionVersion == "1")
            // version is what the alias serves when the run ends; the one published is named apart.
            #expect(q.outputs["version"] == "1" && q.outputs["published-version"] == "2", "\(q.outputs)")
        case .smokeTest:
            world.lambda.state.withLock { $0.failingInvokes = ["2"] }
            let s = await world.run(try world.plan { $0["smoke-payload"] = "{}" })
            #expect(
                s.exitCode == LambdaShiftCore.ExitStatus.gateFailed
                    && s.reason?.contains("The smoke test of version 2 failed") == true, "\(s)")
            #expect(
                world.lambda.aliasUpdates.allSatisfy { $0.version == "1" && $0.weights.isEmpty }, "no traffic moved")
            #expect(s.outputs["version"] == "1" && s.outputs["published-version"] == "2", "\(s.outputs)")
            #expect(DeployHistory(description: world.lambda.alias()?.description ?? "").failed == ["2"])
        }
    }

    @Test("cancellation: during a bake the alias is restored (exit 4); before any change nothing is touched")
    func cancellation() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let plan = try world.plan()
        let result = await Task { await world.run(plan, sleeper: CancelOnSleep()) }.value
        #expect(
            result.exitCode == LambdaShiftCore.ExitStatus.cancelled && result.outcome.word == "cancelled", "\(result)")
        #expect(world.lambda.alias()?.functionVersion == "1" && world.lambda.alias()?.additionalVersionWeights == [:])

        let early = try World()
        early.lambda.seedAlias()
        let earlyPlan = try early.plan()
        let task = Task { await early.run(earlyPlan) }
        task.cancel()
        let cancelled = await task.value
        #expect(cancelled.exitCode == LambdaShiftCore.ExitStatus.cancelled, "\(cancelled)")
        #expect(!early.lambda.mutations.contains("UpdateAlias"))
    }

    @Test("a cancel records the same wherever it lands: mid-bake and during the post-traffic command, nothing judged")
    func cancelRecordsTheSame() async throws {
        let midBake = try World()
        midBake.lambda.seedAlias()
        let bakePlan = try midBake.plan()
        _ = await Task { await midBake.run(bakePlan, sleeper: CancelOnSleep()) }.value
        let inHook = try World()
        inHook.lambda.seedAlias()
        let hookPlan = try inHook.plan {
            $0["strategy"] = "AllAtOnce"
            $0["post-traffic-command"] = "sleep 20"
        }
        let task = Task { await inHook.run(hookPlan) }
        // Once the flip is done the command runs: cancel then.
        while !inHook.lambda.aliasUpdates.contains(where: { $0.version == "2" }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.value
        #expect(result.exitCode == LambdaShiftCore.ExitStatus.cancelled, "\(result)")
        #expect(inHook.lambda.alias()?.functionVersion == "1")
        let a = DeployHistory(description: midBake.lambda.alias()?.description ?? "")
        let b = DeployHistory(description: inHook.lambda.alias()?.description ?? "")
        #expect(a == b, "mid-bake: \(a.described); in the hook: \(b.described)")
        #expect(!b.failed.contains("2") && !b.good.contains("2"))
    }

    @Test("someone else moving the alias mid-rollout: left as they set it, exit 1; a failed restore: exit 5")
    func interferenceAndFailedRestore() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.state.withLock { s in
            s.onUpdateAlias = { lambda in
                // Before our second update, someone else puts the alias back on version 1.
                if lambda.aliasUpdates.count == 1 { lambda.interfere(version: "1") }
            }
        }
        let result = await world.run(try world.plan { $0["strategy"] = "linear:50%:1s" })
        #expect(
            result.exitCode == LambdaShiftCore.ExitStatus.failed
                && result.reason?.contains("Someone else changed alias live") == true, "\(result)")

        let breach = try World()
        breach.lambda.seedAlias()
        breach.metrics.alarms.withLock { $0["errors"] = "OK" }
        breach.metrics.scheduled.withLock { $0.append((after: 2, name: "errors", state: "ALARM")) }
        breach.lambda.state.withLock { $0.failAliasUpdatesAfter = 1 }
        let split = await breach.run(
            try breach.plan {
                $0.values["alarm"] = ["errors"]; $0["strategy"] = "canary:10%:1s"
            })
        #expect(
            split.exitCode == LambdaShiftCore.ExitStatus.rollbackFailed
                && split.reason?.hasPrefix("ROLLBACK FAILED") == true, "\(split)")
    }

    @Test("an alias on $LATEST: a baseline is published and the alias moved onto it before the code changes")
    func latest() async throws {
        let world = try World()
        world.lambda.seedAlias(onLatest: true)
        let original = try await world.lambda.getFunctionConfiguration("svc", qualifier: nil).codeSha256
        let result = await world.run(try world.plan())
        #expect(
            result.outcome.word == "deployed" && result.outputs["previous-version"] == "1"
                && result.outputs["version"] == "2", "\(result)")
        let order = world.lambda.mutations
        #expect(order.firstIndex(of: "UpdateAlias")! < order.firstIndex(of: "UpdateFunctionCode")!, "\(order)")
        #expect(world.lambda.state.withLock { $0.versions["1"]?.codeSha256 } == original)
    }

    @Test("settings refused before any change: credentials that expire mid-rollout, a wrong account")
    func refusedBeforeChange() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let expiring = AWSCredentials(
            accessKeyId: "AKID", secretAccessKey: "s", expiration: Date(timeIntervalSince1970: 1_800_000_000 + 600),
            source: "environment", renewable: false)
        let result = await world.run(
            try world.plan { $0["strategy"] = "Linear10PercentEvery10Minutes" }, credentials: expiring)
        #expect(
            result.exitCode == LambdaShiftCore.ExitStatus.usage && result.reason?.contains("expire in 10 min") == true,
            "\(result)")
        // 40 minutes left: enough for a 10-minute canary's bakes, not once --max-bake and a hook count.
        let fortyMinutes = AWSCredentials(
            accessKeyId: "AKID", secretAccessKey: "s", expiration: Date(timeIntervalSince1970: 1_800_000_000 + 2400),
            source: "environment", renewable: false)
        let plain = try world.plan { $0["strategy"] = "canary:10%:10m" }
        let stretched = try world.plan {
            $0["strategy"] = "canary:10%:10m"
            $0["max-error-rate"] = "1"
            $0["max-bake"] = "40m"
        }
        let hooked = try world.plan {
            $0["strategy"] = "canary:10%:10m"
            $0["post-traffic-command"] = "true"
            $0["hook-timeout"] = "30m"
        }
        #expect(world.budget(plain, credentials: fortyMinutes) == 600 + 300)
        #expect(world.budget(stretched, credentials: fortyMinutes) == 2400 + 300)
        #expect(world.budget(hooked, credentials: fortyMinutes) == 600 + 1800 + 300)
        let refused = await world.run(stretched, credentials: fortyMinutes)
        #expect(refused.exitCode == LambdaShiftCore.ExitStatus.usage, "\(refused)")
        #expect(refused.reason?.contains("as long as --max-bake allows") == true, "\(refused)")
        let wrong = await world.run(try world.plan { $0["allowed-account-ids"] = "210987654321" })
        #expect(
            wrong.exitCode == LambdaShiftCore.ExitStatus.usage
                && wrong.reason?.contains("not in --allowed-account-ids") == true, "\(wrong)")
        #expect(world.lambda.mutations.isEmpty && world.store.uploads.withLock { $0 } == 0)
    }
}

/// Cancels the running task on its first sleep (a SIGTERM during the first bake).
final class CancelOnSleep: Sleeper {
    func sleep(seconds: Double) async throws {
        withUnsafeCurrentTask { $0?.cancel() }
        try Task.checkCancellation()
    }
}

@Suite("rollback's choice")
struct RollbackChoiceTests {
    func choose(_ alias: AliasConfiguration, to: String? = nil, versions: [Int] = [1, 2, 3, 4]) async throws
        -> RollbackChoice
    {
        try await RollbackChoice.choose(current: alias, toVersion: to, aliasName: "live") { versions.map(String.init) }
    }

    @Test("issue 34 finding 4: after --to-version away from a good version, a plain rollback never returns to it")
    func pinnedThenPlain() async throws {
        // Serving 3, recorded good; an operator pins 1.
        let serving = AliasConfiguration(
            name: "live", functionVersion: "3", description: "[lambda-shift good=3,1 failed=]")
        let pinned = try await choose(serving, to: "1")
        #expect(pinned.destination == "1" && pinned.history.rolledBack == ["3"])
        // A plain rollback from 1 then has no good version to go to but 1 itself: never forward to 3.
        let after = AliasConfiguration(name: "live", functionVersion: "1", description: pinned.history.rendered())
        await #expect(throws: OperatorFailure.self) { _ = try await choose(after, versions: [1, 2, 3]) }
        let withTwo = AliasConfiguration(
            name: "live", functionVersion: "1", description: "[lambda-shift good=3,2 failed= rolled-back=3]")
        #expect(try await choose(withTwo, versions: [1, 2, 3]).destination == "2")
    }

    @Test("rollback whose newest good version was deleted goes to the next good one, and says so")
    func deletedGood() async throws {
        let alias = AliasConfiguration(
            name: "live", functionVersion: "5", description: "[lambda-shift good=5,4,2 failed=]")
        let choice = try await choose(alias, versions: [1, 2, 3, 5])
        #expect(choice.destination == "2", "\(choice.why)")
        #expect(choice.why.contains("version(s) 4, newer, are no longer published"), "\(choice.why)")
    }

    @Test("the last good version from the history, never a failed one; the one left is recorded as rolled back")
    func fromHistory() async throws {
        let alias = AliasConfiguration(
            name: "live", functionVersion: "4", description: "[lambda-shift good=4,2 failed=3]")
        let choice = try await choose(alias)
        #expect(choice.destination == "2" && choice.why.hasPrefix("the last version that was live and healthy"))
        // 4 served healthily: rolled back by hand is not failed, and stays on record as good.
        #expect(choice.history == DeployHistory(good: ["4", "2"], failed: ["3"], rolledBack: ["4"]))
        #expect(choice.history.rendered() == "[lambda-shift good=4,2 failed=3 rolled-back=4]")
        #expect(choice.history.lastGood(excluding: "2") == nil)
        // A later deploy of 4 that passes its gates makes it a candidate again.
        #expect(choice.history.succeeded("4").lastGood(excluding: "2") == "4")
    }

    @Test("a history with no other good version is said as it is, and the healthy version left is not called failed")
    func onlyTheCurrentIsGood() async throws {
        let alias = AliasConfiguration(name: "live", functionVersion: "2", description: "[lambda-shift good=2 failed=]")
        let choice = try await choose(alias, versions: [1, 2])
        #expect(choice.destination == "1")
        #expect(
            choice.why
                == "the newest earlier version; the deploy history on the alias (good 2; failed none; rolled back none) holds no other version that was live and healthy, so it is not known to have been healthy"
        )
        #expect(!choice.why.contains("no deploy history"))
        #expect(choice.history.failed.isEmpty && choice.history.good == ["2"] && choice.history.rolledBack == ["2"])
        #expect(choice.history.rendered() == "[lambda-shift good=2 failed= rolled-back=2]")
        // 3 deploys well later; rolling back from it does not return to 2, which an operator left.
        let later = AliasConfiguration(
            name: "live", functionVersion: "3", description: choice.history.succeeded("3").rendered())
        let again = try await choose(later, versions: [1, 2, 3])
        #expect(again.destination == "1" && again.why.contains("rolled back 2"), "\(again.why)")
    }

    @Test(
        "an in-flight shift is undone; --to-version wins, judges nothing, and records what it left; no history: the newest earlier not failed"
    )
    func otherCases() async throws {
        let shifting = AliasConfiguration(name: "live", functionVersion: "3", additionalVersionWeights: ["4": 0.1])
        let undo = try await choose(shifting)
        #expect(undo.destination == "3" && undo.history.rolledBack == ["4"] && undo.history.failed.isEmpty)
        let pinned = try await choose(AliasConfiguration(name: "live", functionVersion: "4"), to: "1")
        #expect(pinned.destination == "1" && pinned.history.failed.isEmpty && pinned.history.rolledBack == ["4"])
        // Pinned away from a split alias: both versions it served are left, neither is failed.
        let pinnedSplit = try await choose(shifting, to: "2")
        #expect(pinnedSplit.history.rolledBack == ["4", "3"] && pinnedSplit.history.failed.isEmpty)
        let bare = try await choose(
            AliasConfiguration(name: "live", functionVersion: "4", description: "[lambda-shift good= failed=3]"))
        #expect(bare.destination == "2" && bare.why.contains("not known to have been healthy"))
        #expect(bare.why.contains("(good none; failed 3; rolled back none)"))
        let none = try await choose(AliasConfiguration(name: "live", functionVersion: "4"))
        #expect(none.why.contains("the alias has no deploy history yet"))
        await #expect(throws: OperatorFailure.self) {
            _ = try await choose(AliasConfiguration(name: "live", functionVersion: "1"))
        }
    }
}

/// Image functions in-process: a tag resolved once to its digest, the digest deployed and
/// skipped when served, a multi-platform image's entry for the function's architecture, and
/// every refusal before any change.
@Suite("Image functions in-process")
struct ImageDeployTests {
    typealias World = DeployPipelineTests.World
    static let registryHost = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

    /// An image function whose alias serves version 1, and a repository `svc` holding one image.
    func imageWorld(architecture: String = "x86_64") throws -> World {
        let world = try World()
        world.lambda.state.withLock {
            $0.packageType = "Image"
            $0.architecture = architecture
        }
        world.lambda.seedAlias()
        return world
    }

    static func manifest(_ seed: String) -> String {
        #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:\#(seed)"},"layers":[]}"#
    }

    func imagePlan(_ world: World, _ uri: String) throws -> DeployPlan {
        try world.plan {
            $0["source"] = nil
            $0["bucket"] = nil
            $0["image-uri"] = uri
        }
    }

    @Test("a tag is resolved once: the digest is deployed, a tag moved mid-rollout changes nothing, a second run skips")
    func byTag() async throws {
        let world = try imageWorld()
        let first = world.registry.push(
            "svc", manifest: Self.manifest("a"), mediaType: "application/vnd.docker.distribution.manifest.v2+json",
            tag: "v1")
        // Someone pushes v1 again while the alias shifts: the run keeps the digest it resolved.
        world.lambda.state.withLock { s in
            s.onUpdateAlias = { _ in
                world.registry.push(
                    "svc", manifest: Self.manifest("b"),
                    mediaType: "application/vnd.docker.distribution.manifest.v2+json", tag: "v1")
            }
        }
        let plan = try imagePlan(world, "\(Self.registryHost)/svc:v1")
        let result = await world.run(plan)
        #expect(result.outcome == .deployed, "\(result)")
        #expect(result.outputs.imageUri == "\(Self.registryHost)/svc@\(first)" && result.outputs.imageDigest == first)
        #expect(result.outputs.codeSha256 == String(first.dropFirst(7)))
        let served = try await world.lambda.getFunctionConfiguration("svc", qualifier: "live")
        #expect(served.codeSha256 == String(first.dropFirst(7)) && served.version == "2", "\(served)")
        #expect(!world.lambda.mutations.contains("PutObject") && world.store.uploads.withLock { $0 } == 0)

        world.lambda.state.withLock { $0.onUpdateAlias = nil }
        let again = await world.run(try imagePlan(world, "\(Self.registryHost)/svc@\(first)"))
        #expect(again.outcome == .skipped && again.outputs.version == "2", "\(again)")
    }

    @Test("a multi-platform image deploys its entry for the function's architecture; without one, exit 2")
    func multiPlatform() async throws {
        let world = try imageWorld(architecture: "arm64")
        let amd = world.registry.push(
            "svc", manifest: Self.manifest("amd"), mediaType: "application/vnd.docker.distribution.manifest.v2+json")
        let arm = world.registry.push(
            "svc", manifest: Self.manifest("arm"), mediaType: "application/vnd.docker.distribution.manifest.v2+json")
        let list = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[\
            {"digest":"\(amd)","platform":{"architecture":"amd64","os":"linux"}},\
            {"digest":"\(arm)","platform":{"architecture":"arm64","os":"linux"}}]}
            """
        world.registry.push(
            "svc", manifest: list, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json", tag: "v2")
        let amdOnly = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[\
            {"digest":"\(amd)","platform":{"architecture":"amd64","os":"linux"}}]}
            """
        world.registry.push(
            "svc", manifest: amdOnly, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
            tag: "amd-only")

        let refused = await world.run(try imagePlan(world, "\(Self.registryHost)/svc:amd-only"))
        #expect(refused.exitCode == ExitStatus.usage, "\(refused)")
        #expect(refused.reason?.contains("without a linux/arm64 image") == true, "\(refused)")
        #expect(world.lambda.mutations.isEmpty)

        let result = await world.run(try imagePlan(world, "\(Self.registryHost)/svc:v2"))
        #expect(result.outcome == .deployed && result.outputs.imageDigest == arm, "\(result)")
        #expect(world.events.lines.contains { $0.contains("the linux/arm64 image of the multi-platform") })
    }

    /// A refusal of an image deploy, and what its sentence must say.
    enum Refusal: String, CaseIterable, Sendable {
        case zipFunction = "a zip function given an image"
        case otherRegion = "an image in another region's registry"
        case missingTag = "a tag that is not there"
        case missingRepository = "a repository that is not there"
        case imageFunctionGivenZip = "an image function given a zip"
    }

    @Test("each refusal is exit 2 before any change", arguments: Refusal.allCases)
    func refusals(_ refusal: Refusal) async throws {
        let world = refusal == .zipFunction ? try World() : try imageWorld()
        if refusal == .zipFunction { world.lambda.seedAlias() }
        world.registry.push(
            "svc", manifest: Self.manifest("a"), mediaType: "application/vnd.docker.distribution.manifest.v2+json",
            tag: "v1")
        let (plan, expected): (DeployPlan, String)
        switch refusal {
        case .zipFunction:
            (plan, expected) = (try imagePlan(world, "\(Self.registryHost)/svc:v1"), "svc is a zip function")
        case .otherRegion:
            (plan, expected) = (
                try imagePlan(world, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc:v1"),
                "Lambda reads images only from a repository in the function's own region"
            )
        case .missingTag:
            (plan, expected) = (try imagePlan(world, "\(Self.registryHost)/svc:v9"), "No image tagged v9")
        case .missingRepository:
            (plan, expected) = (try imagePlan(world, "\(Self.registryHost)/other:v1"), "No ECR repository other")
        case .imageFunctionGivenZip:
            (plan, expected) = (try world.plan(), "is a container-image function: give its image with --image-uri")
        }
        let result = await world.run(plan)
        #expect(result.exitCode == ExitStatus.usage && result.reason?.contains(expected) == true, "\(result)")
        #expect(world.lambda.mutations.isEmpty && world.store.uploads.withLock { $0 } == 0)
    }

    @Test(
        "--image-uri is parsed strictly: a tag or a digest of a private ECR registry",
        arguments: [
            "public.ecr.aws/lambda/python:3.12", "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc@sha256:abc",
            "12345.dkr.ecr.us-east-1.amazonaws.com/svc:v1",
        ])
    func badURIs(_ uri: String) throws {
        #expect(throws: ConfigError.self) { try ImageReference(parsing: uri) }
    }
}

@Suite("iam-policy for image functions")
struct ImagePolicyTests {
    @Test("an image deploy's policy reads the repository from ECR and holds no S3 statement")
    func imagePolicy() throws {
        var flags = SettingFlags()
        flags["function"] = "svc"
        flags["image-uri"] = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/svc:v1"
        flags["branch"] = "main"
        let built = try IAMPolicyBuilder.build(
            flags,
            ci: CIContext(environment: Environment(["GITHUB_ACTIONS": "true"]), git: { Provenance.GitFacts() }),
            repository: "octo/app", accountId: "123456789012", region: "eu-west-1")
        let statements = built.document.statements
        let images = try #require(statements.first { $0.sid == "ReadImages" }, "\(statements)")
        #expect(images.actions == ["ecr:BatchGetImage", "ecr:DescribeImages"])
        #expect(images.resources == ["arn:aws:ecr:eu-west-1:123456789012:repository/team/svc"])
        #expect(!statements.flatMap(\.actions).contains { $0.hasPrefix("s3:") }, "\(statements)")
        #expect(statements.flatMap(\.actions).contains("lambda:UpdateFunctionCode"))
    }
}

/// Signed code in-process: the function's code signing config read before any change, the
/// uploaded package signed and the signed object deployed, a failed job publishing nothing.
@Suite("Signed code in-process")
struct SignedDeployTests {
    typealias World = DeployPipelineTests.World

    func world(policy: (enforce: Bool, trusted: Bool)?) throws -> (World, String) {
        let world = try World()
        world.lambda.seedAlias()
        let arn = world.signer.addProfile("ci")
        if let policy {
            world.lambda.state.withLock {
                $0.codeSigning = CodeSigningPolicy(
                    configArn: "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1",
                    allowedProfileVersionArns: policy.trusted
                        ? [arn] : ["arn:aws:signer:us-east-1:1:/signing-profiles/other/v1"],
                    enforce: policy.enforce)
            }
        }
        return (world, arn)
    }

    @Test("Enforce with a trusted profile: the signed object is deployed; the same package again is skipped")
    func signedDeploy() async throws {
        let (world, _) = try world(policy: (enforce: true, trusted: true))
        let plan = try world.plan { $0["signing-profile"] = "ci" }
        let result = await world.run(plan)
        #expect(result.outcome == .deployed, "\(result)")
        #expect(result.outputs.signingJobId == "job-1" && result.outputs.signedS3Key == "signed/job-1.zip")
        let signedCode = try world.store.codeSha256(bucket: "artifacts", key: "signed/job-1.zip")
        let served = try await world.lambda.getFunctionConfiguration("svc", qualifier: "live")
        #expect(served.codeSha256 == signedCode && served.codeSha256 != result.outputs.codeSha256, "\(served)")
        #expect(served.description.hasPrefix("lambda-shift package \(result.outputs.codeSha256 ?? "")"))
        // The sidecar beside the signed object: it can be promoted with --artifact.
        let sidecar = try #require(world.store.objects.withLock { $0["artifacts/signed/job-1.zip.sha256"] })
        #expect(
            String(decoding: sidecar, as: UTF8.self).hasPrefix(
                ByteEncoding.hex(
                    SHA256Hasher.hash(
                        try #require(world.store.objects.withLock { $0["artifacts/signed/job-1.zip"] })))))

        let again = await world.run(plan)
        #expect(again.outcome == .skipped && again.outputs.version == "2", "\(again)")
    }

    @Test("Warn without a profile deploys unsigned, with a warning")
    func warnUnsigned() async throws {
        let (world, _) = try world(policy: (enforce: false, trusted: true))
        let result = await world.run(try world.plan())
        #expect(result.outcome == .deployed, "\(result)")
        #expect(
            world.events.lines.contains { $0.hasPrefix("warning: svc's code signing config") }, "\(world.events.lines)")
    }

    /// A signing refusal, and what its sentence must say.
    enum Refusal: String, CaseIterable, Sendable {
        case enforcedWithoutProfile = "Enforce, no profile"
        case untrustedProfile = "a profile the config does not trust"
        case missingProfile = "a profile that does not exist"
    }

    @Test("refused with exit 2 before any change", arguments: Refusal.allCases)
    func refusals(_ refusal: Refusal) async throws {
        let (world, _) = try world(policy: (enforce: true, trusted: refusal != .untrustedProfile))
        let (plan, expected): (DeployPlan, String)
        switch refusal {
        case .enforcedWithoutProfile:
            (plan, expected) = (try world.plan(), "svc enforces code signing (config arn:aws:lambda")
        case .untrustedProfile:
            (plan, expected) = (
                try world.plan { $0["signing-profile"] = "ci" }, "is not among the publishers svc's code signing config"
            )
        case .missingProfile:
            (plan, expected) = (try world.plan { $0["signing-profile"] = "nope" }, "No AWS Signer profile nope")
        }
        let result = await world.run(plan)
        #expect(result.exitCode == ExitStatus.usage && result.reason?.contains(expected) == true, "\(result)")
        #expect(world.lambda.mutations.isEmpty && world.store.uploads.withLock { $0 } == 0)
    }

    @Test("a failed signing job is exit 1 with Signer's reason; nothing is published and the alias is as it was")
    func failedJob() async throws {
        let (world, _) = try world(policy: (enforce: true, trusted: true))
        world.signer.failNext.withLock { $0 = "Signature validation failed" }
        let result = await world.run(try world.plan { $0["signing-profile"] = "ci" })
        #expect(result.exitCode == ExitStatus.failed, "\(result)")
        #expect(result.reason?.contains("failed: Signature validation failed. Nothing was published.") == true)
        #expect(
            !world.lambda.mutations.contains("PublishVersion") && !world.lambda.mutations.contains("UpdateFunctionCode")
        )
        #expect(world.lambda.alias()?.functionVersion == "1")
    }

    @Test("--signing-profile with --image-uri is refused: Lambda signs zip packages only")
    func imageAndProfile() throws {
        let world = try World()
        #expect(throws: ConfigError.self) {
            try world.plan {
                $0["source"] = nil
                $0["image-uri"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc:v1"
                $0["signing-profile"] = "ci"
            }
        }
    }
}

@Suite("iam-policy for signed code")
struct SigningPolicyTests {
    @Test(
        "--signing-profile adds Signer on the profile and its jobs, and the signed prefix; every zip policy reads the config"
    )
    func signingPolicy() throws {
        var flags = SettingFlags()
        flags["function"] = "svc"
        flags["bucket"] = "artifacts"
        flags["branch"] = "main"
        flags["source"] = "."  // as iam-policy gives it: a policy needs no build directory
        let ci = CIContext(environment: Environment(["GITHUB_ACTIONS": "true"]), git: { Provenance.GitFacts() })
        let plain = try IAMPolicyBuilder.build(
            flags, ci: ci, repository: "octo/app", accountId: "123456789012", region: "us-east-1"
        ).document.statements
        #expect(plain.contains { $0.actions == ["lambda:GetFunctionCodeSigningConfig"] })
        #expect(!plain.flatMap(\.actions).contains { $0.hasPrefix("signer:") })
        flags["signing-profile"] = "ci"
        let signed = try IAMPolicyBuilder.build(
            flags, ci: ci, repository: "octo/app", accountId: "123456789012", region: "us-east-1"
        ).document.statements
        let sign = try #require(signed.first { $0.sid == "SignPackages" })
        #expect(sign.actions == ["signer:GetSigningProfile", "signer:StartSigningJob"])
        #expect(sign.resources == ["arn:aws:signer:us-east-1:123456789012:/signing-profiles/ci"])
        #expect(signed.first { $0.sid == "FollowSigningJobs" }?.actions == ["signer:DescribeSigningJob"])
        #expect(signed.first { $0.sid == "WriteSignedPackages" }?.resources == ["arn:aws:s3:::artifacts/signed/*"])
    }

    @Test(
        "issue 37/38: --code-storage reference reads the bucket's policy, --artifacts lists and deletes object versions on the prefix only, --web-function ships the web function and no Lambda function"
    )
    func storageArtifactsAndWebPolicy() throws {
        var flags = SettingFlags()
        flags["function"] = "svc"
        flags["bucket"] = "artifacts"
        flags["branch"] = "main"
        flags["source"] = "."
        let ci = CIContext(environment: Environment(["GITHUB_ACTIONS": "true"]), git: { Provenance.GitFacts() })
        func statements(_ flags: SettingFlags, artifacts: Bool = false) throws -> [IAMPolicyDocument.Statement] {
            try IAMPolicyBuilder.build(
                flags, ci: ci, repository: "octo/app", accountId: "123456789012", region: "us-east-1",
                artifacts: artifacts
            ).document.statements
        }
        let plain = try statements(flags)
        let actions = plain.flatMap(\.actions)
        #expect(!actions.contains("s3:GetBucketPolicy") && !actions.contains("s3:DeleteObjectVersion"))
        var reference = flags
        reference["code-storage"] = "reference"
        let bucketReads = try #require(try statements(reference).first { $0.sid == "CheckReferencedCodeBucket" })
        #expect(bucketReads.actions == ["s3:GetBucketVersioning", "s3:GetBucketLocation", "s3:GetBucketPolicy"])
        #expect(bucketReads.resources == ["arn:aws:s3:::artifacts"])
        let cleaning = try statements(flags, artifacts: true)
        #expect(cleaning.first { $0.sid == "ListArtifactVersions" }?.resources == ["arn:aws:s3:::artifacts"])
        let deleting = try #require(cleaning.first { $0.sid == "DeleteUnneededArtifacts" })
        #expect(deleting.actions == ["s3:GetObjectVersion", "s3:DeleteObjectVersion"])
        #expect(deleting.resources == ["arn:aws:s3:::artifacts/octo/app/svc/*"])
        var web = flags
        web["function"] = nil
        web["web-function"] = "site"
        let shipping = try statements(web)
        #expect(!shipping.contains { $0.sid == "ShipTheFunction" })
        let site = try #require(shipping.first { $0.sid == "ShipTheWebFunction" })
        #expect(
            site.actions.contains("lambda:UpdateWebFunctionEndpoint")
                && site.actions.contains("lambda:CreateWebFunctionRevision"))
        #expect(
            site.resources == [
                "arn:aws:lambda:us-east-1:123456789012:web-function/site",
                "arn:aws:lambda:us-east-1:123456789012:web-function/site/*",
            ])
        #expect(shipping.first { $0.sid == "PassTheExecutionRole" }?.actions == ["iam:PassRole"])
        // Rollback's choice and status list the revisions; --keep-versions deletes the unused ones.
        #expect(site.actions.contains("lambda:ListWebFunctionRevisions"))
        #expect(!site.actions.contains("lambda:DeleteWebFunctionRevision"))
        web["keep-versions"] = "5"
        let pruning = try #require(try statements(web).first { $0.sid == "ShipTheWebFunction" })
        #expect(pruning.actions.contains("lambda:DeleteWebFunctionRevision"))
    }

    @Test(
        "issue 40: --preview is the preview environment's policy on any branch, needs no pull request, says what IAM cannot hold, and cannot delete the function itself"
    )
    func previewPolicy() throws {
        var flags = SettingFlags()
        flags["function"] = "svc-preview"
        flags["bucket"] = "artifacts"
        flags["branch"] = "main"  // printed on main: still the preview role's policy
        flags["source"] = "."
        flags["preview"] = "true"
        flags["preview-alias"] = "pr-{pr}"
        let ci = CIContext(environment: Environment(["GITHUB_ACTIONS": "true"]), git: { Provenance.GitFacts() })
        let built = try IAMPolicyBuilder.build(
            flags, ci: ci, repository: "octo/app", accountId: "123456789012", region: "us-east-1")
        #expect(built.environments == ["preview"])
        #expect(built.assumptions.contains { $0.contains("deploy previews to a function of their own") })
        let function = "arn:aws:lambda:us-east-1:123456789012:function:svc-preview"
        let statements = built.document.statements
        #expect(statements.first { $0.sid == "RemovePreviewAliases" }?.resources == [function])
        let cleanup = try #require(statements.first { $0.sid == "CleanUpPreviews" })
        #expect(cleanup.actions.contains("lambda:DeleteFunction") && cleanup.resources == [function + ":*"])
    }
}

@Suite("Weighted-alias preconditions")
struct WeightedAliasRuleTests {
    @Test(
        "a role or dead-letter target other than the live version's is exit 2 before any change; all at once may go",
        arguments: ["role", "dead-letter"])
    func mismatch(_ what: String) async throws {
        let world = try DeployPipelineTests.World()
        world.lambda.seedAlias()
        world.lambda.state.withLock {
            if what == "role" {
                $0.latestRole = "arn:aws:iam::123456789012:role/new"
            } else {
                $0.latestDeadLetter = "arn:aws:sqs:us-east-1:123456789012:dlq"
            }
        }
        let refused = await world.run(try world.plan())
        let expected =
            what == "role"
            ? "Version 1 (live) runs as arn:aws:iam::123456789012:role/svc, but $LATEST, which this deploy publishes, runs as arn:aws:iam::123456789012:role/new"
            : "Version 1 (live) has no dead-letter target, but $LATEST, which this deploy publishes, has dead-letter target arn:aws:sqs:us-east-1:123456789012:dlq"
        #expect(
            refused.exitCode == ExitStatus.usage && refused.reason?.contains(expected) == true, "\(refused)")
        #expect(world.lambda.mutations.isEmpty && world.store.uploads.withLock { $0 } == 0)
        let allAtOnce = await world.run(try world.plan { $0["strategy"] = "AllAtOnce" })
        #expect(allAtOnce.outcome == .deployed, "\(allAtOnce)")
    }

    @Test("the same code again after the role changed is skipped: the rule binds only a deploy that shifts")
    func unchangedAfterRoleChange() async throws {
        let world = try DeployPipelineTests.World()
        world.lambda.seedAlias()
        #expect(await world.run(try world.plan()).outcome == .deployed)
        world.lambda.state.withLock { $0.latestRole = "arn:aws:iam::123456789012:role/new" }
        let mutations = world.lambda.mutations.count
        let again = await world.run(try world.plan())
        #expect(again.outcome == .skipped && again.exitCode == 0, "\(again)")
        #expect(world.lambda.mutations.count == mutations)
        try world.writeCode("changed")
        let changed = await world.run(try world.plan())
        #expect(changed.exitCode == ExitStatus.usage, "\(changed)")
        #expect(world.lambda.mutations.count == mutations)
    }
}

/// The traffic hooks in-process: real shell commands around the fake Lambda.
@Suite("Traffic hooks")
struct TrafficHookTests {
    typealias World = DeployPipelineTests.World

    @Test("a failing pre-traffic command moves no traffic: exit 3, the version recorded failed")
    func preTrafficFails() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let result = await world.run(try world.plan { $0["pre-traffic-command"] = "echo checking; exit 2" })
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.reason?.contains("The pre-traffic command failed for version 2 (exit 2") == true, "\(result)")
        #expect(world.lambda.aliasUpdates.allSatisfy { $0.version == "1" && $0.weights.isEmpty }, "no traffic moved")
        #expect(DeployHistory(description: world.lambda.alias()?.description ?? "").failed == ["2"])
        #expect(result.hooks.map(\.kind) == [.preTraffic] && result.hooks.first?.exitCode == 2)
        #expect(world.events.lines.contains("checking"), "its output is in the log")
    }

    @Test("finding 9: the version is recorded good only after the post-traffic command passed, not at the flip")
    func goodAfterPostTraffic() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let marker = world.source + "-post-traffic-ran"
        let result = await world.run(try world.plan { $0["post-traffic-command"] = "touch '\(marker)'" })
        #expect(result.exitCode == 0 && result.outcome == .deployed, "\(result)")
        #expect(FileManager.default.fileExists(atPath: marker))
        let updates = world.lambda.aliasUpdates, descriptions = world.lambda.aliasDescriptions
        let flip = try #require(updates.firstIndex { $0.version == "2" && $0.weights.isEmpty })
        // What a kill -9 during the command would leave: the alias on 2, and 2 not yet good.
        #expect(!DeployHistory(description: descriptions[flip]).good.contains("2"), "\(descriptions[flip])")
        #expect(DeployHistory(description: world.lambda.alias()?.description ?? "").good.first == "2")
    }

    @Test("a failing post-traffic command restores the previous version: exit 3")
    func postTrafficFails() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let result = await world.run(try world.plan { $0["post-traffic-command"] = "false" })
        #expect(result.exitCode == ExitStatus.gateFailed && result.outputs.version == "1", "\(result)")
        #expect(result.reason?.contains("the post-traffic command failed (exit 1") == true, "\(result)")
        let alias = try #require(world.lambda.alias())
        #expect(alias.functionVersion == "1" && alias.additionalVersionWeights.isEmpty, "\(alias)")
        #expect(world.lambda.aliasUpdates.contains { $0.version == "2" }, "the shift had completed first")
        #expect(DeployHistory(description: alias.description).failed == ["2"])
    }

    @Test(
        "both commands see the function, alias, versions, qualified ARN, region and environment; passing, they deploy")
    func variables() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString)").path
        let line =
            "echo \"$0 $LAMBDA_SHIFT_FUNCTION $LAMBDA_SHIFT_ALIAS $LAMBDA_SHIFT_VERSION $LAMBDA_SHIFT_PREVIOUS_VERSION $LAMBDA_SHIFT_QUALIFIED_ARN $LAMBDA_SHIFT_REGION $LAMBDA_SHIFT_ENVIRONMENT\" >> \(file)"
        let result = await world.run(
            try world.plan {
                $0["pre-traffic-command"] = line.replacingOccurrences(of: "$0", with: "pre")
                $0["post-traffic-command"] = line.replacingOccurrences(of: "$0", with: "post")
            })
        #expect(result.outcome == .deployed, "\(result)")
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(
            written == """
                pre svc live 2 1 arn:aws:lambda:us-east-1:123456789012:function:svc:2 us-east-1 production
                post svc live 2 1 arn:aws:lambda:us-east-1:123456789012:function:svc:2 us-east-1 production

                """, "\(written)")
        #expect(result.hooks.map(\.kind) == [.preTraffic, .postTraffic] && result.hooks.allSatisfy(\.passed))
    }

    @Test(
        "issue 40: a hook gets the narrowed credentials asked for with a policy that allows invoking the new version alone, and none of the CI's tokens"
    )
    func hookCredentials() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString)").path
        let asked = Mutex<[NarrowedSession]>([])
        var deps = world.deps(
            credentials: AWSCredentials(accessKeyId: "AKIADEPLOY", secretAccessKey: "deploy-secret"),
            environment: [
                "AWS_ACCESS_KEY_ID": "AKIADEPLOY", "AWS_SECRET_ACCESS_KEY": "deploy-secret",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://t",
                "CI_JOB_TOKEN": "job-token",
                "CI_REPOSITORY_URL": "https://gitlab-ci-token:job-token@gitlab.com/o/a.git",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x", "KEEP_ME": "kept",
                "GITLAB_ID": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
            ])
        deps.narrowedCredentials = { session in
            asked.withLock { $0.append(session) }
            return AWSCredentials(accessKeyId: "ASIAHOOK", secretAccessKey: "hook-secret", sessionToken: "hook-token")
        }
        let plan = try world.plan {
            $0["strategy"] = "AllAtOnce"
            $0["hook-timeout"] = "20m"
            $0["pre-traffic-command"] = "env | sort > \(file)"
        }
        let result = await DeployPipeline(plan: plan, deps: deps, events: world.events).run()
        #expect(result.outcome == .deployed, "\(result)")
        let env = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        for expected in [
            "AWS_ACCESS_KEY_ID=ASIAHOOK", "AWS_SECRET_ACCESS_KEY=hook-secret", "AWS_SESSION_TOKEN=hook-token",
            "LAMBDA_SHIFT_HOOK_CREDENTIALS=invoke", "KEEP_ME=kept", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
            "AWS_EC2_METADATA_DISABLED=true",
        ] {
            #expect(env.contains(expected), "\(expected) not in \(env)")
        }
        let withheld = [
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN=", "ACTIONS_ID_TOKEN_REQUEST_URL=", "CI_JOB_TOKEN=", "CI_REPOSITORY_URL=",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=", "GITLAB_ID=",
        ]
        #expect(!env.contains { line in withheld.contains { line.hasPrefix($0) } }, "\(env)")
        let session = try #require(asked.withLock { $0 }.first)
        #expect(
            session.policy
                == #"{"Statement":[{"Action":"lambda:InvokeFunction","Effect":"Allow","Resource":"arn:aws:lambda:us-east-1:123456789012:function:svc:2"}],"Version":"2012-10-17"}"#
        )
        #expect(session.durationSeconds == 1260 && session.sessionName == "lambda-shift-hook-2")
        #expect(world.events.lines.contains { $0.contains("gets credentials that may only invoke version 2") })

        // STS refusing is said, and the hook runs with no credentials at all.
        try world.writeCode("newer code")
        deps.narrowedCredentials = { _ in throw AWSClientError(.webIdentityToken, "STS said no.", isConfiguration: true)
        }
        let refused = await DeployPipeline(plan: plan, deps: deps, events: world.events).run()
        #expect(refused.outcome == .deployed, "\(refused)")
        let bare = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!bare.contains("AWS_ACCESS_KEY_ID=") && bare.contains("LAMBDA_SHIFT_HOOK_CREDENTIALS=none"), "\(bare)")
        #expect(
            world.events.lines.contains {
                $0.contains("gets no AWS credentials: STS did not give credentials limited to invoking version 3")
            }, "\(world.events.lines)")
    }

    @Test("a command that leaves a process behind ends when its shell does; it gets signals as any command does")
    func leftBehindAndSignals() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let result = await world.run(
            try world.plan {
                // The sleep keeps the output pipe open; the command itself is done at once.
                $0["pre-traffic-command"] = "sleep 30 & echo started"
                $0["hook-timeout"] = "20s"
                // A TERM it sends itself reaches its trap (not blocked, not ignored).
                $0["post-traffic-command"] = "trap 'exit 5' TERM; kill -TERM $$; sleep 2; exit 0"
            })
        #expect(result.hooks.first?.passed == true && result.hooks.first?.timedOut == false, "\(result.hooks)")
        #expect(result.hooks.last?.exitCode == 5, "\(result.hooks)")
        #expect(result.exitCode == ExitStatus.gateFailed, "the post-traffic command failed with 5: \(result)")
    }

    @Test("a command that hangs is killed at --hook-timeout, with what it started: exit 3, nothing moved")
    func hangs() async throws {
        let world = try World()
        world.lambda.seedAlias()
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString)").path
        let result = await world.run(
            try world.plan {
                $0["pre-traffic-command"] = "sleep 60 & echo $! > \(pidFile); wait"
                $0["hook-timeout"] = "1s"
            })
        #expect(result.exitCode == ExitStatus.gateFailed, "\(result)")
        #expect(result.hooks.first?.timedOut == true && result.reason?.contains("--hook-timeout") == true, "\(result)")
        let pid = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for init to reap it: either way no longer running.
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first.map(String.init)
        #expect(stat.isEmpty || state == "Z", "the sleep the command started is gone too: \(stat)")
        #expect(world.lambda.alias()?.functionVersion == "1")
    }
}

@Suite("Tenant-isolated and durable functions in-process")
struct FunctionKindTests {
    typealias World = DeployPipelineTests.World

    @Test(
        "a tenant-isolated function: a smoke test without a tenant id is exit 2 before any change; with one, every invoke carries it"
    )
    func tenancy() async throws {
        let world = try World()
        world.lambda.seedAlias()
        world.lambda.state.withLock { $0.tenantIsolated = true }
        let refused = await world.run(try world.plan { $0["smoke-payload"] = "{}" })
        #expect(refused.exitCode == ExitStatus.usage, "\(refused)")
        #expect(refused.reason?.contains("svc is tenant-isolated, so every invoke needs a tenant id") == true)
        #expect(world.lambda.mutations.isEmpty)
        let result = await world.run(
            try world.plan {
                $0["smoke-payload"] = "{}"
                $0["smoke-tenant-id"] = "tenant-a"
                $0["warm-invocations"] = "2"
            })
        #expect(result.outcome == .deployed, "\(result)")
        let tenants = world.lambda.state.withLock { $0.invokedTenants }
        #expect(!tenants.isEmpty && tenants.allSatisfy { $0 == "tenant-a" }, "\(tenants)")
    }

    @Test("pruning keeps a version durable executions still run on, and says so")
    func durable() async throws {
        let world = try World()
        world.lambda.seedAlias()  // version 1, live
        world.lambda.state.withLock { s in
            for number in 2...3 {
                s.versions[String(number)] = FunctionConfiguration(
                    functionName: "svc", version: String(number), codeSha256: "old\(number)")
            }
            s.nextVersion = 4
            s.durable = true
            s.runningDurable = ["2"]
        }
        let result = await world.run(try world.plan { $0["keep-versions"] = "1" })
        #expect(result.outcome == .deployed, "\(result)")
        let left = try await world.lambda.listVersionsByFunction("svc").map(\.version)
        #expect(left.contains("2") && !left.contains("3"), "\(left)")
        #expect(
            world.events.lines.contains {
                $0
                    == "warning: Kept version(s) beyond --keep-versions 1 that something still uses: 2 (durable executions still run on it)."
            }, "\(world.events.lines)")
    }

    @Test(
        "pruning never deletes what runs: an event source mapping's version, provisioned concurrency's, a rollback target"
    )
    func inUse() async throws {
        let world = try World()
        world.lambda.seedAlias()  // version 1, live
        world.lambda.state.withLock { s in
            for number in 2...5 {
                s.versions[String(number)] = FunctionConfiguration(
                    functionName: "svc", version: String(number), codeSha256: "old\(number)")
            }
            s.nextVersion = 6
            s.eventSourceMappings = ["2", "live"]
            s.aliases["live"]?.description = DeployHistory(good: ["1", "4"]).rendered()
        }
        world.lambda.seedProvisioned("3", amount: 2)
        let result = await world.run(try world.plan { $0["keep-versions"] = "1" })
        #expect(result.outcome == .deployed, "\(result)")
        let left = Set(try await world.lambda.listVersionsByFunction("svc").map(\.version))
        // 1 served before this deploy: the rollback target; 4 and 5 nothing uses any more.
        #expect(left.isSuperset(of: ["1", "2", "3", "6"]) && !left.contains("4") && !left.contains("5"), "\(left)")
        let warning = try #require(world.events.lines.first { $0.hasPrefix("warning: Kept version(s) beyond") })
        #expect(warning.contains("2 (an event source mapping invokes it)"), "\(warning)")
        #expect(warning.contains("3 (provisioned concurrency covers it)"), "\(warning)")
        #expect(warning.contains("1 (alias live's rollback target, its last good version)"), "\(warning)")
    }
}

@Suite("Signed code: the skip")
struct SignedSkipTests {
    @Test("the same package, served unsigned, is deployed again signed when a profile is given")
    func unsignedThenSigned() async throws {
        let world = try DeployPipelineTests.World()
        world.lambda.seedAlias()
        world.signer.addProfile("ci")
        let unsigned = await world.run(try world.plan())
        #expect(unsigned.outcome == .deployed, "\(unsigned)")
        let signed = await world.run(try world.plan { $0["signing-profile"] = "ci" })
        #expect(signed.outcome == .deployed && signed.outputs.signingJobId != nil, "\(signed)")
    }
}
