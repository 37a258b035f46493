/// An error lambda-shift can explain: a code, one sentence that says what to do, the cause
/// when there is one, and whether it is a problem of configuration (found before anything
/// changed; exit 2) or of the outside world. The message never holds a secret, and works
/// as a GitHub `::error::` line as it is.
public struct AWSClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable identifier.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let noCredentials = Code("no-credentials")
        public static let noRegion = Code("no-region")
        public static let invalidRegion = Code("invalid-region")
        public static let webIdentityToken = Code("web-identity-token")
        public static let credentialSource = Code("credential-source")
        public static let profile = Code("profile")
        public static let invalidEndpoint = Code("invalid-endpoint")
        public static let endpointUnreachable = Code("endpoint-unreachable")
        public static let timeout = Code("timeout")
        public static let connectionLost = Code("connection-lost")
        public static let tls = Code("tls")
        public static let fileUnreadable = Code("file-unreadable")
        public static let invalidResponse = Code("invalid-response")
        public static let cancelled = Code("cancelled")
        public static let invalidSetting = Code("invalid-setting")
    }

    public var code: Code
    /// One sentence a person can act on.
    public var message: String
    /// What lay underneath (an OS or libcurl message, a service error), when known.
    public var cause: String?
    /// True when the problem is in the setup the user gave (exit 2).
    public var isConfiguration: Bool

    public init(_ code: Code, _ message: String, cause: String? = nil, isConfiguration: Bool) {
        self.code = code
        self.message = message
        self.cause = cause
        self.isConfiguration = isConfiguration
    }

    public var description: String {
        guard let cause, !cause.isEmpty else { return message }
        return "\(message) (\(cause))"
    }

    static func fileUnreadable(path: String, cause: String? = nil) -> AWSClientError {
        AWSClientError(
            .fileUnreadable, "Cannot read \(path): check that it exists and is readable.", cause: cause,
            isConfiguration: true)
    }
}

/// What AWS answered when it refused a request: its error code and message, the HTTP
/// status and the request id, decoded from whichever protocol the service speaks.
public struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var service: String
    public var operation: String
    public var code: String
    public var message: String
    public var status: Int
    public var requestId: String?
    /// S3's `x-amz-bucket-region` on a redirect or refusal: where the bucket really is.
    public var bucketRegion: String?

    public init(
        service: String, operation: String, code: String, message: String, status: Int, requestId: String?,
        bucketRegion: String? = nil
    ) {
        self.service = service
        self.operation = operation
        self.code = code
        self.message = message
        self.status = status
        self.requestId = requestId
        self.bucketRegion = bucketRegion
    }

    public var description: String {
        var text = "\(service) \(operation) was refused: \(code)"
        if !message.isEmpty { text += ": \(message)" }
        text += " (HTTP \(status)"
        if let requestId { text += ", request id \(requestId)" }
        return text + ")"
    }
}

/// Why an HTTP exchange did not produce a response.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection was never made (DNS, refused, proxy): the request was not sent.
        case connect
        /// The attempt ran out of time; the server may or may not have acted on it.
        case timeout
        /// The connection broke during the exchange.
        case connectionLost
        case tls
        case cancelled
        /// The request body could not be read.
        case bodyUnreadable
        /// libcurl is not installed (it is loaded at the first request): nothing was sent.
        case libraryMissing
        case other
    }

    public var kind: Kind
    public var message: String
    public var url: String

    public init(kind: Kind, message: String, url: String) {
        self.kind = kind
        self.message = message
        self.url = url
    }

    public var description: String { "\(message) (\(url))" }
}
