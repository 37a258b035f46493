/// An error lambda-shift can explain: a code, one sentence that says what to do, the cause
/// when there is one, and whether it is a problem of configuration (found before anything
/// changed; exit 2) or of the outside world. The message never holds a secret, and works
/// as a GitHub `::error::` line as it is.
package struct AWSClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable identifier.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        package init(_ name: String) { self.name = name }
        package var description: String { name }

        package static let noCredentials = Code("no-credentials")
        package static let noRegion = Code("no-region")
        package static let invalidRegion = Code("invalid-region")
        package static let webIdentityToken = Code("web-identity-token")
        package static let credentialSource = Code("credential-source")
        package static let profile = Code("profile")
        package static let invalidEndpoint = Code("invalid-endpoint")
        package static let endpointUnreachable = Code("endpoint-unreachable")
        package static let timeout = Code("timeout")
        package static let connectionLost = Code("connection-lost")
        package static let tls = Code("tls")
        package static let fileUnreadable = Code("file-unreadable")
        package static let invalidResponse = Code("invalid-response")
        package static let cancelled = Code("cancelled")
        package static let invalidSetting = Code("invalid-setting")
    }

    package var code: Code
    /// One sentence a person can act on.
    package var message: String
    /// What lay underneath (an OS or libcurl message, a service error), when known.
    package var cause: String?
    /// True when the problem is in the setup the user gave (exit 2).
    package var isConfiguration: Bool

    package init(_ code: Code, _ message: String, cause: String? = nil, isConfiguration: Bool) {
        self.code = code
        self.message = message
        self.cause = cause
        self.isConfiguration = isConfiguration
    }

    package var description: String {
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
package struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    package var service: String
    package var operation: String
    package var code: String
    package var message: String
    package var status: Int
    package var requestId: String?
    /// S3's `x-amz-bucket-region` on a redirect or refusal: where the bucket really is.
    package var bucketRegion: String?

    package init(
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

    package var description: String {
        var text = "\(service) \(operation) was refused: \(code)"
        if !message.isEmpty { text += ": \(message)" }
        text += " (HTTP \(status)"
        if let requestId { text += ", request id \(requestId)" }
        return text + ")"
    }
}

/// Why an HTTP exchange did not produce a response.
package struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
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

    package var kind: Kind
    package var message: String
    package var url: String

    package init(kind: Kind, message: String, url: String) {
        self.kind = kind
        self.message = message
        self.url = url
    }

    package var description: String { "\(message) (\(url))" }
}
