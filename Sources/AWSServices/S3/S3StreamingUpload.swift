import Hashing
import LambdaShiftCore
import AWSCore
import FoundationEssentials
import Synchronization

/// A multipart upload of a file that is still being written: each part goes out as soon as
/// the writer says its bytes are final (`committed`), with its own SHA-256 so S3 checks every
/// byte, at most `concurrency` parts at once; `finish` sends the rest once the size is known
/// and completes the upload. A part that fails makes the next `committed` throw, so the
/// writer stops too; `finish` and `abort` then abort the upload, so no parts are left behind.
/// Parts are hashed in part order, each in one pass that also feeds a running SHA-256 of all
/// of them (`SentBytes`), so `finish` completes only when the parts together hash to the
/// package's SHA-256.
package final class S3StreamingUpload: Sendable {
    package let bucket: String
    package let key: String
    package let uploadId: String
    let s3: S3Client
    let path: String
    let partSize: UInt64
    let concurrency: Int

    private enum Phase { case open, completing, completed, aborted }

    private struct State {
        /// The file's first `committed` bytes are final.
        var committed: UInt64 = 0
        /// Known once the writer finished.
        var size: UInt64?
        /// The next part to send (numbered from 1).
        var next = 1
        var running: [Int: Task<Void, Never>] = [:]
        /// The last part's hashing: each part is hashed once the part before it was.
        var hashing: Task<Result<[UInt8], any Error>, Never>?
        var parts: [S3CompletedPart] = []
        var failure: (any Error)?
        var phase = Phase.open
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    private let sent = SentBytes()

    init(
        s3: S3Client, path: String, bucket: String, key: String, uploadId: String, partSize: UInt64,
        concurrency: Int
    ) {
        self.s3 = s3
        self.path = path
        self.bucket = bucket
        self.key = key
        self.uploadId = uploadId
        self.partSize = max(partSize, 5 << 20)  // S3's minimum for all but the last part
        self.concurrency = max(1, concurrency)
    }

    /// The file's first `bytes` will not change: every whole part within them may go.
    /// Throws the first part's failure, so the writer stops.
    package func committed(_ bytes: UInt64) throws {
        let failure = state.withLock { state -> (any Error)? in
            if let failure = state.failure { return failure }
            guard state.phase == .open else { return CancellationError() }
            state.committed = max(state.committed, bytes)
            start(&state)
            return nil
        }
        if let failure { throw failure }
    }

    /// The file is written (`size` bytes, SHA-256 `sha256`): sends what is left, waits for every
    /// part, checks that the bytes the parts were sent with are, in order, the package (the
    /// same SHA-256), and completes the upload. On any failure (an abort first included) the
    /// upload is aborted and the error thrown.
    package func finish(size: UInt64, sha256: [UInt8]) async throws -> UploadedObject {
        state.withLock { state in
            state.size = size
            state.committed = size
            start(&state)
        }
        await idle()
        do {
            let parts = try state.withLock { state -> [S3CompletedPart] in
                if let failure = state.failure { throw failure }
                guard state.phase == .open else { throw CancellationError() }
                return state.parts.sorted { $0.partNumber < $1.partNumber }
            }
            try Task.checkCancellation()
            let expected = Int((size + partSize - 1) / partSize)
            guard parts.map(\.partNumber) == Array(1...max(1, expected)), sent.digest(through: expected) == sha256
            else {
                // A writer that reported bytes as final and then changed them: never complete that.
                throw AWSClientError(
                    .invalidResponse,
                    "The upload of s3://\(bucket)/\(key) does not match the package written (\(parts.count) parts for \(size) bytes): this is a bug in lambda-shift; report it, and deploy with the package built first (lambda-shift package, then --zip).",
                    isConfiguration: false)
            }
            try state.withLock { state in
                guard state.phase == .open else { throw CancellationError() }
                state.phase = .completing
            }
            do {
                let info = try await s3.completeMultipartUpload(
                    bucket: bucket, key: key, uploadId: uploadId, parts: parts)
                state.withLock { $0.phase = .completed }
                return UploadedObject(bucket: bucket, key: key, versionId: info.versionId, multipart: true)
            } catch {
                state.withLock { $0.phase = .open }
                throw error
            }
        } catch {
            await abort()
            throw error
        }
    }

    /// Stops: parts in flight are cancelled and the multipart upload aborted, so S3 keeps none
    /// of its parts. Does nothing once the upload was aborted, or completed; while it is being
    /// completed (inside `finish`), the completion decides.
    package func abort() async {
        let running = state.withLock { state -> [Task<Void, Never>]? in
            guard state.phase == .open else { return nil }
            state.phase = .aborted
            return Array(state.running.values)
        }
        guard let running else { return }
        running.forEach { $0.cancel() }
        // The abort must run even when the caller was cancelled (a signal), so it runs in a task
        // of its own that does not inherit that. S3Client retries it as any request; an upload
        // it still cannot abort is left to the bucket's AbortIncompleteMultipartUpload rule.
        let s3 = self.s3, bucket = self.bucket, key = self.key, uploadId = self.uploadId
        await Task {
            await self.idle()
            try? await s3.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
        }.value
    }

    /// Starts every part that is ready, up to `concurrency` at once. Called with the lock held.
    private func start(_ state: inout State) {
        while state.failure == nil, state.phase == .open, state.running.count < concurrency {
            let number = state.next
            let offset = UInt64(number - 1) * partSize
            let length: UInt64
            if let size = state.size {
                guard offset < size else { return }
                length = min(partSize, size - offset)
            } else {
                guard offset + partSize <= state.committed else { return }
                length = partSize
            }
            state.next += 1
            // Hashed in part order (a few milliseconds a part), so that `sent` takes each part's
            // bytes from the same read as its checksum, holding none of them; sent at once.
            let hashing = Task { [previous = state.hashing] in
                if case .failure(let error) = await previous?.value { return Result<[UInt8], any Error>.failure(error) }
                return Result { try self.hashed(number, offset: offset, length: length) }
            }
            state.hashing = hashing
            state.running[number] = Task { await self.send(number, offset: offset, length: length, hashing: hashing) }
        }
    }

    /// Sends one part with the SHA-256 its hashing found; S3 refuses a body that is not the bytes
    /// hashed (the body is read from the file again).
    private func send(
        _ number: Int, offset: UInt64, length: UInt64, hashing: Task<Result<[UInt8], any Error>, Never>
    ) async {
        do {
            let digest = try await hashing.value.get()
            try Task.checkCancellation()
            let part = try await s3.uploadPart(
                bucket: bucket, key: key, uploadId: uploadId, partNumber: number,
                body: .file(path: path, offset: offset, length: length), sha256: digest)
            settle(number) { $0.parts.append(part) }
        } catch {
            settle(number) { state in
                if state.failure == nil { state.failure = error }
            }
        }
    }

    /// The part's SHA-256, from one pass over its bytes, which go into `sent` too.
    private func hashed(_ number: Int, offset: UInt64, length: UInt64) throws -> [UInt8] {
        var hasher = SHA256Hasher()
        try FileChunks.forEach(path: path, offset: offset, length: length) { chunk in
            hasher.update(chunk)
            sent.add(number, chunk)
        }
        sent.ended(number)
        return hasher.finalize()
    }

    /// A part ended: records it, starts what is ready, and wakes `idle` when nothing runs.
    private func settle(_ number: Int, _ change: (inout State) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running[number] = nil
            change(&state)
            start(&state)
            guard state.running.isEmpty else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Waits until no part is in flight (none is started after `finish` or `abort` but those
    /// the file still needs). A cancelled caller stops the upload: no part starts any more, and
    /// the parts in flight are cancelled.
    private func idle() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    guard !state.running.isEmpty else { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let running = state.withLock { state -> [Task<Void, Never>] in
                if state.failure == nil { state.failure = CancellationError() }
                return Array(state.running.values)
            }
            running.forEach { $0.cancel() }
        }
    }
}

/// The SHA-256 of the bytes the parts were hashed from, in part order: a part's bytes are added
/// as they are read, and the next part's only after `ended`. Anything out of that order breaks
/// it for good, so `finish` completes nothing.
final class SentBytes: Sendable {
    private struct Fed: ~Copyable {
        var hasher = SHA256Hasher()
        /// Parts 1..<next were added whole.
        var next = 1
        var broken = false
    }
    private let fed = Mutex(Fed())

    /// Bytes of part `number`, which must be the part after the last one ended.
    func add(_ number: Int, _ bytes: UnsafeRawBufferPointer) {
        let bytes = [UInt8](bytes)  // a copy (a chunk, 1 MiB at most) the lock's closure may take
        fed.withLock { fed in
            guard !fed.broken, number == fed.next else {
                fed.broken = true
                return
            }
            fed.hasher.update(bytes)
        }
    }

    /// Part `number` was added whole.
    func ended(_ number: Int) {
        fed.withLock { fed in
            if fed.broken || number != fed.next { fed.broken = true } else { fed.next += 1 }
        }
    }

    /// The digest of parts 1 through `last`; nil unless exactly those were added, in order.
    func digest(through last: Int) -> [UInt8]? {
        fed.withLock { fed in
            guard !fed.broken, fed.next == max(1, last) + 1 else { return nil }
            return SHA256Hasher(copying: fed.hasher).finalize()
        }
    }
}

extension S3Client {
    /// Starts a multipart upload of `path`, a file still being written (see S3StreamingUpload).
    package func beginStreamingUpload(
        path: String, bucket: String, key: String, contentType: String = "application/zip",
        metadata: [String: String] = [:], partSize: UInt64 = 8 << 20, concurrency: Int = 4
    ) async throws -> S3StreamingUpload {
        try Task.checkCancellation()
        // Once asked for, the upload's id must reach us even if the caller is cancelled meanwhile
        // (a signal): S3 may have created the upload already, and only its id lets us abort it.
        // So the request runs in a task of its own, which the caller's cancellation does not
        // reach, and a caller cancelled by then aborts the upload it got.
        let created = await Task {
            try await self.createMultipartUpload(
                bucket: bucket, key: key, contentType: contentType, metadata: metadata)
        }.result
        let upload = S3StreamingUpload(
            s3: self, path: path, bucket: bucket, key: key, uploadId: try created.get(), partSize: partSize,
            concurrency: concurrency)
        if Task.isCancelled {
            await upload.abort()
            throw CancellationError()
        }
        return upload
    }
}
