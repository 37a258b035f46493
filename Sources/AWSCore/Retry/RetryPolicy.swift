import LambdaShiftCore
import FoundationEssentials

/// What kind of failure an attempt met, as the AWS SDKs classify them.
package enum RetryErrorKind: Sendable, Equatable {
    /// The service asked us to slow down (429, Throttling, SlowDown, …).
    case throttling
    /// The network failed (reset, timeout, refused connection).
    case transient
    /// The service failed (5xx).
    case serverError
    /// Our request was wrong: never retried.
    case clientError
}

/// Decides whether and when to try again.
package protocol RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    var maxAttempts: Int { get }
    /// The kind of failure, or nil when it is not retryable at all.
    func classify(_ error: any Error) -> RetryErrorKind
    /// Whether an error of this kind may be retried for an operation that is, or is not,
    /// safe to repeat.
    func shouldRetry(_ error: any Error, kind: RetryErrorKind, idempotent: Bool) -> Bool
    /// How long to wait before attempt `attempt + 1` (attempt counts from 1).
    func delay(afterAttempt attempt: Int, kind: RetryErrorKind) -> Double
}

/// The SDKs' "standard" mode: exponential backoff with full jitter, capped at 20 s;
/// throttling waits from a larger base. AWS_MAX_ATTEMPTS sets the attempts (default 3).
/// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
package struct StandardRetryPolicy: RetryPolicy {
    package static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    package static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable",
    ]

    package var maxAttempts: Int
    package var baseDelay: Double
    package var throttlingBaseDelay: Double
    package var maxBackoff: Double
    /// A number in [0, 1): the jitter. Injected so tests are deterministic.
    package var random: @Sendable () -> Double

    package init(
        maxAttempts: Int = 3, baseDelay: Double = 0.1, throttlingBaseDelay: Double = 0.5, maxBackoff: Double = 20,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.throttlingBaseDelay = throttlingBaseDelay
        self.maxBackoff = maxBackoff
        self.random = random
    }

    /// Reads AWS_MAX_ATTEMPTS; anything but a positive integer is a configuration error.
    package init(environment: Environment) throws {
        self.init()
        if let text = environment["AWS_MAX_ATTEMPTS"] {
            guard let value = Int(text), value >= 1 else {
                throw AWSClientError(
                    .invalidSetting, "AWS_MAX_ATTEMPTS is \"\(text)\": set it to a whole number of at least 1.",
                    isConfiguration: true)
            }
            maxAttempts = value
        }
    }

    package func classify(_ error: any Error) -> RetryErrorKind {
        switch error {
        case let error as AWSServiceError:
            if error.status == 429 || Self.throttlingCodes.contains(error.code) { return .throttling }
            if Self.transientCodes.contains(error.code) || [502, 503, 504].contains(error.status) { return .transient }
            if error.status >= 500 { return .serverError }
            return .clientError
        case let error as HTTPTransportError:
            switch error.kind {
            case .connect, .timeout, .connectionLost: return .transient
            case .tls, .cancelled, .bodyUnreadable, .libraryMissing, .other: return .clientError
            }
        default:
            return .clientError
        }
    }

    package func shouldRetry(_ error: any Error, kind: RetryErrorKind, idempotent: Bool) -> Bool {
        switch kind {
        case .clientError: return false
        // Throttling means the service turned the request away before acting on it, and a
        // connection that was never made carried nothing: both are safe to repeat for any call.
        case .throttling: return true
        case .transient, .serverError:
            if idempotent { return true }
            if let transport = error as? HTTPTransportError, transport.kind == .connect { return true }
            return false
        }
    }

    package func delay(afterAttempt attempt: Int, kind: RetryErrorKind) -> Double {
        let base = kind == .throttling ? throttlingBaseDelay : baseDelay
        let ceiling = min(maxBackoff, base * Double(1 << min(62, max(0, attempt - 1))))
        return random() * ceiling
    }
}
