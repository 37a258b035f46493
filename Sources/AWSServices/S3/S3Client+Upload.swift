import Hashing
import AWSCore
import FoundationEssentials

/// Where an upload landed.
package struct UploadedObject: Sendable, Equatable {
    package var bucket: String
    package var key: String
    /// The S3 version, when the bucket is versioned.
    package var versionId: String?
    package var multipart: Bool

    package init(bucket: String, key: String, versionId: String?, multipart: Bool) {
        self.bucket = bucket
        self.key = key
        self.versionId = versionId
        self.multipart = multipart
    }
}

extension S3Client {
    /// Checks that the bucket exists and this identity may read it, with the permissions a
    /// deploy has (GetObject on a key that is not there, under `prefix`, where the
    /// least-privilege policy lets it read: NoSuchKey means yes). Throws the service's answer
    /// otherwise (NoSuchBucket, AccessDenied, …).
    package func probeBucket(_ bucket: String, under prefix: String = "") async throws {
        do {
            _ = try await getObject(bucket: bucket, key: prefix + ".lambda-shift-probe")
        } catch let error as AWSServiceError where error.code == "NoSuchKey" {
            return
        }
    }

    /// Uploads a file whose SHA-256 is known: one PutObject up to `multipartThreshold`,
    /// otherwise a multipart upload with `concurrency` parts in flight, each sent with its own
    /// SHA-256 so S3 checks every byte (S3StreamingUpload). Any failure (cancellation included)
    /// aborts the multipart upload so no parts are left behind.
    package func uploadFile(
        path: String, size: UInt64, sha256: [UInt8], bucket: String, key: String,
        contentType: String = "application/zip", metadata: [String: String] = [:],
        multipartThreshold: UInt64 = 16 << 20, partSize: UInt64 = 8 << 20, concurrency: Int = 4
    ) async throws -> UploadedObject {
        if size <= multipartThreshold {
            let info = try await putObject(
                bucket: bucket, key: key, body: .file(path: path, offset: 0, length: size), sha256: sha256,
                contentType: contentType, metadata: metadata)
            return UploadedObject(bucket: bucket, key: key, versionId: info.versionId, multipart: false)
        }
        // A file already written is the streaming upload's simplest case: everything is final.
        let upload = try await beginStreamingUpload(
            path: path, bucket: bucket, key: key, contentType: contentType, metadata: metadata, partSize: partSize,
            concurrency: concurrency)
        return try await upload.finish(size: size, sha256: sha256)
    }
}
