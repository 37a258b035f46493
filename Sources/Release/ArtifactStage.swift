import Ports
import CISupport
import AWSCore
import AWSServices
import Config
import FoundationEssentials
import Packaging

/// What the artifact stage decided.
package enum ArtifactOutcome: Sendable, Equatable {
    /// The alias already serves this code: nothing uploaded.
    case unchanged(version: String)
    /// Uploaded, with its sidecars.
    case uploaded(UploadedObject)
}

/// The package-and-upload half of a deploy (PRODUCT.md steps 4 and 5): skip when the alias
/// already serves this code; otherwise upload the package with its SHA-256 to its key, with
/// the sidecars `package.zip.sha256` (sha256sum's format) and `package.zip.base64sha256`
/// (what Terraform's source_code_hash compares), keeping the S3 version for UpdateFunctionCode.
package struct ArtifactStage: Sendable {
    package var lambda: any FunctionAPI
    package var store: any ArtifactStore
    /// With `--signing-profile`: the profile version the served code must be signed by to skip
    /// (the same package, unsigned or signed by another profile, is deployed again, signed).
    package var requiredSigner: String?

    package init(lambda: any FunctionAPI, store: any ArtifactStore) {
        self.lambda = lambda
        self.store = store
    }

    package init(client: AWSClient, multipartThreshold: UInt64 = 16 << 20, partSize: UInt64 = 8 << 20) {
        self.init(
            lambda: LambdaClient(client: client),
            store: S3ArtifactStore(
                s3: S3Client(client: client), multipartThreshold: multipartThreshold, partSize: partSize))
    }

    /// What the caller already knows of the alias: saves reading it again.
    package enum KnownAlias: Sendable {
        case unknown
        case absent
        case present(AliasConfiguration)
    }

    /// The version the alias serves when its code is `package`'s; nil otherwise (no alias,
    /// other code, or traffic split between versions).
    package func unchangedVersion(
        function: String, alias: String, package: PackageResult, current known: KnownAlias = .unknown
    ) async throws -> String? {
        try await unchangedVersion(function: function, alias: alias, codeSha256: package.codeSha256, current: known)
    }

    /// The version the alias serves when its CodeSha256 is `codeSha256` (a zip's base64
    /// digest, an image's manifest digest); nil otherwise.
    package func unchangedVersion(
        function: String, alias: String, codeSha256: String, current known: KnownAlias = .unknown
    ) async throws -> String? {
        let current: AliasConfiguration
        switch known {
        case .present(let alias): current = alias
        case .absent: return nil
        case .unknown:
            // A missing function is an error, a missing alias is not.
            _ = try await lambda.getFunctionConfiguration(function, qualifier: nil)
            guard let found = try await lambda.aliasIfExists(function, alias: alias) else { return nil }
            current = found
        }
        guard current.additionalVersionWeights.isEmpty else { return nil }
        let served = try await lambda.getFunctionConfiguration(function, qualifier: current.functionVersion)
        // Signed code runs Signer's bytes: the version's description names the package signed.
        if let requiredSigner, served.signingProfileVersionArn != requiredSigner { return nil }
        let same = served.codeSha256 == codeSha256 || CodeUpdateStage.recordedPackage(served.description) == codeSha256
        return same ? current.functionVersion : nil
    }

    /// Skips, or uploads the package and its sidecars. `warn` hears what the user should know:
    /// a different package already under this key (a rebuild of the same commit), and a bucket
    /// without versioning, whose object can be overwritten after the function took its bytes.
    /// `started` is an upload already under way while the package was written (finished here
    /// instead of uploading again; the caller aborts it when the deploy skips or fails), and
    /// `previous` the sidecar's digest when the caller already read it (`previousDigest`).
    package func run(
        package: PackageResult, function: String, alias: String, bucket: String, key: String,
        provenance: Provenance, current: KnownAlias = .unknown, started: (any PackageUpload)? = nil,
        previous: String?? = nil, warn: @Sendable (String) -> Void = { _ in }
    ) async throws -> ArtifactOutcome {
        if let version = try await unchangedVersion(
            function: function, alias: alias, package: package, current: current)
        {
            return .unchanged(version: version)
        }
        // Outside git and CI there is no commit: every build shares the `unversioned` key.
        let uncommitted = provenance.commit == nil && provenance.tag == nil
        if uncommitted && key.split(separator: "/").contains("unversioned") {
            warn(
                "No commit is known (not a git repository, no CI variables), so the package goes to s3://\(bucket)/\(key), which every build without a commit overwrites: pass --key with a version of your own (builds/{function}/1.4.2/package.zip) to keep each build."
            )
        }
        let known: String?
        if let previous { known = previous } else { known = await previousDigest(bucket: bucket, key: key) }
        if let digest = known, digest != package.sha256Hex {
            warn(
                uncommitted
                    ? "s3://\(bucket)/\(key) already holds a different package (sha256 \(digest)); it is replaced by this build (sha256 \(package.sha256Hex)), as no commit tells the two apart: pass --key to give each build its own key."
                    : "s3://\(bucket)/\(key) already holds a different package for this commit (sha256 \(digest)); it is replaced by this build (sha256 \(package.sha256Hex)): builds of one commit should give the same bytes, so check what changed in the build."
            )
        }
        var uploaded =
            if let started {
                try await started.finish(size: package.size, sha256: package.sha256)
            } else {
                try await store.uploadPackage(
                    path: package.path, size: package.size, sha256: package.sha256, bucket: bucket, key: key,
                    metadata: Self.metadata(provenance))
            }
        // An unversioned bucket answers no version; a suspended one answers "null", which names
        // no version that stays: both mean the object can be overwritten.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/VersioningSuspendedBehavior.html
        if uploaded.versionId == nil || uploaded.versionId == "null" {
            uploaded.versionId = nil
            warn(
                "Bucket \(bucket) does not keep versions (versioning is off or suspended): the function gets the bytes uploaded now, but s3://\(bucket)/\(key) can be overwritten later; enable versioning on the bucket so every deploy points at bytes that cannot change."
            )
        }
        let name = key.split(separator: "/").last.map(String.init) ?? key
        let hexSidecar = Array("\(package.sha256Hex)  \(name)\n".utf8)
        let base64Sidecar = Array(package.codeSha256.utf8)
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (suffix, body) in [(".sha256", hexSidecar), (".base64sha256", base64Sidecar)] {
                group.addTask {
                    try await store.putSmallObject(
                        bucket: bucket, key: key + suffix, bytes: body, contentType: "text/plain")
                }
            }
            try await group.waitForAll()
        }
        return .uploaded(uploaded)
    }

    /// The SHA-256 (hex) of the package already under `key`, from its `.sha256` sidecar; nil
    /// when there is none (or it cannot be read: the answer only chooses a warning, or whether
    /// to upload while packaging).
    package func previousDigest(bucket: String, key: String) async -> String? {
        guard let data = try? await store.readSmallObject(bucket: bucket, key: key + ".sha256") else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init)
    }

    /// Object metadata: commit, branch and run URL, as printable ASCII (others percent-encoded).
    package static func metadata(_ provenance: Provenance) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in [
            ("commit", provenance.commit), ("branch", provenance.branch ?? provenance.tag),
            ("run-url", provenance.runURL),
        ] {
            guard let value else { continue }
            out[name] = value.unicodeScalars.map {
                $0.value >= 0x20 && $0.value < 0x7f ? String($0) : URIEncoding.encode(String($0))
            }.joined()
        }
        return out
    }
}
