import LambdaShiftCore
import AWSCore
import FoundationEssentials

/// Asks GitHub Actions' token service for an OIDC token.
/// https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
package enum GitHubOIDCToken {
    package static func fetch(requestURL: String, requestToken: String, audience: String, client: AWSClient)
        async throws
        -> String
    {
        guard let components = URLComponents(string: requestURL), let scheme = components.scheme,
            let host = components.host
        else {
            throw AWSClientError(
                .webIdentityToken,
                "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: run lambda-shift inside a GitHub Actions job.",
                isConfiguration: true)
        }
        var query = (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
        query.removeAll { $0.0 == "audience" }
        query.append(("audience", audience))
        let request = HTTPRequest(
            method: "GET", endpoint: Endpoint(scheme: scheme, host: host, port: components.port),
            path: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath, query: query,
            headers: ["Authorization": "Bearer \(requestToken)", "Accept": "application/json"])
        let response = try await MetadataHTTP.send(request, client: client, what: "GitHub's OIDC token endpoint")
        guard let value = JSONValue.parse(response.body)?["value"]?.string, !value.isEmpty
        else {
            throw AWSClientError(
                .webIdentityToken, "GitHub's OIDC token endpoint answered without a token: retry the job.",
                isConfiguration: false)
        }
        return value
    }
}
