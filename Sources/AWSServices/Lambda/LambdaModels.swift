import FoundationEssentials

/// A function's (or a version's) configuration, the fields lambda-shift reads.
/// https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html
package struct FunctionConfiguration: Sendable, Equatable {
    package var functionName: String
    package var functionArn: String
    package var version: String
    /// base64 SHA-256 of the deployment package, as Lambda reports it.
    package var codeSha256: String
    package var codeSize: Int
    package var revisionId: String?
    package var description: String
    package var state: String?
    package var stateReason: String?
    package var stateReasonCode: String?
    /// `Zip` or `Image`.
    package var packageType: String?
    package var lastUpdateStatus: String?
    package var lastUpdateStatusReason: String?
    package var lastUpdateStatusReasonCode: String?
    package var runtime: String?
    package var lastModified: String?
    /// `x86_64` or `arm64` (Lambda's default, x86_64, when it says nothing).
    package var architectures: [String] = ["x86_64"]
    /// An image function's image as given (only GetFunction's `Code` says it).
    package var imageUri: String?
    /// The execution role, and the dead-letter queue or topic (nil when none): a weighted alias
    /// routes only between versions that agree on both.
    package var role: String?
    package var deadLetterTargetArn: String?
    /// A durable function (DurableConfig): its executions are pinned to the version that started them.
    package var durable = false
    /// A tenant-isolated function (TenancyConfig): every invoke carries a tenant id.
    package var tenantIsolated = false
    /// Signed code: the profile version and the job that signed it.
    package var signingProfileVersionArn: String?
    package var signingJobArn: String?
    /// The capacity provider of a Lambda Managed Instances function, nil for any other.
    package var capacityProviderArn: String?
    /// Where and how the function logs (LoggingConfig): its log group (Lambda's default
    /// `/aws/lambda/NAME` when it names none) and `Text` or `JSON`.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html
    package var logGroup: String?
    package var logFormat: String?
    /// The runtime version the function (or version) runs (RuntimeVersionConfig), nil for an
    /// image or an OS-only runtime.
    /// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html
    package var runtimeVersionArn: String?
    /// Code Lambda reads from the user's bucket at every cold start (`S3ObjectStorageMode`
    /// REFERENCE): the object version it references. Only GetFunction's `Code` says it.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCodeLocation.html
    package var referencedObject: ReferencedObject?
    /// Why Lambda could not retrieve the package (GetFunction's `Code.Error`), if it says.
    package var codeError: String?

    /// A configuration made in code (in-memory fakes of Lambda).
    package init(
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
        logGroup = f.fields("LoggingConfig")?.string("LogGroup")
        logFormat = f.fields("LoggingConfig")?.string("LogFormat")
        runtimeVersionArn = f.fields("RuntimeVersionConfig")?.string("RuntimeVersionArn")
        let architectures = f.strings("Architectures")
        if !architectures.isEmpty { self.architectures = architectures }
    }
}

/// How Lambda keeps a zip package given from S3: a copy in Lambda's storage (the default), or
/// a reference to the object version, read from the bucket at every cold start.
/// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html#lambda-UpdateFunctionCode-request-S3ObjectStorageMode
package enum CodeStorage: String, Sendable, Equatable, CaseIterable {
    case copy, reference
    /// The API's value.
    package var apiValue: String { rawValue.uppercased() }
}

/// The S3 object version a reference-mode function reads (`Code.ResolvedS3Object`).
package struct ReferencedObject: Sendable, Equatable, Hashable {
    package var bucket: String
    package var key: String
    package var versionId: String?
    package init(bucket: String, key: String, versionId: String?) {
        self.bucket = bucket
        self.key = key
        self.versionId = versionId
    }
    package var url: String { "s3://\(bucket)/\(key)" + (versionId.map { " (version \($0))" } ?? "") }
}

/// An alias: its primary version and any weighted second version.
/// https://docs.aws.amazon.com/lambda/latest/api/API_AliasConfiguration.html
package struct AliasConfiguration: Sendable, Equatable {
    package var name: String
    package var aliasArn: String
    package var functionVersion: String
    /// Version → share of traffic (0…1) routed away from the primary.
    package var additionalVersionWeights: [String: Double]
    package var revisionId: String?
    package var description: String

    package init(
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
package struct InvokeResult: Sendable, Equatable {
    package var statusCode: Int
    /// `Unhandled` or `Handled` when the function raised an error.
    package var functionError: String?
    package var executedVersion: String?
    package var payload: Data

    package init(statusCode: Int, functionError: String? = nil, executedVersion: String? = nil, payload: Data) {
        self.statusCode = statusCode
        self.functionError = functionError
        self.executedVersion = executedVersion
        self.payload = payload
    }
}

/// A function URL: its address and how callers authenticate.
/// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionUrlConfig.html
package struct FunctionURL: Sendable, Equatable {
    package var url: String
    package var authType: String

    package init(url: String, authType: String) {
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
package struct CodeSigningPolicy: Sendable, Equatable {
    package var configArn: String
    package var allowedProfileVersionArns: [String]
    package var enforce: Bool

    package init(configArn: String, allowedProfileVersionArns: [String], enforce: Bool) {
        self.configArn = configArn
        self.allowedProfileVersionArns = allowedProfileVersionArns
        self.enforce = enforce
    }
}

/// The provisioned concurrency of an alias or a version, and how far Lambda got allocating it
/// (`IN_PROGRESS`, `READY`, `FAILED` with a reason). With a weighted alias Lambda allocates it
/// across both versions, again after every change of the weights.
/// https://docs.aws.amazon.com/lambda/latest/api/API_GetProvisionedConcurrencyConfig.html
package struct ProvisionedConcurrency: Sendable, Equatable {
    package var requested: Int
    package var available: Int
    package var allocated: Int
    package var status: String
    package var statusReason: String?

    package init(requested: Int, available: Int = 0, allocated: Int = 0, status: String, statusReason: String? = nil) {
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

    package var isReady: Bool { status == "READY" }
    package var isFailed: Bool { status == "FAILED" }
}
