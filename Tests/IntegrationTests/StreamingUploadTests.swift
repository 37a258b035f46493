import AWSCore
import AWSServices
import Foundation
import Hashing
import Testing

extension TwinSuite {
    /// A package uploaded while it is written (issue 25's overlap), on the wire: parts go as
    /// soon as their bytes are final, each with its checksum; every way out leaves S3 with no
    /// multipart upload in progress.
    @Suite("Upload while packaging")
    struct StreamingUploadTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        static let partSize: UInt64 = 5 << 20

        /// `size` random bytes (which no deflate shrinks).
        static func randomBytes(_ size: Int) throws -> Data {
            let urandom = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
            defer { try? urandom.close() }
            return try urandom.read(upToCount: size) ?? Data()
        }

        /// A file of `size` random bytes.
        func randomFile(_ size: Int) throws -> (path: String, bytes: Data) {
            let bytes = try Self.randomBytes(size)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("ls-stream-\(UUID().uuidString)")
                .path
            try bytes.write(to: URL(fileURLWithPath: path))
            return (path, bytes)
        }

        func inProgress(_ client: AWSClient, bucket: String) async throws -> Int {
            try await Seeder(client: client).multipartUploadsInProgress(bucket)
        }

        func operations(_ name: String) async throws -> [[String: Any]] {
            try await twin.requests().filter { $0["operation"] as? String == name }
        }

        /// Waits (up to 20 s) until `count` parts were answered.
        func waitForParts(_ count: Int) async throws -> [[String: Any]] {
            for _ in 0..<200 {
                let parts = try await operations("UploadPart").filter { $0["status"] as? Int == 200 }
                if parts.count >= count { return parts }
                try await Task.sleep(for: .milliseconds(100))
            }
            return try await operations("UploadPart")
        }

        @Test("parts go while the file is still being written; finish sends the rest; the object is the file")
        func partsBeforeFinish() async throws {
            let client = try twin.client()
            let bucket = uniqueName("stream-b")
            try await Seeder(client: client).createBucket(bucket)
            let (path, bytes) = try randomFile(Int(3 * Self.partSize) + 777)
            try await twin.clearRequests()
            let upload = try await S3Client(client: client).beginStreamingUpload(
                path: path, bucket: bucket, key: "pkg.zip", partSize: Self.partSize)
            // Two parts' worth is final (and a little more, which is not a whole part).
            try upload.committed(2 * Self.partSize + 100)
            let early = try await waitForParts(2)
            #expect(early.count == 2)
            #expect(try await operations("CompleteMultipartUpload").isEmpty)
            let object = try await upload.finish(size: UInt64(bytes.count), sha256: SHA256Hasher.hash(bytes))
            #expect(object.multipart && object.versionId?.isEmpty == false)
            #expect(try await S3Client(client: client).getObject(bucket: bucket, key: "pkg.zip").data == bytes)
            let parts = try await operations("UploadPart")
            #expect(parts.count == 4)
            // Each part carried its own SHA-256, and every request was signed correctly.
            for part in parts {
                let headers = try #require(part["headers"] as? [String: Any])
                #expect((headers["x-amz-checksum-sha256"] as? String)?.isEmpty == false)
            }
            #expect(try await twin.requests().allSatisfy { $0["signatureVerified"] as? Bool == true })
            #expect(try await inProgress(client, bucket: bucket) == 0)
        }

        @Test("a part S3 refuses stops the writer (committed throws) and finish; the upload is aborted")
        func partFails() async throws {
            let client = try twin.client()
            let bucket = uniqueName("stream-f")
            try await Seeder(client: client).createBucket(bucket)
            let (path, bytes) = try randomFile(Int(2 * Self.partSize))
            try await twin.setFaults([["service": "s3", "operation": "UploadPart", "kind": "server-error"]])
            defer { Task { try? await twin.setFaults([]) } }
            let upload = try await S3Client(client: client).beginStreamingUpload(
                path: path, bucket: bucket, key: "pkg.zip", partSize: Self.partSize)
            try upload.committed(Self.partSize)
            var stopped = false
            for _ in 0..<200 where !stopped {
                try await Task.sleep(for: .milliseconds(100))
                stopped = (try? upload.committed(Self.partSize + 1)) == nil
            }
            #expect(stopped, "the writer was never told the upload failed")
            await #expect(throws: AWSServiceError.self) {
                _ = try await upload.finish(size: UInt64(bytes.count), sha256: SHA256Hasher.hash(bytes))
            }
            try await twin.setFaults([])
            #expect(try await operations("AbortMultipartUpload").count >= 1)
            #expect(try await inProgress(client, bucket: bucket) == 0)
            #expect(try await S3Client(client: client).headObjectIfExists(bucket: bucket, key: "pkg.zip") == nil)
        }

        @Test("a package smaller than one part (it compressed well): one part, sent by finish")
        func onePart() async throws {
            let client = try twin.client()
            let bucket = uniqueName("stream-1")
            try await Seeder(client: client).createBucket(bucket)
            let (path, bytes) = try randomFile(300_000)
            try await twin.clearRequests()
            let upload = try await S3Client(client: client).beginStreamingUpload(
                path: path, bucket: bucket, key: "pkg.zip", partSize: Self.partSize)
            try upload.committed(200_000)
            let object = try await upload.finish(size: UInt64(bytes.count), sha256: SHA256Hasher.hash(bytes))
            #expect(object.multipart)
            #expect(try await operations("UploadPart").count == 1)
            #expect(try await S3Client(client: client).getObject(bucket: bucket, key: "pkg.zip").data == bytes)
        }

        @Test("a part sent early whose bytes then changed in the file: finish refuses to complete, and aborts")
        func changedAfterSent() async throws {
            let client = try twin.client()
            let bucket = uniqueName("stream-c")
            try await Seeder(client: client).createBucket(bucket)
            var (path, bytes) = try randomFile(Int(2 * Self.partSize))
            try await twin.clearRequests()
            let upload = try await S3Client(client: client).beginStreamingUpload(
                path: path, bucket: bucket, key: "pkg.zip", partSize: Self.partSize)
            try upload.committed(Self.partSize)
            #expect(try await waitForParts(1).count == 1)
            // A writer that broke its word: the first part's bytes change after they went.
            bytes[10] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: path))
            do {
                _ = try await upload.finish(size: UInt64(bytes.count), sha256: SHA256Hasher.hash(bytes))
                Issue.record("an upload whose early part no longer matches the file was completed")
            } catch let error as AWSClientError {
                #expect(error.message.contains("does not match the package written"), "\(error)")
            }
            #expect(try await operations("CompleteMultipartUpload").isEmpty)
            #expect(try await inProgress(client, bucket: bucket) == 0)
        }

        @Test("finish after an abort completes nothing: it throws, and S3 has no object")
        func finishAfterAbort() async throws {
            let client = try twin.client()
            let bucket = uniqueName("stream-x")
            try await Seeder(client: client).createBucket(bucket)
            let (path, bytes) = try randomFile(Int(Self.partSize) + 1000)
            try await twin.clearRequests()
            let upload = try await S3Client(client: client).beginStreamingUpload(
                path: path, bucket: bucket, key: "pkg.zip", partSize: Self.partSize)
            try upload.committed(Self.partSize)
            await upload.abort()
            #expect(throws: CancellationError.self) { try upload.committed(Self.partSize + 1) }
            await #expect(throws: CancellationError.self) {
                _ = try await upload.finish(size: UInt64(bytes.count), sha256: SHA256Hasher.hash(bytes))
            }
            #expect(try await operations("CompleteMultipartUpload").isEmpty)
            #expect(try await inProgress(client, bucket: bucket) == 0)
            #expect(try await S3Client(client: client).headObjectIfExists(bucket: bucket, key: "pkg.zip") == nil)
        }

        @Test("abort after parts went: S3 keeps none of them, and no object")
        func abortLeavesNothing() async throws {
            let client = try twin.client()
            let bucket = uniqueName("stream-a")
            try await Seeder(client: client).createBucket(bucket)
            let (path, _) = try randomFile(Int(2 * Self.partSize))
            try await twin.clearRequests()
            let upload = try await S3Client(client: client).beginStreamingUpload(
                path: path, bucket: bucket, key: "pkg.zip", partSize: Self.partSize)
            try upload.committed(2 * Self.partSize)
            #expect(try await waitForParts(2).count == 2)
            await upload.abort()
            await upload.abort()  // a second abort does nothing
            #expect(try await inProgress(client, bucket: bucket) == 0)
            #expect(try await S3Client(client: client).headObjectIfExists(bucket: bucket, key: "pkg.zip") == nil)
        }

        @Test(
            "lambda-shift deploy of a package over the multipart threshold: uploaded in parts while packaging for a new key; a re-run skips with no upload; a new key for served code aborts"
        )
        func deployOverlaps() async throws {
            let client = try twin.client()
            let function = uniqueName("stream-fn")
            try await twin.seedFunction(function, alias: "live")
            let bucket = uniqueName("stream-d")
            try await Seeder(client: client).createBucket(bucket)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            let source = try sourceDirectory(returning: "big")
            for index in 0..<6 {  // 18 MiB that does not compress: a 3-part package
                try Self.randomBytes(3 << 20).write(to: URL(fileURLWithPath: source + "/blob\(index).bin"))
            }
            func deploy(key: String) throws -> Shell.Result {
                try Shell.lambdaShift(
                    [
                        "deploy", "--function", function, "--bucket", bucket, "--source", source, "--strategy",
                        "AllAtOnce", "--environment", "staging", "--key", key,
                    ], environment: twin.environment().variables)
            }

            try await twin.clearRequests()
            let first = try deploy(key: "builds/run1/package.zip")
            #expect(first.status == 0, "\(first.all)")
            #expect(first.outputs["outcome"] == "deployed")
            #expect(first.stderr.contains("in parts sent while it was being packaged"), "\(first.all)")
            let creates = try await operations("CreateMultipartUpload")
            #expect(creates.count == 1)
            #expect(try await operations("UploadPart").count == 3)
            #expect(try await operations("PutObject").count == 2)  // the two sidecars only
            let (object, _) = try await S3Client(client: client).getObject(
                bucket: bucket, key: "builds/run1/package.zip")
            #expect(ByteEncoding.hex(SHA256Hasher.hash(object)) == first.outputs["sha256"])
            let served = try await LambdaClient(client: client).getFunctionConfiguration(function, qualifier: "live")
            #expect(served.codeSha256 == first.outputs["code-sha256"])
            #expect(try await twin.requests().allSatisfy { $0["signatureVerified"] as? Bool == true })

            // The same key again (a re-run): packaged first, found served, nothing uploaded.
            try await twin.clearRequests()
            let rerun = try deploy(key: "builds/run1/package.zip")
            #expect(rerun.outputs["outcome"] == "skipped", "\(rerun.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

            // A new key for the code the alias serves: the upload begun is aborted.
            try await twin.clearRequests()
            let moved = try deploy(key: "builds/run2/package.zip")
            #expect(moved.outputs["outcome"] == "skipped", "\(moved.all)")
            #expect(moved.stderr.contains("upload begun while packaging was aborted"), "\(moved.all)")
            #expect(try await operations("CreateMultipartUpload").count == 1)
            #expect(try await operations("AbortMultipartUpload").count == 1)
            #expect(try await operations("CompleteMultipartUpload").isEmpty)
            #expect(try await inProgress(client, bucket: bucket) == 0)
            #expect(
                try await S3Client(client: client).headObjectIfExists(bucket: bucket, key: "builds/run2/package.zip")
                    == nil)
        }
    }
}
