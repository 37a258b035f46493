import AWSCore
import AWSServices
import FoundationEssentials
import Synchronization
import TestSupport
import Testing

/// A transport that holds CreateMultipartUpload until released, as a slow network would. If
/// the task sending it is cancelled meanwhile it fails as libcurl's aborted transfer does,
/// though S3 has the request by then and creates the upload. Everything else succeeds.
private final class HeldCreate: HTTPTransport {
    private let state = Mutex((sent: [HTTPRequest](), released: false))

    var sent: [HTTPRequest] { state.withLock { $0.sent } }
    func release() { state.withLock { $0.released = true } }

    func send(_ request: HTTPRequest, timeout: HTTPTimeouts) async throws -> HTTPResponse {
        state.withLock { $0.sent.append(request) }
        guard request.query.contains(where: { $0.name == "uploads" }) else {
            return HTTPResponse(status: 204, headers: [:], body: Data())
        }
        // Cancellation first: the test cancels the caller, then releases.
        while true {
            if Task.isCancelled {
                throw HTTPTransportError(kind: .cancelled, message: "aborted by the caller", url: request.url)
            }
            if state.withLock({ $0.released }) { break }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        let xml = "<InitiateMultipartUploadResult><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>"
        return HTTPResponse(status: 200, headers: [:], body: Data(xml.utf8))
    }
}

@Suite("A multipart upload begun as the deploy is cancelled")
struct StreamingUploadCancellationTests {
    @Test("a signal while CreateMultipartUpload is in flight still learns the upload's id, and aborts it")
    func cancelledWhileCreating() async throws {
        let transport = HeldCreate()
        let s3 = S3Client(client: testClient(transport))
        let caller = Task {
            try await s3.beginStreamingUpload(path: "/nonexistent/package.zip", bucket: "artifacts", key: "fn/pkg.zip")
        }
        while transport.sent.isEmpty { try await Task.sleep(nanoseconds: 1_000_000) }
        caller.cancel()
        transport.release()
        let result = await caller.result
        #expect(throws: CancellationError.self) { try result.get() }
        let sent = transport.sent
        try #require(sent.count == 2, "\(sent.map { "\($0.method) \($0.url)" })")
        #expect(sent[1].method == "DELETE")
        #expect(sent[1].query.contains { $0.name == "uploadId" && $0.value == "upload-1" })
    }

    @Test("a caller cancelled before it asks sends nothing")
    func cancelledBefore() async throws {
        let transport = HeldCreate()
        let s3 = S3Client(client: testClient(transport))
        let caller = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await s3.beginStreamingUpload(path: "/nonexistent/package.zip", bucket: "b", key: "k")
        }
        let result = await caller.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(transport.sent.isEmpty)
    }
}
