import Foundation

/// Where a web-identity token comes from.
public enum WebIdentityTokenSource: Sendable {
    /// A file written by the platform (EKS, GitLab's id_tokens, …), read anew at each refresh.
    case file(String)
    /// GitHub Actions' OIDC endpoint, asked for a token with audience sts.amazonaws.com.
    case gitHubActions(requestURL: String, requestToken: String)
}

/// Exchanges a web-identity token for role credentials through STS
/// AssumeRoleWithWebIdentity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or GitHub OIDC
/// with a role to assume.
public struct WebIdentityCredentialProvider: CredentialProvider {
    public var roleArn: String
    public var sessionName: String
    public var tokenSource: WebIdentityTokenSource
    public var sts: STSCredentialExchange
    public var name: String {
        switch tokenSource {
        case .file: "web identity token file"
        case .gitHubActions: "GitHub Actions OIDC"
        }
    }

    public init(roleArn: String, sessionName: String, tokenSource: WebIdentityTokenSource, sts: STSCredentialExchange) {
        self.roleArn = roleArn
        self.sessionName = sessionName
        self.tokenSource = tokenSource
        self.sts = sts
    }

    /// AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN; nil when neither is set.
    public static func fromEnvironment(_ environment: Environment, sts: STSCredentialExchange) throws -> WebIdentityCredentialProvider? {
        let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"]
        let role = environment["AWS_ROLE_ARN"]
        switch (file, role) {
        case (nil, nil): return nil
        case (.some(let file), .some(let role)):
            let session = environment["AWS_ROLE_SESSION_NAME"] ?? "lambda-shift"
            return WebIdentityCredentialProvider(roleArn: role, sessionName: STSCredentialExchange.sessionName(session),
                                                 tokenSource: .file(environment.expandingTilde(file)), sts: sts)
        case (.some, nil):
            throw AWSClientError(.webIdentityToken, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the role to assume.", isConfiguration: true)
        case (nil, .some):
            // AWS_ROLE_ARN alone is not a web-identity setup; other sources may use it.
            return nil
        }
    }

    public func resolve() async throws -> AWSCredentials? {
        let token = try await fetchToken()
        do {
            return try await sts.assumeRoleWithWebIdentity(roleArn: roleArn, sessionName: sessionName, token: token)
        } catch let error as AWSServiceError {
            switch error.code {
            case "ExpiredTokenException":
                throw AWSClientError(.webIdentityToken,
                    "STS refused the web identity token as expired: make sure the token is fresh (re-run the job, or refresh the file at \(tokenDescription)).",
                    cause: "\(error)", isConfiguration: true)
            case "InvalidIdentityToken", "IDPRejectedClaim", "IDPCommunicationError":
                throw AWSClientError(.webIdentityToken,
                    "STS refused the web identity token from \(tokenDescription): check the identity provider and the trust policy of \(roleArn).",
                    cause: "\(error)", isConfiguration: true)
            case "AccessDenied", "AccessDeniedException":
                throw AWSClientError(.webIdentityToken,
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
        case .gitHubActions: "GitHub's OIDC endpoint"
        }
    }

    func fetchToken() async throws -> String {
        switch tokenSource {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AWSClientError(.webIdentityToken,
                    "Cannot read the web identity token file \(path) (AWS_WEB_IDENTITY_TOKEN_FILE): check that the job writes it before lambda-shift runs.",
                    isConfiguration: true)
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw AWSClientError(.webIdentityToken, "The web identity token file \(path) is empty: check that the job writes the token into it.", isConfiguration: true)
            }
            return token
        case .gitHubActions(let requestURL, let requestToken):
            return try await GitHubOIDCToken.fetch(requestURL: requestURL, requestToken: requestToken, audience: "sts.amazonaws.com", client: sts.client)
        }
    }
}

/// Asks GitHub Actions' token service for an OIDC token.
/// https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
enum GitHubOIDCToken {
    static func fetch(requestURL: String, requestToken: String, audience: String, client: AWSClient) async throws -> String {
        guard let components = URLComponents(string: requestURL), let scheme = components.scheme, let host = components.host else {
            throw AWSClientError(.webIdentityToken, "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: run lambda-shift inside a GitHub Actions job.", isConfiguration: true)
        }
        var query = (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
        query.removeAll { $0.0 == "audience" }
        query.append(("audience", audience))
        let request = HTTPRequest(method: "GET", endpoint: Endpoint(scheme: scheme, host: host, port: components.port),
                                  path: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath, query: query,
                                  headers: ["Authorization": "Bearer \(requestToken)", "Accept": "application/json"])
        let response = try await MetadataHTTP.send(request, client: client, what: "GitHub's OIDC token endpoint")
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let value = object["value"] as? String, !value.isEmpty else {
            throw AWSClientError(.webIdentityToken, "GitHub's OIDC token endpoint answered without a token: retry the job.", isConfiguration: false)
        }
        return value
    }
}

/// Plain HTTP to credential endpoints (container, IMDS, GitHub OIDC): short timeouts and a
/// couple of attempts, failures worded for credentials.
enum MetadataHTTP {
    static func send(_ request: HTTPRequest, client: AWSClient, what: String, attempts: Int = 3,
                     timeouts: HTTPTimeouts = HTTPTimeouts(connect: 2, total: 5)) async throws -> HTTPResponse {
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
        throw AWSClientError(.credentialSource, "Could not get credentials from \(what) at \(request.endpoint): check that the job is allowed to use it.",
                             cause: lastError, isConfiguration: true)
    }
}
