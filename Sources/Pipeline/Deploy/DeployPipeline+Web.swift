import AWSCore
import AWSServices
import FoundationEssentials
import LambdaShiftCore
import Packaging
import Ports
import Release
import Rollout

/// A web function's way to its shift (issue 38): the endpoint stands in for the alias and a
/// revision for a version. Who we are and the accounts allowed, the function, the endpoint (named,
/// or the only one; not split between two revisions), the alarms; then package and upload as for
/// any zip, skip when the endpoint already serves a revision built from the same bytes, set an
/// endpoint in `LatestRevision` mode to `Disabled` (else the new revision would serve all traffic
/// the moment it exists, ungated), create the revision from the served one's build and service
/// configuration with only the code location changed, wait for it to be Active, run the
/// pre-traffic command. The shift is the alias engine's, over `WebEndpointAliases`.
/// https://docs.aws.amazon.com/lambda/latest/api/API_web_CreateWebFunctionRevision.html
extension DeployPipeline {
    func prepare(web target: WebTarget, _ outputs: inout DeployOutputs, package given: PreparedCode?) async throws
        -> Prepared
    {
        guard let web = deps.web else {
            throw AWSClientError(.invalidSetting, "This run has no Lambda Web client.", isConfiguration: true)
        }
        let function = target.function
        _ = try await Preflight(plan: plan, deps: deps, report: report).checkCaller()
        let (endpoint, current, gates) = try await webPreflight(target, web)
        let served = current.revisionId
        outputs.alias = endpoint.name
        outputs.previousVersion = served
        outputs.previousRevisionId = served
        report.line(
            "deploying web function \(function) endpoint \(endpoint.name) (serving revision \(served)) to \(plan.environment) with \(plan.strategy)"
        )

        // Package (or find the promoted artifact), then skip or upload.
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lambda-shift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        if given == nil { report.phase("Package") }
        let prepared: PreparedCode
        if let given {
            prepared = given
        } else {
            prepared = try await plan.source.prepare(
                out: workDirectory.appendingPathComponent("package.zip").path, environment: deps.environment,
                store: deps.store)
        }
        let package = prepared.package
        package.warnings.forEach(report.warning)
        outputs.record(package: package)
        if let line = plan.source.describe(prepared, reported: given != nil) { report.event(line) }
        // A detached rollout that set the endpoint Disabled, then ended by someone else's change,
        // left it Disabled with its record's L: this run owes it LatestRevision when it ends.
        let owed =
            endpoint.mode == .disabled
            && DeployHistory(description: endpoint.description).rollout?.restoresAutoDeploy == true
        if try await serves(current, package) {
            if owed && target.restoreAutoDeploy { await restoreAutoDeployment(web, function, endpoint.name) }
            outputs.revisionId = served
            return Self.skipped(
                &outputs, version: served,
                "Endpoint \(endpoint.name) already serves this code (revision \(served)): nothing uploaded, nothing changed."
            )
        }
        report.phase("Upload")
        let artifacts = ArtifactStage(lambda: deps.functions, store: deps.store)
        guard
            case .uploaded(let object) = try await plan.source.deliver(
                prepared, plan: plan, artifacts: artifacts, current: .absent, overlap: nil,
                warn: { report.warning($0) })
        else { throw DeployError("The package was neither uploaded nor found unchanged.") }
        outputs.record(object: object)
        report.event(
            (plan.source.isPackagedHere ? "uploaded" : "deploying the uploaded object")
                + " s3://\(object.bucket)/\(object.key)"
                + (object.versionId.map { " (version \($0))" } ?? ""))

        // The trap first: in LatestRevision mode the revision would serve everyone once Active.
        let aliases = WebEndpointAliases(
            web: web, lambda: deps.functions, clock: deps.clock, sleeper: deps.pollSleeper)
        var disabled = false
        if endpoint.mode == .latestRevision {
            report.phase("Endpoint")
            _ = try await web.updateEndpoint(
                function, endpoint.name, weights: nil, autoDeploymentMode: .disabled, description: nil)
            let settled = try await aliases.settled(
                function, endpoint.name, Waiter(clock: deps.clock, sleeper: deps.pollSleeper, timeout: 600))
            guard settled.update != .failed else {
                throw DeployError(
                    "Endpoint \(endpoint.name) could not be set to Disabled (\(settled.updateStatusReason ?? "no reason given")), and in LatestRevision mode a new revision would serve all its traffic ungated: nothing was created. Set it to Disabled by hand, then deploy."
                )
            }
            disabled = true
            report.event(
                "endpoint \(endpoint.name) was in LatestRevision mode, which serves every new revision at once: set to Disabled (its weights unchanged) before the new revision exists"
                    + (target.restoreAutoDeploy
                        ? "; the mode is restored once the rollout ends"
                        : "; it stays Disabled (--endpoint-auto-deploy disabled)"))
        }

        if owed {
            disabled = true
            report.event(
                "endpoint \(endpoint.name) was left Disabled by a detached rollout that someone else's change ended"
                    + (target.restoreAutoDeploy
                        ? "; its LatestRevision mode comes back once this rollout ends" : "; it stays Disabled"))
        }
        report.phase("Revision")
        var build = current.buildConfig
        var code = build["codeConfig"]?.object ?? [:]
        var s3: [String: JSONValue] = ["bucket": .string(object.bucket), "key": .string(object.key)]
        if let version = object.versionId { s3["versionId"] = .string(version) }
        code["s3Object"] = .object(s3)
        build["codeConfig"] = .object(code)
        let created: WebRevision
        do {
            created = try await web.createRevision(
                function, buildConfig: build, serviceConfig: current.serviceConfig,
                description: String(CodeUpdateStage.description(plan.provenance, package: nil).prefix(256)))
            outputs.publishedVersion = created.revisionId
            outputs.revisionId = created.revisionId
            report.event("created revision \(created.revisionId) from s3://\(object.bucket)/\(object.key)")
            let ending = try await Waiter(clock: deps.clock, sleeper: deps.pollSleeper, timeout: 600).poll(
                { try await web.revision(function, created.revisionId) }, until: { $0.stateValue != .pending })
            let built: WebRevision
            switch ending {
            case .done(let revision): built = revision
            case .timedOut:
                throw DeployError(
                    "Revision \(created.revisionId) of \(function) was still Pending after 600s: no traffic moved.")
            }
            guard built.stateValue == .active else {
                let errors = built.errors.isEmpty ? built.stateReason : built.errors.joined(separator: "; ")
                var mode = ""
                if disabled {
                    disabled = false  // put back here, once
                    mode =
                        await restoreAutoDeployment(web, function, endpoint.name)
                        ? ", and endpoint \(endpoint.name)'s LatestRevision mode was restored"
                        : ", and endpoint \(endpoint.name) stays Disabled (see the warning)"
                }
                throw DeployError(
                    "Revision \(created.revisionId) of \(function) failed to build (\(errors)): no traffic moved\(mode)."
                )
            }
            report.event("revision \(created.revisionId) is Active")
        } catch {
            if disabled { _ = await restoreAutoDeployment(web, function, endpoint.name) }
            throw error
        }

        var published = FunctionConfiguration(
            functionName: function, version: created.revisionId, codeSha256: package.codeSha256)
        published.functionArn = created.arn.isEmpty ? created.functionArn : created.arn
        let before = WebEndpointAliases.alias(try await web.endpoint(function, endpoint.name))
        var hooks: [HookRun] = []
        if let command = plan.preTrafficCommand {
            let run = await runHook(.preTraffic, command: command, version: published, previous: served)
            hooks.append(run)
            if Task.isCancelled { throw CancellationError() }
            guard run.passed else {
                if disabled && target.restoreAutoDeploy { await restoreAutoDeployment(web, function, endpoint.name) }
                outputs.outcome = .rolledBack
                outputs.version = served
                var result = DeployResult(
                    outputs: outputs,
                    reason:
                        "The pre-traffic command failed for revision \(created.revisionId) (\(run.described)): no traffic moved."
                )
                result.hooks = hooks
                return .finished(result)
            }
        }
        var ready = Ready(
            before: before, version: created.revisionId, gates: gates, published: published, hooks: hooks)
        ready.alias = endpoint.name
        ready.restoreAutoDeploy = disabled && target.restoreAutoDeploy
        return .ready(ready)
    }

    /// What deploy and plan check of a web function before anything else: the function exists,
    /// the endpoint (named, or the only one) serves one revision in full (split between two is
    /// mid-shift), and the gate alarms; answered with the served revision.
    func webPreflight(_ target: WebTarget, _ web: any WebFunctionsAPI) async throws
        -> (WebEndpoint, WebRevision, [any HealthGate])
    {
        let endpoint = try await Self.existingEndpoint(of: target, web: web, region: deps.region)
        // As for an alias (Preflight): a detached rollout still on its steps is advance's to end.
        if let record = DeployHistory(description: endpoint.description).rollout,
            record.mayBeInProgress(WebEndpointAliases.alias(endpoint)) || endpoint.revisionWeights.count > 1
        {
            throw AWSClientError(
                .invalidSetting,
                "A detached rollout of revision \(record.newVersion) is in progress on endpoint \(endpoint.name) (\(record.stepDescription), \(WebEndpointAliases.describe(endpoint))): let `lambda-shift advance` finish it, or end it with `lambda-shift promote` or `rollback`, then deploy.",
                isConfiguration: true)
        }
        guard endpoint.revisionWeights.count == 1, let served = endpoint.revisionWeights.first?.revisionId else {
            throw AWSClientError(
                .invalidSetting,
                "Endpoint \(endpoint.name) is split between \(WebEndpointAliases.describe(endpoint)), most likely another deploy still running: let it finish, or set one revision to 100% by hand, then deploy.",
                isConfiguration: true)
        }
        let gates = Preflight.gates(
            plan, metrics: deps.metrics,
            ignoring: Set(try await Preflight(plan: plan, deps: deps, report: report).firingAlarms()))
        return (endpoint, try await web.revision(target.function, served), gates)
    }

    /// Whether the revision was built from an object with this package's SHA-256 (S3's checksum).
    func serves(_ revision: WebRevision, _ package: PackageResult) async throws -> Bool {
        guard let object = revision.codeObject else { return false }
        return try await deps.store.describeObject(bucket: object.bucket, key: object.key, versionId: object.versionId)?
            .checksumSHA256 == package.codeSha256
    }

    /// The web function's endpoint (`endpoint(of:)`), the function being there first: a name
    /// that is not is a wrong target (a typo, another region).
    static func existingEndpoint(of target: WebTarget, web: any WebFunctionsAPI, region: String) async throws
        -> WebEndpoint
    {
        do {
            _ = try await web.webFunctionArn(target.function)
        } catch let error as AWSServiceError where error.kind == .notFound {
            throw AWSClientError(
                .invalidSetting,
                "No web function \(target.function) in \(region) for this account: check --web-function and --region (lambda-shift deploys revisions, it does not create web functions).",
                isConfiguration: true)
        }
        return try await endpoint(of: target, web: web, region: region)
    }

    /// The endpoint named, or the function's only one.
    static func endpoint(of target: WebTarget, web: any WebFunctionsAPI, region: String) async throws -> WebEndpoint {
        if let name = target.endpoint {
            do {
                return try await web.endpoint(target.function, name)
            } catch let error as AWSServiceError where error.kind == .notFound {
                throw AWSClientError(
                    .invalidSetting, "Web function \(target.function) has no endpoint \(name): check --endpoint.",
                    isConfiguration: true)
            }
        }
        let all = try await web.endpoints(target.function)
        guard all.count == 1, let only = all.first else {
            throw AWSClientError(
                .invalidSetting,
                all.isEmpty
                    ? "Web function \(target.function) has no endpoint to deploy to: create one first."
                    : "Web function \(target.function) has \(all.count) endpoints (\(all.map(\.name).sorted().joined(separator: ", "))): name one with --endpoint.",
                isConfiguration: true)
        }
        return only
    }

    /// Puts an endpoint back in LatestRevision mode (`WebEndpointAliases.restoreLatestRevision`)
    /// and says how it went: the deploy's own ending stands whatever it was. In a task of its
    /// own, as the engine's restores are: a signal that cancelled the rollout must not cancel
    /// putting the endpoint back as it was found.
    @discardableResult
    func restoreAutoDeployment(_ web: any WebFunctionsAPI, _ function: String, _ endpoint: String) async -> Bool {
        let aliases = WebEndpointAliases(
            web: web, lambda: deps.functions, clock: deps.clock, sleeper: deps.pollSleeper)
        let restored = await Task { await aliases.restoreLatestRevision(function, endpoint) }.value
        restored.warnings.forEach(report.warning)
        if let event = restored.event { report.event(event) }
        return restored.restored
    }
}

extension DeployPipeline {
    /// `plan` for a web function: the endpoint and what it serves, the package digest and
    /// whether the deploy would skip, the LatestRevision trap it would close, and the schedule.
    /// Reads only.
    func dryRun(web target: WebTarget) async throws -> PlanReport {
        guard let web = deps.web else {
            throw AWSClientError(.invalidSetting, "This run has no Lambda Web client.", isConfiguration: true)
        }
        // As deploy's preflight and an alias's plan do: who the credentials are, and whether they may.
        _ = try await Preflight(plan: plan, deps: deps, report: report).checkCaller()
        let (endpoint, current, gates) = try await webPreflight(target, web)
        let served = current.revisionId
        let package = try await plannedPackage()
        var summary = PlanReport(document: [
            "web-function": .string(target.function), "endpoint": .string(endpoint.name),
            "environment": .string(plan.environment), "strategy": .string(plan.strategy.name),
            "gates": .array(gates.map { .string($0.name) }), "sha256": .string(package.sha256Hex),
            "code-sha256": .string(package.codeSha256),
            "endpoint-before": .object(
                Dictionary(
                    uniqueKeysWithValues: endpoint.revisionWeights.map { ($0.revisionId, JSONValue.int($0.weight)) })),
            "auto-deployment-mode": .string(endpoint.autoDeploymentMode),
        ])
        summary.line("package: \(package.size) bytes, \(package.filesDescription), sha256 \(package.sha256Hex)")
        summary.line(
            "endpoint \(endpoint.name) now: \(WebEndpointAliases.describe(endpoint)), \(endpoint.autoDeploymentMode)")
        if try await serves(current, package) {
            summary.line("would skip: endpoint \(endpoint.name) already serves this code (revision \(served))")
            summary.outcome = .wouldSkip
            return summary
        }
        if endpoint.mode == .latestRevision {
            summary.line(
                "would first set endpoint \(endpoint.name) to Disabled (LatestRevision would serve the new revision to all traffic at once), "
                    + (target.restoreAutoDeploy
                        ? "and set LatestRevision back once the rollout ends" : "and leave it Disabled"))
        }
        summary.line(
            "would upload s3://\(plan.bucket)/\(plan.key) and create a revision from revision \(served)'s build and service configuration with only the code location changed, then wait for it to be Active"
        )
        let (elapsed, steps) = schedule(gates, into: &summary)
        summary.document["steps"] = .array(steps)
        summary.document["total-seconds"] = .int(elapsed + plan.bakeSeconds)
        return summary
    }
}
