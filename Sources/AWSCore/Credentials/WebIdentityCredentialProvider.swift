import LambdaShiftCore
import FoundationEssentials

/// Where a web-identity token comes from.
package enum WebIdentityTokenSource: Sendable {
    /// A file written by the platform (EKS, GitLab's id_tokens, …), read anew at each refresh.
    case file(String)
    /// A token asked for afresh at each refresh from an endpoint the caller knows (a CI's OIDC
    /// service: CISupport knows which); `name` is how messages call it.
    case fetched(name: String, fetch: @Sendable (AWSClient) async throws -> String)
}

/// A role to assume with a web-identity token: what `role-to-assume` resolves to.
package struct RoleToAssume: Sendable {
    package var roleArn: String
    package var sessionName: String
    package var tokenSource: WebIdentityTokenSource

    package init(roleArn: String, sessionName: String, tokenSource: WebIdentityTokenSource) {
        self.roleArn = roleArn
        self.sessionName = STSCredentialExchange.sessionName(sessionName)
        self.tokenSource = tokenSource
    }
}

/// Exchanges a web-identity token for role credentials through STS
/// AssumeRoleWithWebIdentity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or a CI's OIDC token
/// with a role to assume.
package struct WebIdentityCredentialProvider: CredentialProvider {
    package var roleArn: String
    package var sessionName: String
    package var tokenSource: WebIdentityTokenSource
    package var sts: STSCredentialExchange
    package var name: String {
        switch tokenSource {
        case .file: "web identity token file"
        case .fetched(let name, _): name
        }
    }

    package init(roleArn: String, sessionName: String, tokenSource: WebIdentityTokenSource, sts: STSCredentialExchange)
    {
        self.roleArn = roleArn
        self.sessionName = sessionName
        self.tokenSource = tokenSource
        self.sts = sts
    }

    /// AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN; nil when neither is set.
    package static func fromEnvironment(_ environment: Environment, sts: STSCredentialExchange) throws
        -> WebIdentityCredentialProvider?
    {
        let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"]
        let role = environment["AWS_ROLE_ARN"]
        switch (file, role) {
        case (nil, nil): return nil
        case (.some(let file), .some(let role)):
            let session = environment["AWS_ROLE_SESSION_NAME"] ?? "lambda-shift"
            return WebIdentityCredentialProvider(
                roleArn: role, sessionName: STSCredentialExchange.sessionName(session),
                tokenSource: .file(environment.expandingTilde(file)), sts: sts)
        case (.some, nil):
            throw AWSClientError(
                .webIdentityToken,
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the role to assume.",
                isConfiguration: true)
        case (nil, .some):
            // AWS_ROLE_ARN alone is not a web-identity setup; other sources may use it.
            return nil
        }
    }

    package func resolve() async throws -> AWSCredentials? {
        try await assume(sessionName: sessionName, durationSeconds: nil, policy: nil)
    }

    /// The same role assumed again with a fresh token, limited by a session policy.
    package func narrowed(_ request: NarrowedSession) async throws -> AWSCredentials? {
        try await assume(
            sessionName: request.sessionName, durationSeconds: request.durationSeconds, policy: request.policy)
    }

    private func assume(sessionName: String, durationSeconds: Int?, policy: String?) async throws -> AWSCredentials {
        let token = try await fetchToken()
        do {
            return try await sts.assumeRoleWithWebIdentity(
                roleArn: roleArn, sessionName: sessionName, token: token, durationSeconds: durationSeconds,
                policy: policy)
        } catch let error as AWSServiceError {
            switch error.code {
            case "ExpiredTokenException":
                throw AWSClientError(
                    .webIdentityToken,
                    "STS refused the web identity token as expired: make sure the token is fresh (re-run the job, or refresh the file at \(tokenDescription)).",
                    cause: "\(error)", isConfiguration: true)
            case "InvalidIdentityToken", "IDPRejectedClaim", "IDPCommunicationError":
                throw AWSClientError(
                    .webIdentityToken,
                    "STS refused the web identity token from \(tokenDescription): check the identity provider and the trust policy of \(roleArn).",
                    cause: "\(error)", isConfiguration: true)
            case "AccessDenied", "AccessDeniedException":
                throw AWSClientError(
                    .webIdentityToken,
                    "STS would not let this token assume \(roleArn): check the role's trust policy (audience, subject, branch).",
                    cause: "\(error)", isConfiguration: true)
            default:
                throw error
            }
        }
    }

    private var tokenDescription: String {
        switch tokenSource {
        case .file(let path): path
        case .fetched(let name, _): name
        }
    }

    func fetchToken() async throws -> String {
        switch tokenSource {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AWSClientError(
                    .webIdentityToken,
                    "Cannot read the web identity token file \(path) (AWS_WEB_IDENTITY_TOKEN_FILE): check that the job writes it before lambda-shift runs.",
                    isConfiguration: true)
            }
            let token = String(decoding: data, as: UTF8.self).trimmed()
            guard !token.isEmpty else {
                throw AWSClientError(
                    .webIdentityToken,
                    "The web identity token file \(path) is empty: check that the job writes the token into it.",
                    isConfiguration: true)
            }
            return token
        case .fetched(_, let fetch):
            return try await fetch(sts.client)
        }
    }
}

/// Plain HTTP to credential endpoints (container, IMDS, a CI's OIDC service): short timeouts
/// and a couple of attempts, failures worded for credentials.
package enum MetadataHTTP {
    package static func send(
        _ request: HTTPRequest, client: AWSClient, what: String, attempts: Int = 3,
        timeouts: HTTPTimeouts = HTTPTimeouts(connect: 2, total: 5)
    ) async throws -> HTTPResponse {
        var lastError = ""
        for attempt in 1...attempts {
            try Task.checkCancellation()
            do {
                let response = try await client.transport.send(request, timeout: timeouts)
                if (200..<300).contains(response.status) { return response }
                lastError = "HTTP \(response.status)"
                if response.status < 500 { break }
            } catch let error as HTTPTransportError {
                if error.kind == .cancelled { throw CancellationError() }
                lastError = error.message
            }
            if attempt < attempts { try await client.sleeper.sleep(seconds: 0.2 * Double(attempt)) }
        }
        throw AWSClientError(
            .credentialSource,
            "Could not get credentials from \(what) at \(request.endpoint): check that the job is allowed to use it.",
            cause: lastError, isConfiguration: true)
    }
}
