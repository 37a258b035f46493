import AWSCore

/// What lambda-shift knows of the CI it runs in, beyond provenance: which variables hold
/// secrets, and how `role-to-assume` gets its web-identity token.
public enum CIEnvironment {
    /// Secret-bearing variables, masked in CI and redacted from our lines from the start.
    public static let secretVariables = [
        "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    ]

    /// The role to assume for `role-to-assume`: with GitHub Actions' OIDC token when the job may
    /// ask for one (`permissions: id-token: write`), else with AWS_WEB_IDENTITY_TOKEN_FILE
    /// (GitLab's id_tokens, EKS). Throws when neither is there.
    public static func roleToAssume(_ roleArn: String, environment: Environment) throws -> RoleToAssume {
        let session = "lambda-shift-" + (environment["GITHUB_RUN_ID"] ?? environment["CI_JOB_ID"] ?? "local")
        if let url = environment["ACTIONS_ID_TOKEN_REQUEST_URL"],
            let token = environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
        {
            return RoleToAssume(
                roleArn: roleArn, sessionName: session,
                tokenSource: .fetched(name: "GitHub's OIDC endpoint") { client in
                    try await GitHubOIDCToken.fetch(
                        requestURL: url, requestToken: token, audience: "sts.amazonaws.com", client: client)
                })
        }
        if let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"] {
            return RoleToAssume(
                roleArn: roleArn, sessionName: session, tokenSource: .file(environment.expandingTilde(file)))
        }
        throw AWSClientError(
            .webIdentityToken,
            "role-to-assume is set but this job cannot get an OIDC token: add `permissions: id-token: write` to the GitHub workflow, or set AWS_WEB_IDENTITY_TOKEN_FILE.",
            isConfiguration: true)
    }
}
