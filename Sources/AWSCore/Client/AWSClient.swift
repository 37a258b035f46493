import Hashing
import FoundationEssentials

/// Where signed requests get their credentials from.
package protocol CredentialSource: Sendable {
    func credentials() async throws -> AWSCredentials
    /// Fresh, short-lived credentials of the same identity, limited by a session `policy` (what a
    /// traffic hook gets), or nil when this source cannot make such (see
    /// `CredentialProviderChain.narrowed`).
    func narrowed(_ request: NarrowedSession) async throws -> AWSCredentials?
}

/// What `narrowed` asks STS for: a session policy, its lifetime and the session's name.
package struct NarrowedSession: Sendable, Equatable {
    /// An IAM policy document (JSON): the session may do only what it and the role both allow.
    package var policy: String
    package var durationSeconds: Int
    package var sessionName: String

    package init(policy: String, durationSeconds: Int, sessionName: String) {
        self.policy = policy
        self.durationSeconds = durationSeconds
        self.sessionName = STSCredentialExchange.sessionName(sessionName)
    }
}

extension CredentialSource {
    package func narrowed(_ request: NarrowedSession) async throws -> AWSCredentials? { nil }
}

/// Fixed credentials, for tests and for calls made with credentials just obtained.
package struct StaticCredentialSource: CredentialSource {
    package let value: AWSCredentials
    package init(_ value: AWSCredentials) { self.value = value }
    package func credentials() async throws -> AWSCredentials { value }
}

/// What one attempt did, for logs and tests. Holds no secret.
package struct AttemptRecord: Sendable {
    package var service: String
    package var operation: String
    package var attempt: Int
    package var status: Int?
    package var error: String?
    package var retryDelay: Double?
}

/// Sends AWS API calls: resolves the endpoint, signs each attempt with fresh credentials and
/// the current time, retries by the policy, and turns failures into errors a person can act on.
package struct AWSClient: Sendable {
    package var transport: any HTTPTransport
    package var credentialSource: any CredentialSource
    package var region: String
    package var endpoints: EndpointResolver
    package var retryPolicy: any RetryPolicy
    package var clock: any AWSClock
    package var sleeper: any Sleeper
    package var keyCache: SigningKeyCache
    package var timeouts: HTTPTimeouts
    package var observer: (@Sendable (AttemptRecord) -> Void)?

    package init(
        transport: any HTTPTransport, credentialSource: any CredentialSource, region: String,
        endpoints: EndpointResolver? = nil, retryPolicy: any RetryPolicy = StandardRetryPolicy(),
        clock: any AWSClock = SystemClock(), sleeper: any Sleeper = TaskSleeper(),
        keyCache: SigningKeyCache = SigningKeyCache(), timeouts: HTTPTimeouts = HTTPTimeouts(connect: 10, total: 60),
        observer: (@Sendable (AttemptRecord) -> Void)? = nil
    ) {
        self.transport = transport
        self.credentialSource = credentialSource
        self.region = region
        self.endpoints = endpoints ?? EndpointResolver(region: region)
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.sleeper = sleeper
        self.keyCache = keyCache
        self.timeouts = timeouts
        self.observer = observer
    }

    /// The same client signing with other credentials.
    package func with(credentials source: any CredentialSource) -> AWSClient {
        var copy = self
        copy.credentialSource = source
        return copy
    }

    /// Sends one call. `build` makes the request for the resolved endpoint; `payload` is the
    /// body's SHA-256 when the caller already knows it (file bodies), otherwise it is computed
    /// from the in-memory body. Returns the 2xx response, or throws AWSServiceError /
    /// AWSClientError / CancellationError.
    package func send(
        _ service: AWSService, _ operation: AWSOperation, payload: PayloadHash? = nil,
        timeouts: HTTPTimeouts? = nil, build: (Endpoint) -> HTTPRequest
    ) async throws -> HTTPResponse {
        let endpoint = endpoints.endpoint(for: service)
        let template = build(endpoint)
        let payloadHash = try payload ?? Self.payloadHash(of: template.body)
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            var request = template
            if !operation.unsigned {
                let credentials = try await credentialSource.credentials()
                let signer = SigV4Signer(
                    credentials: credentials, region: region, service: service.signingName, keyCache: keyCache)
                signer.sign(&request, payload: payloadHash, date: clock.now())
            }
            let failure: any Error
            do {
                let response = try await transport.send(request, timeout: timeouts ?? self.timeouts)
                if (200..<300).contains(response.status) {
                    observer?(
                        AttemptRecord(
                            service: service.displayName, operation: operation.name, attempt: attempt,
                            status: response.status))
                    return response
                }
                failure = AWSErrorDecoder.decode(
                    response, protocol: service.wireProtocol, service: service.displayName, operation: operation.name)
            } catch let error as HTTPTransportError {
                if error.kind == .cancelled { throw CancellationError() }
                failure = error
            }
            let kind = retryPolicy.classify(failure)
            let retry =
                attempt < retryPolicy.maxAttempts
                && retryPolicy.shouldRetry(failure, kind: kind, idempotent: operation.idempotent)
            let delay = retry ? retryPolicy.delay(afterAttempt: attempt, kind: kind) : nil
            observer?(
                AttemptRecord(
                    service: service.displayName, operation: operation.name, attempt: attempt,
                    status: (failure as? AWSServiceError)?.status, error: "\(failure)", retryDelay: delay))
            guard let delay else {
                throw Self.finalError(
                    failure, service: service, operation: operation, endpoint: endpoint, attempts: attempt)
            }
            // Cancellation is checked before every retry: a cancelled deploy stops waiting at once.
            try Task.checkCancellation()
            try await sleeper.sleep(seconds: delay)
        }
    }

    static func payloadHash(of body: HTTPBody) throws -> PayloadHash {
        switch body {
        case .empty: return .sha256Hex(PayloadHash.emptySHA256)
        case .bytes(let data): return .sha256Hex(ByteEncoding.hex(SHA256Hasher.hash(data)))
        case .file(let path, let offset, let length):
            return .sha256Hex(ByteEncoding.hex(try SHA256Hasher.hash(fileAt: path, offset: offset, length: length)))
        }
    }

    /// Words the last failure for a person, saying how many attempts were made.
    static func finalError(
        _ failure: any Error, service: AWSService, operation: AWSOperation, endpoint: Endpoint, attempts: Int
    ) -> any Error {
        let tries = attempts == 1 ? "" : " after \(attempts) attempts"
        let override = "AWS_ENDPOINT_URL_\(service.endpointKey)"
        switch failure {
        case var error as AWSServiceError:
            if attempts > 1 { error.message += error.message.isEmpty ? "gave up\(tries)" : " (gave up\(tries))" }
            return error
        case let error as HTTPTransportError:
            switch error.kind {
            case .connect:
                return AWSClientError(
                    .endpointUnreachable,
                    "Cannot connect to \(service.displayName) at \(endpoint)\(tries): check the network and the region, or fix AWS_ENDPOINT_URL / \(override) if you set one.",
                    cause: error.message, isConfiguration: true)
            case .timeout:
                return AWSClientError(
                    .timeout,
                    "\(service.displayName) \(operation.name) did not answer in time\(tries): check the network, or retry the job.",
                    cause: error.message, isConfiguration: false)
            case .connectionLost:
                return AWSClientError(
                    .connectionLost,
                    "The connection to \(service.displayName) broke during \(operation.name)\(tries): retry the job; if it keeps happening, check proxies between CI and AWS.",
                    cause: error.message, isConfiguration: false)
            case .tls:
                return AWSClientError(
                    .tls,
                    "TLS verification of \(endpoint) failed: check the endpoint URL and the machine's CA certificates (verification is never turned off).",
                    cause: error.message, isConfiguration: true)
            case .bodyUnreadable:
                return AWSClientError(
                    .fileUnreadable,
                    "Cannot read the file being sent to \(service.displayName) \(operation.name): check it still exists.",
                    cause: error.message, isConfiguration: false)
            case .cancelled:
                return CancellationError()
            case .libraryMissing:
                return AWSClientError(
                    .invalidSetting, "Cannot call \(service.displayName): \(error.message).", cause: nil,
                    isConfiguration: true)
            case .other:
                return AWSClientError(
                    .connectionLost, "\(service.displayName) \(operation.name) failed at the HTTP level\(tries).",
                    cause: error.message, isConfiguration: false)
            }
        default:
            return failure
        }
    }
}
