import Release
import LambdaShiftCore
import AWSCore
import AWSServices
import CISupport
import Config
import FoundationEssentials
import Packaging
import Rollout
import Synchronization

/// What `plan` found: its lines of text and its JSON document's members (the same facts).
package struct PlanReport: Sendable {
    package var lines: [String] = []
    package var document: [String: JSONValue]
    /// would-skip or would-deploy.
    package var outcome: Outcome = .wouldDeploy

    mutating func line(_ text: String) { lines.append(text) }

    /// As `plan`'s result.
    package var result: CommandResult {
        CommandResult(command: "plan", outcome: outcome, lines: lines, members: document)
    }
}

extension DeployPipeline {
    /// `plan` (and `deploy --dry-run`): the same preflight as a deploy, the package digest and
    /// whether it would be skipped, the baseline step for an alias on `$LATEST`, and the
    /// schedule with times. Sends no mutating request.
    package func dryRun() async throws -> PlanReport {
        if let web = plan.web { return try await dryRun(web: web) }
        let checked = try await Preflight(plan: plan, deps: deps, report: report).run()
        var document: [String: JSONValue] = [
            "function": .string(plan.function), "alias": .string(plan.alias),
            "environment": .string(plan.environment), "strategy": .string(plan.strategy.name),
            "gates": .array(checked.gates.map { .string($0.name) }),
        ]
        var lines: [String] = []
        let codeSha256: String
        let update: String
        var updateMembers: [String: JSONValue] = [:]
        if let reference = plan.source.image {
            // Nothing to package: the image resolved to the digest a deploy would run.
            let image = try await reference.resolve(
                in: deps.images, function: plan.function, functionRegion: deps.region,
                architecture: checked.function.architectures.first ?? "x86_64")
            document["image-uri"] = .string(image.uri)
            document["image-digest"] = .string(image.digest)
            document["code-sha256"] = .string(image.codeSha256)
            lines.append(
                "image: \(image.uri)" + (reference.tag.map { " (tag \($0))" } ?? "")
                    + (image.platformNote.map { ", \($0)" } ?? ""))
            codeSha256 = image.codeSha256
            update =
                "would update \(plan.function) ($LATEST image \(checked.function.codeSha256) → \(image.codeSha256)) and publish a version"
        } else {
            let package = try await plannedPackage()
            document.merge([
                "sha256": .string(package.sha256Hex), "code-sha256": .string(package.codeSha256),
                "size": .int(Int(package.size)), "files": .int(package.entryCount),
            ]) { $1 }
            lines.append("package: \(package.size) bytes, \(package.filesDescription), sha256 \(package.sha256Hex)")
            codeSha256 = package.codeSha256
            let signing = checked.signing.map {
                ", sign it with AWS Signer profile \($0.name) (to s3://\(plan.bucket)/\(plan.signedPrefix)…)"
            }
            update =
                "would upload s3://\(plan.bucket)/\(plan.key)\(signing ?? ""), update \(plan.function) ($LATEST code \(checked.function.codeSha256) → \(checked.signing == nil ? package.codeSha256 : "the signed package")) and publish a version"
            updateMembers = ["bucket": .string(plan.bucket), "s3-key": .string(plan.key)]
            if let profile = checked.signing { updateMembers["signing-profile"] = .string(profile.name) }
        }
        var summary = PlanReport(document: document)
        lines.forEach { summary.line($0) }
        var artifacts = ArtifactStage(lambda: deps.functions, store: deps.store)
        artifacts.requiredSigner = checked.signing?.versionArn
        if let version = try await artifacts.unchangedVersion(
            function: plan.function, alias: plan.alias, codeSha256: codeSha256,
            current: checked.before.map { .present($0) } ?? .absent)
        {
            summary.line("would skip: alias \(plan.alias) already serves this code (version \(version))")
            document["version"] = .string(version)
            summary.document = document
            summary.outcome = .wouldSkip
            return summary
        }
        if let refusal = checked.unlessSkipped { throw refusal }
        summary.line(update)
        if let command = plan.preTrafficCommand {
            summary.line(
                "would run the pre-traffic command once the new version is Active and smoke-tested, before any traffic moves (up to \(plan.hookTimeoutSeconds)s, AWS credentials: \(plan.hookCredentials.rawValue)): \(command)"
            )
        }
        if let command = plan.postTrafficCommand {
            summary.line(
                "would run the post-traffic command once the alias serves the new version in full; its failure restores the previous version (up to \(plan.hookTimeoutSeconds)s, AWS credentials: \(plan.hookCredentials.rawValue)): \(command)"
            )
        }
        var hookMembers: [String: JSONValue] = [:]
        if let command = plan.preTrafficCommand { hookMembers["pre-traffic"] = .string(command) }
        if let command = plan.postTrafficCommand { hookMembers["post-traffic"] = .string(command) }
        if !hookMembers.isEmpty {
            hookMembers["timeout-seconds"] = .int(plan.hookTimeoutSeconds)
            hookMembers["credentials"] = .string(plan.hookCredentials.rawValue)
            updateMembers["hooks"] = .object(hookMembers)
        }
        document.merge(updateMembers) { $1 }
        guard let before = checked.before else {
            summary.line("would create alias \(plan.alias) on the new version (first deploy)")
            document["alias-before"] = .null
            summary.document = document
            return summary
        }
        summary.line("alias \(plan.alias) now: \(RolloutEngine.describe(before))")
        if before.functionVersion == "$LATEST" {
            summary.line(
                "would first publish the code $LATEST serves (\(checked.function.codeSha256)) as a baseline version, or reuse one with that code, and move alias \(plan.alias) onto it: callers see no change until \(plan.strategy.steps.isEmpty ? "the flip to the new version" : "the gated shift")"
            )
            document["baseline"] = .string(checked.function.codeSha256)
        }
        document["alias-before"] = .object([
            "version": .string(before.functionVersion),
            "weights": .object(before.additionalVersionWeights.mapValues { .double($0) }),
        ])
        let (elapsed, steps) = schedule(checked.gates, into: &summary)
        if plan.detach, let first = plan.strategy.steps.first {
            summary.line(
                "detached: would take the first step (\(Strategy.percent(first.basisPoints))), record the rollout on alias \(plan.alias) and end in-progress; `lambda-shift advance` runs judge and move it on"
            )
            document["detach"] = .bool(true)
        }
        if let warm = checked.warm {
            let (text, value) = warmCapacityDescription(warm)
            summary.line(text)
            document["provisioned-concurrency"] = value
        }
        if let limits = plan.canary {
            let (text, value) = Self.canaryDescription(limits, plan: plan, weightedSteps: plan.strategy.steps.count)
            summary.line(text)
            document["canary"] = value
        }
        if let limits = plan.logLimits {
            let (text, value) = Self.logJudgeDescription(limits, gated: checked.gates.contains { $0 is LogGate })
            summary.line(text)
            document["log-judge"] = value
        }
        document["steps"] = .array(steps)
        document["total-seconds"] = .int(elapsed + plan.bakeSeconds)
        summary.document = document
        return summary
    }

    /// The package a deploy would ship, made (or found) in a directory of its own, removed after:
    /// `plan` reports its digest.
    func plannedPackage() async throws -> PackageResult {
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lambda-shift-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        return try await plan.source.prepare(
            out: workDirectory.appendingPathComponent("package.zip").path, environment: deps.environment,
            store: deps.store
        ).package
    }

    /// The schedule with times, each step's gates named: its lines, and the steps and the
    /// elapsed seconds before the last bake as the document has them.
    func schedule(_ gates: [any HealthGate], into summary: inout PlanReport) -> (Int, [JSONValue]) {
        var elapsed = 0
        var steps: [JSONValue] = []
        for step in plan.strategy.steps {
            summary.line(
                "  at \(elapsed)s: \(Strategy.percent(step.basisPoints)) to the new version, bake \(step.bakeSeconds)s, then \(gates.isEmpty ? "no gates" : gates.map(\.name).joined(separator: " + "))"
            )
            steps.append(
                .object([
                    "at-seconds": .int(elapsed), "percent": .double(Double(step.basisPoints) / 100),
                    "bake-seconds": .int(step.bakeSeconds),
                ]))
            elapsed += step.bakeSeconds
        }
        summary.line(
            "  at \(elapsed)s: 100% to the new version"
                + (plan.bakeSeconds > 0 ? ", then bake \(plan.bakeSeconds)s" : ""))
        steps.append(
            .object(["at-seconds": .int(elapsed), "percent": .int(100), "bake-seconds": .int(plan.bakeSeconds)]))
        summary.line("total: \(elapsed + plan.bakeSeconds)s")
        return (elapsed, steps)
    }

    /// The provisioned concurrency the deploy will wait for, in a sentence and as the plan
    /// document's `provisioned-concurrency`.
    func warmCapacityDescription(_ warm: WarmCapacity) -> (String, JSONValue) {
        let (label, config) = Preflight.describe(warm, alias: plan.alias)
        let timeout = plan.provisionedConcurrencyTimeoutSeconds
        let value: JSONValue = .object([
            "on": .string(label), "requested": .int(config.requested), "status": .string(config.status),
            "timeout-seconds": .int(timeout),
        ])
        switch warm {
        case .alias:
            return (
                "provisioned concurrency: \(label) has \(config.requested) (\(config.status)); after every weight change the rollout would wait for READY (up to \(timeout)s) before baking; FAILED rolls back",
                value
            )
        case .version(let live, _):
            return (
                "provisioned concurrency: \(label) has \(config.requested) (\(config.status)); the new version would get \(config.requested) and wait for READY (up to \(timeout)s) before any traffic moves; version \(live)'s would be removed once the deploy succeeds",
                value
            )
        }
    }

    /// What the log-based judge will weigh, in a sentence and as the plan document's `log-judge`;
    /// `gated`: whether the logs can be read (else the duration limit falls back to the metric).
    static func logJudgeDescription(_ limits: LogLimits, gated: Bool) -> (String, JSONValue) {
        var checks: [String] = []
        var value: [String: JSONValue] = [
            "reads-logs": .bool(gated), "confidence-percent": .double(limits.confidence * 100),
            "min-invocations": .int(limits.minInvocations),
        ]
        if let percent = limits.maxDurationIncreasePercent {
            checks.append(
                "durations shifted at most \(Decimals.text(percent))% of the stable median (the Hodges–Lehmann shift's lower bound at \(Decimals.text(limits.confidence * 100))%), and the p99 too"
            )
            value["max-duration-increase-percent"] = .double(percent)
        }
        if let percent = limits.maxMemoryUsePercent {
            checks.append("no invocation above \(Decimals.text(percent))% of its memory")
            value["max-memory-use-percent"] = .double(percent)
        }
        if let percent = limits.maxInitDurationIncreasePercent {
            checks.append(
                "cold starts shifted at most \(Decimals.text(percent))% of the stable median (at least \(LogLimits.minColdStarts) of each)"
            )
            value["max-init-duration-increase-percent"] = .double(percent)
        }
        let text =
            gated
            ? "logs: every invocation of both versions judged from the function's reports: "
                + checks.joined(separator: ", ")
            : "logs: cannot be read, so the duration limit is judged from the p99 metric"
        return (text, .object(value))
    }

    /// What the canary analysis will judge, in a sentence and as the plan document's `canary`.
    static func canaryDescription(_ limits: CanaryLimits, plan: DeployPlan, weightedSteps: Int) -> (String, JSONValue) {
        var checks: [String] = []
        var value: [String: JSONValue] = [
            "confidence-percent": .double(limits.confidence * 100), "min-invocations": .int(limits.minInvocations),
            "on-inconclusive": .string(plan.inconclusive.decision.rawValue),
            "warm-invocations": .int(plan.warmInvocations),
        ]
        if let points = limits.maxErrorRateIncreasePoints {
            checks.append(
                "error rate at most \(Decimals.text(points)) pp above the stable version's (significant at \(Decimals.text(limits.confidence * 100))%)"
            )
            value["max-error-rate-increase-points"] = .double(points)
        }
        if let percent = limits.maxDurationIncreasePercent {
            checks.append("p99 Duration at most \(Decimals.text(percent))% above the stable version's")
            value["max-duration-increase-percent"] = .double(percent)
        }
        if let seconds = plan.inconclusive.maxBakeSeconds { value["max-bake-seconds"] = .int(seconds) }
        let maxBake = plan.inconclusive.maxBakeSeconds.map { "\($0)s" } ?? "3 × the step's bake"
        var text =
            "canary: each weighted step compares the new version with the stable one over the same minutes: "
            + checks.joined(separator: ", ")
            + "; fewer than \(limits.minInvocations) invocation(s) of either is no verdict: the bake goes on up to \(maxBake), then \(plan.inconclusive.decision.rawValue)"
        if plan.warmInvocations > 0 {
            text += "; \(plan.warmInvocations) warm invocation(s) of the alias per step (they run the function)"
        }
        if weightedSteps == 0 { text += " (this strategy has no weighted step: nothing to compare)" }
        return (text, .object(value))
    }
}
