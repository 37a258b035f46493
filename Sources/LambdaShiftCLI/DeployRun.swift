import AWSCore
import AWSServices
import CISupport
import Config
import Foundation
import Packaging
import Rollout
import Synchronization

/// One deploy, from identity to the alias.
struct DeployRun {
    var plan: DeployPlan
    var context: CommandContext
    var report: DeployReport

    func execute() async throws {
        var outputs = ["function": plan.function, "alias": plan.alias, "environment": plan.environment, "skipped": "false", "outcome": "failed"]
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("lambda-shift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        // Packaging needs no AWS: it runs while the preflight reads, and is cancelled if those fail.
        let source = plan.sourceOptions
        let environment = context.environment
        let packagePath = workDirectory.appendingPathComponent("package.zip").path
        async let packaged = source.makePackage(out: packagePath, environment: environment)
        let checked = try await Preflight(plan: plan, context: context, report: report).run()
        let client = checked.client
        let lambda = LambdaClient(client: client)
        let before = checked.before
        let gates = checked.gates
        outputs["previous-version"] = before?.functionVersion ?? ""

        report.phase("Package")
        let package = try await packaged
        outputs["sha256"] = package.sha256Hex
        outputs["code-sha256"] = package.codeSha256
        report.event("package: \(package.size) bytes, \(package.entryCount) files, sha256 \(package.sha256Hex)")
        report.phase("Upload")

        let artifacts = ArtifactStage(client: client)
        switch try await artifacts.run(package: package, function: plan.function, alias: plan.alias, bucket: plan.bucket, key: plan.key,
                                       provenance: plan.provenance, current: before.map { .present($0) } ?? .absent) {
        case .unchanged(let version):
            outputs.merge(["outcome": "skipped", "skipped": "true", "version": version]) { $1 }
            report.finish(outputs: outputs, exitCode: 0, message: "Alias \(plan.alias) already serves this code (version \(version)): nothing uploaded, nothing changed.", plan: plan)
            return
        case .uploaded(let object):
            outputs["s3-key"] = object.key
            outputs["s3-version-id"] = object.versionId ?? ""
            report.event("uploaded s3://\(object.bucket)/\(object.key)" + (object.versionId.map { " (version \($0))" } ?? ""))

            report.phase("Update and publish")
            let stage = CodeUpdateStage(lambda: lambda)
            let updated = try await stage.updateCode(function: plan.function, bucket: plan.bucket, key: plan.key, objectVersion: object.versionId, codeSha256: package.codeSha256)
            let published = try await stage.publish(function: plan.function, configuration: updated, provenance: plan.provenance)
            outputs["version"] = published.version
            report.event("published version \(published.version)")

            if let payload = plan.smokePayload {
                let smoke = try await SmokeTest(lambda: lambda, payload: payload).run(function: plan.function, version: published.version)
                report.event("gate smoke: \(smoke.passed ? "passed" : "FAILED"): \(smoke.detail)", passed: smoke.passed)
                guard smoke.passed else {
                    outputs["outcome"] = "rolled-back"
                    let sentence = "The smoke test of version \(published.version) failed (\(smoke.detail)): no traffic moved."
                    report.finish(outputs: outputs, exitCode: LambdaShiftExit.gateFailed, message: "", plan: plan, reason: sentence)
                    throw CommandFailure(sentence, exitCode: LambdaShiftExit.gateFailed)
                }
            }
            guard let before else {
                _ = try await lambda.createAlias(plan.function, alias: plan.alias, version: published.version, description: "managed by lambda-shift")
                outputs["outcome"] = "deployed"
                report.finish(outputs: outputs, exitCode: 0, message: "Created alias \(plan.alias) on version \(published.version) (first deploy).", plan: plan)
                return
            }
            report.phase("Shift alias \(plan.alias)")
            let engine = RolloutEngine(api: lambda, gates: gates, sleeper: CountdownSleeper(inner: TaskSleeper(), reporter: report.reporter)) { event in
                switch event.kind {
                case .shifted(let bp): report.event("shifted \(Strategy.percent(bp)) to version \(published.version)")
                case .baking(let seconds): report.line("baking \(seconds)s")
                case .gate(let result): report.event("gate \(result.gate): \(result.passed ? "passed" : "FAILED"): \(result.detail)", passed: result.passed)
                case .flipped: report.event("alias \(plan.alias) → version \(published.version)")
                case .restored: report.event("alias \(plan.alias) restored to \(RolloutEngine.describe(before))")
                }
            }
            let outcome = await engine.shift(function: plan.function, alias: plan.alias, before: before, newVersion: published.version,
                                             strategy: plan.strategy, bakeAfterSeconds: plan.bakeSeconds)
            if outcome == .completed, let keep = plan.keepVersions {
                let pruned = try await VersionPruner(lambda: lambda).prune(function: plan.function, keep: keep)
                if !pruned.isEmpty { report.line("pruned version(s) \(pruned.joined(separator: ", ")) (keeping the newest \(keep) and every aliased one)") }
            }
            try conclude(outcome, outputs: outputs, version: published.version, before: before)
        }
    }

    /// Maps the rollout's outcome to outputs, a sentence and PRODUCT.md's exit code.
    func conclude(_ outcome: RolloutOutcome, outputs: [String: String], version: String, before: AliasConfiguration) throws {
        var outputs = outputs
        let restored = RolloutEngine.describe(before)
        switch outcome {
        case .completed:
            outputs["outcome"] = "deployed"
            report.finish(outputs: outputs, exitCode: 0, message: "Deployed: alias \(plan.alias) serves version \(version) (was \(before.functionVersion)).", plan: plan)
        case .rolledBack(let reason):
            outputs["outcome"] = "rolled-back"
            let sentence = "A health gate failed (\(reason)): alias \(plan.alias) was rolled back to \(restored)."
            report.finish(outputs: outputs, exitCode: LambdaShiftExit.gateFailed, message: "", plan: plan, reason: sentence)
            throw CommandFailure(sentence, exitCode: LambdaShiftExit.gateFailed)
        case .cancelled:
            outputs["outcome"] = "cancelled"
            let sentence = "Cancelled: alias \(plan.alias) was restored to \(restored)."
            report.finish(outputs: outputs, exitCode: LambdaShiftExit.cancelled, message: "", plan: plan, reason: sentence)
            throw CommandFailure(sentence, exitCode: LambdaShiftExit.cancelled)
        case .failed(let reason):
            outputs["outcome"] = "failed"
            let sentence = "The rollout failed (\(reason)): alias \(plan.alias) was restored to \(restored)."
            report.finish(outputs: outputs, exitCode: LambdaShiftExit.failed, message: "", plan: plan, reason: sentence)
            throw CommandFailure(sentence, exitCode: LambdaShiftExit.failed)
        case .interfered(let now):
            outputs["outcome"] = "failed"
            let sentence = "Someone else changed alias \(plan.alias) during the rollout; it now serves \(now) and was left as they set it."
            report.finish(outputs: outputs, exitCode: LambdaShiftExit.failed, message: "", plan: plan, reason: sentence)
            throw CommandFailure(sentence, exitCode: LambdaShiftExit.failed)
        case .rollbackFailed(let reason):
            outputs["outcome"] = "failed"
            let sentence = "ROLLBACK FAILED: alias \(plan.alias) may be split between version \(before.functionVersion) and \(version); restore it by hand (lambda-shift rollback). Cause: \(reason)"
            report.finish(outputs: outputs, exitCode: LambdaShiftExit.rollbackFailed, message: "", plan: plan, reason: sentence)
            throw CommandFailure(sentence, exitCode: LambdaShiftExit.rollbackFailed)
        }
    }
}
