import Ports
import Hashing
import Ports
import AWSCore
import AWSServices
import Foundation
import Synchronization

/// Lambda in memory, with the semantics a deploy relies on: RevisionIds on $LATEST and on
/// aliases (412 on a stale one), CodeSha256 preconditions, published versions, Lambda's
/// weighted-alias rules, scripted invoke errors, and a switch that makes alias updates fail.
package final class FakeLambda: FunctionAPI {
    package struct State {
        package var latestSha: String
        package var latestRevision = "f0"
        package var versions: [String: FunctionConfiguration] = [:]
        package var nextVersion = 1
        package var aliases: [String: AliasConfiguration] = [:]
        package var revision = 0
        package var failingInvokes: Set<String> = []
        package var failAliasUpdatesAfter: Int?
        package var aliasUpdates: [(version: String, weights: [String: Double])] = []
        /// The description each alias update left, in order.
        package var aliasDescriptions: [String] = []
        package var mutations: [String] = []
        package var onUpdateAlias: (@Sendable (FakeLambda) -> Void)?
        /// `Zip` or `Image`, and the architecture: the function's for life.
        package var packageType = "Zip"
        package var architecture = "x86_64"
        /// The function's code signing config; `signedObjects` are the object versions a Signer
        /// job wrote, with the profile version that signed them.
        package var codeSigning: CodeSigningPolicy?
        package var signedObjects: [String: String] = [:]
        /// The profile version that signed `$LATEST`'s code (nil: unsigned); versions keep theirs.
        package var latestSigner: String?
        /// `$LATEST`'s execution role and dead-letter target; a published version keeps them.
        package var latestRole: String? = "arn:aws:iam::123456789012:role/svc"
        package var latestDeadLetter: String?
        /// A tenant-isolated function, and the tenant of each invoke; a durable function, and the
        /// versions its running executions are pinned to.
        package var tenantIsolated = false
        package var invokedTenants: [String?] = []
        package var durable = false
        package var runningDurable: Set<String> = []
        /// The qualifiers event source mappings invoke the function by.
        package var eventSourceMappings: [String] = []
        /// Provisioned concurrency by qualifier (alias or version). After a Put, or a change of
        /// an alias's routing, a configuration reads IN_PROGRESS `allocationReads` times, then
        /// READY, or FAILED when a version it covers is in `failingInit`.
        package var provisioned: [String: ProvisionedConcurrency] = [:]
        package var allocationReads = 1
        package var pendingReads: [String: Int] = [:]
        package var failingInit: Set<String> = []
        /// Alias updates and provisioned-concurrency reads, in order ("update live", "read live READY").
        package var capacityLog: [String] = []
    }

    package let name: String
    package let store: FakeStore
    package let state: Mutex<State>

    package init(name: String, code: String, store: FakeStore) {
        self.name = name
        self.store = store
        state = Mutex(State(latestSha: code))
    }

    package var mutations: [String] { state.withLock { $0.mutations } }
    package var aliasUpdates: [(version: String, weights: [String: Double])] { state.withLock { $0.aliasUpdates } }
    package var aliasDescriptions: [String] { state.withLock { $0.aliasDescriptions } }
    package func alias(_ alias: String = "live") -> AliasConfiguration? { state.withLock { $0.aliases[alias] } }

    /// Publishes the current code as a version and points `alias` at it (a function after its first deploy).
    package func seedAlias(_ alias: String = "live", onLatest: Bool = false) {
        state.withLock { s in
            if onLatest {
                s.revision += 1
                s.aliases[alias] = AliasConfiguration(
                    name: alias, functionVersion: "$LATEST", revisionId: "a\(s.revision)")
                return
            }
            let version = String(s.nextVersion)
            s.nextVersion += 1
            s.versions[version] = FunctionConfiguration(
                functionName: name, version: version, codeSha256: s.latestSha, revisionId: "v\(version)")
            s.revision += 1
            s.aliases[alias] = AliasConfiguration(name: alias, functionVersion: version, revisionId: "a\(s.revision)")
        }
    }

    package static func notFound(_ what: String) -> AWSServiceError {
        AWSServiceError(
            service: "Lambda", operation: "Get", code: "ResourceNotFoundException", message: "\(what) not found",
            status: 404, requestId: nil)
    }

    package static func precondition() -> AWSServiceError { AliasRules.precondition() }

    package func getAlias(function: String, alias: String) async throws -> AliasConfiguration {
        guard let found = state.withLock({ $0.aliases[alias] }) else { throw Self.notFound("alias \(alias)") }
        return found
    }

    package func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        try await updateAlias(
            function, alias: alias, version: version, additionalVersionWeights: weights, revisionId: revisionId,
            description: description)
    }

    package func getFunction(_ name: String, qualifier: String?) async throws -> FunctionConfiguration {
        try await getFunctionConfiguration(name, qualifier: qualifier)
    }

    package func getFunctionConfiguration(_ name: String, qualifier: String?) async throws -> FunctionConfiguration {
        var configuration = try configuration(name, qualifier: qualifier)
        state.withLock { s in
            configuration.packageType = s.packageType
            configuration.tenantIsolated = s.tenantIsolated
            configuration.durable = s.durable
            configuration.architectures = [s.architecture]
            if qualifier == nil || qualifier == "$LATEST" {
                configuration.signingProfileVersionArn = s.latestSigner
                configuration.role = s.latestRole
                configuration.deadLetterTargetArn = s.latestDeadLetter
            } else if configuration.role == nil {
                // Versions seeded without a role have the function's first one.
                configuration.role = "arn:aws:iam::123456789012:role/svc"
            }
        }
        return configuration
    }

    func configuration(_ name: String, qualifier: String?) throws -> FunctionConfiguration {
        try state.withLock { s in
            guard name == self.name else { throw Self.notFound("function \(name)") }
            guard let qualifier, qualifier != "$LATEST" else {
                return FunctionConfiguration(functionName: name, codeSha256: s.latestSha, revisionId: s.latestRevision)
            }
            if let alias = s.aliases[qualifier] {
                return s.versions[alias.functionVersion]
                    ?? FunctionConfiguration(functionName: name, codeSha256: s.latestSha)
            }
            guard let version = s.versions[qualifier] else { throw Self.notFound("version \(qualifier)") }
            return version
        }
    }

    package func listVersionsByFunction(_ name: String) async throws -> [FunctionConfiguration] {
        state.withLock { s in
            [FunctionConfiguration(functionName: name, codeSha256: s.latestSha, revisionId: s.latestRevision)]
                + s.versions.values.sorted { (Int($0.version) ?? 0) < (Int($1.version) ?? 0) }
        }
    }

    package func listAliases(_ name: String) async throws -> [AliasConfiguration] {
        state.withLock { Array($0.aliases.values) }
    }

    package func aliasIfExists(_ name: String, alias: String) async throws -> AliasConfiguration? {
        state.withLock { $0.aliases[alias] }
    }

    package func updateFunctionCode(
        _ name: String, s3Bucket: String, s3Key: String, s3ObjectVersion: String?, storage: CodeStorage?,
        revisionId: String?
    ) async throws -> FunctionConfiguration {
        let sha = try store.codeSha256(bucket: s3Bucket, key: s3Key)
        return try state.withLock { s in
            if let revisionId, revisionId != s.latestRevision { throw Self.precondition() }
            // Lambda's check under an Enforce config: code a trusted profile signed, or a refusal.
            if let policy = s.codeSigning, policy.enforce {
                let signer = s.signedObjects["\(s3Bucket)/\(s3Key)"]
                guard let signer, policy.allowedProfileVersionArns.contains(signer) else {
                    throw AWSServiceError(
                        service: "Lambda", operation: "UpdateFunctionCode", code: "CodeVerificationFailedException",
                        message: "The code signature failed one or more of the validation checks", status: 400,
                        requestId: nil)
                }
            }
            s.mutations.append("UpdateFunctionCode")
            s.latestSigner = s.signedObjects["\(s3Bucket)/\(s3Key)"]
            s.latestSha = sha
            s.latestRevision = "f\(s.mutations.count)"
            return FunctionConfiguration(functionName: name, codeSha256: sha, revisionId: s.latestRevision)
        }
    }

    package func hasRunningDurableExecutions(_ name: String, version: String) async throws -> Bool {
        state.withLock { $0.runningDurable.contains(version) }
    }

    package func eventSourceMappingQualifiers(_ name: String) async throws -> [String] {
        state.withLock { $0.eventSourceMappings }
    }

    package func provisionedConcurrencyQualifiers(_ name: String) async throws -> [String] {
        state.withLock { Array($0.provisioned.keys) }
    }

    package func codeSigningPolicy(_ name: String) async throws -> CodeSigningPolicy? {
        state.withLock { $0.codeSigning }
    }

    /// An image function's code update: the fake's CodeSha256 of an image is its digest's hex.
    package func updateFunctionCode(_ name: String, imageUri: String, revisionId: String?) async throws
        -> FunctionConfiguration
    {
        try state.withLock { s in
            if let revisionId, revisionId != s.latestRevision { throw Self.precondition() }
            guard let at = imageUri.range(of: "@sha256:") else {
                throw AWSServiceError(
                    service: "Lambda", operation: "UpdateFunctionCode", code: "InvalidParameterValueException",
                    message: "the fake takes images by digest", status: 400, requestId: nil)
            }
            s.mutations.append("UpdateFunctionCode")
            s.latestSha = String(imageUri[at.upperBound...])
            s.latestRevision = "f\(s.mutations.count)"
            return FunctionConfiguration(
                functionName: name, codeSha256: s.latestSha, revisionId: s.latestRevision, packageType: "Image")
        }
    }

    package func publishVersion(_ name: String, codeSha256: String?, revisionId: String?, description: String?)
        async throws
        -> FunctionConfiguration
    {
        try state.withLock { s in
            if let codeSha256, codeSha256 != s.latestSha {
                throw AWSServiceError(
                    service: "Lambda", operation: "PublishVersion", code: "InvalidParameterValueException",
                    message: "CodeSha256 does not match", status: 400, requestId: nil)
            }
            if let revisionId, revisionId != s.latestRevision { throw Self.precondition() }
            s.mutations.append("PublishVersion")
            let version = String(s.nextVersion)
            s.nextVersion += 1
            var published = FunctionConfiguration(
                functionName: name, version: version, codeSha256: s.latestSha, revisionId: "v\(version)",
                description: description ?? "")
            published.role = s.latestRole
            published.signingProfileVersionArn = s.latestSigner
            published.deadLetterTargetArn = s.latestDeadLetter
            s.versions[version] = published
            return published
        }
    }

    package func createAlias(
        _ name: String, alias: String, version: String, description: String?, additionalVersionWeights: [String: Double]
    ) async throws -> AliasConfiguration {
        state.withLock { s in
            s.mutations.append("CreateAlias")
            s.revision += 1
            let made = AliasConfiguration(
                name: alias, functionVersion: version, revisionId: "a\(s.revision)", description: description ?? "")
            s.aliases[alias] = made
            return made
        }
    }

    package func updateAlias(
        _ name: String, alias: String, version: String?, additionalVersionWeights: [String: Double]?,
        revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        let hook = state.withLock { $0.onUpdateAlias }
        hook?(self)
        return try state.withLock { s in
            s.mutations.append("UpdateAlias")
            if let limit = s.failAliasUpdatesAfter, s.aliasUpdates.count >= limit {
                throw AWSServiceError(
                    service: "Lambda", operation: "UpdateAlias", code: "ServiceException", message: "boom", status: 500,
                    requestId: nil)
            }
            guard var current = s.aliases[alias] else { throw Self.notFound("alias \(alias)") }
            try AliasRules.update(
                &current, version: version, weights: additionalVersionWeights, revisionId: revisionId,
                description: description, newRevisionId: "a\(s.revision + 1)")
            s.revision += 1
            let rerouted =
                s.aliases[alias]?.functionVersion != current.functionVersion
                || s.aliases[alias]?.additionalVersionWeights != current.additionalVersionWeights
            s.aliases[alias] = current
            s.aliasUpdates.append((current.functionVersion, current.additionalVersionWeights))
            s.aliasDescriptions.append(current.description)
            s.capacityLog.append("update \(alias)")
            if rerouted, s.provisioned[alias] != nil { s.pendingReads[alias] = s.allocationReads }
            return current
        }
    }

    /// Someone else moves the alias (a new RevisionId).
    package func interfere(version: String, weights: [String: Double] = [:]) {
        state.withLock { s in
            s.revision += 1
            s.aliases["live"]?.functionVersion = version
            s.aliases["live"]?.additionalVersionWeights = weights
            s.aliases["live"]?.revisionId = "other-\(s.revision)"
        }
    }

    package func functionURL(_ name: String, qualifier: String) async throws -> FunctionURL? { nil }
    package func createFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL {
        FunctionURL(url: "https://\(qualifier).lambda-url.example/", authType: authType)
    }
    package func updateFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL {
        FunctionURL(url: "https://\(qualifier).lambda-url.example/", authType: authType)
    }
    package func deleteFunctionURL(_ name: String, qualifier: String) async throws {}

    package func deleteAlias(_ name: String, alias: String) async throws {
        state.withLock { s in
            s.mutations.append("DeleteAlias")
            s.aliases[alias] = nil
        }
    }

    package func deleteFunctionVersion(_ name: String, version: String) async throws {
        state.withLock { s in
            s.mutations.append("DeleteFunction"); s.versions[version] = nil
        }
    }

    /// Gives `qualifier` provisioned concurrency that is READY now.
    package func seedProvisioned(_ qualifier: String, amount: Int) {
        state.withLock {
            $0.provisioned[qualifier] = ProvisionedConcurrency(
                requested: amount, available: amount, allocated: amount, status: "READY")
        }
    }

    package func provisionedConcurrency(function: String, qualifier: String) async throws -> ProvisionedConcurrency? {
        state.withLock { s in
            guard var config = s.provisioned[qualifier] else { return nil }
            if let left = s.pendingReads[qualifier] {
                if left > 0 {
                    s.pendingReads[qualifier] = left - 1
                    config.status = "IN_PROGRESS"
                    config.allocated = 0
                } else {
                    s.pendingReads[qualifier] = nil
                    let covered =
                        s.aliases[qualifier].map { [$0.functionVersion] + Array($0.additionalVersionWeights.keys) }
                        ?? [qualifier]
                    let failed = covered.contains { s.failingInit.contains($0) }
                    config.status = failed ? "FAILED" : "READY"
                    config.statusReason = failed ? "FUNCTION_ERROR_INIT_FAILURE" : nil
                    config.allocated = failed ? 0 : config.requested
                    config.available = config.allocated
                    s.provisioned[qualifier] = config
                }
            }
            s.capacityLog.append("read \(qualifier) \(config.status)")
            return config
        }
    }

    package func putProvisionedConcurrency(_ name: String, qualifier: String, amount: Int) async throws
        -> ProvisionedConcurrency
    {
        state.withLock { s in
            s.mutations.append("PutProvisionedConcurrencyConfig")
            let config = ProvisionedConcurrency(requested: amount, status: "IN_PROGRESS")
            s.provisioned[qualifier] = config
            s.pendingReads[qualifier] = s.allocationReads
            return config
        }
    }

    package func deleteProvisionedConcurrency(_ name: String, qualifier: String) async throws {
        state.withLock { s in
            s.mutations.append("DeleteProvisionedConcurrencyConfig")
            s.provisioned[qualifier] = nil
            s.pendingReads[qualifier] = nil
        }
    }

    package func invoke(_ name: String, qualifier: String, payload: Data, tenantId: String?) async throws
        -> InvokeResult
    {
        let (failing, isolated) = state.withLock { s in
            s.invokedTenants.append(tenantId)
            return (s.failingInvokes.contains(qualifier), s.tenantIsolated)
        }
        // A tenant id exactly when the function is tenant-isolated.
        if isolated != (tenantId != nil) {
            throw AWSServiceError(
                service: "Lambda", operation: "Invoke", code: "InvalidParameterValueException",
                message: "a tenant-isolated function needs a tenant id", status: 400, requestId: nil)
        }
        return InvokeResult(
            statusCode: 200, functionError: failing ? "Unhandled" : nil, executedVersion: qualifier,
            payload: failing ? Data(#"{"errorMessage":"boom"}"#.utf8) : payload)
    }
}

/// S3 in memory: keeps each upload's digest so the fake Lambda can report the code it got.
package final class FakeStore: ArtifactStore {
    package let objects = Mutex<[String: Data]>([:])
    package let uploads = Mutex(0)

    package init() {}

    package func probeBucket(_ bucket: String, under prefix: String) async throws {
        guard bucket == "artifacts" else {
            throw AWSServiceError(
                service: "S3", operation: "GetObject", code: "NoSuchBucket", message: "", status: 404, requestId: nil)
        }
    }

    package func uploadPackage(
        path: String, size: UInt64, sha256: [UInt8], bucket: String, key: String, metadata: [String: String]
    ) async throws -> UploadedObject {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        objects.withLock { $0[bucket + "/" + key] = data }
        uploads.withLock { $0 += 1 }
        return UploadedObject(bucket: bucket, key: key, versionId: "v\(uploads.withLock { $0 })", multipart: false)
    }

    package func putSmallObject(bucket: String, key: String, bytes: [UInt8], contentType: String) async throws {
        objects.withLock { $0[bucket + "/" + key] = Data(bytes) }
    }

    package func readSmallObject(bucket: String, key: String) async throws -> Data? {
        objects.withLock { $0[bucket + "/" + key] }
    }

    package func sha256OfObject(bucket: String, key: String, versionId: String?) async throws -> [UInt8] {
        guard let data = objects.withLock({ $0[bucket + "/" + key] }) else {
            throw FakeLambda.notFound("object \(key)")
        }
        return SHA256Hasher.hash(data)
    }

    package func describeObject(bucket: String, key: String, versionId: String?) async throws -> S3ObjectInfo? {
        guard let data = objects.withLock({ $0[bucket + "/" + key] }) else { return nil }
        return S3ObjectInfo(eTag: nil, versionId: "v1", contentLength: data.count, checksumSHA256: nil, metadata: [:])
    }

    /// Set: a package planned above this many bytes goes up while it is written.
    package let streamingThreshold = Mutex<UInt64?>(nil)
    /// The uploads begun while packaging, in order.
    package let streamed = Mutex<[FakePackageUpload]>([])
    /// Set: an upload begun while packaging fails once it is told of bytes.
    package let streamingFails = Mutex(false)

    package func beginPackageUpload(
        path: String, plannedBytes: UInt64, bucket: String, key: String, metadata: [String: String]
    ) async throws -> (any PackageUpload)? {
        guard let threshold = streamingThreshold.withLock({ $0 }), plannedBytes > threshold else { return nil }
        let upload = FakePackageUpload(store: self, path: path, bucket: bucket, key: key)
        streamed.withLock { $0.append(upload) }
        return upload
    }

    package func codeSha256(bucket: String, key: String) throws -> String {
        guard let data = objects.withLock({ $0[bucket + "/" + key] }) else {
            throw FakeLambda.notFound("object \(key)")
        }
        return Data(SHA256Hasher.hash(data)).base64EncodedString()
    }
}

/// An upload begun while the package is written: keeps what it was told, and on `finish`
/// stores the file (checking that every prefix it was told was final still is).
package final class FakePackageUpload: PackageUpload {
    package enum End: Sendable, Equatable { case open, finished, aborted }
    let store: FakeStore
    let path: String
    let bucket: String
    let key: String
    /// Each `committed` call: the bytes, and the SHA-256 of that prefix of the file then.
    package let committed = Mutex<[(bytes: UInt64, prefix: [UInt8])]>([])
    package let end = Mutex(End.open)

    init(store: FakeStore, path: String, bucket: String, key: String) {
        self.store = store
        self.path = path
        self.bucket = bucket
        self.key = key
    }

    package func committed(_ bytes: UInt64) throws {
        guard bytes > 0 else { return }  // the file may not exist yet
        if store.streamingFails.withLock({ $0 }) {
            throw AWSServiceError(
                service: "S3", operation: "UploadPart", code: "AccessDenied", message: "Access Denied", status: 403,
                requestId: nil)
        }
        let prefix = try SHA256Hasher.hash(fileAt: path, offset: 0, length: bytes)
        committed.withLock { $0.append((bytes, prefix)) }
    }

    package func finish(size: UInt64, sha256: [UInt8]) async throws -> UploadedObject {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard UInt64(data.count) == size, SHA256Hasher.hash(data) == sha256 else {
            throw FakeLambda.notFound("a package of \(size) bytes with that digest")
        }
        for (bytes, prefix) in committed.withLock({ $0 }) where SHA256Hasher.hash(data.prefix(Int(bytes))) != prefix {
            throw FakeLambda.notFound("the first \(bytes) bytes as they were said to be final")
        }
        end.withLock { $0 = .finished }
        store.objects.withLock { $0[bucket + "/" + key] = data }
        let count = store.uploads.withLock { count in
            count += 1
            return count
        }
        return UploadedObject(bucket: bucket, key: key, versionId: "v\(count)", multipart: true)
    }

    package func abort() async {
        end.withLock { if $0 == .open { $0 = .aborted } }
    }
}

/// CloudWatch in memory: alarm states by name (changeable mid-run) and per-version sums.
package final class FakeMetrics: MetricsAPI {
    package let alarms = Mutex<[String: String]>([:])
    package let invocations = Mutex(0)
    package let reads = Mutex(0)
    /// Sets an alarm's state after `reads` DescribeAlarms calls.
    package let scheduled = Mutex<[(after: Int, name: String, state: String)]>([])
    /// The alarm history DescribeAlarmHistory answers from.
    package let history = Mutex<[AlarmTransition]>([])
    /// Each alarm's metric dimensions (none: a composite alarm, or one set up without them).
    package let dimensions = Mutex<[String: [String: String]]>([:])

    package init() {}

    package func alarmTransitions(name: String, start: Date, end: Date) async throws -> [AlarmTransition] {
        history.withLock { $0.filter { $0.name == name && $0.at >= start && $0.at <= end } }
    }

    package func describeAlarms(names: [String], prefix: String?) async throws -> [AlarmState] {
        let count = reads.withLock {
            $0 += 1; return $0
        }
        for change in scheduled.withLock({ $0 }) where change.after <= count {
            alarms.withLock { $0[change.name] = change.state }
        }
        let dimensions = self.dimensions.withLock { $0 }
        return alarms.withLock { all in
            // As DescribeAlarms: neither names nor a prefix is every alarm.
            all.filter { entry in
                (names.isEmpty && prefix == nil) || names.contains(entry.key)
                    || (prefix.map { entry.key.hasPrefix($0) } ?? false)
            }
            .map {
                var alarm = AlarmState(name: $0.key, state: $0.value, reason: "")
                alarm.dimensions = dimensions[$0.key] ?? [:]
                return alarm
            }
        }
    }

    package func getMetricData(_ queries: [MetricQuery], start: Date, end: Date) async throws -> [MetricResult] {
        let count = Double(invocations.withLock { $0 })
        return queries.map {
            MetricResult(id: $0.id, timestamps: [start], values: [$0.id == "invocations" ? count : 0])
        }
    }
}

package struct FakeIdentity: IdentityAPI {
    package var account: String

    package init(account: String = "123456789012") {
        self.account = account
    }
    package func getCallerIdentity() async throws -> CallerIdentity {
        CallerIdentity(account: account, arn: "arn:aws:iam::\(account):user/ci", userId: "AID")
    }
}

/// ECR in memory: images by repository, found by tag or digest.
package final class FakeRegistry: ImageRegistry {
    package let images = Mutex<[String: [ECRImage]]>([:])
    package let tags = Mutex<[String: String]>([:])

    package init() {}

    /// Pushes `manifest` to `repository` (its digest: the SHA-256 of its bytes), tagged `tag`.
    @discardableResult
    package func push(_ repository: String, manifest: String, mediaType: String, tag: String? = nil) -> String {
        let digest = "sha256:" + ByteEncoding.hex(SHA256Hasher.hash(Array(manifest.utf8)))
        images.withLock {
            $0[repository, default: []].append(ECRImage(digest: digest, manifest: manifest, mediaType: mediaType))
        }
        if let tag { tags.withLock { $0["\(repository):\(tag)"] = digest } }
        return digest
    }

    package func image(repository: String, registryId: String?, tag: String?, digest: String?) async throws
        -> ECRImage?
    {
        guard let held = images.withLock({ $0[repository] }) else {
            throw AWSServiceError(
                service: "ECR", operation: "BatchGetImage", code: "RepositoryNotFoundException",
                message: "The repository with name '\(repository)' does not exist", status: 400, requestId: nil)
        }
        let wanted = digest ?? tag.flatMap { tag in tags.withLock { $0["\(repository):\(tag)"] } }
        return held.first { $0.digest == wanted }
    }
}

/// AWS Signer in memory: profiles by name; a job copies the object (with a signature appended,
/// so its digest differs) under the prefix, and tells the fake Lambda who signed it.
package final class FakeSigner: CodeSigner {
    package let profiles = Mutex<[String: SigningProfile]>([:])
    /// The reason the next job fails, when set.
    package let failNext = Mutex<String?>(nil)
    package let jobs = Mutex<[String: SigningJob]>([:])
    let store: FakeStore
    let lambdas: [FakeLambda]

    package init(store: FakeStore, lambdas: [FakeLambda]) {
        self.store = store
        self.lambdas = lambdas
    }

    @discardableResult
    package func addProfile(_ name: String, status: String = "Active") -> String {
        let arn = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/\(name)/v1"
        profiles.withLock { $0[name] = SigningProfile(name: name, versionArn: arn, status: status) }
        return arn
    }

    package func signingProfile(_ name: String) async throws -> SigningProfile {
        guard let found = profiles.withLock({ $0[name] }) else {
            throw AWSServiceError(
                service: "Signer", operation: "GetSigningProfile", code: "ResourceNotFoundException",
                message: "Profile not found", status: 404, requestId: nil)
        }
        return found
    }

    package func startSigningJob(
        bucket: String, key: String, version: String, destinationBucket: String, prefix: String, profile: String,
        token: String
    ) async throws -> String {
        let id = "job-\(jobs.withLock { $0.count } + 1)"
        if let reason = failNext.withLock({ reason in
            defer { reason = nil }; return reason
        }) {
            jobs.withLock {
                $0[id] = SigningJob(id: id, status: "Failed", reason: reason, signedBucket: nil, signedKey: nil)
            }
            return id
        }
        let arn = try await signingProfile(profile).versionArn
        guard let bytes = store.objects.withLock({ $0["\(bucket)/\(key)"] }) else {
            throw AWSServiceError(
                service: "Signer", operation: "StartSigningJob", code: "ValidationException",
                message: "source object not found", status: 400, requestId: nil)
        }
        let signedKey = "\(prefix)\(id).zip"
        store.objects.withLock { $0["\(destinationBucket)/\(signedKey)"] = bytes + Data("signed:\(arn)".utf8) }
        for lambda in lambdas {
            lambda.state.withLock { $0.signedObjects["\(destinationBucket)/\(signedKey)"] = arn }
        }
        jobs.withLock {
            $0[id] = SigningJob(
                id: id, status: "Succeeded", reason: nil, signedBucket: destinationBucket, signedKey: signedKey)
        }
        return id
    }

    package func signingJob(_ id: String) async throws -> SigningJob {
        guard let job = jobs.withLock({ $0[id] }) else {
            throw AWSServiceError(
                service: "Signer", operation: "DescribeSigningJob", code: "ResourceNotFoundException",
                message: "job not found", status: 404, requestId: nil)
        }
        return job
    }
}
