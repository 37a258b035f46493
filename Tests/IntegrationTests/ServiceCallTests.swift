import Hashing
import AWSCore
import AWSServices
import Foundation
import Testing

extension TwinSuite {
    /// The typed S3, Lambda and CloudWatch calls against the twin, which enforces what real AWS
    /// does: checksums, revision preconditions, object versions, update status, qualifiers.
    @Suite("Typed AWS calls against the twin")
    struct ServiceCallTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        func file(_ bytes: Data) throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("ls-body-\(UUID().uuidString)")
                .path
            try bytes.write(to: URL(fileURLWithPath: path))
            return path
        }

        @Test("PutObject streams a file with its SHA-256; S3 keeps the version; a wrong checksum is refused")
        func putObject() async throws {
            let client = try twin.client()
            let s3 = S3Client(client: client)
            let bucket = uniqueName("put-bucket")
            try await Seeder(client: client).createBucket(bucket)
            try await twin.clearRequests()
            let bytes = Data((0..<300_000).map { UInt8($0 % 251) })
            let path = try file(bytes)
            let digest = SHA256Hasher.hash(bytes)
            let key = "repo/fn/v1.2.3 (ü)/package.zip"
            let put = try await s3.putObject(
                bucket: bucket, key: key, body: .file(path: path, offset: 0, length: UInt64(bytes.count)),
                sha256: digest, contentType: "application/zip", metadata: ["commit": "abc123"])
            #expect(put.versionId?.isEmpty == false)
            let (data, info) = try await s3.getObject(bucket: bucket, key: key)
            #expect(data == bytes)
            #expect(info.metadata["commit"] == "abc123")
            let head = try await s3.headObject(bucket: bucket, key: key, versionId: put.versionId)
            #expect(head.contentLength == bytes.count)
            #expect(try await s3.headObjectIfExists(bucket: bucket, key: "absent") == nil)

            var wrong = digest
            wrong[0] ^= 0xff
            do {
                _ = try await s3.putObject(bucket: bucket, key: "bad.zip", body: .bytes(bytes), sha256: wrong)
                Issue.record("a wrong checksum was accepted")
            } catch let error as AWSServiceError {
                // The signed payload hash no longer matches the body either: one of the two refusals.
                #expect(["BadDigest", "XAmzContentSHA256Mismatch"].contains(error.code))
                #expect(error.status == 400)
            }
            let requests = try await twin.requests()
            // Every request was signed correctly, the refused upload included: S3 refused its bytes, not its signature.
            #expect(requests.count == 5)
            for request in requests {
                #expect(request["signatureVerified"] as? Bool == true, "\(request)")
            }
            let puts = requests.filter { $0["operation"] as? String == "PutObject" }
            let headers = try #require(puts.first?["headers"] as? [String: Any])
            #expect(headers["x-amz-checksum-sha256"] as? String == ByteEncoding.base64(digest))
            #expect(headers["x-amz-content-sha256"] as? String == ByteEncoding.hex(digest))
        }

        @Test("multipart: parts with their own checksums complete into the same bytes; an abort leaves nothing")
        func multipart() async throws {
            let client = try twin.client()
            let s3 = S3Client(client: client)
            let bucket = uniqueName("mp-bucket")
            try await Seeder(client: client).createBucket(bucket)
            let partSize = 5 * 1024 * 1024
            let bytes = Data((0..<(partSize + 12345)).map { UInt8(($0 * 7) % 253) })
            let path = try file(bytes)
            let uploadId = try await s3.createMultipartUpload(
                bucket: bucket, key: "big.zip", contentType: "application/zip")
            var parts: [S3CompletedPart] = []
            for (number, range) in [(1, 0..<partSize), (2, partSize..<bytes.count)] {
                parts.append(
                    try await s3.uploadPart(
                        bucket: bucket, key: "big.zip", uploadId: uploadId, partNumber: number,
                        body: .file(path: path, offset: UInt64(range.lowerBound), length: UInt64(range.count)),
                        sha256: SHA256Hasher.hash(bytes[range])))
            }
            let done = try await s3.completeMultipartUpload(
                bucket: bucket, key: "big.zip", uploadId: uploadId, parts: parts)
            #expect(done.versionId?.isEmpty == false)
            #expect(try await s3.getObject(bucket: bucket, key: "big.zip").data == bytes)

            let abandoned = try await s3.createMultipartUpload(bucket: bucket, key: "abandoned.zip")
            try await s3.abortMultipartUpload(bucket: bucket, key: "abandoned.zip", uploadId: abandoned)
            let listing = try await client.send(.s3, AWSOperation("ListMultipartUploads")) { endpoint in
                HTTPRequest(method: "GET", endpoint: endpoint, path: "/" + bucket, query: [("uploads", "")])
            }
            let root = try XMLNode.parse(listing.body)
            #expect(root.children("Upload").isEmpty)
        }

        @Test(
            "Lambda: code from an S3 object version, InProgress then Successful, preconditions, alias routing, qualified invoke"
        )
        func lambdaLifecycle() async throws {
            let client = try twin.client()
            let lambda = LambdaClient(client: client)
            let s3 = S3Client(client: client)
            let name = uniqueName("life-fn")
            let bucket = uniqueName("life-bucket")
            try await twin.seedFunction(name)
            try await Seeder(client: client).createBucket(bucket)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 2])

            let v2 = Data(base64Encoded: Twin.zip("def handler(e, c):\n    return 2\n"))!
            let v3 = Data(base64Encoded: Twin.zip("def handler(e, c):\n    return 3\n"))!
            let first = try await s3.putObject(
                bucket: bucket, key: "pkg.zip", body: .bytes(v2), sha256: SHA256Hasher.hash(v2))
            _ = try await s3.putObject(bucket: bucket, key: "pkg.zip", body: .bytes(v3), sha256: SHA256Hasher.hash(v3))

            let before = try await lambda.getFunction(name)
            let revision = try #require(before.revisionId)
            // A stale revision is refused.
            await #expect(throws: AWSServiceError.self) {
                _ = try await lambda.updateFunctionCode(
                    name, s3Bucket: bucket, s3Key: "pkg.zip", revisionId: "stale-revision")
            }
            // The older object version is the one deployed, not the latest.
            let updated = try await lambda.updateFunctionCode(
                name, s3Bucket: bucket, s3Key: "pkg.zip", s3ObjectVersion: first.versionId, revisionId: revision)
            #expect(updated.lastUpdateStatus == "InProgress")
            var statuses: [String] = []
            var config = updated
            for _ in 0..<10 {
                config = try await lambda.getFunctionConfiguration(name)
                statuses.append(config.lastUpdateStatus ?? "")
                if config.lastUpdateStatus == "Successful" { break }
            }
            #expect(statuses.first == "InProgress")
            #expect(statuses.last == "Successful")
            let expected = ByteEncoding.base64(SHA256Hasher.hash(v2))
            #expect(config.codeSha256 == expected)

            // PublishVersion honours its preconditions.
            do {
                _ = try await lambda.publishVersion(
                    name, codeSha256: ByteEncoding.base64(SHA256Hasher.hash(v3)), revisionId: config.revisionId)
                Issue.record("a wrong CodeSha256 was accepted")
            } catch let error as AWSServiceError {
                #expect(error.code == "InvalidParameterValueException")
            }
            let published = try await lambda.publishVersion(
                name, codeSha256: expected, revisionId: config.revisionId, description: "commit abc123 on main")
            #expect(published.version == "2")
            #expect(published.codeSha256 == expected)

            // The alias: RevisionId on every update; someone else's change is detected.
            let alias = try await lambda.getAlias(name, alias: "live")
            #expect(alias.functionVersion == "1")
            let shifted = try await lambda.updateAlias(
                name, alias: "live", additionalVersionWeights: ["2": 0.1], revisionId: alias.revisionId)
            #expect(shifted.additionalVersionWeights == ["2": 0.1])
            #expect(shifted.revisionId != alias.revisionId)
            do {
                _ = try await lambda.updateAlias(
                    name, alias: "live", version: "2", additionalVersionWeights: [:], revisionId: alias.revisionId)
                Issue.record("a stale alias RevisionId was accepted")
            } catch let error as AWSServiceError {
                #expect(error.code == "PreconditionFailedException")
                #expect(error.status == 412)
            }
            let unchanged = try await lambda.getAlias(name, alias: "live")
            #expect(unchanged.additionalVersionWeights == ["2": 0.1])

            // Invoke honours the qualifier and the scripted result.
            try await twin.control(
                "POST", "/_twin/invoke",
                [
                    "function": name, "qualifier": "2", "statusCode": 200,
                    "payload": #"{"errorMessage":"boom"}"#, "functionError": "Unhandled",
                ])
            let invoked = try await lambda.invoke(name, qualifier: "2", payload: Data(#"{"smoke":true}"#.utf8))
            #expect(invoked.executedVersion == "2")
            #expect(invoked.functionError == "Unhandled")
            #expect(String(decoding: invoked.payload, as: UTF8.self) == #"{"errorMessage":"boom"}"#)
            let echo = try await lambda.invoke(name, qualifier: "1", payload: Data(#"{"smoke":true}"#.utf8))
            #expect(echo.executedVersion == "1")
            #expect(echo.functionError == nil)

            let versions = try await lambda.listVersionsByFunction(name)
            #expect(versions.map(\.version) == ["$LATEST", "1", "2"])
            // A version an alias routes to cannot be deleted (409) until the routing is cleared.
            do {
                try await lambda.deleteFunctionVersion(name, version: "2")
                Issue.record("a version the alias routes to was deleted")
            } catch let error as AWSServiceError {
                #expect(error.code == "ResourceConflictException" && error.status == 409)
            }
            let cleared = try await lambda.getAlias(name, alias: "live")
            _ = try await lambda.updateAlias(
                name, alias: "live", version: "1", additionalVersionWeights: [:], revisionId: cleared.revisionId)
            try await lambda.deleteFunctionVersion(name, version: "2")
            #expect(try await lambda.listVersionsByFunction(name).map(\.version) == ["$LATEST", "1"])
        }

        @Test("CloudWatch over JSON 1.0: alarm states by name and prefix, metric data by exact dimensions")
        func cloudWatch() async throws {
            let client = try twin.client()
            let seeder = Seeder(client: client)
            let prefix = uniqueName("cw")
            try await seeder.createAlarm(prefix + "-errors", state: "ALARM")
            try await seeder.createAlarm(prefix + "-latency", state: "OK")
            let cloudWatch = CloudWatchClient(client: client)
            let byPrefix = try await cloudWatch.describeAlarms(prefix: prefix)
            #expect(byPrefix.map(\.name).sorted() == [prefix + "-errors", prefix + "-latency"])
            #expect(byPrefix.first { $0.name == prefix + "-errors" }?.state == "ALARM")
            #expect(try await cloudWatch.describeAlarms(names: [prefix + "-latency"]).map(\.state) == ["OK"])

            let now = Date()
            let function = uniqueName("metrics-fn")
            _ = try await seeder.cloudWatch(
                "PutMetricData",
                [
                    "Namespace": "AWS/Lambda",
                    "MetricData": [
                        [
                            "MetricName": "Errors", "Value": 3, "Timestamp": Int(now.timeIntervalSince1970) - 30,
                            "Dimensions": [
                                ["Name": "FunctionName", "Value": function],
                                ["Name": "Resource", "Value": function + ":live"],
                                ["Name": "ExecutedVersion", "Value": "2"],
                            ],
                        ]
                    ],
                ])
            let query = MetricQuery(
                id: "errors", namespace: "AWS/Lambda", metricName: "Errors",
                dimensions: [("FunctionName", function), ("Resource", function + ":live"), ("ExecutedVersion", "2")],
                period: 60, stat: "Sum")
            let results = try await cloudWatch.getMetricData(
                [query], start: now.addingTimeInterval(-600), end: now.addingTimeInterval(60))
            #expect(results.count == 1)
            #expect(results.first?.values.reduce(0, +) == 3)
        }
    }
}
