import Rollout
import Ports
import AWSCore
import AWSServices
import Config
import FoundationEssentials
import Packaging
import Synchronization

/// Everything a deploy checks before its first change, shared with `plan`: the caller
/// identity against the allowed accounts, the function, the alias (not mid-shift), the gate
/// alarms (existing, none already firing unless told to ignore it).
struct Preflight {
    var plan: DeployPlan
    var deps: DeployDependencies
    var report: any DeployEvents

    struct Result {
        var identity: CallerIdentity
        var function: FunctionConfiguration
        var before: AliasConfiguration?
        var gates: [any HealthGate]
        /// `--signing-profile`'s profile, checked against the function's code signing config.
        var signing: SigningProfile? = nil
        /// Provisioned concurrency on the live alias or its version.
        var warm: WarmCapacity? = nil
        /// A refusal that stands only if the deploy changes the code (a weighted alias's role or
        /// dead-letter rule): an unchanged deploy is skipped without it.
        var unlessSkipped: AWSClientError? = nil
        /// How Lambda keeps the package (`--code-storage`, else the function's way).
        var storage: CodeStorage = .copy
    }

    func run() async throws -> Result {
        // The reads every deploy makes go out together; their answers are judged in this order,
        // so the first problem found is the one a sequential preflight would report (a read
        // whose answer is never needed is only a read).
        let lambda = deps.functions, plan = self.plan
        // GetFunction, not its configuration alone: its Code says whether the package is referenced.
        async let functionRead = lambda.getFunction(plan.function, qualifier: nil)
        async let aliasRead = lambda.aliasIfExists(plan.function, alias: plan.alias)
        async let signingRead = checkCodeSigning()
        async let bucketProbe: Void = probeBucket()
        let identity = try await checkCaller()
        report.line("deploying \(plan.function) alias \(plan.alias) to \(plan.environment) with \(plan.strategy)")
        if let unwatched = Self.unwatchedCanary(plan) { report.warning(unwatched) }
        try await checkCredentialLifetime()
        let arnParts = plan.function.split(separator: ":", omittingEmptySubsequences: false)
        if plan.function.hasPrefix("arn:"), arnParts.count >= 7, arnParts[3] != deps.region {
            throw AWSClientError(
                .invalidSetting,
                "The function ARN is in \(arnParts[3]) but this deploy runs in \(deps.region): set --region \(arnParts[3]), or name the function in \(deps.region).",
                isConfiguration: true)
        }
        let function: FunctionConfiguration
        do {
            function = try await functionRead
        } catch let error as AWSServiceError where error.kind == .notFound {
            throw AWSClientError(
                .invalidSetting,
                "No Lambda function \(plan.function) in \(deps.region) for this account: check --function and --region, or create the function first (lambda-shift updates functions, it does not create them).",
                isConfiguration: true)
        }
        // The package type is the function's for life: an image function takes an image, a zip
        // function a zip. https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html
        if let mismatch = plan.source.mismatch(function: plan.function, isImage: function.isImage) {
            throw AWSClientError(.invalidSetting, mismatch, isConfiguration: true)
        }
        let storage = try await codeStorage(function, account: identity.account)
        // A tenant-isolated function takes no invoke without a tenant id: the smoke test (and
        // the warm invocations) would fail after the version was published.
        // https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation.html
        if function.tenantIsolated && plan.smokePayload != nil && plan.smokeTenantId == nil {
            throw AWSClientError(
                .invalidSetting,
                "\(plan.function) is tenant-isolated, so every invoke needs a tenant id: give the smoke test one with --smoke-tenant-id, or leave out --smoke-payload.",
                isConfiguration: true)
        }
        if !function.tenantIsolated && plan.smokeTenantId != nil {
            throw AWSClientError(
                .invalidSetting,
                "--smoke-tenant-id is for tenant-isolated functions, and \(plan.function) is not one (Lambda refuses an invoke with a tenant id then): leave it out.",
                isConfiguration: true)
        }
        if function.stateValue == .failed {
            throw AWSClientError(
                .invalidSetting,
                "\(plan.function) is in state Failed (\(function.stateReason ?? "no reason given"), \(function.stateReasonCode ?? "no code")): fix the function's configuration (its role, subnets or KMS key) first, then deploy.",
                isConfiguration: true)
        }
        if let provider = function.capacityProviderArn {
            report.line(
                "Lambda Managed Instances (capacity provider \(provider)): each published version starts its execution environments on the provider's instances and takes traffic only once it is Active; waiting up to \(Int(Self.managedInstancesWait) / 60) min for that"
            )
        }
        let signing = try await signingRead
        try await bucketProbe
        let before = try await aliasRead
        var unlessSkipped: AWSClientError?
        async let warmRead = readWarmCapacity(before)
        if let before, before.functionVersion != "$LATEST" {
            // $LATEST is what the code update replaces: say so when it holds code no version has.
            let versions = try await lambda.listVersionsByFunction(plan.function)
            if !versions.contains(where: { $0.version != "$LATEST" && $0.codeSha256 == function.codeSha256 }) {
                report.warning(
                    "\(plan.function)'s $LATEST holds code that no published version has (\(function.codeSha256)), such as an edit made in the console: this deploy replaces it."
                )
            }
        }
        if let before, before.functionVersion != "$LATEST", !plan.strategy.steps.isEmpty {
            unlessSkipped = try await checkWeightedAliasRules(live: before.functionVersion, latest: function)
        }
        if let before, let refusal = DeployHistory(description: before.description).textRefusal(alias: plan.alias) {
            throw AWSClientError(.invalidSetting, refusal, isConfiguration: true)
        }
        if plan.isPreview, let before, !PreviewAlias.mayTreatAsPreview(before) {
            throw PreviewAlias.refusal(
                plan.alias, why: "which carries a deploy history or a rollout record that no preview wrote")
        }
        // Judged without the deploy's own strategy, which need not be the rollout's: an alias
        // moved off the rollout's steps (a hand move, even onto its new version) ended it.
        if let before, let record = DeployHistory(description: before.description).rollout,
            record.mayBeInProgress(before) || !before.additionalVersionWeights.isEmpty
        {
            throw AWSClientError(
                .invalidSetting,
                "A detached rollout of version \(record.newVersion) is in progress on alias \(plan.alias) (\(record.stepDescription), \(RolloutEngine.describe(before))): let `lambda-shift advance` finish it, or end it with `lambda-shift promote` or `rollback`, then deploy.",
                isConfiguration: true)
        }
        if let before, !before.additionalVersionWeights.isEmpty {
            throw AWSClientError(
                .invalidSetting,
                "Alias \(plan.alias) is mid-way through a shift (\(RolloutEngine.describe(before))), most likely another deploy still running: let that job finish; only if none is running, finish the shift with `lambda-shift promote` or undo it with `lambda-shift rollback`.",
                isConfiguration: true)
        }
        let warm = try await warmRead
        let firing = try await firingAlarms()
        let logGate = try await Self.logGate(
            plan, function: function, stable: before?.functionVersion, deps: deps, report: report)
        let gates = Self.gates(plan, metrics: deps.metrics, ignoring: Set(firing), logGate: logGate)
        return Result(
            identity: identity, function: function, before: before, gates: gates, signing: signing, warm: warm,
            unlessSkipped: unlessSkipped, storage: storage)
    }

    /// Who the credentials are, said, and refused (exit 2) when not in `--allowed-account-ids`.
    func checkCaller() async throws -> CallerIdentity {
        let identity = try await deps.identity.getCallerIdentity()
        report.line("caller: \(identity.arn) (account \(identity.account))")
        if !plan.allowedAccounts.isEmpty && !plan.allowedAccounts.contains(identity.account) {
            throw AWSClientError(
                .invalidSetting,
                "The credentials belong to account \(identity.account), which is not in --allowed-account-ids (\(plan.allowedAccounts.joined(separator: ", "))): check the role or the account list.",
                isConfiguration: true)
        }
        return identity
    }

    /// The gate alarms already in ALARM: refused (exit 2), or with `--alarm-already-firing
    /// ignore` said and returned, so the gates leave them out until they clear.
    func firingAlarms() async throws -> [String] {
        guard !plan.alarms.isEmpty || !plan.alarmPrefixes.isEmpty else { return [] }
        let probe = AlarmGate(cloudWatch: deps.metrics, names: plan.alarms, prefixes: plan.alarmPrefixes)
        let firing = try await probe.states().filter(\.isFiring).map(\.name)
        guard !firing.isEmpty else { return [] }
        if plan.blockOnFiringAlarm {
            throw AWSClientError(
                .invalidSetting,
                "Alarm \(firing.sorted().joined(separator: ", ")) is already in ALARM before the deploy: fix it first, or pass --alarm-already-firing ignore.",
                isConfiguration: true)
        }
        report.warning(
            "Alarm \(firing.sorted().joined(separator: ", ")) is already in ALARM, so this deploy does NOT watch it (--alarm-already-firing ignore) until it has been seen out of ALARM once; from then on it gates like the others."
        )
        return firing
    }

    /// A gradual deploy to production that no gate watches (no alarm, no error-rate or canary
    /// gate, no hook, no smoke test): said, since such a canary only delays a bad release.
    static func unwatchedCanary(_ plan: DeployPlan) -> String? {
        let watched =
            !plan.alarms.isEmpty || !plan.alarmPrefixes.isEmpty || plan.maxErrorRateBasisPoints != nil
            || plan.canary != nil || plan.logLimits != nil || plan.preTrafficCommand != nil
            || plan.postTrafficCommand != nil
            || plan.smokePayload != nil
        guard !watched, !plan.strategy.steps.isEmpty, plan.environment.lowercased().hasPrefix("prod") else {
            return nil
        }
        return
            "The gradual deploy to \(plan.environment) is watched by no gate (no --alarm, --max-error-rate, canary comparison, hook or smoke payload): a canary nothing watches is a delay, not a safety net; add --alarm or --max-error-rate."
    }

    /// The log-based judge for the plan's log limits, reading the function's log group
    /// (`--log-group`, else its LoggingConfig's, else Lambda's default) in its log format; nil
    /// when no limit needs the logs, or when they cannot be read and the p99 metric can stand in
    /// for the duration limit (said in the report). The memory and cold-start limits have no
    /// metric to fall back on: logs that cannot be read are then exit 2, before any change.
    static func logGate(
        _ plan: DeployPlan, function: FunctionConfiguration, stable: String?, deps: DeployDependencies,
        report: any DeployEvents
    ) async throws -> LogGate? {
        guard let limits = plan.logLimits else { return nil }
        // The new version logs as $LATEST is configured now; the stable one as it was published.
        func source(_ configuration: FunctionConfiguration) -> LogSource {
            LogSource(
                group: plan.logGroup ?? configuration.logGroup ?? "/aws/lambda/\(function.functionName)",
                format: InvocationReport.Format(configuration.logFormat))
        }
        var sources = [source(function)]
        if let stable = stable, stable != "$LATEST",
            let configuration = try? await deps.functions.getFunctionConfiguration(plan.function, qualifier: stable)
        {
            sources.append(source(configuration))
        }
        let group = LogSource.groups(sources)
        let format = sources[0].format
        var refusal: String?
        var missing = false
        if let logs = deps.logs {
            let now = Int64(deps.clock.now().timeIntervalSince1970 * 1000)
            var found = 0
            for source in Set(sources) {
                do {
                    _ = try await logs.filterLogEvents(
                        group: source.group, start: now - 60_000, end: now, pattern: source.format.filterPattern,
                        nextToken: nil, limit: 1)
                    found += 1
                } catch let error as AWSServiceError where error.kind == .notFound {
                    // Never invoked: the group appears with the first invocation.
                } catch let error as AWSServiceError where error.kind == .accessDenied {
                    refusal = "these credentials may not read it (\(error.code))"
                }
            }
            missing = found == 0
        } else {
            refusal = "this run has no log reader"
        }
        if let logs = deps.logs, refusal == nil {
            var judged = limits
            if missing && limits.maxDurationIncreasePercent != nil {
                // No group yet is no sign the logs will tell anything: the metric judges duration.
                report.warning(
                    "The log group \(group) does not exist yet (the function was never invoked): --max-duration-increase is judged from the p99 Duration metric this time."
                )
                judged.maxDurationIncreasePercent = nil
                guard judged.needsLogs else { return nil }
            }
            report.line(
                "canary judged from the logs of \(group) (\(format.rawValue) reports: every invocation's Duration, Max Memory Used and Init Duration)"
            )
            return LogGate(logs: logs, sources: sources, limits: judged)
        }
        guard let refusal else { return nil }
        let needsLogs = [
            limits.maxMemoryUsePercent.map { _ in "--max-memory-use" },
            limits.maxInitDurationIncreasePercent.map { _ in "--max-init-duration-increase" },
        ].compactMap { $0 }
        if !needsLogs.isEmpty {
            throw AWSClientError(
                .invalidSetting,
                "\(needsLogs.joined(separator: " and ")) judge\(needsLogs.count == 1 ? "s" : "") from the function's logs in \(group), and \(refusal): grant logs:FilterLogEvents on that group (lambda-shift iam-policy prints it), or leave \(needsLogs.count == 1 ? "it" : "them") out.",
                isConfiguration: true)
        }
        report.warning(
            "The logs of \(group) cannot be read (\(refusal)): --max-duration-increase is judged from the p99 Duration metric instead; grant logs:FilterLogEvents on the group to judge every invocation."
        )
        return nil
    }

    /// The gates of a plan: alarms (but those `ignoring`), the error rate, the canary comparison
    /// (its duration limit left to the log-based judge when there is one), the log-based judge.
    static func gates(_ plan: DeployPlan, metrics: any MetricsAPI, ignoring: Set<String>, logGate: LogGate? = nil)
        -> [any HealthGate]
    {
        var gates: [any HealthGate] = []
        if !plan.alarms.isEmpty || !plan.alarmPrefixes.isEmpty {
            gates.append(
                AlarmGate(cloudWatch: metrics, names: plan.alarms, prefixes: plan.alarmPrefixes, ignoring: ignoring))
        }
        if let rate = plan.maxErrorRateBasisPoints {
            gates.append(
                MetricsGate(
                    cloudWatch: metrics, function: plan.function, alias: plan.alias,
                    maxErrorRateBasisPoints: rate, minInvocations: plan.minInvocations))
        }
        if var limits = plan.canary {
            if logGate?.limits.maxDurationIncreasePercent != nil { limits.maxDurationIncreasePercent = nil }
            if limits.maxDurationIncreasePercent != nil || limits.maxErrorRateIncreasePoints != nil {
                gates.append(
                    ComparativeGate(cloudWatch: metrics, function: plan.function, alias: plan.alias, limits: limits))
            }
        }
        if let logGate { gates.append(logGate) }
        return gates
    }

    /// An uploaded package (--artifact) is looked up itself; a bucket to upload to is probed.
    func probeBucket() async throws {
        guard plan.source.isPackagedHere else { return }
        do {
            // Under the key prefix: the policy iam-policy prints lets the deploy read nowhere else.
            try await deps.store.probeBucket(plan.bucket, under: plan.keyPrefix)
        } catch let error as AWSServiceError where error.isMissingBucket {
            throw AWSClientError(
                .invalidSetting,
                "No bucket \(plan.bucket) for these credentials: check --bucket, or create the bucket first (lambda-shift uploads to a bucket, it does not create one).",
                isConfiguration: true)
        } catch let error as AWSServiceError where error.kind == .wrongRegion {
            // Lambda takes code only from a bucket in the function's own region, so following the
            // redirect would upload where UpdateFunctionCode cannot read.
            // https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html#lambda-UpdateFunctionCode-request-S3Bucket
            let region = error.bucketRegion.map { "in \($0)" } ?? "in another region"
            throw AWSClientError(
                .invalidSetting,
                "Bucket \(plan.bucket) is \(region), but the function is in \(deps.region): Lambda reads code only from a bucket in the function's region; use a bucket in \(deps.region).",
                cause: "\(error)", isConfiguration: true)
        }
    }

    /// The function's code signing config against `--signing-profile`, before any change: an
    /// `Enforce` config with no profile, or a profile it does not trust, is exit 2 (Lambda would
    /// refuse the code update with CodeVerificationFailedException after the upload); `Warn`
    /// with no profile is a warning. Credentials that may not read the config leave the check
    /// to Lambda, as before this check existed.
    /// https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
    func checkCodeSigning() async throws -> SigningProfile? {
        guard plan.source.isVerifiedBySigningConfig else { return nil }
        var profile: SigningProfile?
        if let name = plan.signingProfile {
            do {
                profile = try await deps.signer.signingProfile(name)
            } catch let error as AWSServiceError where error.kind == .notFound {
                throw AWSClientError(
                    .invalidSetting,
                    "No AWS Signer profile \(name) in \(deps.region) for this account: check --signing-profile.",
                    isConfiguration: true)
            }
            if let found = profile, found.state != .active {
                throw AWSClientError(
                    .invalidSetting,
                    "The AWS Signer profile \(name) is \(found.status), not Active: it cannot sign; use an active profile.",
                    isConfiguration: true)
            }
        }
        let policy: CodeSigningPolicy?
        do {
            policy = try await deps.functions.codeSigningPolicy(plan.function)
        } catch let error as AWSServiceError where error.kind == .accessDenied {
            report.line(
                "code signing config of \(plan.function) not read (the credentials may not call GetFunctionCodeSigningConfig): Lambda checks signatures itself"
            )
            return profile
        }
        guard let policy else { return profile }
        let publishers = policy.allowedProfileVersionArns.joined(separator: ", ")
        let mode = policy.enforce ? "Enforce" : "Warn"
        if let profile {
            guard policy.allowedProfileVersionArns.contains(profile.versionArn) else {
                throw AWSClientError(
                    .invalidSetting,
                    "The signing profile \(profile.name) (\(profile.versionArn)) is not among the publishers \(plan.function)'s code signing config \(policy.configArn) allows (\(publishers.isEmpty ? "none" : publishers)): sign with one of them, or add it to the config.",
                    isConfiguration: true)
            }
            report.line("code signing: \(policy.configArn) (\(mode)) trusts \(profile.name)")
        } else if policy.enforce {
            throw AWSClientError(
                .invalidSetting,
                "\(plan.function) enforces code signing (config \(policy.configArn), allowed publishers \(publishers.isEmpty ? "none" : publishers)): give --signing-profile with one of them; Lambda refuses unsigned code.",
                isConfiguration: true)
        } else {
            report.warning(
                "\(plan.function)'s code signing config \(policy.configArn) warns about unsigned code, and this deploy is unsigned: give --signing-profile to sign it."
            )
        }
        return profile
    }

    /// A weighted alias routes only between versions with the same execution role and the same
    /// dead-letter config: Lambda refuses the first weighted UpdateAlias otherwise, after a
    /// version was published. What this deploy publishes is `$LATEST`'s configuration (the
    /// code update changes only code), so it is compared with the live version's now.
    /// The refusal is returned, not thrown: a deploy that changes nothing (skipped) needs no
    /// weighted alias.
    /// https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
    func checkWeightedAliasRules(live version: String, latest: FunctionConfiguration) async throws
        -> AWSClientError?
    {
        let live = try await deps.functions.getFunctionConfiguration(plan.function, qualifier: version)
        func queue(_ arn: String?) -> String { arn.map { "dead-letter target \($0)" } ?? "no dead-letter target" }
        if live.role != latest.role {
            return AWSClientError(
                .invalidSetting,
                "Version \(version) (live) runs as \(live.role ?? "no role"), but $LATEST, which this deploy publishes, runs as \(latest.role ?? "no role"): Lambda shifts traffic gradually only between versions with the same execution role; give both the same role first, or deploy with --strategy AllAtOnce.",
                isConfiguration: true)
        }
        if live.deadLetterTargetArn != latest.deadLetterTargetArn {
            return AWSClientError(
                .invalidSetting,
                "Version \(version) (live) has \(queue(live.deadLetterTargetArn)), but $LATEST, which this deploy publishes, has \(queue(latest.deadLetterTargetArn)): Lambda shifts traffic gradually only between versions with the same dead-letter config; make them the same first, or deploy with --strategy AllAtOnce.",
                isConfiguration: true)
        }
        return nil
    }

    /// The longest this deploy can take, seconds: every bake, plus an allowance for the
    /// upload, the code update, publishing, readiness waits and a restore.
    /// The longest the rollout can take: each bake as long as `--max-bake` lets it run when a
    /// gate can lack a verdict (the error rate, the canary comparison), each hook its timeout,
    /// and the allowance for the update, waits and a rollback.
    var rolloutBudget: Int {
        let undecidable = plan.maxErrorRateBasisPoints != nil || plan.canary != nil
        func longest(_ bake: Int) -> Int {
            undecidable && bake > 0 ? max(bake, plan.inconclusive.maxBakeSeconds(forBake: bake)) : bake
        }
        let hooks = [plan.preTrafficCommand, plan.postTrafficCommand].compactMap { $0 }.count
        return plan.strategy.steps.reduce(0) { $0 + longest($1.bakeSeconds) } + longest(plan.bakeSeconds)
            + hooks * plan.hookTimeoutSeconds + Self.allowance
    }
    static let allowance = 300

    /// Credentials that cannot be renewed (keys handed in through the environment) must last
    /// the whole rollout, or a rollback could start with keys that no longer work: refused
    /// before any change. Renewable ones (role-to-assume, web identity, container, instance)
    /// are fetched again before they expire, a rollback included.
    func checkCredentialLifetime() async throws {
        guard let credentials = try await deps.credentials() else { return }
        guard let expiration = credentials.expiration else { return }
        let left = Int(expiration.timeIntervalSince(deps.clock.now()))
        guard !credentials.renewable else {
            report.line(
                "credentials from \(credentials.source) expire in \(Self.minutes(left)) and are renewed before then; the rollout can take up to \(Self.minutes(rolloutBudget))"
            )
            return
        }
        guard left > rolloutBudget else {
            throw AWSClientError(
                .invalidSetting,
                "The AWS credentials from the \(credentials.source) expire in \(Self.minutes(left)) (\(AWSTimestamp.iso8601(expiration))), but this rollout can take up to \(Self.minutes(rolloutBudget)) (its bakes as long as --max-bake allows, its hooks' timeouts, and \(Self.minutes(Self.allowance)) for the update, waits and a rollback) and they cannot be renewed: use role-to-assume so lambda-shift renews them, issue a longer session (role-duration-seconds), or pick a shorter strategy.",
                isConfiguration: true)
        }
        report.line(
            "credentials from \(credentials.source) expire in \(Self.minutes(left)); the rollout can take up to \(Self.minutes(rolloutBudget))"
        )
    }

    /// The longest wait for a Managed Instances version to be Active, seconds: AWS documents
    /// that starting its execution environments can take up to 15 minutes.
    /// https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html
    static let managedInstancesWait = 1200.0

    static func minutes(_ seconds: Int) -> String {
        seconds < 120 ? "\(max(0, seconds)) s" : "\(seconds / 60) min"
    }
}
