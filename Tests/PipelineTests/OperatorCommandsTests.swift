import AWSCore
import AWSServices
import CISupport
import Config
import Fakes
import Foundation
import LambdaShiftCore
import Pipeline
import Rollout
import TestSupport
import Testing

/// status, promote, rollback, cleanup and doctor in-process, over the same ports and fakes as
/// the deploy: what each changes (and does not), its outcome, exit code and document.
@Suite("Operator commands in-process")
struct OperatorCommandsTests {
    let store = FakeStore()
    let registry = FakeRegistry()
    let lambda: FakeLambda
    let metrics = FakeMetrics()

    init() {
        lambda = FakeLambda(name: "svc", code: "Y29kZQ==", store: store)
    }

    /// Version 1 live, version 2 published; with `weight`, the alias routes that share to 2.
    func midShift(weight: Double?, history: DeployHistory = DeployHistory(good: ["1"])) {
        lambda.seedAlias()
        lambda.state.withLock { s in
            s.versions["2"] = FunctionConfiguration(
                functionName: "svc", version: "2", codeSha256: "bmV3", revisionId: "v2", state: "Active")
            s.nextVersion = 3
            s.aliases["live"]?.description = history.rendered()
            if let weight { s.aliases["live"]?.additionalVersionWeights = ["2": weight] }
        }
    }

    func commands(_ command: SettingCommand, _ tweak: (inout SettingFlags) -> Void = { _ in }) throws
        -> OperatorCommands
    {
        var flags = SettingFlags()
        flags["function"] = "svc"
        tweak(&flags)
        let settings = try ResolvedSettings.resolve(
            command, flags: flags,
            ci: CIContext(environment: Environment(["GITHUB_ACTIONS": "true"]), git: { Provenance.GitFacts() }))
        let deps = DeployDependencies(
            identity: FakeIdentity(), functions: lambda, store: store, metrics: metrics, images: registry,
            signer: FakeSigner(store: store, lambdas: [lambda]),
            region: "us-east-1",
            credentials: { nil }, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
            bakeSleeper: RecordingSleeper(), pollSleeper: RecordingSleeper(), environment: Environment([:]))
        return OperatorCommands(deps: deps, target: try OperatorTarget(settings))
    }

    @Test("promote finishes a lambda-shift rollout: 100% to the new version, recorded good, the record closed, exit 0")
    func promote() async throws {
        let record = RolloutRecord(
            newVersion: "2", oldVersion: "1", step: 0, steps: 1, since: 1_800_000_000, due: 1_800_000_060,
            started: 1_800_000_000, gates: "a", settings: "0")
        midShift(weight: 0.1, history: DeployHistory(good: ["1"], rollout: record))
        let result = try await commands(.promote).promote(force: false)
        #expect(result.outcome == .promoted && result.outcome.exitCode == 0)
        let alias = try #require(lambda.alias())
        #expect(alias.functionVersion == "2" && alias.additionalVersionWeights.isEmpty, "\(alias)")
        #expect(DeployHistory(description: alias.description).good.first == "2")
        #expect(DeployHistory(description: alias.description).rollout == nil)
        #expect(result.document["outcome"]?.string == "promoted")
        #expect(result.document["previous-version"]?.string == "1" && result.document["version"]?.string == "2")
        #expect(result.lines == ["Promoted: alias live serves version 2 (was version 1 (90%) + version 2 (10%))."])
    }

    @Test("promote of a weight set by hand moves the traffic but records the version as unverified, not good")
    func promoteHandWeight() async throws {
        midShift(weight: 0.1)
        let result = try await commands(.promote).promote(force: false)
        #expect(result.outcome == .promoted)
        let history = DeployHistory(description: lambda.alias()?.description ?? "")
        #expect(!history.good.contains("2") && history.good == ["1"], "\(history.described)")
        #expect(result.lines.first?.contains("not recorded good") == true, "\(result.lines)")
    }

    @Test("promote with no shift in flight, or onto an older version without --force, changes nothing")
    func promoteRefusals() async throws {
        midShift(weight: nil)
        let idle = try await commands(.promote).promote(force: false)
        #expect(idle.outcome == .nothingToDo && idle.document["exit-code"] == .int(0))
        #expect(lambda.mutations.isEmpty)

        // The alias's primary is 2 and it routes 10% to the older 1.
        lambda.state.withLock { s in
            s.aliases["live"]?.functionVersion = "2"
            s.aliases["live"]?.additionalVersionWeights = ["1": 0.1]
        }
        await #expect {
            try await commands(.promote).promote(force: false)
        } throws: {
            ($0 as? any LambdaShiftError)?.exitCode == ExitStatus.usage
                && sentence(of: $0).contains("older than its primary version 2")
        }
        #expect(lambda.mutations.isEmpty)
    }

    @Test("rollback mid-shift restores the primary (an operator's choice: rolled-back with exit 0)")
    func rollbackMidShift() async throws {
        midShift(weight: 0.25)
        let result = try await commands(.rollback).rollback(toVersion: nil)
        #expect(result.outcome == .revertedByOperator && result.outcome.word == "rolled-back")
        #expect(result.document["exit-code"] == .int(0))
        let alias = try #require(lambda.alias())
        #expect(alias.functionVersion == "1" && alias.additionalVersionWeights.isEmpty, "\(alias)")
        #expect(lambda.mutations == ["UpdateAlias"])
    }

    @Test("rollback refuses a version that does not exist, and someone else's move in between, changing nothing")
    func rollbackRefusals() async throws {
        midShift(weight: nil)
        await #expect {
            try await commands(.rollback).rollback(toVersion: "9")
        } throws: {
            ($0 as? any LambdaShiftError)?.exitCode == ExitStatus.usage && sentence(of: $0).contains("has no version 9")
        }
        #expect(lambda.mutations.isEmpty)

        // Someone moves the alias after it was read: the guarded update is refused (exit 1).
        lambda.state.withLock { s in
            s.aliases["live"]?.functionVersion = "2"
            s.onUpdateAlias = { fake in
                fake.state.withLock { $0.onUpdateAlias = nil }
                fake.interfere(version: "2", weights: ["1": 0.5])
            }
        }
        await #expect {
            try await commands(.rollback).rollback(toVersion: "1")
        } throws: {
            ($0 as? any LambdaShiftError)?.exitCode == ExitStatus.failed
                && sentence(of: $0).contains("changed while this command ran")
        }
        #expect(lambda.alias()?.additionalVersionWeights == ["1": 0.5], "left as the other party set it")
    }

    @Test("status reads the alias, its weights and versions, and changes nothing")
    func status() async throws {
        midShift(weight: 0.1)
        let result = try await commands(.status).status()
        #expect(result.outcome == .ok && result.document["command"]?.string == "status")
        #expect(result.lines.joined().contains("version 2"), "\(result.lines)")
        #expect(result.document["alias"]?["weights"]?["2"] == .double(0.1), "\(result.document)")
        #expect(result.document["history"]?["good"] == .array(["1"]))
        #expect(lambda.mutations.isEmpty)
    }

    @Test("cleanup removes a preview alias once; cleaning again is nothing to do")
    func cleanup() async throws {
        midShift(weight: nil)
        _ = try await lambda.createAlias(
            "svc", alias: "preview-login", version: "2", description: nil, additionalVersionWeights: [:])
        let first = try await commands(.cleanup) { $0["alias"] = "preview-login" }.cleanup()
        #expect(first.outcome == .cleaned && first.document["aliases"] == .array(["preview-login"]))
        #expect(lambda.alias("preview-login") == nil && lambda.alias() != nil)
        let again = try await commands(.cleanup) { $0["alias"] = "preview-login" }.cleanup()
        #expect(again.outcome == .nothingToDo && again.document["exit-code"] == .int(0))
    }

    @Test("doctor: a bucket that cannot be used is a failed check, so the outcome is failed (exit 1) with the reason")
    func doctor() async throws {
        midShift(weight: nil)
        let healthy = try await commands(.doctor) { $0["bucket"] = "artifacts" }.doctor()
        #expect(healthy.outcome == .ok && healthy.document["error"] == nil, "\(healthy.lines)")
        let result = try await commands(.doctor) { $0["bucket"] = "elsewhere" }.doctor()
        #expect(result.outcome == .failed && result.document["exit-code"] == .int(1))
        #expect(result.lines.contains { $0.hasPrefix("FAIL bucket") }, "\(result.lines)")
        #expect(result.lines.contains { $0.hasPrefix("ok   alias") }, "\(result.lines)")
        #expect(result.document["error"]?.string == "Some checks failed: fix the ones marked FAIL before deploying.")
        #expect(lambda.mutations.isEmpty)
    }

    @Test("doctor passes an image function: lambda-shift deploys images too (--image-uri)")
    func doctorImageFunction() async throws {
        midShift(weight: nil)
        lambda.state.withLock { $0.packageType = "Image" }
        let result = try await commands(.doctor) { $0["bucket"] = "artifacts" }.doctor()
        #expect(result.outcome == .ok, "\(result.lines)")
        #expect(result.lines.contains { $0.hasPrefix("ok   function") }, "\(result.lines)")
    }
}

extension OperatorCommandsTests {
    @Test("finding 8: cleanup never removes the deploy alias, nor an alias with a history no preview wrote")
    func cleanupKeepsServingAliases() async throws {
        midShift(weight: nil)
        // `cleanup --preview-alias 'l{branch}' --branch ive` resolves to live.
        await #expect {
            _ = try await commands(.cleanup) {
                $0["preview-alias"] = "l{branch}"
                $0["branch"] = "ive"
            }.cleanup()
        } throws: { error in
            (error as? any LambdaShiftError)?.exitCode == ExitStatus.usage
                && "\(error)".contains("The preview alias resolves to live")
        }
        #expect(lambda.alias() != nil)
        // An alias of another name that carries a deploy history serves callers too.
        _ = try await lambda.createAlias(
            "svc", alias: "pre-prod", version: "1", description: DeployHistory(good: ["1"]).rendered(),
            additionalVersionWeights: [:])
        await #expect(throws: (any Error).self) {
            _ = try await commands(.cleanup) {
                $0["alias"] = "pre-prod"; $0["preview-alias"] = "pre-{branch}"
            }
            .cleanup()
        }
        #expect(lambda.alias("pre-prod") != nil)
        // A preview a deploy made (the marker) is removed as before.
        _ = try await lambda.createAlias(
            "svc", alias: "pre-login", version: "2",
            description: DeployHistory(good: ["2"], text: PreviewAlias.marker).rendered(),
            additionalVersionWeights: [:])
        let removed = try await commands(.cleanup) {
            $0["alias"] = "pre-login"; $0["preview-alias"] = "pre-{branch}"
        }
        .cleanup()
        #expect(removed.outcome == .cleaned)
    }
}

extension OperatorCommandsTests {
    @Test(
        "finding 9: status says a version its run never recorded good is unverified; a split alias says how to end it")
    func statusSaysUnverified() async throws {
        midShift(weight: nil, history: DeployHistory(good: ["1"]))
        lambda.state.withLock { $0.aliases["live"]?.functionVersion = "2" }
        let unverified = try await commands(.status).status()
        #expect(unverified.lines.joined().contains("version 2 is unverified"), "\(unverified.lines)")
        lambda.state.withLock {
            $0.aliases["live"]?.functionVersion = "1"
            $0.aliases["live"]?.additionalVersionWeights = ["2": 0.1]
        }
        let split = try await commands(.status).status()
        #expect(split.lines.joined().contains("finish it with `lambda-shift promote`"), "\(split.lines)")
        #expect(!split.lines.joined().contains("unverified"))
    }
}
