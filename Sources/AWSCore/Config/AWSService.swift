/// A service lambda-shift calls: how to sign for it, where it lives, what it speaks.
package struct AWSService: Sendable, Equatable {
    /// The endpoint prefix and signing name, e.g. `lambda`, `monitoring`.
    package var signingName: String
    /// The suffix of its AWS_ENDPOINT_URL_<SERVICE> variable, e.g. `CLOUDWATCH`.
    package var endpointKey: String
    /// How people name it in messages.
    package var displayName: String
    package var wireProtocol: AWSProtocol
    /// The first labels of its host, `api.ecr` for ECR; the signing name for the others.
    package var hostPrefix: String

    package init(
        signingName: String, endpointKey: String, displayName: String, wireProtocol: AWSProtocol,
        hostPrefix: String? = nil
    ) {
        self.signingName = signingName
        self.endpointKey = endpointKey
        self.displayName = displayName
        self.wireProtocol = wireProtocol
        self.hostPrefix = hostPrefix ?? signingName
    }

    package static let sts = AWSService(
        signingName: "sts", endpointKey: "STS", displayName: "STS", wireProtocol: .query)
    package static let s3 = AWSService(signingName: "s3", endpointKey: "S3", displayName: "S3", wireProtocol: .restXML)
    package static let lambda = AWSService(
        signingName: "lambda", endpointKey: "LAMBDA", displayName: "Lambda", wireProtocol: .restJSON)
    package static let cloudWatch = AWSService(
        signingName: "monitoring", endpointKey: "CLOUDWATCH", displayName: "CloudWatch", wireProtocol: .json10)
    /// https://docs.aws.amazon.com/general/latest/gr/signer.html (signer.REGION.amazonaws.com)
    package static let signer = AWSService(
        signingName: "signer", endpointKey: "SIGNER", displayName: "Signer", wireProtocol: .restJSON)
    /// CloudWatch Logs (logs.REGION.amazonaws.com, JSON 1.1, X-Amz-Target Logs_20140328.*);
    /// its endpoint variable is AWS_ENDPOINT_URL_CLOUDWATCH_LOGS (the SDKs' service id).
    /// https://docs.aws.amazon.com/general/latest/gr/cwl_region.html
    package static let logs = AWSService(
        signingName: "logs", endpointKey: "CLOUDWATCH_LOGS", displayName: "CloudWatch Logs", wireProtocol: .json11)
    /// https://docs.aws.amazon.com/general/latest/gr/ecr.html (api.ecr.REGION.amazonaws.com)
    package static let ecr = AWSService(
        signingName: "ecr", endpointKey: "ECR", displayName: "ECR", wireProtocol: .json11, hostPrefix: "api.ecr")
    /// Lambda Web Functions (`lambda-web`, API 2025-03-07): Lambda's host and signing name, its
    /// own endpoint variable (AWS_ENDPOINT_URL_LAMBDA_WEB, from the service id "Lambda Web").
    package static let lambdaWeb = AWSService(
        signingName: "lambda", endpointKey: "LAMBDA_WEB", displayName: "Lambda Web", wireProtocol: .restJSON)
}

/// One API call's traits that matter to the client: its name, and whether repeating it
/// after an unknown outcome is safe.
package struct AWSOperation: Sendable {
    package var name: String
    /// Repeating the call after a timeout or a 5xx cannot do harm.
    package var idempotent: Bool
    /// Sent without a signature (AssumeRoleWithWebIdentity).
    package var unsigned: Bool

    package init(_ name: String, idempotent: Bool = true, unsigned: Bool = false) {
        self.name = name
        self.idempotent = idempotent
        self.unsigned = unsigned
    }
}
