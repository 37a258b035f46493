import AWSCore
import FoundationEssentials

/// Who the credentials belong to.
public struct CallerIdentity: Sendable, Equatable {
    public var account: String
    public var arn: String
    public var userId: String

    public init(account: String, arn: String, userId: String) {
        self.account = account
        self.arn = arn
        self.userId = userId
    }
}

/// STS calls lambda-shift makes.
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
public struct STSClient: Sendable {
    public var client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public func getCallerIdentity() async throws -> CallerIdentity {
        let root = try await STSCredentialExchange(client: client).call("GetCallerIdentity", parameters: [])
        guard let result = root.child("GetCallerIdentityResult"), let account = result.text(at: "Account"),
            let arn = result.text(at: "Arn")
        else {
            throw AWSClientError(
                .invalidResponse, "STS answered GetCallerIdentity without an account.", isConfiguration: false)
        }
        return CallerIdentity(account: account, arn: arn, userId: result.text(at: "UserId") ?? "")
    }

    public func assumeRoleWithWebIdentity(roleArn: String, sessionName: String, token: String) async throws
        -> AWSCredentials
    {
        try await STSCredentialExchange(client: client).assumeRoleWithWebIdentity(
            roleArn: roleArn, sessionName: sessionName, token: token)
    }
}
