import FoundationEssentials

/// A set of AWS credentials. Its description never shows the secret or the token.
package struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    package var accessKeyId: String
    package var secretAccessKey: String
    package var sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    package var expiration: Date?
    /// Which provider produced them, for logs ("environment", "web identity", ...).
    package var source: String
    /// Whether asking the provider again gives fresh credentials (an assumed role, a web
    /// identity, a container or instance endpoint); false for keys handed in as they are.
    package var renewable: Bool

    package init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil,
        expiration: Date? = nil, source: String = "static", renewable: Bool = true
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
        self.renewable = renewable
    }

    /// The values a CI log must mask before any line could contain them.
    package var secrets: [String] { [secretAccessKey] + (sessionToken.map { [$0] } ?? []) }

    package var description: String {
        var text = "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>"
        if sessionToken != nil { text += ", sessionToken: <redacted>" }
        if let expiration { text += ", expiration: \(AWSTimestamp.iso8601(expiration))" }
        return text + ", source: \(source))"
    }

    package var debugDescription: String { description }

    /// True when the credentials expire within `margin` seconds of `now`.
    package func expires(within margin: TimeInterval, of now: Date) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin
    }
}
