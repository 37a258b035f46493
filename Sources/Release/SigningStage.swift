import AWSCore
import AWSServices
import FoundationEssentials
import Hashing
import LambdaShiftCore
import Ports

/// A package signed by AWS Signer: the job, and the signed object (a new object Signer wrote)
/// with its SHA-256, which is what Lambda reports as the code's CodeSha256.
package struct SignedObject: Sendable, Equatable {
    package var jobId: String
    package var bucket: String
    package var key: String
    package var versionId: String?
    package var sha256: [UInt8]

    /// base64, as Lambda reports CodeSha256.
    package var codeSha256: String { ByteEncoding.base64(sha256) }
}

/// `--signing-profile`: signs the uploaded object version with AWS Signer before the code
/// update, waits for the job, and reads the signed object back once for its SHA-256 (written
/// beside it as a `.sha256` sidecar, so the signed object can be promoted with `--artifact`
/// like any uploaded package). A failed job is exit 1 with Signer's reason; nothing is published.
/// https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
package struct SigningStage: Sendable {
    package var signer: any CodeSigner
    package var store: any ArtifactStore
    package var clock: any AWSClock
    package var sleeper: any Sleeper
    /// The longest a signing job may take.
    package var maxWait: TimeInterval

    package init(
        signer: any CodeSigner, store: any ArtifactStore, clock: any AWSClock, sleeper: any Sleeper,
        maxWait: TimeInterval = 600
    ) {
        self.signer = signer
        self.store = store
        self.clock = clock
        self.sleeper = sleeper
        self.maxWait = maxWait
    }

    package func sign(_ object: UploadedObject, profile: String, prefix: String, token: String) async throws
        -> SignedObject
    {
        guard let version = object.versionId, !version.isEmpty else {
            throw DeployError(
                "s3://\(object.bucket) keeps no object versions, and AWS Signer signs an object version: turn on versioning for the bucket to sign."
            )
        }
        let jobId = try await signer.startSigningJob(
            bucket: object.bucket, key: object.key, version: version, destinationBucket: object.bucket,
            prefix: prefix, profile: profile, token: token)
        let ending = try await Waiter(clock: clock, sleeper: sleeper, timeout: maxWait, firstDelay: 0.5).poll(
            { try await signer.signingJob(jobId) }, until: { $0.state != .inProgress })
        guard case .done(let job) = ending else {
            throw DeployError(
                "AWS Signer job \(jobId) was still in progress after \(Int(maxWait))s: nothing was published; look at the job in the Signer console and re-run."
            )
        }
        guard job.state == .succeeded, let bucket = job.signedBucket, let key = job.signedKey else {
            throw DeployError(
                "AWS Signer job \(jobId) \(job.state == .failed ? "failed" : "ended \(job.status)"): \(job.reason ?? "no reason given"). Nothing was published."
            )
        }
        let facts = try await store.describeObject(bucket: bucket, key: key, versionId: nil)
        guard let bytes = try await store.readSmallObject(bucket: bucket, key: key) else {
            throw DeployError(
                "AWS Signer job \(jobId) names s3://\(bucket)/\(key), which is not there: nothing was published.")
        }
        let digest = SHA256Hasher.hash([UInt8](bytes))
        try await store.putSmallObject(
            bucket: bucket, key: key + ".sha256",
            bytes: Array("\(ByteEncoding.hex(digest))  \(key.split(separator: "/").last ?? "")\n".utf8),
            contentType: "text/plain")
        return SignedObject(jobId: jobId, bucket: bucket, key: key, versionId: facts?.versionId, sha256: digest)
    }
}
