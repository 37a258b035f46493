import FoundationEssentials

/// The two STS calls credential providers need: AssumeRoleWithWebIdentity (unsigned; the
/// token is the proof) and AssumeRole (signed with the source credentials).
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
package struct STSCredentialExchange: Sendable {
    package static let apiVersion = "2011-06-15"
    package var client: AWSClient

    package init(client: AWSClient) { self.client = client }

    package func assumeRoleWithWebIdentity(
        roleArn: String, sessionName: String, token: String, durationSeconds: Int? = nil, policy: String? = nil
    ) async throws -> AWSCredentials {
        var parameters = [("RoleArn", roleArn), ("RoleSessionName", sessionName), ("WebIdentityToken", token)]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        // A session policy: the session may do only what both it and the role allow.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
        if let policy { parameters.append(("Policy", policy)) }
        let node = try await call("AssumeRoleWithWebIdentity", parameters: parameters, unsigned: true)
        return try credentials(
            from: node, result: "AssumeRoleWithWebIdentityResult", source: "web identity (\(roleArn))")
    }

    package func assumeRole(
        roleArn: String, sessionName: String, externalId: String? = nil, durationSeconds: Int? = nil
    )
        async throws -> AWSCredentials
    {
        var parameters = [("RoleArn", roleArn), ("RoleSessionName", sessionName)]
        if let externalId { parameters.append(("ExternalId", externalId)) }
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        let node = try await call("AssumeRole", parameters: parameters, unsigned: false)
        return try credentials(from: node, result: "AssumeRoleResult", source: "assumed role (\(roleArn))")
    }

    /// Sends a query-protocol STS call and parses its XML answer.
    package func call(_ action: String, parameters: [(String, String)], unsigned: Bool = false) async throws -> XMLNode
    {
        let body = QueryEncoding.body(action: action, version: Self.apiVersion, parameters: parameters)
        let response = try await client.send(.sts, AWSOperation(action, idempotent: true, unsigned: unsigned)) {
            endpoint in
            HTTPRequest(
                method: "POST", endpoint: endpoint, path: "/",
                headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
                body: .bytes(Data(body.utf8)))
        }
        do {
            return try XMLNode.parse(response.body)
        } catch {
            throw AWSClientError(
                .invalidResponse, "STS answered \(action) with something that is not XML.", cause: "\(error)",
                isConfiguration: false)
        }
    }

    private func credentials(from root: XMLNode, result: String, source: String) throws -> AWSCredentials {
        guard let node = root.child(result)?.child("Credentials"),
            let id = node.text(at: "AccessKeyId"), let secret = node.text(at: "SecretAccessKey")
        else {
            throw AWSClientError(.invalidResponse, "STS's answer holds no credentials.", isConfiguration: false)
        }
        return AWSCredentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: node.text(at: "SessionToken"),
            expiration: node.text(at: "Expiration").flatMap(AWSTimestamp.parse), source: source)
    }

    /// A role session name from free text: only the characters STS allows, at most 64.
    package static func sessionName(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-")
        let cleaned = String(text.map { allowed.contains($0) ? $0 : "-" }.prefix(64))
        return cleaned.count >= 2 ? cleaned : "lambda-shift"
    }
}
