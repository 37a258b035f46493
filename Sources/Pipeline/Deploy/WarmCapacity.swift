import Rollout
import Ports
import AWSCore
import AWSServices
import LambdaShiftCore
import FoundationEssentials

/// Provisioned concurrency the live alias or its version carries before a deploy.
/// https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
enum WarmCapacity: Sendable, Equatable {
    /// On the alias: Lambda allocates it across both versions again after every weight change,
    /// so the rollout waits for `READY` after each before its bake starts.
    case alias(ProvisionedConcurrency)
    /// On the live version itself: the new version gets as much before any traffic moves, and
    /// the old one keeps its own until the deploy has succeeded.
    case version(String, ProvisionedConcurrency)
}

extension Preflight {
    /// The alias's provisioned concurrency, else its live version's; an allocation already
    /// `FAILED` is exit 2 before any change. Credentials that may not read it leave a warning.
    func readWarmCapacity(_ before: AliasConfiguration?) async throws -> WarmCapacity? {
        guard let before, before.functionVersion != "$LATEST" else { return nil }
        let lambda = deps.functions
        let found: WarmCapacity?
        do {
            if let config = try await lambda.provisionedConcurrency(function: plan.function, qualifier: plan.alias) {
                found = .alias(config)
            } else if let config = try await lambda.provisionedConcurrency(
                function: plan.function, qualifier: before.functionVersion)
            {
                found = .version(before.functionVersion, config)
            } else {
                found = nil
            }
        } catch let error as AWSServiceError where error.kind == .accessDenied {
            report.warning(
                "The provisioned concurrency of alias \(plan.alias) could not be read (the credentials may not call lambda:GetProvisionedConcurrencyConfig): if it has some, the canary may be judged on cold starts; add the permission (see `lambda-shift iam-policy`)."
            )
            return nil
        }
        guard let found else { return nil }
        let (label, config) = Self.describe(found, alias: plan.alias)
        if config.isFailed {
            throw AWSClientError(
                .invalidSetting,
                "The provisioned concurrency of \(label) is FAILED (\(config.statusReason ?? "Lambda gave no reason")): fix or remove it first (aws lambda delete-provisioned-concurrency-config), then deploy.",
                isConfiguration: true)
        }
        report.line(
            "provisioned concurrency: \(label) has \(config.requested) (\(config.status), \(config.allocated) allocated)"
        )
        return found
    }

    static func describe(_ warm: WarmCapacity, alias: String) -> (label: String, config: ProvisionedConcurrency) {
        switch warm {
        case .alias(let config): ("alias \(alias)", config)
        case .version(let version, let config): ("version \(version)", config)
        }
    }
}

extension DeployPipeline {
    /// The rollout's wait after each weight change, when the alias carries the configuration.
    func capacityWait(_ warm: WarmCapacity?) -> CapacityWait? {
        guard case .alias = warm else { return nil }
        return CapacityWait(
            qualifier: plan.alias, label: "alias \(plan.alias)",
            timeoutSeconds: plan.provisionedConcurrencyTimeoutSeconds)
    }

    /// The live version has its own provisioned concurrency: the new one gets as much, and the
    /// deploy waits for `READY` before any traffic moves. Returns nil when it is ready (or there
    /// is nothing to do), else the sentence of the refusal (its configuration already removed).
    func provisionNewVersion(_ version: String, like warm: WarmCapacity?) async throws -> String? {
        guard case .version(let live, let config) = warm else { return nil }
        let lambda = deps.functions
        _ = try await lambda.putProvisionedConcurrency(plan.function, qualifier: version, amount: config.requested)
        report.line(
            "provisioned concurrency: asked for \(config.requested) on version \(version), as version \(live) has; waiting for READY before any traffic moves"
        )
        let wait = CapacityWait(
            qualifier: version, label: "version \(version)", timeoutSeconds: plan.provisionedConcurrencyTimeoutSeconds)
        guard
            let check = try await wait.wait(
                function: plan.function, api: lambda, clock: deps.clock, sleeper: deps.pollSleeper)
        else { return nil }
        report.event("provisioned concurrency of version \(version): \(check.detail)", passed: check.ready)
        guard !check.ready else { return nil }
        try? await lambda.deleteProvisionedConcurrency(plan.function, qualifier: version)
        return
            "The \(check.failure): no traffic moved, and its provisioned-concurrency configuration was removed (version \(live) keeps its \(config.requested))."
    }

    /// Once the run is over: a version-level configuration stays only where traffic is. After
    /// success the old version's is removed (the new one keeps its own); when the alias serves
    /// the old version alone again, the new version's is. Anything else (a restore that failed,
    /// someone else's change) leaves both. A failure here is a warning: the verdict stands.
    func settleCapacity(_ ready: Ready, succeeded: Bool, servesOld: Bool) async {
        guard case .version(let live, let config) = ready.warm else { return }
        guard succeeded || servesOld else {
            report.warning(
                "The provisioned concurrency of versions \(live) and \(ready.version) was left as it is: alias \(plan.alias) may route to either; remove the one it no longer serves."
            )
            return
        }
        let drop = succeeded ? live : ready.version
        do {
            try await deps.functions.deleteProvisionedConcurrency(plan.function, qualifier: drop)
            report.event(
                succeeded
                    ? "provisioned concurrency moved: version \(live)'s configuration removed; version \(ready.version) keeps its \(config.requested)"
                    : "provisioned concurrency of version \(ready.version) removed: it serves no traffic; version \(live) keeps its \(config.requested)"
            )
        } catch {
            report.warning(
                "The provisioned concurrency of version \(drop) could not be removed (\(sentence(of: error))): it is still billed; remove it with aws lambda delete-provisioned-concurrency-config."
            )
        }
    }
}
