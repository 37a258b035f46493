import AWSCore
import FoundationEssentials

/// Who the credentials belong to.
package struct CallerIdentity: Sendable, Equatable {
    package var account: String
    package var arn: String
    package var userId: String

    package init(account: String, arn: String, userId: String) {
        self.account = account
        self.arn = arn
        self.userId = userId
    }
}

/// STS calls lambda-shift makes.
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
package struct STSClient: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    package func getCallerIdentity() async throws -> CallerIdentity {
        let root = try await STSCredentialExchange(client: client).call("GetCallerIdentity", parameters: [])
        guard let result = root.child("GetCallerIdentityResult"), let account = result.text(at: "Account"),
            let arn = result.text(at: "Arn")
        else {
            throw AWSClientError(
                .invalidResponse, "STS answered GetCallerIdentity without an account.", isConfiguration: false)
        }
        return CallerIdentity(account: account, arn: arn, userId: result.text(at: "UserId") ?? "")
    }

    package func assumeRoleWithWebIdentity(roleArn: String, sessionName: String, token: String) async throws
        -> AWSCredentials
    {
        try await STSCredentialExchange(client: client).assumeRoleWithWebIdentity(
            roleArn: roleArn, sessionName: sessionName, token: token)
    }
}
