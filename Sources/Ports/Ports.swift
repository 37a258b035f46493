import Hashing
import AWSCore
import AWSServices
import FoundationEssentials
import LambdaShiftCore

/// The Lambda calls a deploy makes: the seam between the deploy's stages and AWS, so that the
/// whole deploy runs in-process against a fake with Lambda's RevisionId semantics.
/// `LambdaClient` is the real one.
package protocol FunctionAPI: AliasAPI {
    func getFunction(_ name: String, qualifier: String?) async throws -> FunctionConfiguration
    func getFunctionConfiguration(_ name: String, qualifier: String?) async throws -> FunctionConfiguration
    func listVersionsByFunction(_ name: String) async throws -> [FunctionConfiguration]
    func listAliases(_ name: String) async throws -> [AliasConfiguration]
    func aliasIfExists(_ name: String, alias: String) async throws -> AliasConfiguration?
    func updateFunctionCode(
        _ name: String, s3Bucket: String, s3Key: String, s3ObjectVersion: String?, storage: CodeStorage?,
        revisionId: String?
    ) async throws -> FunctionConfiguration
    func updateFunctionCode(_ name: String, imageUri: String, revisionId: String?) async throws -> FunctionConfiguration
    /// The function's code signing config, nil when it has none.
    func codeSigningPolicy(_ name: String) async throws -> CodeSigningPolicy?
    func publishVersion(_ name: String, codeSha256: String?, revisionId: String?, description: String?) async throws
        -> FunctionConfiguration
    func createAlias(
        _ name: String, alias: String, version: String, description: String?,
        additionalVersionWeights: [String: Double]
    ) async throws -> AliasConfiguration
    func updateAlias(
        _ name: String, alias: String, version: String?, additionalVersionWeights: [String: Double]?,
        revisionId: String?, description: String?
    ) async throws -> AliasConfiguration
    func deleteFunctionVersion(_ name: String, version: String) async throws
    func deleteAlias(_ name: String, alias: String) async throws
    func functionURL(_ name: String, qualifier: String) async throws -> FunctionURL?
    func createFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL
    func updateFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL
    func deleteFunctionURL(_ name: String, qualifier: String) async throws
    func invoke(_ name: String, qualifier: String, payload: Data, tenantId: String?) async throws -> InvokeResult
    /// Asks for provisioned concurrency on a version (Lambda allocates it asynchronously).
    func putProvisionedConcurrency(_ name: String, qualifier: String, amount: Int) async throws
        -> ProvisionedConcurrency
    /// Removes a version's or alias's provisioned concurrency (none: nothing to do).
    func deleteProvisionedConcurrency(_ name: String, qualifier: String) async throws
    /// Whether durable executions still run on `version`.
    func hasRunningDurableExecutions(_ name: String, version: String) async throws -> Bool
    /// The qualifiers event source mappings invoke the function by.
    func eventSourceMappingQualifiers(_ name: String) async throws -> [String]
    /// The qualifiers with provisioned concurrency.
    func provisionedConcurrencyQualifiers(_ name: String) async throws -> [String]
}

extension FunctionAPI {
    package func invoke(_ name: String, qualifier: String, payload: Data) async throws -> InvokeResult {
        try await invoke(name, qualifier: qualifier, payload: payload, tenantId: nil)
    }
}

extension LambdaClient: FunctionAPI {}

/// Where packages go: S3 in production (`S3Client`), memory in tests.
package protocol ArtifactStore: Sendable {
    /// Throws the store's answer when the bucket cannot be used (missing, elsewhere, denied).
    /// Whether the bucket exists and may be read under `prefix` (the deploy's key prefix).
    func probeBucket(_ bucket: String, under prefix: String) async throws
    /// Uploads a file whose SHA-256 is known; the store checks the bytes against it.
    func uploadPackage(
        path: String, size: UInt64, sha256: [UInt8], bucket: String, key: String,
        metadata: [String: String]
    ) async throws -> UploadedObject
    /// Writes a small object (a sidecar).
    func putSmallObject(bucket: String, key: String, bytes: [UInt8], contentType: String) async throws
    /// A small object's bytes, or nil when there is none.
    func readSmallObject(bucket: String, key: String) async throws -> Data?
    /// What the store knows of an object (at a version): nil when it (or the version) is not there.
    func describeObject(bucket: String, key: String, versionId: String?) async throws -> S3ObjectInfo?
    /// The SHA-256 of an object's bytes (at a version), read whole: for an object S3 keeps no
    /// SHA-256 checksum of, whose digest must not be taken on a sidecar's word.
    func sha256OfObject(bucket: String, key: String, versionId: String?) async throws -> [UInt8]
    /// Starts uploading `path` while it is still being written, for a package of about
    /// `plannedBytes` unzipped; nil when the store uploads such a package whole, after it is
    /// written.
    func beginPackageUpload(
        path: String, plannedBytes: UInt64, bucket: String, key: String, metadata: [String: String]
    ) async throws -> (any PackageUpload)?
}

/// An upload of a package file that is still being written.
package protocol PackageUpload: Sendable {
    /// The file's first `bytes` are final; throws when the upload failed (the writer stops).
    func committed(_ bytes: UInt64) throws
    /// The file is complete: sends the rest and completes the upload (aborting it on failure).
    func finish(size: UInt64, sha256: [UInt8]) async throws -> UploadedObject
    /// Gives up: nothing of the upload is kept. Does nothing once it finished.
    func abort() async
}

extension S3StreamingUpload: PackageUpload {}

/// S3 as the artifact store: single PutObject up to `multipartThreshold`, multipart above.
package struct S3ArtifactStore: ArtifactStore {
    package var s3: S3Client
    package var multipartThreshold: UInt64
    package var partSize: UInt64

    package init(s3: S3Client, multipartThreshold: UInt64 = 16 << 20, partSize: UInt64 = 8 << 20) {
        self.s3 = s3
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
    }

    package func probeBucket(_ bucket: String, under prefix: String) async throws {
        try await s3.probeBucket(bucket, under: prefix)
    }

    package func uploadPackage(
        path: String, size: UInt64, sha256: [UInt8], bucket: String, key: String,
        metadata: [String: String]
    ) async throws -> UploadedObject {
        try await s3.uploadFile(
            path: path, size: size, sha256: sha256, bucket: bucket, key: key, metadata: metadata,
            multipartThreshold: multipartThreshold, partSize: partSize)
    }

    /// A package whose build directory is over the multipart threshold goes up in parts while
    /// it is written; a smaller one is uploaded whole.
    package func beginPackageUpload(
        path: String, plannedBytes: UInt64, bucket: String, key: String, metadata: [String: String]
    ) async throws -> (any PackageUpload)? {
        guard plannedBytes > multipartThreshold else { return nil }
        return try await s3.beginStreamingUpload(
            path: path, bucket: bucket, key: key, metadata: metadata, partSize: partSize)
    }

    package func putSmallObject(bucket: String, key: String, bytes: [UInt8], contentType: String) async throws {
        _ = try await s3.putObject(
            bucket: bucket, key: key, body: .bytes(Data(bytes)), sha256: SHA256Hasher.hash(bytes),
            contentType: contentType)
    }

    package func describeObject(bucket: String, key: String, versionId: String?) async throws -> S3ObjectInfo? {
        do {
            return try await s3.headObject(bucket: bucket, key: key, versionId: versionId)
        } catch let error as AWSServiceError where error.kind == .notFound || (error.status == 400 && versionId != nil)
        {
            return nil
        }
    }

    package func sha256OfObject(bucket: String, key: String, versionId: String?) async throws -> [UInt8] {
        SHA256Hasher.hash(try await s3.getObject(bucket: bucket, key: key, versionId: versionId).data)
    }

    package func readSmallObject(bucket: String, key: String) async throws -> Data? {
        do {
            return try await s3.getObject(bucket: bucket, key: key).data
        } catch let error as AWSServiceError where error.kind == .notFound {
            return nil
        }
    }
}

/// CloudWatch, as the gates read it: alarm states and metric sums.
package protocol MetricsAPI: Sendable {
    func describeAlarms(names: [String], prefix: String?) async throws -> [AlarmState]
    func getMetricData(_ queries: [MetricQuery], start: Date, end: Date) async throws -> [MetricResult]
    /// An alarm's state changes in a window, oldest first.
    func alarmTransitions(name: String, start: Date, end: Date) async throws -> [AlarmTransition]
}

extension CloudWatchClient: MetricsAPI {}

/// Who the credentials belong to (STS GetCallerIdentity).
package protocol IdentityAPI: Sendable {
    func getCallerIdentity() async throws -> CallerIdentity
}

extension STSClient: IdentityAPI {}

/// Where images come from: ECR in production (`ECRClient`), memory in tests.
package protocol ImageRegistry: Sendable {
    /// The image a tag or digest names, nil when there is none; a missing repository throws.
    func image(repository: String, registryId: String?, tag: String?, digest: String?) async throws -> ECRImage?
}

extension ECRClient: ImageRegistry {}

/// AWS Signer: the profile a deploy signs with and the job that signs its package.
package protocol CodeSigner: Sendable {
    func signingProfile(_ name: String) async throws -> SigningProfile
    func startSigningJob(
        bucket: String, key: String, version: String, destinationBucket: String, prefix: String, profile: String,
        token: String
    ) async throws -> String
    func signingJob(_ id: String) async throws -> SigningJob
}

extension SignerClient: CodeSigner {}

/// A function's log records: CloudWatch Logs in production (`LogsClient`), memory in tests.
package protocol LogsAPI: Sendable {
    func filterLogEvents(
        group: String, start: Int64, end: Int64, pattern: String, nextToken: String?, limit: Int
    ) async throws -> LogPage
}

extension LogsClient: LogsAPI {}

/// The bucket-level S3 reads and deletes of reference-mode code, `doctor` and artifact cleanup:
/// what a bucket keeps and who may read it, its object versions, and deleting one.
package protocol BucketAPI: Sendable {
    func bucketVersioning(_ bucket: String) async throws -> String?
    func bucketRegion(_ bucket: String) async throws -> String
    func bucketPolicy(_ bucket: String) async throws -> String?
    func bucketLifecycleRules(_ bucket: String) async throws -> [S3LifecycleRule]
    func listObjectVersions(_ bucket: String, prefix: String) async throws -> [S3ObjectVersion]
    func deleteObject(bucket: String, key: String, versionId: String?) async throws
}

extension S3Client: BucketAPI {}

/// Lambda Web Functions as a deploy reaches them: the endpoint's traffic and mode, the
/// revisions. `LambdaWebClient` is the real one.
package protocol WebFunctionsAPI: Sendable {
    func webFunctionArn(_ name: String) async throws -> String
    func endpoint(_ function: String, _ endpoint: String) async throws -> WebEndpoint
    func endpoints(_ function: String) async throws -> [WebEndpoint]
    func updateEndpoint(
        _ function: String, _ endpoint: String, weights: [RevisionWeight]?, autoDeploymentMode: AutoDeploymentMode?,
        description: String?
    ) async throws -> WebEndpoint
    func revision(_ function: String, _ revision: String) async throws -> WebRevision
    func revisions(_ function: String) async throws -> [WebRevision]
    func createRevision(
        _ function: String, buildConfig: [String: JSONValue], serviceConfig: [String: JSONValue], description: String
    ) async throws -> WebRevision
    func deleteRevision(_ function: String, _ revision: String) async throws
}

extension LambdaWebClient: WebFunctionsAPI {}
