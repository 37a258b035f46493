import AWSServices
import AWSCore
import Config
import Packaging
import Rollout

/// Where a deploy's code comes from: a build directory zipped deterministically, or a
/// prebuilt zip taken as it is. It prepares the package (checked against Lambda's limits
/// before anything is uploaded); the artifact stage uploads it, the code update stage points
/// the function at it.
public enum CodeSource: Sendable, Equatable {
    case directory(String, excludes: [String])
    case zip(String)

    /// The flags, else the environment and config file; exactly one of source and zip.
    public static func resolve(source: String?, zip: String?, excludes: [String], settings: SettingSource) throws
        -> CodeSource
    {
        let source = settings.value(source, "source"), zip = settings.value(zip, "zip")
        switch (source, zip) {
        case (.some, .some): throw ConfigError("Give --source or --zip, not both.")
        case (nil, nil):
            throw ConfigError("Give the build directory with --source DIR, or a prebuilt zip with --zip FILE.")
        case (.some(let directory), nil): return .directory(directory, excludes: settings.list(excludes, "exclude"))
        case (nil, .some(let file)): return .zip(file)
        }
    }

    /// Packages the directory into `out` (or takes the prebuilt zip), with SOURCE_DATE_EPOCH's
    /// timestamp when the environment sets one.
    public func prepare(out: String, environment: Environment) async throws -> PackageResult {
        let packager = Packager(writer: ZipWriter(timestamp: try Self.timestamp(environment)))
        switch self {
        case .zip(let file): return try packager.prebuilt(zip: file)
        case .directory(let directory, let excludes):
            return try await packager.package(source: directory, excludes: excludes, out: out)
        }
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
    public func iamStatements(bucket: String, keyPrefix: String) -> [IAMPolicyDocument.Statement] {
        [
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

    /// The outputs that say where the code is: its digests, and the S3 key and version when uploaded.
    public static func outputs(package: PackageResult) -> [String: String] {
        ["sha256": package.sha256Hex, "code-sha256": package.codeSha256]
    }

    /// The outputs that say where the uploaded code is: the S3 key and object version.
    public static func outputs(object: UploadedObject) -> [String: String] {
        ["s3-key": object.key, "s3-version-id": object.versionId ?? ""]
    }

    /// Skips when the alias already serves this code; otherwise puts the package where Lambda
    /// reads it (the plan's bucket and key, with sidecars) and says where.
    public func deliver(
        _ package: PackageResult, plan: DeployPlan, artifacts: ArtifactStage, current: ArtifactStage.KnownAlias,
        warn: @Sendable (String) -> Void
    ) async throws -> ArtifactOutcome {
        try await artifacts.run(
            package: package, function: plan.function, alias: plan.alias, bucket: plan.bucket, key: plan.key,
            provenance: plan.provenance, current: current, warn: warn)
    }
}
