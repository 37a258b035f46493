import Ports
import AWSCore
import AWSServices
import FoundationEssentials

/// Provisioned concurrency that must be allocated before traffic is judged: Lambda allocates it
/// asynchronously after it is set, and again across both versions after every change of a
/// weighted alias's weights (`IN_PROGRESS`, then `READY` or `FAILED`). A bake that starts
/// before `READY` judges cold starts, not code.
/// https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html
/// https://docs.aws.amazon.com/lambda/latest/api/API_GetProvisionedConcurrencyConfig.html
package struct CapacityWait: Sendable, Equatable {
    /// The alias (or version) whose configuration is read.
    package var qualifier: String
    /// `alias live`, `version 4`: how reports name it.
    package var label: String
    /// `--provisioned-concurrency-timeout`: the longest wait for `READY`, seconds.
    package var timeoutSeconds: Int

    package init(qualifier: String, label: String, timeoutSeconds: Int) {
        self.qualifier = qualifier
        self.label = label
        self.timeoutSeconds = timeoutSeconds
    }

    /// Reads the configuration until it is `READY` or `FAILED`, or the timeout passes (polls back
    /// off from 1 s to 5 s). Nil when the qualifier has no provisioned concurrency (any more).
    package func wait(
        function: String, api: any AliasAPI, clock: any AWSClock, sleeper: any Sleeper
    ) async throws -> CapacityCheck? {
        let start = clock.now()
        let ending = try await Waiter(
            clock: clock, sleeper: sleeper, timeout: Double(timeoutSeconds), firstDelay: 1
        ).poll(
            { try await api.provisionedConcurrency(function: function, qualifier: qualifier) },
            until: { config in config.map { $0.isReady || $0.isFailed } ?? true })
        let (found, timedOut) =
            switch ending {
            case .done(let config): (config, false)
            case .timedOut(let config): (config, true)
            }
        guard let config = found else { return nil }
        let waited = Int(clock.now().timeIntervalSince(start).rounded())
        return CapacityCheck(label: label, config: config, seconds: waited, timedOut: timedOut)
    }
}

/// What a wait for provisioned concurrency found: `READY`, `FAILED` (with Lambda's reason), or
/// still not ready at the timeout.
package struct CapacityCheck: Sendable, Equatable {
    package var label: String
    package var config: ProvisionedConcurrency
    package var seconds: Int
    package var timedOut: Bool

    package init(label: String, config: ProvisionedConcurrency, seconds: Int, timedOut: Bool) {
        self.label = label
        self.config = config
        self.seconds = seconds
        self.timedOut = timedOut
    }

    package var ready: Bool { config.isReady && !timedOut }

    /// `READY: 10 of 10 allocated after 4s`, `FAILED after 6s: <Lambda's reason>`,
    /// `still IN_PROGRESS after 900s (--provisioned-concurrency-timeout): 4 of 10 allocated`.
    package var detail: String {
        let allocated = "\(config.allocated) of \(config.requested) allocated"
        if ready { return "READY: \(allocated) after \(seconds)s" }
        if config.isFailed { return "FAILED after \(seconds)s: \(config.statusReason ?? "Lambda gave no reason")" }
        return "still \(config.status) after \(seconds)s (--provisioned-concurrency-timeout): \(allocated)"
    }

    /// The sentence of a rollback it caused.
    package var failure: String { "provisioned concurrency of \(label) \(detail)" }
}
