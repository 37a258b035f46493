import LambdaShiftCore
import AWSCore
import FoundationEssentials

/// What lambda-shift knows of the CI it runs in, beyond provenance: which variables hold
/// secrets, and how `role-to-assume` gets its web-identity token.
package enum CIEnvironment {
    /// Secret-bearing variables, masked in CI and redacted from our lines from the start.
    package static let secretVariables =
        ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        + ciTokens

    /// The CI's own tokens: masked from the start (a hook or an error that echoes one must not
    /// publish it), and never given to a hook.
    package static let ciTokens = [
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "CI_JOB_TOKEN",
        "CI_REGISTRY_PASSWORD", "CI_DEPENDENCY_PROXY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_JOB_JWT", "CI_JOB_JWT_V1",
        "CI_JOB_JWT_V2",
    ]

    /// Every secret the environment holds, to mask from the start: the secret variables'
    /// values, any value shaped like a JSON Web Token (GitLab's `id_tokens` are variables the
    /// user names), and the tokens in the files AWS_WEB_IDENTITY_TOKEN_FILE and
    /// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE name (each as good as a key: a hook or an error
    /// that prints one must not publish it).
    package static func secrets(in environment: Environment) -> [String] {
        var found = secretVariables.compactMap { environment[$0] }
        found += environment.variables.values.filter(looksLikeJWT)
        for name in ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            guard let path = environment[name],
                let data = FileManager.default.contents(atPath: environment.expandingTilde(path))
            else { continue }
            let token = String(decoding: data, as: UTF8.self).trimmed(newlines: true)
            if !token.isEmpty { found.append(token) }
        }
        return found
    }

    /// Whether `value` has the shape of a JSON Web Token (GitLab's `id_tokens` are variables the
    /// user names, so they are known by their shape): three base64url parts, the first two
    /// JSON objects (`eyJ` is `{"` encoded).
    package static func looksLikeJWT(_ value: String) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, value.count >= 20, parts[0].hasPrefix("eyJ"), parts[1].hasPrefix("eyJ") else {
            return false
        }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
        return parts.allSatisfy { $0.allSatisfy(alphabet.contains) }
    }

    /// The dotenv variable listing the outputs a GitLab job wrote (`version,function,…`).
    package static let outputsMarker = "LAMBDA_SHIFT_OUTPUTS"

    /// The environment without the outputs an earlier job wrote, and the names left out.
    /// GitLab passes every earlier stage's dotenv report to later jobs, above the job's own
    /// `variables:`, so `LAMBDA_SHIFT_ENVIRONMENT=staging` from the staging job would become
    /// the production job's setting. Outputs are never settings (docs/PRODUCT.md, "Truth in
    /// every report"): every `LAMBDA_SHIFT_` variable named by `LAMBDA_SHIFT_OUTPUTS` is
    /// dropped, and the marker with them.
    /// https://docs.gitlab.com/ci/variables/#pass-an-environment-variable-to-another-job
    package static func withoutEarlierOutputs(_ environment: Environment) -> (Environment, ignored: [String]) {
        guard let marker = environment[outputsMarker] else { return (environment, []) }
        var variables = environment.variables
        variables[outputsMarker] = nil
        var ignored: [String] = []
        for name in marker.split(separator: ",") {
            let variable = GitLabReporter.variable(name.trimmed(newlines: true))
            if variables.removeValue(forKey: variable) != nil { ignored.append(variable) }
        }
        return (Environment(variables), ignored.sorted())
    }

    /// The role to assume for `role-to-assume`: with GitHub Actions' OIDC token when the job may
    /// ask for one (`permissions: id-token: write`), else with AWS_WEB_IDENTITY_TOKEN_FILE
    /// (GitLab's id_tokens, EKS). Throws when neither is there. `onToken` sees every token
    /// fetched, before it is used (to mask it: it is as good as a key for its role).
    package static func roleToAssume(
        _ roleArn: String, environment: Environment, onToken: @escaping @Sendable (String) -> Void = { _ in }
    ) throws -> RoleToAssume {
        let session = "lambda-shift-" + (environment["GITHUB_RUN_ID"] ?? environment["CI_JOB_ID"] ?? "local")
        if let url = environment["ACTIONS_ID_TOKEN_REQUEST_URL"],
            let token = environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
        {
            return RoleToAssume(
                roleArn: roleArn, sessionName: session,
                tokenSource: .fetched(name: "GitHub's OIDC endpoint") { client in
                    let fetched = try await GitHubOIDCToken.fetch(
                        requestURL: url, requestToken: token, audience: "sts.amazonaws.com", client: client)
                    onToken(fetched)
                    return fetched
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
