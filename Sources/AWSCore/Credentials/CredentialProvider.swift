import LambdaShiftCore
import FoundationEssentials

/// One source of credentials (the environment, a profile, a container endpoint, …).
package protocol CredentialProvider: Sendable {
    /// How people name this source in messages.
    var name: String { get }
    /// The credentials, or nil when this source is not configured here. Throws when it is
    /// configured but broken: the chain stops there instead of silently using another source.
    func resolve() async throws -> AWSCredentials?
}

/// Tries providers in order and uses the first that is configured.
package struct CredentialProviderChain: CredentialProvider {
    package var providers: [any CredentialProvider]
    package var name: String { "chain(" + providers.map(\.name).joined(separator: ", ") + ")" }

    package init(_ providers: [any CredentialProvider]) { self.providers = providers }

    package func resolve() async throws -> AWSCredentials? {
        for provider in providers {
            if let credentials = try await provider.resolve() { return credentials }
        }
        return nil
    }

    /// Narrowed credentials when the source in use is a web identity (role-to-assume, or
    /// AWS_WEB_IDENTITY_TOKEN_FILE with nothing before it in the chain): its token may assume the
    /// role again with a session policy. Any other source (keys, a profile, a container or
    /// instance role) cannot be narrowed without rights the deploy may not have: nil.
    package func narrowed(_ request: NarrowedSession) async throws -> AWSCredentials? {
        for provider in providers {
            if let webIdentity = provider as? WebIdentityCredentialProvider {
                return try await webIdentity.narrowed(request)
            }
            if try await provider.resolve() != nil { return nil }
        }
        return nil
    }
}

/// Holds the credentials a provider returned and asks again shortly before they expire
/// (5 minutes by default), one refresh at a time. If a refresh fails while the old
/// credentials still work, they are kept.
package actor CredentialCache: CredentialSource {
    private let provider: any CredentialProvider
    private let clock: any AWSClock
    private let refreshMargin: TimeInterval
    private var current: AWSCredentials?
    private var refreshing: Task<AWSCredentials, any Error>?
    private let onCredentials: (@Sendable (AWSCredentials) -> Void)?
    package private(set) var resolveCount = 0

    package init(
        provider: any CredentialProvider, clock: any AWSClock = SystemClock(), refreshMargin: TimeInterval = 300,
        onCredentials: (@Sendable (AWSCredentials) -> Void)? = nil
    ) {
        self.provider = provider
        self.clock = clock
        self.refreshMargin = refreshMargin
        self.onCredentials = onCredentials
    }

    package func credentials() async throws -> AWSCredentials {
        let now = clock.now()
        if let current, !current.expires(within: refreshMargin, of: now) { return current }
        if let refreshing { return try await refreshing.value }
        let provider = self.provider
        let task = Task<AWSCredentials, any Error> {
            guard let credentials = try await provider.resolve() else { throw CredentialErrors.none() }
            return credentials
        }
        refreshing = task
        defer { refreshing = nil }
        do {
            let fresh = try await task.value
            onCredentials?(fresh)
            resolveCount += 1
            current = fresh
            return fresh
        } catch {
            if let current, let expiration = current.expiration, expiration > now { return current }
            throw error
        }
    }

    /// Narrowed credentials from the chain (never cached: each hook gets its own), announced like
    /// any others so they are masked before use.
    package func narrowed(_ request: NarrowedSession) async throws -> AWSCredentials? {
        guard let chain = provider as? CredentialProviderChain, let narrowed = try await chain.narrowed(request)
        else { return nil }
        onCredentials?(narrowed)
        return narrowed
    }
}

enum CredentialErrors {
    static func none() -> AWSClientError {
        AWSClientError(
            .noCredentials,
            "No AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use an AWS profile (AWS_PROFILE), or in GitHub Actions set role-to-assume with `permissions: id-token: write`.",
            isConfiguration: true)
    }
}

/// Static keys from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, with
/// AWS_CREDENTIAL_EXPIRATION (ISO 8601) when the SDKs' environment provider would read one.
/// They cannot be renewed: whoever set them decided how long they last.
package struct EnvironmentCredentialProvider: CredentialProvider {
    package let environment: Environment
    package var name: String { "environment" }

    package init(environment: Environment) { self.environment = environment }

    package func resolve() async throws -> AWSCredentials? {
        let id = environment["AWS_ACCESS_KEY_ID"]
        let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? environment["AWS_SECRET_KEY"]
        switch (id, secret) {
        case (nil, nil): return nil
        case (.some(let id), .some(let secret)):
            var expiration: Date?
            if let text = environment["AWS_CREDENTIAL_EXPIRATION"], !text.isEmpty {
                guard let date = AWSTimestamp.parse(text) else {
                    throw AWSClientError(
                        .credentialSource,
                        "AWS_CREDENTIAL_EXPIRATION is \"\(text)\": give an ISO 8601 time such as 2026-11-27T12:00:00Z, or unset it.",
                        isConfiguration: true)
                }
                expiration = date
            }
            return AWSCredentials(
                accessKeyId: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"],
                expiration: expiration, source: name, renewable: false)
        case (.some, nil):
            throw AWSClientError(
                .credentialSource, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither.",
                isConfiguration: true)
        case (nil, .some):
            throw AWSClientError(
                .credentialSource, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or neither.",
                isConfiguration: true)
        }
    }
}
