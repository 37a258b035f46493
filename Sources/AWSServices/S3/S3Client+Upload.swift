import Hashing
import AWSCore
import FoundationEssentials

/// Where an upload landed.
public struct UploadedObject: Sendable, Equatable {
    public var bucket: String
    public var key: String
    /// The S3 version, when the bucket is versioned.
    public var versionId: String?
    public var multipart: Bool

    public init(bucket: String, key: String, versionId: String?, multipart: Bool) {
        self.bucket = bucket
        self.key = key
        self.versionId = versionId
        self.multipart = multipart
    }
}

extension S3Client {
    /// Checks that the bucket exists and this identity may read it, with the permissions a
    /// deploy has (GetObject on a key that is not there: NoSuchKey means yes). Throws the
    /// service's answer otherwise (NoSuchBucket, AccessDenied, …).
    public func probeBucket(_ bucket: String) async throws {
        do {
            _ = try await getObject(bucket: bucket, key: ".lambda-shift-probe")
        } catch let error as AWSServiceError where error.code == "NoSuchKey" {
            return
        }
    }

    /// Uploads a file whose SHA-256 is known: one PutObject up to `multipartThreshold`,
    /// otherwise a multipart upload with `concurrency` parts in flight, each sent with its own
    /// SHA-256 so S3 checks every byte. Any failure (cancellation included) aborts the
    /// multipart upload so no parts are left behind.
    public func uploadFile(
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
        let partSize = max(partSize, 5 << 20)  // S3's minimum for all but the last part
        let uploadId = try await createMultipartUpload(
            bucket: bucket, key: key, contentType: contentType, metadata: metadata)
        do {
            let parts = try await uploadParts(
                path: path, size: size, partSize: partSize, bucket: bucket, key: key,
                uploadId: uploadId, concurrency: max(1, concurrency))
            let info = try await completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, parts: parts)
            return UploadedObject(bucket: bucket, key: key, versionId: info.versionId, multipart: true)
        } catch {
            // The abort must run even when the failure is a cancellation, so it runs in a task
            // of its own that does not inherit it.
            let s3 = self
            _ = await Task { try? await s3.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId) }.value
            throw error
        }
    }

    private func uploadParts(
        path: String, size: UInt64, partSize: UInt64, bucket: String, key: String,
        uploadId: String, concurrency: Int
    ) async throws -> [S3CompletedPart] {
        let count = Int((size + partSize - 1) / partSize)
        return try await withThrowingTaskGroup(of: S3CompletedPart.self) { group in
            var next = 1
            var done: [S3CompletedPart] = []
            func schedule(_ number: Int, into group: inout ThrowingTaskGroup<S3CompletedPart, any Error>) {
                let offset = UInt64(number - 1) * partSize
                let length = min(partSize, size - offset)
                group.addTask {
                    let digest = try SHA256Hasher.hash(fileAt: path, offset: offset, length: length)
                    return try await uploadPart(
                        bucket: bucket, key: key, uploadId: uploadId, partNumber: number,
                        body: .file(path: path, offset: offset, length: length), sha256: digest)
                }
            }
            while next <= min(count, concurrency) { schedule(next, into: &group); next += 1 }
            while let part = try await group.next() {
                done.append(part)
                if next <= count { schedule(next, into: &group); next += 1 }
            }
            return done.sorted { $0.partNumber < $1.partNumber }
        }
    }
}
