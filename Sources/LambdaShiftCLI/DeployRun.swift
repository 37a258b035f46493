import AWSCore
import AWSServices
import Config
import Foundation
import Packaging
import Rollout
import CISupport
import Synchronization

/// Reports a deploy through the CI's reporter: progress lines in groups, a timeline, and at
/// the end the outputs (GITHUB_OUTPUT, GitLab dotenv, or lines) and the summary; or, with
/// `--output json`, one document.
final class DeployReport: Sendable {
    let context: CommandContext
    let json: Bool
    private let started = Date()
    private let state = Mutex<(timeline: [DeploySummary.Entry], groupOpen: Bool)>(([], false))

    init(context: CommandContext, json: Bool) {
        self.context = context
        self.json = json
    }

    var reporter: any Reporter { context.reporter }

    func line(_ text: String) {
        if !json { reporter.info(text) }
    }

    /// A line that also goes on the summary's timeline.
    func event(_ text: String, passed: Bool? = nil) {
        let offset = Int(Date().timeIntervalSince(started))
        state.withLock { $0.timeline.append(DeploySummary.Entry(offset: offset, text: text, passed: passed)) }
        if !json {
            if passed == false { reporter.warning(text) } else { reporter.info(text) }
        }
    }

    /// Starts a collapsible phase (closing the previous one).
    func phase(_ title: String) {
        guard !json else { return }
        let wasOpen = state.withLock { s in let open = s.groupOpen; s.groupOpen = true; return open }
        if wasOpen { reporter.endGroup() }
        reporter.beginGroup(title)
    }

    var timeline: [DeploySummary.Entry] { state.withLock { $0.timeline } }

    func finish(outputs: [String: String], exitCode: Int32, message: String, plan: DeployPlan? = nil, reason: String? = nil) {
        let wasOpen = state.withLock { s in let open = s.groupOpen; s.groupOpen = false; return open }
        if wasOpen && !json { reporter.endGroup() }
        let ordered = ["version", "previous-version", "alias", "function", "environment", "sha256", "code-sha256", "s3-key",
                       "s3-version-id", "outcome", "skipped"].compactMap { name in outputs[name].map { (name, $0) } }
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: outputs.merging(["message": message.isEmpty ? (reason ?? "") : message]) { a, _ in a },
                                                    options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            context.output(context.secrets.redact(String(decoding: data, as: UTF8.self)))
            if reporter.kind == .github || reporter.kind == .gitlab { try? reporter.setOutputs(ordered) }
            return
        }
        if exitCode == 0 && !message.isEmpty { reporter.info(message) }
        do {
            try reporter.setOutputs(ordered)
            if let plan {
                try reporter.writeSummary(DeploySummary(
                    outcome: outputs["outcome"] ?? "failed", headline: message.isEmpty ? (reason ?? "failed") : message,
                    function: plan.function, alias: plan.alias, environment: plan.environment,
                    previousVersion: outputs["previous-version"] ?? "", newVersion: outputs["version"] ?? "",
                    sha256: outputs["sha256"] ?? "", s3Key: outputs["s3-key"] ?? "", strategy: plan.strategy.name,
                    timeline: timeline, reason: exitCode == 0 ? nil : reason, runURL: plan.provenance.runURL))
            }
        } catch {
            reporter.warning("Could not write the outputs or summary: \(error)")
        }
    }
}

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

/// Everything a deploy checks before its first change, shared with `plan`: the caller
/// identity against the allowed accounts, the function, the alias (not mid-shift), the gate
/// alarms (existing, none already firing unless told to ignore it).
struct Preflight {
    var plan: DeployPlan
    var context: CommandContext
    var report: DeployReport

    struct Result {
        var client: AWSClient
        var identity: CallerIdentity
        var function: FunctionConfiguration
        var before: AliasConfiguration?
        var gates: [any HealthGate]
    }

    func run() async throws -> Result {
        let client = try context.makeClient(region: plan.region, roleToAssume: plan.roleToAssume)
        let identity = try await STSClient(client: client).getCallerIdentity()
        report.line("caller: \(identity.arn) (account \(identity.account))")
        if !plan.allowedAccounts.isEmpty && !plan.allowedAccounts.contains(identity.account) {
            throw AWSClientError(.invalidSetting, "The credentials belong to account \(identity.account), which is not in --allowed-account-ids (\(plan.allowedAccounts.joined(separator: ", "))): check the role or the account list.", isConfiguration: true)
        }
        report.line("deploying \(plan.function) alias \(plan.alias) to \(plan.environment) with \(plan.strategy)")
        let arnParts = plan.function.split(separator: ":", omittingEmptySubsequences: false)
        if plan.function.hasPrefix("arn:"), arnParts.count >= 7, arnParts[3] != client.region {
            throw AWSClientError(.invalidSetting, "The function ARN is in \(arnParts[3]) but this deploy runs in \(client.region): set --region \(arnParts[3]), or name the function in \(client.region).", isConfiguration: true)
        }
        let lambda = LambdaClient(client: client)
        let function: FunctionConfiguration
        do {
            function = try await lambda.getFunctionConfiguration(plan.function)
        } catch let error as AWSServiceError where error.code == "ResourceNotFoundException" {
            throw AWSClientError(.invalidSetting, "No Lambda function \(plan.function) in \(client.region) for this account: check --function and --region (lambda-shift deploys code to functions Terraform created).", cause: "\(error)", isConfiguration: false)
        }
        do {
            _ = try await S3Client(client: client).getObject(bucket: plan.bucket, key: ".lambda-shift-preflight")
        } catch let error as AWSServiceError where error.code == "NoSuchKey" {
            // The bucket answers and the key is absent: as expected.
        } catch let error as AWSServiceError where error.code == "NoSuchBucket" {
            throw AWSClientError(.invalidSetting, "No bucket \(plan.bucket): check --bucket (the bucket is created once, by Terraform, not by lambda-shift).", cause: "\(error)", isConfiguration: false)
        }
        let before: AliasConfiguration?
        do {
            before = try await lambda.getAlias(plan.function, alias: plan.alias)
        } catch let error as AWSServiceError where error.code == "ResourceNotFoundException" {
            before = nil
        }
        if let before, !before.additionalVersionWeights.isEmpty {
            throw AWSClientError(.invalidSetting, "Alias \(plan.alias) is mid-way through a shift (\(RolloutEngine.describe(before))): finish it with `lambda-shift promote` or undo it with `lambda-shift rollback` first.", isConfiguration: true)
        }
        var gates: [any HealthGate] = []
        if !plan.alarms.isEmpty || !plan.alarmPrefixes.isEmpty {
            let gate = AlarmGate(cloudWatch: CloudWatchClient(client: client), names: plan.alarms, prefixes: plan.alarmPrefixes)
            let firing = try await gate.states().filter { $0.state == "ALARM" }.map(\.name)
            if !firing.isEmpty {
                if plan.blockOnFiringAlarm {
                    throw AWSClientError(.invalidSetting, "Alarm \(firing.sorted().joined(separator: ", ")) is already in ALARM before the deploy: fix it first, or pass --alarm-already-firing ignore.", isConfiguration: true)
                }
                report.line("warning: alarm \(firing.sorted().joined(separator: ", ")) already in ALARM; ignored as asked")
            }
            gates.append(gate)
        }
        if let rate = plan.maxErrorRateBasisPoints {
            gates.append(MetricsGate(cloudWatch: CloudWatchClient(client: client), function: plan.function, alias: plan.alias,
                                     maxErrorRateBasisPoints: rate, minInvocations: plan.minInvocations))
        }
        return Result(client: client, identity: identity, function: function, before: before, gates: gates)
    }
}

/// `plan` (and `deploy --dry-run`): the preflight, the package digest and whether it would be
/// skipped, the bucket's reachability, and the schedule. Sends no mutating request.
struct PlanRun {
    var options: DeployOptions
    var context: CommandContext

    func execute() async throws {
        let report = DeployReport(context: context, json: false)
        guard let plan = try options.resolve(context) else {
            context.output("Branch \(options.branchDescription(context)) maps to no environment: a deploy would do nothing.")
            return
        }
        let checked = try await Preflight(plan: plan, context: context, report: report).run()
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("lambda-shift-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let package = try await plan.sourceOptions.makePackage(out: workDirectory.appendingPathComponent("package.zip").path, environment: context.environment)
        context.output("package: \(package.size) bytes, \(package.entryCount) files, sha256 \(package.sha256Hex)")
        do {
            _ = try await S3Client(client: checked.client).getObject(bucket: plan.bucket, key: ".lambda-shift-plan-probe")
        } catch let error as AWSServiceError where error.code == "NoSuchKey" {
            // The bucket answers: fine.
        }
        if let version = try await ArtifactStage(client: checked.client).unchangedVersion(function: plan.function, alias: plan.alias, package: package) {
            context.output("would skip: alias \(plan.alias) already serves this code (version \(version))")
            return
        }
        context.output("would upload s3://\(plan.bucket)/\(plan.key), update \(plan.function) ($LATEST code \(checked.function.codeSha256) → \(package.codeSha256)) and publish a version")
        guard let before = checked.before else {
            context.output("would create alias \(plan.alias) on the new version (first deploy)")
            return
        }
        context.output("alias \(plan.alias) now: \(RolloutEngine.describe(before))")
        var elapsed = 0
        for step in plan.strategy.steps {
            context.output("  at \(elapsed)s: \(Strategy.percent(step.basisPoints)) to the new version, bake \(step.bakeSeconds)s, then \(checked.gates.isEmpty ? "no gates" : checked.gates.map(\.name).joined(separator: " + "))")
            elapsed += step.bakeSeconds
        }
        context.output("  at \(elapsed)s: 100% to the new version" + (plan.bakeSeconds > 0 ? ", then bake \(plan.bakeSeconds)s" : ""))
        context.output("total: \(elapsed + plan.bakeSeconds)s")
    }
}
