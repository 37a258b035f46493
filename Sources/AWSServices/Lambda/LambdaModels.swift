import FoundationEssentials

/// A function's (or a version's) configuration, the fields lambda-shift reads.
/// https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html
public struct FunctionConfiguration: Sendable, Equatable {
    public var functionName: String
    public var functionArn: String
    public var version: String
    /// base64 SHA-256 of the deployment package, as Lambda reports it.
    public var codeSha256: String
    public var codeSize: Int
    public var revisionId: String?
    public var description: String
    public var state: String?
    public var stateReason: String?
    public var stateReasonCode: String?
    /// `Zip` or `Image`.
    public var packageType: String?
    public var lastUpdateStatus: String?
    public var lastUpdateStatusReason: String?
    public var lastUpdateStatusReasonCode: String?
    public var runtime: String?
    public var lastModified: String?
    /// `x86_64` or `arm64` (Lambda's default, x86_64, when it says nothing).
    public var architectures: [String] = ["x86_64"]
    /// An image function's image as given (only GetFunction's `Code` says it).
    public var imageUri: String?
    /// The execution role, and the dead-letter queue or topic (nil when none): a weighted alias
    /// routes only between versions that agree on both.
    public var role: String?
    public var deadLetterTargetArn: String?
    /// A durable function (DurableConfig): its executions are pinned to the version that started them.
    public var durable = false
    /// A tenant-isolated function (TenancyConfig): every invoke carries a tenant id.
    public var tenantIsolated = false
    /// Signed code: the profile version and the job that signed it.
    public var signingProfileVersionArn: String?
    public var signingJobArn: String?
    /// The capacity provider of a Lambda Managed Instances function, nil for any other.
    public var capacityProviderArn: String?

    /// A configuration made in code (in-memory fakes of Lambda).
    public init(
        functionName: String, version: String = "$LATEST", codeSha256: String, revisionId: String? = nil,
        description: String = "",
        state: String? = "Active", lastUpdateStatus: String? = "Successful", packageType: String? = "Zip"
    ) {
        self.functionName = functionName
        functionArn = "arn:aws:lambda:us-east-1:123456789012:function:\(functionName)"
        self.version = version
        self.codeSha256 = codeSha256
        codeSize = 0
        self.revisionId = revisionId
        self.description = description
        self.state = state
        self.packageType = packageType
        self.lastUpdateStatus = lastUpdateStatus
    }

    init(_ f: JSONFields) {
        functionName = f.string("FunctionName") ?? ""
        functionArn = f.string("FunctionArn") ?? ""
        version = f.string("Version") ?? "$LATEST"
        codeSha256 = f.string("CodeSha256") ?? ""
        codeSize = f.int("CodeSize") ?? 0
        revisionId = f.string("RevisionId")
        description = f.string("Description") ?? ""
        state = f.string("State")
        stateReason = f.string("StateReason")
        stateReasonCode = f.string("StateReasonCode")
        packageType = f.string("PackageType")
        lastUpdateStatus = f.string("LastUpdateStatus")
        lastUpdateStatusReason = f.string("LastUpdateStatusReason")
        lastUpdateStatusReasonCode = f.string("LastUpdateStatusReasonCode")
        runtime = f.string("Runtime")
        lastModified = f.string("LastModified")
        role = f.string("Role")
        deadLetterTargetArn = f.fields("DeadLetterConfig")?.string("TargetArn")
        durable = f.fields("DurableConfig") != nil
        tenantIsolated = f.fields("TenancyConfig")?.string("TenantIsolationMode") != nil
        signingProfileVersionArn = f.string("SigningProfileVersionArn")
        signingJobArn = f.string("SigningJobArn")
        capacityProviderArn = f.fields("CapacityProviderConfig")?.fields(
            "LambdaManagedInstancesCapacityProviderConfig")?
            .string("CapacityProviderArn")
        let architectures = f.strings("Architectures")
        if !architectures.isEmpty { self.architectures = architectures }
    }
}

/// An alias: its primary version and any weighted second version.
/// https://docs.aws.amazon.com/lambda/latest/api/API_AliasConfiguration.html
public struct AliasConfiguration: Sendable, Equatable {
    public var name: String
    public var aliasArn: String
    public var functionVersion: String
    /// Version → share of traffic (0…1) routed away from the primary.
    public var additionalVersionWeights: [String: Double]
    public var revisionId: String?
    public var description: String

    public init(
        name: String, aliasArn: String = "", functionVersion: String, additionalVersionWeights: [String: Double] = [:],
        revisionId: String? = nil, description: String = ""
    ) {
        self.name = name
        self.aliasArn = aliasArn
        self.functionVersion = functionVersion
        self.additionalVersionWeights = additionalVersionWeights
        self.revisionId = revisionId
        self.description = description
    }

    init(_ f: JSONFields) {
        name = f.string("Name") ?? ""
        aliasArn = f.string("AliasArn") ?? ""
        functionVersion = f.string("FunctionVersion") ?? ""
        var weights: [String: Double] = [:]
        if let routing = f.fields("RoutingConfig")?.fields("AdditionalVersionWeights") {
            for (version, value) in routing.object {
                if let number = value.double { weights[version] = number }
            }
        }
        additionalVersionWeights = weights
        revisionId = f.string("RevisionId")
        description = f.string("Description") ?? ""
    }
}

/// What an Invoke returned.
public struct InvokeResult: Sendable, Equatable {
    public var statusCode: Int
    /// `Unhandled` or `Handled` when the function raised an error.
    public var functionError: String?
    public var executedVersion: String?
    public var payload: Data

    public init(statusCode: Int, functionError: String? = nil, executedVersion: String? = nil, payload: Data) {
        self.statusCode = statusCode
        self.functionError = functionError
        self.executedVersion = executedVersion
        self.payload = payload
    }
}

/// A function URL: its address and how callers authenticate.
/// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionUrlConfig.html
public struct FunctionURL: Sendable, Equatable {
    public var url: String
    public var authType: String

    public init(url: String, authType: String) {
        self.url = url
        self.authType = authType
    }

    init(_ f: JSONFields) {
        url = f.string("FunctionUrl") ?? ""
        authType = f.string("AuthType") ?? ""
    }
}

/// A function's code signing config: the signing profile versions it trusts, and whether it
/// refuses (`Enforce`) or only warns about (`Warn`) code they did not sign.
/// https://docs.aws.amazon.com/lambda/latest/api/API_CodeSigningConfig.html
public struct CodeSigningPolicy: Sendable, Equatable {
    public var configArn: String
    public var allowedProfileVersionArns: [String]
    public var enforce: Bool

    public init(configArn: String, allowedProfileVersionArns: [String], enforce: Bool) {
        self.configArn = configArn
        self.allowedProfileVersionArns = allowedProfileVersionArns
        self.enforce = enforce
    }
}

/// The provisioned concurrency of an alias or a version, and how far Lambda got allocating it
/// (`IN_PROGRESS`, `READY`, `FAILED` with a reason). With a weighted alias Lambda allocates it
/// across both versions, again after every change of the weights.
/// https://docs.aws.amazon.com/lambda/latest/api/API_GetProvisionedConcurrencyConfig.html
public struct ProvisionedConcurrency: Sendable, Equatable {
    public var requested: Int
    public var available: Int
    public var allocated: Int
    public var status: String
    public var statusReason: String?

    public init(requested: Int, available: Int = 0, allocated: Int = 0, status: String, statusReason: String? = nil) {
        self.requested = requested
        self.available = available
        self.allocated = allocated
        self.status = status
        self.statusReason = statusReason
    }

    init(_ f: JSONFields) {
        requested = f.int("RequestedProvisionedConcurrentExecutions") ?? 0
        available = f.int("AvailableProvisionedConcurrentExecutions") ?? 0
        allocated = f.int("AllocatedProvisionedConcurrentExecutions") ?? 0
        status = f.string("Status") ?? ""
        statusReason = f.string("StatusReason")
    }

    public var isReady: Bool { status == "READY" }
    public var isFailed: Bool { status == "FAILED" }
}
