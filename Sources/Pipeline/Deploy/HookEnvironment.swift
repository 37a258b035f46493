import AWSCore
import CISupport
import LambdaShiftCore
import FoundationEssentials

/// `--hook-credentials`: which AWS credentials a traffic hook gets.
package enum HookCredentials: String, Sendable, CaseIterable {
    /// Short-lived credentials whose session policy allows only invoking the new version (none
    /// where the deploy's credentials cannot be narrowed).
    case invoke
    /// No AWS credentials at all.
    case none
    /// The deploy's own credentials (they can move the alias, upload, delete versions).
    case deploy
}

/// The environment a traffic hook runs in (docs/DEPLOY.md, "What a hook receives"): the job's
/// own, without anything that could act as the deploy or as the CI job, plus the
/// `LAMBDA_SHIFT_*` variables saying what to test and the credentials `--hook-credentials` asks for.
package enum HookEnvironment {
    /// The CI's own tokens and what mints them: a hook (a test suite, its dependencies) could
    /// otherwise ask GitHub for an OIDC token for any audience, or act as the job in GitLab.
    package static let ciTokens = Set(CIEnvironment.ciTokens).union([
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        // GitLab's clone URL carries the job token: https://gitlab-ci-token:TOKEN@host/…
        "CI_REPOSITORY_URL",
    ])

    /// Every variable an AWS SDK takes credentials (or a way to get them) from.
    package static let awsCredentialSources: Set<String> = [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    ]

    /// The session policy of `invoke` credentials: InvokeFunction (which also covers
    /// InvokeWithResponseStream) on the new version's qualified ARN, nothing else.
    /// https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
    package static func invokePolicy(qualifiedArn: String) -> String {
        let statement: JSONValue = .object([
            "Effect": .string("Allow"), "Action": .string("lambda:InvokeFunction"),
            "Resource": .string(qualifiedArn),
        ])
        return JSONValue.object(["Version": .string("2012-10-17"), "Statement": .array([statement])]).rendered()
    }

    /// How long `invoke` credentials last: the hook's timeout and a minute, within what STS
    /// allows for any role (15 minutes) and what a role allows by default (1 hour).
    package static func sessionSeconds(hookTimeout: Int) -> Int { min(3600, max(900, hookTimeout + 60)) }

    /// The hook's environment: `job` without the CI's tokens, JWT-shaped values and every AWS
    /// credential source, then `credentials` (when given), and `lambdaShift`. Without
    /// credentials the SDKs' other sources are closed too (shared files, instance metadata), so
    /// a hook cannot fall back to the deploy's profile.
    package static func make(
        job: [String: String], credentials: AWSCredentials?, given: HookCredentials, lambdaShift: [String: String]
    ) -> [String: String] {
        var variables = job.filter { name, value in
            !ciTokens.contains(name) && !awsCredentialSources.contains(name) && !CIEnvironment.looksLikeJWT(value)
        }
        if let credentials {
            variables["AWS_ACCESS_KEY_ID"] = credentials.accessKeyId
            variables["AWS_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
            variables["AWS_SESSION_TOKEN"] = credentials.sessionToken
        }
        if given != .deploy {
            variables["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
            variables["AWS_CONFIG_FILE"] = "/dev/null"
            variables["AWS_EC2_METADATA_DISABLED"] = "true"
        }
        variables["LAMBDA_SHIFT_HOOK_CREDENTIALS"] = credentials == nil ? HookCredentials.none.rawValue : given.rawValue
        variables.merge(lambdaShift) { $1 }
        return variables
    }
}
