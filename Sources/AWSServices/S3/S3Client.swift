import Hashing
import AWSCore
import FoundationEssentials

/// What S3 said about a stored object.
package struct S3ObjectInfo: Sendable, Equatable {
    package var eTag: String?
    package var versionId: String?
    package var contentLength: Int?
    package var checksumSHA256: String?
    package var metadata: [String: String]

    package init(
        eTag: String?, versionId: String?, contentLength: Int?, checksumSHA256: String?, metadata: [String: String]
    ) {
        self.eTag = eTag
        self.versionId = versionId
        self.contentLength = contentLength
        self.checksumSHA256 = checksumSHA256
        self.metadata = metadata
    }
}

/// A part as CompleteMultipartUpload needs it.
package struct S3CompletedPart: Sendable, Equatable {
    package var partNumber: Int
    package var eTag: String
    package var checksumSHA256: String?

    package init(partNumber: Int, eTag: String, checksumSHA256: String?) {
        self.partNumber = partNumber
        self.eTag = eTag
        self.checksumSHA256 = checksumSHA256
    }
}

/// S3 calls lambda-shift makes, over REST-XML. Uploads carry x-amz-checksum-sha256 so S3
/// checks the bytes, and are signed with the same digest, computed while the package was
/// written, so a body streams from disk without a second pass.
/// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
package struct S3Client: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    /// Uploads `body` whose SHA-256 is `sha256`.
    package func putObject(
        bucket: String, key: String, body: HTTPBody, sha256: [UInt8], contentType: String = "application/octet-stream",
        metadata: [String: String] = [:]
    ) async throws -> S3ObjectInfo {
        var headers: HTTPHeaders = ["Content-Type": contentType, "x-amz-checksum-sha256": ByteEncoding.base64(sha256)]
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { headers.add("x-amz-meta-\(name)", value) }
        let response = try await send(
            "PutObject", "PUT", bucket: bucket, key: key, headers: headers, body: body,
            payload: .sha256Hex(ByteEncoding.hex(sha256)), timeouts: uploadTimeouts(body.length))
        return info(response)
    }

    package func headObject(bucket: String, key: String, versionId: String? = nil) async throws -> S3ObjectInfo {
        info(
            try await send(
                "HeadObject", "HEAD", bucket: bucket, key: key, query: versionId.map { [("versionId", $0)] } ?? [],
                headers: ["x-amz-checksum-mode": "ENABLED"]))
    }

    /// HeadObject that answers nil for a missing object instead of throwing.
    package func headObjectIfExists(bucket: String, key: String) async throws -> S3ObjectInfo? {
        do { return try await headObject(bucket: bucket, key: key) } catch let error as AWSServiceError
            where error.status == 404
        { return nil }
    }

    package func getObject(bucket: String, key: String, versionId: String? = nil) async throws -> (
        data: Data, info: S3ObjectInfo
    ) {
        let response = try await send(
            "GetObject", "GET", bucket: bucket, key: key, query: versionId.map { [("versionId", $0)] } ?? [])
        return (response.body, info(response))
    }

    package func createMultipartUpload(
        bucket: String, key: String, contentType: String = "application/octet-stream",
        metadata: [String: String] = [:]
    ) async throws -> String {
        var headers: HTTPHeaders = ["Content-Type": contentType, "x-amz-checksum-algorithm": "SHA256"]
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { headers.add("x-amz-meta-\(name)", value) }
        // Repeating it after an unknown outcome would leave an orphaned upload behind.
        let response = try await send(
            "CreateMultipartUpload", "POST", bucket: bucket, key: key, query: [("uploads", "")],
            headers: headers, idempotent: false)
        guard let uploadId = try? XMLNode.parse(response.body).text(at: "UploadId"), !uploadId.isEmpty else {
            throw AWSClientError(
                .invalidResponse, "S3 answered CreateMultipartUpload without an upload id.", isConfiguration: false)
        }
        return uploadId
    }

    /// Uploads one part (a byte range of a file) whose SHA-256 is `sha256`.
    package func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, body: HTTPBody, sha256: [UInt8]
    ) async throws -> S3CompletedPart {
        let checksum = ByteEncoding.base64(sha256)
        let response = try await send(
            "UploadPart", "PUT", bucket: bucket, key: key,
            query: [("partNumber", String(partNumber)), ("uploadId", uploadId)],
            headers: ["x-amz-checksum-sha256": checksum], body: body,
            payload: .sha256Hex(ByteEncoding.hex(sha256)), timeouts: uploadTimeouts(body.length))
        guard let eTag = response.headers["ETag"] else {
            throw AWSClientError(
                .invalidResponse, "S3 answered UploadPart \(partNumber) without an ETag.", isConfiguration: false)
        }
        return S3CompletedPart(
            partNumber: partNumber, eTag: eTag, checksumSHA256: response.headers["x-amz-checksum-sha256"] ?? checksum)
    }

    package func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [S3CompletedPart])
        async throws -> S3ObjectInfo
    {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\(XMLNode.escape(part.eTag))</ETag>"
            if let checksum = part.checksumSHA256 { xml += "<ChecksumSHA256>\(checksum)</ChecksumSHA256>" }
            xml += "</Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try await send(
            "CompleteMultipartUpload", "POST", bucket: bucket, key: key, query: [("uploadId", uploadId)],
            headers: ["Content-Type": "application/xml"], body: .bytes(Data(xml.utf8)))
        // S3 can answer 200 with an error document when completion fails late.
        if let root = try? XMLNode.parse(response.body), root.name == "Error" {
            throw AWSServiceError(
                service: "S3", operation: "CompleteMultipartUpload", code: root.text(at: "Code") ?? "InternalError",
                message: root.text(at: "Message") ?? "", status: response.status, requestId: response.requestId)
        }
        var result = info(response)
        if let root = try? XMLNode.parse(response.body) { result.eTag = root.text(at: "ETag") ?? result.eTag }
        return result
    }

    package func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws {
        _ = try await send("AbortMultipartUpload", "DELETE", bucket: bucket, key: key, query: [("uploadId", uploadId)])
    }

    // MARK: - Addressing

    /// Path-style addressing (`/bucket/key`) when the endpoint is overridden or the bucket
    /// name cannot be a host label; virtual-hosted (`bucket.s3.region…/key`) otherwise.
    func request(
        method: String, endpoint: Endpoint, bucket: String, key: String, query: [(String, String)],
        headers: HTTPHeaders, body: HTTPBody
    ) -> HTTPRequest {
        let encodedKey = URIEncoding.encode(key, keepSlash: true)
        let virtualHosted = !client.endpoints.isOverridden(.s3) && Self.isDNSCompatible(bucket)
        var target = endpoint
        let path: String
        if virtualHosted {
            target.host = "\(bucket).\(endpoint.host)"
            path = "/" + encodedKey
        } else {
            path = "/" + URIEncoding.encode(bucket) + "/" + encodedKey
        }
        return HTTPRequest(
            method: method, endpoint: target, path: path, query: query.map { (name: $0.0, value: $0.1) },
            headers: headers, body: body)
    }

    static func isDNSCompatible(_ bucket: String) -> Bool {
        guard (3...63).contains(bucket.count), !bucket.contains("."), !bucket.contains("--") else { return false }
        return bucket.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } && bucket.first != "-"
            && bucket.last != "-"
    }

    func send(
        _ operation: String, _ method: String, bucket: String, key: String, query: [(String, String)] = [],
        headers: HTTPHeaders = [:], body: HTTPBody = .empty, payload: PayloadHash? = nil,
        idempotent: Bool = true, timeouts: HTTPTimeouts? = nil
    ) async throws -> HTTPResponse {
        try await client.send(
            .s3, AWSOperation(operation, idempotent: idempotent), payload: payload, timeouts: timeouts
        ) { endpoint in
            request(
                method: method, endpoint: endpoint, bucket: bucket, key: key, query: query, headers: headers, body: body
            )
        }
    }

    /// Uploads get time in proportion to their size, at a floor of 1 MiB/s.
    private func uploadTimeouts(_ length: UInt64) -> HTTPTimeouts {
        HTTPTimeouts(
            connect: client.timeouts.connect, total: max(client.timeouts.total, Double(length) / 1_048_576 + 60))
    }

    private func info(_ response: HTTPResponse) -> S3ObjectInfo {
        var metadata: [String: String] = [:]
        for (name, value) in response.headers where name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(name.lowercased().dropFirst(11))] = value
        }
        return S3ObjectInfo(
            eTag: response.headers["ETag"], versionId: response.headers["x-amz-version-id"],
            contentLength: response.headers["Content-Length"].flatMap(Int.init),
            checksumSHA256: response.headers["x-amz-checksum-sha256"], metadata: metadata)
    }
}
