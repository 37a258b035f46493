import Release
import Ports
import AWSCore
import AWSServices
import CISupport
import LambdaShiftCore
import Config
import FoundationEssentials
import Packaging
import Rollout
import Synchronization

/// One deploy, from identity to the alias (PRODUCT.md's flow): preflight, package, skip or
/// upload, move off `$LATEST` when needed, code update, publish, readiness, smoke, shift,
/// prune. It never throws: every ending, errors and cancellation included, is a
/// `DeployResult` with its outputs, exit code and sentence.
package struct DeployPipeline: Sendable {
    package var plan: DeployPlan
    package var deps: DeployDependencies
    package var report: any DeployEvents

    package init(plan: DeployPlan, deps: DeployDependencies, events: any DeployEvents) {
        self.plan = plan
        self.deps = deps
        report = events
    }

    /// The outputs a deploy starts with (outcome failed until it says otherwise).
    package var initialOutputs: DeployOutputs {
        var outputs = DeployOutputs(outcome: .failed)
        outputs.function = plan.function
        outputs.alias = plan.alias
        outputs.environment = plan.environment
        return outputs
    }

    /// Deploys this one target: `DeployRun`, the one path of every deploy, with a fleet of one.
    package func run() async -> DeployResult {
        await DeployRun(
            targets: DeployTargets(plans: [plan], waves: [[0]], parallel: 1), deps: [deps], events: report
        ).run().0
    }

    /// The result of an error thrown before or outside the rollout: exit 4 for cancellation,
    /// the error's own code otherwise.
    static func failure(_ error: any Error, outputs: inout DeployOutputs) -> DeployResult {
        outputs.outcome = Outcome(ending: error)
        // Thrown outside the rollout's own restore: the alias serves what it served before.
        if let previous = outputs.previousVersion { outputs.version = previous }
        return DeployResult(outputs: outputs, reason: sentence(of: error))
    }

    /// Where a target stands once its code is published and smoke-tested: nothing has moved
    /// its alias yet (except off `$LATEST`, onto a version with the same code).
    package struct Ready: Sendable {
        package var before: AliasConfiguration?
        package var version: String
        var gates: [any HealthGate]
        /// The published version's configuration (its qualified ARN for the hooks).
        var published: FunctionConfiguration
        /// The hooks run so far (the pre-traffic command).
        var hooks: [HookRun] = []
        /// Provisioned concurrency on the live alias or its version.
        var warm: WarmCapacity? = nil
        /// The new version runs another runtime version than the stable one (`--runtime-drift warn`).
        var drift: RuntimeDrift? = nil
        /// A web function: the endpoint the shift moves, and whether its LatestRevision mode
        /// goes back on once the rollout ends.
        var alias: String? = nil
        var restoreAutoDeploy = false
    }

    /// The alias already serves this code: the run ends skipped on `version`.
    static func skipped(_ outputs: inout DeployOutputs, version: String, _ message: String) -> Prepared {
        outputs.outcome = .skipped
        outputs.version = version
        return .finished(DeployResult(outputs: outputs, message: message))
    }

    /// A target either finished before its shift (skipped, smoke failed) or is ready for it.
    package enum Prepared: Sendable {
        case finished(DeployResult)
        case ready(Ready)
    }

    /// Everything before traffic moves: preflight, package (or the one given: a run over several
    /// targets packages once), upload, the move off `$LATEST`, code update, publish, readiness
    /// and the smoke test.
    package func prepare(_ outputs: inout DeployOutputs, package given: PreparedCode?) async throws -> Prepared {
        if let web = plan.web { return try await prepare(web: web, &outputs, package: given) }
        if let image = plan.source.image { return try await prepare(image: image, &outputs) }
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lambda-shift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        // Packaging needs no AWS: it runs while the preflight reads, and is cancelled if those fail.
        let source = plan.source
        let environment = deps.environment
        let packagePath = workDirectory.appendingPathComponent("package.zip").path
        let store = deps.store
        // A directory's package can go up in parts while it is written (OverlappedUpload).
        let relay: PackageRelay? = given == nil && source.isDirectory ? PackageRelay() : nil
        async let packaged =
            given == nil
            ? source.prepare(out: packagePath, environment: environment, store: store, progress: relay) : given!
        let checked = try await Preflight(plan: plan, deps: deps, report: report).run()
        outputs.previousVersion = checked.before?.functionVersion ?? ""
        var artifacts = ArtifactStage(lambda: deps.functions, store: deps.store)
        artifacts.requiredSigner = checked.signing?.versionArn

        // Not while a refusal waits on whether the code changes: that is judged before any upload.
        var overlap: OverlappedUpload?
        if let relay, checked.unlessSkipped == nil {
            overlap = try await OverlappedUpload.start(
                relay: relay, artifacts: artifacts, plan: plan, path: packagePath)
        }
        if given == nil { report.phase("Package") }
        let prepared: PreparedCode
        do {
            prepared = try await packaged
        } catch {
            await overlap?.upload?.abort()
            throw error
        }
        let started = overlap
        return try await (started ?? OverlappedUpload()).guarding {
            try await deliver(
                prepared, packagedHere: given == nil, checked: checked, artifacts: artifacts, overlap: started,
                outputs: &outputs)
        }
    }

    /// The rest of `prepare` once the package is written: skip, or upload (or finish the upload
    /// under way), sign, update and publish.
    func deliver(
        _ prepared: PreparedCode, packagedHere: Bool, checked: Preflight.Result, artifacts: ArtifactStage,
        overlap: OverlappedUpload?, outputs: inout DeployOutputs
    ) async throws -> Prepared {
        let source = plan.source
        let before = checked.before
        let package = prepared.package
        package.warnings.forEach(report.warning)
        outputs.record(package: package)
        // A run over several targets reports its one package once, itself.
        if let line = source.describe(prepared, reported: !packagedHere) { report.event(line) }
        report.phase("Upload")

        // A refusal that stands only for a deploy that changes the code: judged before the upload.
        if let refusal = checked.unlessSkipped,
            try await artifacts.unchangedVersion(
                function: plan.function, alias: plan.alias, package: package,
                current: before.map { .present($0) } ?? .absent) == nil
        {
            throw refusal
        }
        switch try await plan.source.deliver(
            prepared, plan: plan, artifacts: artifacts, current: before.map { .present($0) } ?? .absent,
            overlap: overlap, warn: { report.warning($0) })
        {
        case .unchanged(let version):
            if let upload = overlap?.upload {
                await upload.abort()
                report.event("the upload begun while packaging was aborted: S3 keeps none of it")
            }
            return Self.skipped(
                &outputs, version: version,
                "Alias \(plan.alias) already serves this code (version \(version)): nothing uploaded, nothing changed.")
        case .uploaded(let object):
            outputs.record(object: object)
            report.event(
                (source.isPackagedHere ? "uploaded" : "deploying the uploaded object")
                    + " s3://\(object.bucket)/\(object.key)"
                    + (object.versionId.map { " (version \($0))" } ?? "")
                    + (overlap?.upload == nil ? "" : ", in parts sent while it was being packaged"))

            var location = CodeUpdateStage.CodeLocation.object(
                bucket: object.bucket, key: object.key, version: object.versionId, storage: checked.storage)
            var expected = package.codeSha256
            var signedPackage: String?
            if let profile = checked.signing, source.isPackagedHere {
                // Signed before any alias moves: a failed job leaves everything as it was.
                report.phase("Sign")
                let signed = try await SigningStage(
                    signer: deps.signer, store: deps.store, clock: deps.clock, sleeper: deps.pollSleeper
                ).sign(object, profile: profile.name, prefix: plan.signedPrefix, token: UUID().uuidString)
                outputs.signingJobId = signed.jobId
                outputs.signedS3Key = signed.key
                outputs.signedS3VersionId = signed.versionId ?? ""
                report.event(
                    "signed with \(profile.name) (job \(signed.jobId)): s3://\(signed.bucket)/\(signed.key)"
                        + (signed.versionId.map { " (version \($0))" } ?? "") + ", code \(signed.codeSha256)")
                location = .object(
                    bucket: signed.bucket, key: signed.key, version: signed.versionId, storage: checked.storage)
                expected = signed.codeSha256
                signedPackage = package.codeSha256
            }
            return try await update(
                to: location, codeSha256: expected, checked: checked, outputs: &outputs, signedPackage: signedPackage)
        }
    }

    /// The code update of every code source: the alias moved off `$LATEST` first when it is
    /// there, then the update to `location`, then `publishAndCheck`.
    func update(
        to location: CodeUpdateStage.CodeLocation, codeSha256: String, checked: Preflight.Result,
        outputs: inout DeployOutputs, signedPackage: String? = nil
    ) async throws -> Prepared {
        let lambda = deps.functions
        let found = checked.before, latest = checked.function
        var before = found
        var stage = CodeUpdateStage(lambda: lambda, clock: deps.clock, sleeper: deps.pollSleeper)
        // Managed Instances start a version's execution environments before it is Active, which
        // AWS says can take up to 15 minutes.
        if latest.capacityProviderArn != nil { stage.maxWait = Preflight.managedInstancesWait }
        if let found, found.functionVersion == "$LATEST" {
            // UpdateFunctionCode would put the new code in front of every caller of an alias
            // on $LATEST before any gate could see it: first move the alias, unchanged for
            // callers, onto a published version of the code it serves now.
            report.phase("Baseline")
            before = try await moveOffLatest(found, latest: latest, stage: stage, lambda: lambda)
            outputs.previousVersion = before?.functionVersion ?? ""
        }
        report.phase("Update and publish")
        let updated = try await stage.updateCode(function: plan.function, to: location, codeSha256: codeSha256)
        return try await publishAndCheck(
            updated, before: before, checked: checked, stage: stage, outputs: &outputs, signedPackage: signedPackage)
    }

    /// After the code update: publish, wait until the version is ready, smoke-test it.
    func publishAndCheck(
        _ updated: FunctionConfiguration, before: AliasConfiguration?, checked: Preflight.Result,
        stage: CodeUpdateStage, outputs: inout DeployOutputs, signedPackage: String? = nil
    ) async throws -> Prepared {
        let lambda = deps.functions
        let published = try await stage.publish(
            function: plan.function, configuration: updated, provenance: plan.provenance, package: signedPackage)
        outputs.publishedVersion = published.version
        report.event("published version \(published.version)")
        let active = try await stage.waitUntilActive(function: plan.function, version: published.version) {
            report.line($0)
        }
        // A gradual rollout compares the two versions: on different runtime versions, say so
        // (or, with --runtime-drift fail, fail the canary here, before any traffic moves).
        var drift: RuntimeDrift?
        if let before, before.functionVersion != "$LATEST", !plan.strategy.steps.isEmpty {
            let stable = try await lambda.getFunctionConfiguration(plan.function, qualifier: before.functionVersion)
            var new = active
            if new.runtimeVersionArn == nil { new.runtimeVersionArn = published.runtimeVersionArn }
            drift = RuntimeDrift.between(stable: stable, new: new, failing: plan.failOnRuntimeDrift)
        }
        if let drift {
            report.event("runtime versions differ: \(drift.sentence)", passed: drift.failed ? false : nil)
            if drift.failed {
                var result = await refuseBeforeTraffic(
                    published.version, before: before, outputs: &outputs, sentence: drift.verdictNote)
                result.runtimeDrift = drift
                return .finished(result)
            }
            report.warning(drift.sentence)
        }
        if let refusal = try await provisionNewVersion(published.version, like: checked.warm) {
            return .finished(
                await refuseBeforeTraffic(published.version, before: before, outputs: &outputs, sentence: refusal))
        }

        if let payload = plan.smokePayload {
            let smoke = try await SmokeTest(
                lambda: lambda, payload: payload, tenantId: plan.smokeTenantId, showsResponse: plan.showSmokeResponse
            ).run(
                function: plan.function, version: published.version)
            report.event("gate smoke: \(smoke.passed ? "passed" : "FAILED"): \(smoke.detail)", passed: smoke.passed)
            guard smoke.passed else {
                return .finished(
                    await refuseBeforeTraffic(
                        published.version, before: before, outputs: &outputs,
                        sentence:
                            "The smoke test of version \(published.version) failed (\(smoke.detail)): no traffic moved."
                    ))
            }
        }
        var hooks: [HookRun] = []
        if let command = plan.preTrafficCommand {
            let run = await runHook(
                .preTraffic, command: command, version: published, previous: before?.functionVersion)
            hooks.append(run)
            // A signal killed it: the run ends as a cancellation (nothing moved yet), not a gate.
            if Task.isCancelled { throw CancellationError() }
            guard run.passed else {
                var result = await refuseBeforeTraffic(
                    published.version, before: before, outputs: &outputs,
                    sentence:
                        "The pre-traffic command failed for version \(published.version) (\(run.described)): no traffic moved."
                )
                result.hooks = hooks
                return .finished(result)
            }
        }
        return .ready(
            Ready(
                before: before, version: published.version, gates: checked.gates, published: published, hooks: hooks,
                warm: checked.warm, drift: drift))
    }

    /// A check before traffic failed (the smoke test, the pre-traffic command): the version is
    /// recorded as failed on the alias (traffic unchanged), so `rollback` never picks it; exit 3.
    func refuseBeforeTraffic(
        _ version: String, before: AliasConfiguration?, outputs: inout DeployOutputs, sentence: String
    ) async -> DeployResult {
        if let before {
            _ = try? await deps.functions.updateAlias(
                plan.function, alias: plan.alias, version: before.functionVersion,
                additionalVersionWeights: before.additionalVersionWeights, revisionId: before.revisionId,
                description: DeployHistory(description: before.description).withoutRollout.failed(version).rendered())
        }
        outputs.outcome = .rolledBack
        outputs.version = before?.functionVersion ?? ""
        return DeployResult(outputs: outputs, reason: sentence)
    }

    /// Moves the alias to the prepared version: created on it (a first deploy), or shifted by
    /// the strategy with the gates, restored on a failure. Cancellation restores too.
    /// `--keep-versions` is the run's to apply (`DeployRun`): it prunes only once every target
    /// has succeeded, so a restore never points at a deleted version.
    package func shift(_ ready: Ready, outputs: inout DeployOutputs) async -> DeployResult {
        var result = await shiftAlias(ready, outputs: &outputs)
        // A detached rollout under way keeps the endpoint Disabled: its record brings the mode
        // back when it ends (`advance`, `promote`, `rollback`).
        if ready.restoreAutoDeploy, result.outcome != .inProgress, let web = deps.web,
            let function = plan.web?.function
        {
            await restoreAutoDeployment(web, function, plan.alias)
        }
        if plan.web != nil { result.outputs.revisionId = result.outputs.version }
        return result
    }

    func shiftAlias(_ ready: Ready, outputs: inout DeployOutputs) async -> DeployResult {
        let lambda = deps.functions
        let gates = ready.gates
        do {
            guard let before = ready.before else {
                // Recorded good at once unless a post-traffic command has still to pass.
                var created =
                    plan.postTrafficCommand == nil ? DeployHistory().succeeded(ready.version) : DeployHistory()
                // A preview's alias says it is one, so no later preview or cleanup mistakes an
                // alias that serves callers for it, nor it for one.
                if plan.isPreview { created.text = PreviewAlias.marker }
                _ = try await lambda.createAlias(
                    plan.function, alias: plan.alias, version: ready.version, description: created.rendered(),
                    additionalVersionWeights: [:])
                var hooks = ready.hooks
                if let command = plan.postTrafficCommand {
                    let run = await runHook(.postTraffic, command: command, version: ready.published, previous: nil)
                    hooks.append(run)
                    if !run.passed {
                        // There was no alias before this deploy: none is what it goes back to.
                        let failed = "The post-traffic command failed for version \(ready.version) (\(run.described))"
                        var result: DeployResult
                        do {
                            try await Task { try await lambda.deleteAlias(plan.function, alias: plan.alias) }.value
                            report.event("alias \(plan.alias) deleted (this first deploy created it)")
                            outputs.outcome = Task.isCancelled ? .cancelled : .rolledBack
                            outputs.version = ""
                            result = DeployResult(
                                outputs: outputs,
                                reason: "\(failed): alias \(plan.alias), which this first deploy created, was deleted.")
                        } catch {
                            outputs.outcome = .failed(exitCode: ExitStatus.rollbackFailed)
                            outputs.version = ready.version
                            result = DeployResult(
                                outputs: outputs,
                                reason:
                                    "ROLLBACK FAILED: \(failed), and alias \(plan.alias), which this first deploy created, could not be deleted (\(sentence(of: error))): it still serves version \(ready.version); delete it by hand."
                            )
                        }
                        result.hooks = hooks
                        return result
                    }
                    await recordPassedPostTraffic(ready.version)
                }
                outputs.outcome = .deployed
                outputs.version = ready.version
                var result = DeployResult(
                    outputs: outputs,
                    message: "Created alias \(plan.alias) on version \(ready.version) (first deploy).")
                result.hooks = hooks
                return result
            }
            report.phase("Shift alias \(plan.alias)")
            let canary = CanaryRecorder()
            let engine = rolloutEngine(
                gates: gates, newVersion: ready.version, before: before, canary: canary, warm: ready.warm)
            if plan.detach, !plan.strategy.steps.isEmpty {
                return await startDetached(ready, before: before, engine: engine, outputs: &outputs)
            }
            let outcome = await engine.shift(
                function: plan.function, alias: plan.alias, before: before, newVersion: ready.version,
                strategy: plan.strategy, bakeAfterSeconds: plan.bakeSeconds)
            canary.finish(outcome)
            var final = outcome
            var hooks = ready.hooks
            if outcome == .completed || outcome == .completedByOther, let command = plan.postTrafficCommand {
                let run = await runHook(
                    .postTraffic, command: command, version: ready.published, previous: before.functionVersion)
                hooks.append(run)
                if !run.passed {
                    let reason = "the post-traffic command failed (\(run.described))"
                    final = await RolloutEngine(api: lambda, clock: deps.clock).revert(
                        function: plan.function, alias: plan.alias, before: before, newVersion: ready.version,
                        outcome: Task.isCancelled ? .cancelled : .rolledBack(reason: reason))
                    if case .rolledBack = final {
                        report.event("alias \(plan.alias) restored to \(RolloutEngine.describe(before)): \(reason)")
                    } else if final == .cancelled {
                        report.event("alias \(plan.alias) restored to \(RolloutEngine.describe(before)): cancelled")
                    }
                } else {
                    await recordPassedPostTraffic(ready.version)
                }
            }
            var result = conclude(final, outputs: &outputs, version: ready.version, before: before)
            if let drift = ready.drift {
                result.runtimeDrift = drift
                if result.outcome.succeeded {
                    result.message += " " + drift.verdictNote
                } else {
                    result.reason = (result.reason.map { $0 + " " } ?? "") + drift.verdictNote
                }
            }
            result.analysis = canary.steps
            result.judged = canary.judged
            result.hooks = hooks
            return result
        } catch {
            return Self.failure(error, outputs: &outputs)
        }
    }

    /// `--warm-invocations`: the smoke payload sent to the alias (both versions, by weight).
    func warming(_ lambda: any FunctionAPI) -> Warming? {
        guard plan.warmInvocations > 0, let payload = plan.smokePayload else { return nil }
        let function = plan.function, alias = plan.alias, tenant = plan.smokeTenantId
        return Warming(invocationsPerStep: plan.warmInvocations) {
            _ = try await lambda.invoke(function, qualifier: alias, payload: payload, tenantId: tenant)
        }
    }

    /// `--keep-versions`: housekeeping after the alias moved, so a failure is a warning, never a
    /// failed deploy.
    package func pruneVersions() async {
        guard let keep = plan.keepVersions else { return }
        do {
            let (pruned, kept) = try await VersionPruner(lambda: deps.functions).prune(
                function: plan.function, keep: keep)
            // An alias's own versions staying is the rule, not news; anything else is said.
            let unusual = kept.filter { !$0.why.hasSuffix("routes to it") }
            if !unusual.isEmpty {
                report.warning(
                    "Kept version(s) beyond --keep-versions \(keep) that something still uses: \(VersionsInUse.describe(unusual))."
                )
            }
            if !pruned.isEmpty {
                report.line(
                    "pruned version(s) \(pruned.joined(separator: ", ")) (keeping the newest \(keep) and every aliased one)"
                )
            }
        } catch {
            report.warning(
                "Deployed, but pruning old versions failed: \(sentence(of: error)) Delete them by hand or check lambda:DeleteFunction."
            )
        }
    }

    /// The preview alias's function URL, created or kept with `auth`. The alias already serves
    /// the new version, so a failure here is a warning, not a failed deploy.
    func ensureFunctionURL(_ auth: String) async -> String? {
        do {
            let lambda = deps.functions
            var url = try await lambda.functionURL(plan.function, qualifier: plan.alias)
            if url == nil {
                url = try await lambda.createFunctionURL(plan.function, qualifier: plan.alias, authType: auth)
            } else if url?.authType != auth {
                url = try await lambda.updateFunctionURL(plan.function, qualifier: plan.alias, authType: auth)
            }
            let address = url?.url ?? ""
            report.event("function URL of alias \(plan.alias): \(address) (\(auth))")
            return address
        } catch {
            report.warning(
                "Deployed, but the function URL of alias \(plan.alias) could not be set: \(sentence(of: error))"
            )
            return nil
        }
    }

    /// Publishes (or reuses) a version with the code `$LATEST` serves and points the alias at
    /// it, guarded by the alias's RevisionId. Callers are served the same code before and after.
    /// Returns the alias as it now is: what a rollback restores.
    func moveOffLatest(
        _ alias: AliasConfiguration, latest: FunctionConfiguration, stage: CodeUpdateStage, lambda: any FunctionAPI
    ) async throws -> AliasConfiguration {
        let (baseline, reused) = try await stage.baseline(
            function: plan.function, latest: latest, provenance: plan.provenance)
        report.event(
            reused
                ? "baseline: version \(baseline.version) already holds the code $LATEST serves (\(latest.codeSha256))"
                : "baseline: published the code $LATEST serves (\(latest.codeSha256)) as version \(baseline.version)")
        _ = try await stage.waitUntilActive(function: plan.function, version: baseline.version) { report.line($0) }
        do {
            let moved = try await lambda.updateAlias(
                plan.function, alias: plan.alias, version: baseline.version,
                additionalVersionWeights: [:], revisionId: alias.revisionId,
                description: DeployHistory(description: alias.description).succeeded(baseline.version).rendered())
            report.event(
                "alias \(plan.alias) moved from $LATEST to version \(baseline.version): the same code, so callers see no change; the new code is shifted in from there"
            )
            return moved
        } catch let error as AWSServiceError where error.kind == .preconditionFailed {
            throw DeployError(
                "Alias \(plan.alias) changed while this deploy was moving it off $LATEST: it was left as it is; re-run the deploy."
            )
        }
    }

    /// Maps the rollout's outcome to outputs, a sentence and PRODUCT.md's exit code.
    func conclude(
        _ outcome: RolloutOutcome, outputs: inout DeployOutputs, version: String, before: AliasConfiguration
    ) -> DeployResult {
        let restored = RolloutEngine.describe(before)
        // `version` is what the alias serves when the run ends: the new version once deployed,
        // the one restored after a rollback, unknown ("") when someone else or a failed restore
        // left it; `published-version` stays the version this run published.
        switch outcome {
        case .completed, .completedByOther: outputs.version = version
        case .undecided, .rolledBack, .cancelled, .failed:
            outputs.version = before.additionalVersionWeights.isEmpty ? before.functionVersion : ""
        case .interfered, .rollbackFailed: outputs.version = ""
        }
        let sentence: String
        switch outcome {
        case .completed:
            outputs.outcome = .deployed
            return DeployResult(
                outputs: outputs,
                message: "Deployed: alias \(plan.alias) serves version \(version) (was \(before.functionVersion)).")
        case .completedByOther:
            outputs.outcome = .deployed
            return DeployResult(
                outputs: outputs,
                message:
                    "Deployed: alias \(plan.alias) serves version \(version) (was \(before.functionVersion)); someone else finished the shift (a promote) before this run did."
            )
        case .undecided(let reason):
            outputs.outcome = .rolledBack
            sentence = "No verdict from the gates (\(reason)): alias \(plan.alias) was rolled back to \(restored)."
        case .rolledBack(let reason):
            outputs.outcome = .rolledBack
            sentence = "A health gate failed (\(reason)): alias \(plan.alias) was rolled back to \(restored)."
        case .cancelled:
            outputs.outcome = .cancelled
            sentence = "Cancelled: alias \(plan.alias) was restored to \(restored)."
        case .failed(let reason):
            outputs.outcome = .failed
            sentence = "The rollout failed (\(reason)): alias \(plan.alias) was restored to \(restored)."
        case .interfered(let now):
            outputs.outcome = .failed
            sentence =
                "Someone else changed alias \(plan.alias) during the rollout; it now serves \(now) and was left as they set it."
        case .rollbackFailed(let reason):
            outputs.outcome = .failed(exitCode: ExitStatus.rollbackFailed)
            sentence =
                "ROLLBACK FAILED: alias \(plan.alias) may be split between version \(before.functionVersion) and \(version); restore it by hand (lambda-shift rollback). Cause: \(reason)"
        }
        return DeployResult(outputs: outputs, reason: sentence)
    }
}
