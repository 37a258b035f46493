import Ports
import AWSCore
import AWSServices
import CISupport
import Config
import FoundationEssentials
import LambdaShiftCore
import Rollout

/// The function and alias an operator command works on, resolved as deploy resolves them
/// (`ResolvedSettings`), with `{environment}` and the other placeholders filled in.
package struct OperatorTarget: Sendable {
    package var function: String
    package var alias: String
    package var environment: String?
    package var settings: ResolvedSettings
    /// A web function: `function` is its name and `alias` its endpoint ("" until the only one
    /// is found).
    package var isWeb = false

    package init(_ settings: ResolvedSettings) throws {
        let environmentName = settings.environmentName
        if let web = try WebTarget.resolve(settings) {
            function = web.function
            alias = web.endpoint ?? ""
            environment = environmentName
            self.settings = settings
            isWeb = true
            return
        }
        guard let template = settings.text(.function) else {
            throw ConfigError(
                "Name the function with --function (or LAMBDA_SHIFT_FUNCTION, or function: in .lambda-shift.yml).")
        }
        if template.contains("{environment}") && environmentName == nil {
            throw ConfigError(
                "The function name \(template) needs an environment, and branch \(settings.branchDescription) maps to none: pass --environment."
            )
        }
        function = try FunctionName.validated(
            try SettingTemplate.render(
                template, settings.provenance.templateValues(function: "", environment: environmentName ?? "")),
            origin: settings.origin(.function))
        alias = try AliasName.validated(settings.text(.alias) ?? "live")
        environment = environmentName
        self.settings = settings
    }
}

/// `status`, `promote`, `rollback`, `cleanup` and `doctor` over the same ports as a deploy
/// (`FunctionAPI`, `ArtifactStore`, `MetricsAPI`, `IdentityAPI`), so they run in-process
/// against the fakes. Every check that can refuse comes before the first change; every
/// alias move is guarded by the RevisionId just read and keeps the deploy history.
package struct OperatorCommands: Sendable {
    package var deps: DeployDependencies
    package var target: OperatorTarget

    package init(deps: DeployDependencies, target: OperatorTarget) {
        self.deps = deps
        self.target = target
    }

    var lambda: any FunctionAPI { deps.functions }

    /// Who we are, the function, the alias with its weights, and each served version's
    /// provenance. Reads only.
    package func status() async throws -> CommandResult {
        let identity = try await deps.identity.getCallerIdentity()
        let function = try await OperatorChecks.function(lambda, target.function, region: deps.region)
        let alias = try await OperatorChecks.alias(lambda, target.function, target.alias)
        var versions: [FunctionConfiguration] = []
        for version in [alias.functionVersion] + alias.additionalVersionWeights.keys.sorted() {
            versions.append(try await lambda.getFunctionConfiguration(target.function, qualifier: version))
        }
        let report = StatusReport(
            identity: identity, function: function, aliasName: target.alias, alias: alias, versions: versions)
        return CommandResult(command: "status", outcome: .ok, lines: [report.text()], members: report.document())
    }

    /// Finishes an in-flight shift: the weighted version becomes the primary. A weighted
    /// version older than the primary needs `force`.
    package func promote(force: Bool) async throws -> CommandResult {
        _ = try await OperatorChecks.function(lambda, target.function, region: deps.region)
        let current = try await OperatorChecks.alias(lambda, target.function, target.alias)
        guard current.additionalVersionWeights.count == 1, let newVersion = current.additionalVersionWeights.keys.first
        else {
            return unchanged(
                "promote", current,
                "Alias \(target.alias) serves \(RolloutEngine.describe(current)): no shift in flight, nothing to promote."
            )
        }
        if let new = Int(newVersion), let primary = Int(current.functionVersion), new < primary, !force {
            throw OperatorFailure(
                "Alias \(target.alias) routes to version \(newVersion), older than its primary version \(current.functionVersion): promoting would move callers back; pass --force if that is what you want, or use lambda-shift rollback.",
                exitCode: ExitStatus.usage)
        }
        // Good is a gate's verdict: a promote ends lambda-shift's own rollout of the version (its
        // record on the alias) as good, but a weight someone set by hand was never gated, so
        // promoting it leaves the version unverified.
        let history = DeployHistory(description: current.description)
        let gated = history.rollout?.newVersion == newVersion
        return try await move(
            "promote", outcome: .promoted, verb: "Promoted", to: newVersion, from: current,
            history: gated ? history.succeeded(newVersion) : history,
            why: gated
                ? nil : "version \(newVersion) was weighted outside a lambda-shift rollout, so it is not recorded good")
    }

    /// Undoes an in-flight shift, or goes back to the last version that was live and healthy
    /// (or `toVersion`, checked with `RollbackChoice.checkedVersion` before any request).
    package func rollback(toVersion: String?) async throws -> CommandResult {
        _ = try await OperatorChecks.function(lambda, target.function, region: deps.region)
        let current = try await OperatorChecks.alias(lambda, target.function, target.alias)
        let function = target.function, lambda = self.lambda
        let choice = try await RollbackChoice.choose(current: current, toVersion: toVersion, aliasName: target.alias) {
            // Lambda lists versions in no promised order: by number, oldest first (a web
            // function's revisions come oldest first already).
            let listed = try await lambda.listVersionsByFunction(function).map(\.version).filter { $0 != "$LATEST" }
            let numbers = listed.compactMap { Int($0) }
            return numbers.count == listed.count ? numbers.sorted().map(String.init) : listed
        }
        let destination = choice.destination
        if destination == current.functionVersion && current.additionalVersionWeights.isEmpty {
            return unchanged(
                "rollback", current,
                "Alias \(target.alias) already serves version \(destination): nothing to roll back.")
        }
        try await OperatorChecks.version(lambda, target.function, destination)
        return try await move(
            "rollback", outcome: .revertedByOperator, verb: "Rolled back", to: destination, from: current,
            history: choice.history, why: choice.why)
    }

    /// `cleanup`, or with `artifacts` `cleanup --artifacts` (`--dry-run` only with it).
    package func cleanup(artifacts: Bool, dryRun: Bool) async throws -> CommandResult {
        if target.isWeb {
            guard !artifacts else {
                throw ConfigError(
                    "cleanup --artifacts does not work on a web function yet: run it without --artifacts to delete the revisions nothing uses."
                )
            }
            return try await cleanupRevisions(dryRun: dryRun)
        }
        guard artifacts || !dryRun else { throw ConfigError("--dry-run goes with --artifacts: add --artifacts.") }
        return try await artifacts ? cleanupArtifacts(dryRun: dryRun) : cleanup()
    }

    /// Removes a branch's preview alias (or `--alias`, or every preview older than
    /// `--older-than`) and the versions nothing uses any more.
    package func cleanup() async throws -> CommandResult {
        let settings = target.settings
        let template = settings.text(.previewAlias) ?? PreviewAlias.defaultTemplate
        let keep = settings.count(.keepVersions) ?? 3
        let selector: PreviewCleanup.Selector
        if settings.isGiven(.alias), let alias = settings.text(.alias) {
            selector = .alias(alias)
        } else if let seconds = settings.seconds(.olderThan) {
            selector = .olderThan(seconds: seconds)
        } else {
            selector = .alias(
                try PreviewAlias.name(
                    template: template, branch: settings.provenance.branch, pr: settings.ci.pullRequest))
        }
        let function = target.function
        _ = try await OperatorChecks.function(lambda, function, region: deps.region)
        let result = try await PreviewCleanup(functions: lambda, clock: deps.clock).run(
            function: function, selector: selector, template: template, keepVersions: keep,
            protected: DeployPlan.deployAliases(settings, including: !settings.isGiven(.alias)))
        let removed = result.removedAliases
        var sentence =
            removed.isEmpty
            ? "No preview alias to remove from \(function): nothing to clean."
            : "Removed alias\(removed.count == 1 ? "" : "es") \(removed.joined(separator: ", ")) from \(function)"
                + (result.deletedVersions.isEmpty
                    ? "." : ", and version(s) \(result.deletedVersions.joined(separator: ", ")) that nothing uses.")
        if !result.kept.isEmpty {
            sentence += " Kept version(s) \(VersionsInUse.describe(result.kept))."
        }
        if !result.keptAliases.isEmpty {
            sentence += " Kept preview alias(es) \(VersionsInUse.describe(result.keptAliases))."
        }
        return CommandResult(
            command: "cleanup", outcome: removed.isEmpty ? .nothingToDo : .cleaned, lines: [sentence],
            members: [
                "function": .string(function), "aliases": .array(removed.map { .string($0) }),
                "versions": .array(result.deletedVersions.map { .string($0) }),
                "kept-running": .array(result.keptRunning.map { .string($0) }),
                "kept-aliases": .array(
                    result.keptAliases.map { .object(["alias": .string($0.version), "why": .string($0.why)]) }),
                "kept": .array(
                    result.kept.map { .object(["version": .string($0.version), "why": .string($0.why)]) }),
            ], sentence: sentence)
    }

    /// `cleanup --web-function`: deletes the revisions beyond the newest `--keep-versions` (3)
    /// that no endpoint routes to or keeps as its rollback target (its last good revision):
    /// `VersionsInUse` over the endpoints, as for an alias's versions. `dryRun` deletes nothing.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_web_DeleteWebFunctionRevision.html
    func cleanupRevisions(dryRun: Bool) async throws -> CommandResult {
        let function = target.function
        let keep = target.settings.count(.keepVersions) ?? 3
        let pruner = VersionPruner(lambda: lambda)
        let (doomed, kept) = try await pruner.candidates(function: function, keep: keep)
        for revision in doomed where !dryRun {
            try await lambda.deleteFunctionVersion(function, version: revision)
        }
        var sentence =
            doomed.isEmpty
            ? "No revision of web function \(function) to delete: every one beyond the newest \(keep) is still used."
            : "\(dryRun ? "Would delete" : "Deleted") revision(s) \(doomed.joined(separator: ", ")) of web function \(function), which no endpoint uses (keeping the newest \(keep))"
                + (dryRun ? " (--dry-run: nothing deleted)." : ".")
        if !kept.isEmpty { sentence += " Kept revision(s) \(VersionsInUse.describe(kept))." }
        return CommandResult(
            command: "cleanup", outcome: doomed.isEmpty ? .nothingToDo : dryRun ? .ok : .cleaned, lines: [sentence],
            members: [
                "function": .string(function), "web-function": .string(function), "dry-run": .bool(dryRun),
                "revisions": .array(doomed.map { .string($0) }),
                "kept": .array(
                    kept.map { .object(["revision": .string($0.version), "why": .string($0.why)]) }),
            ], sentence: sentence)
    }

    /// `cleanup --artifacts`: the packages and sidecars under the function's key prefix that no
    /// remaining version needs (`ArtifactCleanup`); `dryRun` lists them and deletes nothing.
    package func cleanupArtifacts(dryRun: Bool) async throws -> CommandResult {
        let settings = target.settings
        guard let bucket = settings.text(.bucket) else {
            throw ConfigError(
                "cleanup --artifacts needs the bucket the packages are in: give --bucket (or bucket: in .lambda-shift.yml)."
            )
        }
        guard let buckets = deps.buckets else {
            throw ConfigError("cleanup --artifacts needs S3's bucket calls, which this run has none of.")
        }
        let function = target.function
        let name = function.split(separator: ":").last.map(String.init) ?? function
        let prefix = try KeyTemplate(settings.text(.key) ?? KeyTemplate.defaultTemplate).sharedPrefix(
            settings.provenance.templateValues(function: name, environment: target.environment))
        _ = try await OperatorChecks.function(lambda, function, region: deps.region)
        let result = try await ArtifactCleanup(
            functions: lambda, buckets: buckets, store: deps.store, clock: deps.clock
        )
        .run(
            function: function, bucket: bucket, prefix: prefix, olderThan: settings.seconds(.olderThan), dryRun: dryRun)
        let place = "s3://\(bucket)/\(prefix)"
        var lines: [String] = []
        let sidecars = result.deleted.filter { key in ArtifactCleanup.sidecarSuffixes.contains { key.key.hasSuffix($0) }
        }
        let packages = result.deleted.count - sidecars.count
        let sentence =
            result.deleted.isEmpty
            ? "Nothing under \(place) to delete: every package there is still needed."
            : "\(dryRun ? "Would delete" : "Deleted") \(packages) package version(s) and \(sidecars.count) sidecar version(s) under \(place) that no version of \(function) needs"
                + (dryRun ? " (--dry-run: nothing deleted)." : ".")
        lines.append(sentence)
        lines += result.deleted.map { "\(dryRun ? "would delete" : "deleted") \($0.key) (version \($0.versionId))" }
        lines += result.kept.map { "kept \($0.object.key) (version \($0.object.versionId)): \($0.why)" }
        if result.foreign > 0 {
            lines.append(
                "left \(result.foreign) object version(s) under \(place) that lambda-shift did not write (no sidecars beside them)"
            )
        }
        func value(_ object: ArtifactCleanup.Object) -> [String: JSONValue] {
            ["key": .string(object.key), "version-id": .string(object.versionId)]
        }
        return CommandResult(
            command: "cleanup", outcome: result.deleted.isEmpty ? .nothingToDo : dryRun ? .ok : .cleaned, lines: lines,
            members: [
                "function": .string(function), "bucket": .string(bucket), "prefix": .string(prefix),
                "dry-run": .bool(dryRun), "deleted": .array(result.deleted.map { .object(value($0)) }),
                "kept": .array(
                    result.kept.map { kept in .object(value(kept.object).merging(["why": .string(kept.why)]) { $1 }) }),
                "foreign": .int(result.foreign),
            ], sentence: sentence)
    }

    /// The read-only calls a deploy depends on, each a check that passes or says what is
    /// wrong; any failing check makes the outcome failed (exit 1).
    package func doctor() async throws -> CommandResult {
        var doctor = DoctorChecks(
            identity: deps.identity, functions: lambda, store: deps.store, metrics: deps.metrics, region: deps.region)
        doctor.logs = deps.logs
        doctor.buckets = deps.buckets
        if target.isWeb, let web = deps.web {
            doctor.web = (
                web,
                WebTarget(
                    function: target.function, endpoint: target.alias.isEmpty ? nil : target.alias,
                    restoreAutoDeploy: true)
            )
        }
        let checks = try await doctor.run(
            function: target.function, alias: target.alias, bucket: target.settings.text(.bucket),
            alarms: target.settings.list(.alarm), logGroup: target.settings.text(.logGroup))
        let failed = checks.contains { !$0.ok }
        return CommandResult(
            command: "doctor", outcome: failed ? .failed : .ok,
            lines: checks.map { "\($0.advisory ? "note" : $0.ok ? "ok  " : "FAIL") \($0.name): \($0.detail)" },
            members: [
                "checks": .array(
                    checks.map {
                        .object([
                            "check": .string($0.name), "ok": .bool($0.ok), "detail": .string($0.detail),
                            "advisory": .bool($0.advisory),
                        ])
                    }
                )
            ],
            sentence: failed ? "Some checks failed: fix the ones marked FAIL before deploying." : "")
    }

    /// An alias command that found nothing to do.
    func unchanged(_ command: String, _ current: AliasConfiguration, _ sentence: String) -> CommandResult {
        CommandResult(
            command: command, outcome: .nothingToDo, lines: [sentence],
            members: AliasChange.members(from: current, to: current), sentence: sentence)
    }

    /// Moves the alias (guarded by its RevisionId, with the deploy history) and says so.
    func move(
        _ command: String, outcome: Outcome, verb: String, to version: String, from current: AliasConfiguration,
        history: DeployHistory, why: String?
    ) async throws -> CommandResult {
        // A detached rollout this move ends is closed with it: the next advance has nothing to do,
        // and a deploy is not refused for a rollout that is over.
        var history = history
        let restoresMode = history.rollout?.restoresAutoDeploy == true
        history.rollout = nil
        if let refusal = history.textRefusal(alias: target.alias) {
            throw OperatorFailure(refusal, exitCode: ExitStatus.usage)
        }
        let updated = try await AliasGuard.update(
            lambda, target.function, target.alias, version: version, from: current, history: history)
        let sentence =
            "\(verb): alias \(target.alias) serves \(RolloutEngine.describe(updated)) (was \(RolloutEngine.describe(current)))"
            + (why.map { ": \($0)." } ?? ".")
        var lines = [sentence]
        // A detached rollout that set the endpoint Disabled for its run gives the mode back.
        if restoresMode, target.isWeb, let web = deps.web {
            let restored = await WebEndpointAliases(
                web: web, lambda: lambda, clock: deps.clock, sleeper: deps.pollSleeper
            ).restoreLatestRevision(target.function, target.alias)
            lines += (restored.event.map { [$0] } ?? []) + restored.warnings
        }
        return CommandResult(
            command: command, outcome: outcome, lines: lines,
            members: AliasChange.members(from: current, to: updated), sentence: sentence)
    }
}
