import AWSServices
import FoundationEssentials
import Hashing
import Ports
import Synchronization

/// The store of one target in a run over several: the same bytes to the same key of the same
/// bucket (the targets of a bucket share one key) are written once, whichever target comes
/// first; the others get the same object.
struct SharedUploads: ArtifactStore {
    let inner: any ArtifactStore
    let region: String
    let ledger: UploadLedger

    func probeBucket(_ bucket: String, under prefix: String) async throws {
        try await inner.probeBucket(bucket, under: prefix)
    }

    func uploadPackage(
        path: String, size: UInt64, sha256: [UInt8], bucket: String, key: String, metadata: [String: String]
    ) async throws -> UploadedObject {
        let inner = self.inner
        return try await ledger.once("\(region)|\(bucket)|\(key)|\(ByteEncoding.hex(sha256))") {
            try await inner.uploadPackage(
                path: path, size: size, sha256: sha256, bucket: bucket, key: key, metadata: metadata)
        }
    }

    /// Only a run of one target packages while it uploads (several share one package, written
    /// first), so this is the inner store's, unshared.
    func beginPackageUpload(
        path: String, plannedBytes: UInt64, bucket: String, key: String, metadata: [String: String]
    ) async throws -> (any PackageUpload)? {
        try await inner.beginPackageUpload(
            path: path, plannedBytes: plannedBytes, bucket: bucket, key: key, metadata: metadata)
    }

    func putSmallObject(bucket: String, key: String, bytes: [UInt8], contentType: String) async throws {
        let inner = self.inner
        _ = try await ledger.once("\(region)|\(bucket)|\(key)|\(ByteEncoding.hex(SHA256Hasher.hash(bytes)))") {
            try await inner.putSmallObject(bucket: bucket, key: key, bytes: bytes, contentType: contentType)
            return UploadedObject(bucket: bucket, key: key, versionId: nil, multipart: false)
        }
    }

    func readSmallObject(bucket: String, key: String) async throws -> Data? {
        try await inner.readSmallObject(bucket: bucket, key: key)
    }

    func describeObject(bucket: String, key: String, versionId: String?) async throws -> S3ObjectInfo? {
        try await inner.describeObject(bucket: bucket, key: key, versionId: versionId)
    }

    func sha256OfObject(bucket: String, key: String, versionId: String?) async throws -> [UInt8] {
        try await inner.sha256OfObject(bucket: bucket, key: key, versionId: versionId)
    }
}

/// Writes that happen once per run, keyed by what they write; later callers await the first.
final class UploadLedger: Sendable {
    private let writes = Mutex<[String: Task<UploadedObject, any Error>]>([:])
    /// How many writes were actually made.
    var count: Int { writes.withLock { $0.count } }

    func once(_ key: String, _ write: @escaping @Sendable () async throws -> UploadedObject) async throws
        -> UploadedObject
    {
        let task = writes.withLock { all in
            if let started = all[key] { return started }
            let started = Task { try await write() }
            all[key] = started
            return started
        }
        // A signal stops the wait and the write (every target waiting on it is cancelled with it).
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
