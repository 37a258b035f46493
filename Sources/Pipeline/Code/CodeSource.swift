import Release
import Ports
import Hashing
import LambdaShiftCore
import FoundationEssentials
import AWSServices
import AWSCore
import Config
import Packaging

/// Where a deploy's code comes from: a build directory zipped deterministically, a prebuilt
/// zip taken as it is, or a package already uploaded (`--artifact`: the bytes a staging deploy
/// shipped, promoted as they are). It prepares the package (checked before anything changes),
/// delivers it (uploads it, or finds it already there), names where it is for the code update
/// and the outputs, and says which IAM statements it needs.
package enum CodeSource: Sendable, Equatable {
    case directory(String, excludes: [String], includeHidden: Bool = false)
    case zip(String)
    case artifact(S3Artifact)
    /// A container image, for an image function: nothing packaged or uploaded.
    case image(ImageReference)

    /// Exactly one of source, zip, artifact and image, from the resolved settings.
    package static func resolve(_ settings: ResolvedSettings) throws -> CodeSource {
        let source = settings.text(.source), zip = settings.text(.zip)
        let artifact = settings.command == .package ? nil : settings.text(.artifact)
        if settings.command != .package, let uri = settings.text(.imageUri) {
            guard source == nil, zip == nil, artifact == nil else {
                throw ConfigError(
                    "Give one of --source, --zip, --artifact and --image-uri, not several: an image function runs the image, a zip function the package."
                )
            }
            return .image(try ImageReference(parsing: uri))
        }
        switch (source, zip, artifact) {
        case (nil, nil, .some(let reference)): return .artifact(try S3Artifact(parsing: reference))
        case (.some, .some, _), (.some, _, .some), (_, .some, .some):
            throw ConfigError("Give one of --source, --zip and --artifact, not several.")
        case (nil, nil, nil):
            throw ConfigError(
                "Give the build directory with --source DIR, a prebuilt zip with --zip FILE, or an uploaded package with --artifact s3://BUCKET/KEY."
            )
        case (.some(let directory), nil, nil):
            return .directory(
                directory, excludes: settings.list(.exclude), includeHidden: settings.flag(.includeHidden))
        case (nil, .some(let file), nil): return .zip(file)
        }
    }

    /// The image, for `--image-uri`.
    package var image: ImageReference? {
        if case .image(let image) = self { return image }
        return nil
    }

    /// The uploaded package, for `--artifact`.
    package var artifact: S3Artifact? {
        if case .artifact(let artifact) = self { return artifact }
        return nil
    }

    /// A build directory, packaged here.
    package var isDirectory: Bool {
        if case .directory = self { return true }
        return false
    }

    /// The package type of the functions this code can update (a function's is fixed for life):
    /// an image for an image function, a zip (built, given or uploaded) for the rest.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html
    package var packageType: PackageType { image == nil ? .zip : .image }

    /// Whether this run makes the package (a directory zipped, or a zip given) and uploads it to
    /// the plan's bucket under its key: such a source needs the bucket, shares one upload
    /// between the targets of a bucket, and is what a signing profile signs (an uploaded
    /// artifact was signed, or not, when it was built).
    package var isPackagedHere: Bool { image == nil && artifact == nil }

    /// Whether Lambda verifies this code against the function's code signing config (zips only).
    /// https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
    package var isVerifiedBySigningConfig: Bool { packageType == .zip }

    /// The report's line for the prepared code (nil when `reported` already: a run over several
    /// targets reports its one package once, itself).
    package func describe(_ prepared: PreparedCode, reported: Bool) -> String? {
        let package = prepared.package
        if let artifact {
            return "artifact s3://\(artifact.bucket)/\(artifact.key)"
                + (prepared.versionId.map { " (version \($0))" } ?? "")
                + ": \(package.size) bytes, sha256 \(package.sha256Hex); nothing packaged or uploaded"
                + (prepared.builtBy.map { ", built by \($0)" } ?? "")
        }
        if reported { return nil }
        return "package: \(package.size) bytes, \(package.filesDescription), sha256 \(package.sha256Hex)"
    }

    /// The function's package type against this code's, as one sentence (nil: they agree).
    package func mismatch(function: String, isImage: Bool) -> String? {
        switch (isImage, packageType) {
        case (true, .zip):
            "\(function) is a container-image function: give its image with --image-uri (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG), not a zip."
        case (false, .image):
            "\(function) is a zip function: give its code with --source, --zip or --artifact; --image-uri is for container-image functions."
        default: nil
        }
    }

    /// Packages the directory into `out` (or takes the prebuilt zip), with SOURCE_DATE_EPOCH's
    /// timestamp when the environment sets one; `progress` hears how the directory's package
    /// is written.
    package func prepare(out: String, environment: Environment, progress: (any PackageProgress)? = nil) async throws
        -> PackageResult
    {
        // Whatever ends this (SOURCE_DATE_EPOCH refused before packaging starts, say), whoever
        // waits on the progress hears that packaging ended.
        defer { progress?.ended() }
        let packager = Packager(writer: ZipWriter(timestamp: try Self.timestamp(environment)))
        switch self {
        case .zip(let file): return try packager.prebuilt(zip: file)
        case .directory(let directory, let excludes, let includeHidden):
            return try await packager.package(
                source: directory, excludes: excludes, includeHidden: includeHidden, out: out, progress: progress)
        case .artifact:
            throw ConfigError("--artifact names a package already uploaded: there is nothing to package here.")
        case .image:
            throw ConfigError("--image-uri names an image: there is nothing to package here.")
        }
    }

    /// The package and what is known of it: for `--artifact`, the object found in the store
    /// (its digest from S3's checksum, else its `.sha256` sidecar; the version pinned), and the
    /// run that built it.
    package func prepare(
        out: String, environment: Environment, store: any ArtifactStore, progress: (any PackageProgress)? = nil
    )
        async throws -> PreparedCode
    {
        guard case .artifact(let artifact) = self else {
            return PreparedCode(package: try await prepare(out: out, environment: environment, progress: progress))
        }
        return try await artifact.locate(in: store)
    }

    /// SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else the zip format's 1980-01-01.
    static func timestamp(_ environment: Environment) throws -> Int64 {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return ZipWriter.dosEpoch }
        guard let value = Int64(text), value >= 0 else {
            throw PackagingError("SOURCE_DATE_EPOCH is \"\(text)\": set it to whole seconds since 1970, or unset it.")
        }
        return value
    }

    /// What the CI identity needs for this code source: a zip (built or given) is uploaded to
    /// the bucket under the key prefix, with its sidecars, and read back by Lambda.
    package func iamStatements(bucket: String, keyPrefix: String) -> [IAMPolicyDocument.Statement] {
        if case .image(let image) = self {
            // Only the image's reads: Lambda's own pull is the repository policy's (or the
            // execution role's) to allow, as docs/DEPLOY.md explains; nothing goes to S3.
            // https://docs.aws.amazon.com/lambda/latest/dg/images-create.html#configuration-images-permissions
            return [
                IAMPolicyDocument.Statement(
                    sid: "ReadImages", actions: ["ecr:BatchGetImage", "ecr:DescribeImages"],
                    resources: ["arn:aws:ecr:\(image.region):\(image.account):repository/\(image.repository)"])
            ]
        }
        if case .artifact(let artifact) = self {
            // Only read: the object (at its versions) and its sidecar; nothing is uploaded.
            return [
                IAMPolicyDocument.Statement(
                    sid: "ReadPackages", actions: ["s3:GetObject", "s3:GetObjectVersion"],
                    resources: [
                        "arn:aws:s3:::\(artifact.bucket)/\(artifact.key)",
                        "arn:aws:s3:::\(artifact.bucket)/\(artifact.key).sha256",
                    ])
            ]
        }
        return [
            IAMPolicyDocument.Statement(
                sid: "ReadAndWritePackages",
                actions: [
                    "s3:PutObject", "s3:GetObject", "s3:GetObjectVersion", "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                resources: ["arn:aws:s3:::\(bucket)/\(keyPrefix)*"]),
            IAMPolicyDocument.Statement(
                sid: "ListPackages",
                actions: ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
                resources: ["arn:aws:s3:::\(bucket)"]),
        ]
    }

    /// Skips when the alias already serves this code; otherwise puts the package where Lambda
    /// reads it (the plan's bucket and key, with sidecars) and says where.
    package func deliver(
        _ prepared: PreparedCode, plan: DeployPlan, artifacts: ArtifactStage, current: ArtifactStage.KnownAlias,
        overlap: OverlappedUpload? = nil, warn: @Sendable (String) -> Void
    ) async throws -> ArtifactOutcome {
        let package = prepared.package
        if case .artifact(let artifact) = self {
            if let version = try await artifacts.unchangedVersion(
                function: plan.function, alias: plan.alias, package: package, current: current)
            {
                return .unchanged(version: version)
            }
            return .uploaded(
                UploadedObject(
                    bucket: artifact.bucket, key: artifact.key, versionId: prepared.versionId, multipart: false))
        }
        return try await artifacts.run(
            package: package, function: plan.function, alias: plan.alias, bucket: plan.bucket, key: plan.key,
            provenance: plan.provenance, current: current, started: overlap?.upload,
            previous: overlap.map { known -> String? in known.previous }, warn: warn)
    }
}

/// A prepared package: the bytes' digest and size (and, for a package already uploaded, the
/// object version pinned and the run that built it).
package struct PreparedCode: Sendable {
    package var package: PackageResult
    package var versionId: String?
    package var builtBy: String?

    package init(package: PackageResult, versionId: String? = nil, builtBy: String? = nil) {
        self.package = package
        self.versionId = versionId
        self.builtBy = builtBy
    }
}

/// `s3://BUCKET/KEY[?versionId=V]`: a package a deploy uploaded before (its sidecars beside it).
package struct S3Artifact: Sendable, Equatable {
    package var bucket: String
    package var key: String
    package var versionId: String?

    package init(parsing text: String) throws {
        guard text.hasPrefix("s3://") else {
            throw ConfigError(
                "--artifact is \"\(text)\": give it as s3://BUCKET/KEY, optionally with ?versionId=V (the s3-key and s3-version-id outputs of the deploy that uploaded it)."
            )
        }
        var rest = String(text.dropFirst(5))
        var version: String?
        if let query = rest.firstRange(of: "?versionId=") {
            version = String(rest[query.upperBound...])
            rest = String(rest[..<query.lowerBound])
        }
        let parts = rest.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, version.map({ !$0.isEmpty }) ?? true else {
            throw ConfigError("--artifact is \"\(text)\": give it as s3://BUCKET/KEY, optionally with ?versionId=V.")
        }
        bucket = parts[0]
        key = parts[1]
        versionId = version
    }

    /// Finds the object (at its version) and its SHA-256: S3's checksum when it kept one, else
    /// the `.sha256` sidecar the uploading deploy wrote; both, when both exist, must agree.
    func locate(in store: any ArtifactStore) async throws -> PreparedCode {
        let at = versionId.map { " at version \($0)" } ?? ""
        guard let facts = try await store.describeObject(bucket: bucket, key: key, versionId: versionId) else {
            throw ConfigError(
                "No object s3://\(bucket)/\(key)\(at): check --artifact (the s3-key and s3-version-id outputs of the deploy that uploaded it)."
            )
        }
        let sidecar = try await store.readSmallObject(bucket: bucket, key: key + ".sha256").flatMap { data in
            String(decoding: data, as: UTF8.self).split(separator: " ").first.flatMap {
                ByteEncoding.bytes(hex: String($0))
            }
        }
        let checksum = facts.checksumSHA256.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
        // The sidecar describes the newest upload under the key; a pinned older version is
        // judged by its own checksum when S3 kept one.
        if let checksum, versionId != nil {
            let package = PackageResult(
                path: "", sha256: checksum, size: UInt64(facts.contentLength ?? 0), entryCount: 0, uncompressedSize: 0)
            return PreparedCode(package: package, versionId: versionId, builtBy: facts.metadata["run-url"])
        }
        if let checksum, let sidecar, checksum != sidecar {
            throw ConfigError(
                "s3://\(bucket)/\(key)\(at) does not match its .sha256 sidecar (S3's checksum \(ByteEncoding.hex(checksum)), the sidecar \(ByteEncoding.hex(sidecar))): the object was replaced or the sidecar is stale; deploy a fresh upload."
            )
        }
        guard var digest = checksum ?? sidecar, digest.count == 32 else {
            throw ConfigError(
                "s3://\(bucket)/\(key)\(at) has no SHA-256 to check the bytes against (no S3 checksum, no .sha256 sidecar): deploy packages uploaded by lambda-shift, or upload with --checksum-algorithm SHA256."
            )
        }
        if checksum == nil {
            // Only the sidecar's word: the object may have been replaced since (a plain upload
            // keeps no SHA-256). Its own bytes decide, at the version just described.
            let pinned = (versionId ?? facts.versionId).flatMap { $0 == "null" ? nil : $0 }
            let own = try await store.sha256OfObject(bucket: bucket, key: key, versionId: pinned)
            guard own == digest else {
                throw ConfigError(
                    "s3://\(bucket)/\(key)\(at) does not match its .sha256 sidecar (the object's own SHA-256 \(ByteEncoding.hex(own)), the sidecar \(ByteEncoding.hex(digest))): the object was replaced or the sidecar is stale; deploy a fresh upload."
                )
            }
            digest = own
        }
        let package = PackageResult(
            path: "", sha256: digest, size: UInt64(facts.contentLength ?? 0), entryCount: 0, uncompressedSize: 0)
        return PreparedCode(
            package: package, versionId: versionId ?? facts.versionId, builtBy: facts.metadata["run-url"])
    }
}

extension DeployOutputs {
    /// The outputs that say what the code is: its digests.
    mutating func record(package: PackageResult) {
        sha256 = package.sha256Hex
        codeSha256 = package.codeSha256
    }

    /// The outputs that say where the uploaded code is: the S3 key and object version.
    mutating func record(object: UploadedObject) {
        s3Key = object.key
        s3VersionId = object.versionId ?? ""
    }
}
