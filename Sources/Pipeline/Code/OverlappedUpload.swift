import FoundationEssentials
import Packaging
import Ports
import Release
import Synchronization

/// A package uploaded while it is written: packaging starts with the preflight, but nothing
/// goes to S3 before the preflight has passed, so the relay keeps how far the file is final
/// until an upload is attached, then passes each step on to it. An upload that fails stops the
/// packaging (its `committed` throws), and packaging that fails aborts the upload.
final class PackageRelay: PackageProgress {
    private struct State {
        var planned: UInt64?
        var ended = false
        var committed: UInt64 = 0
        var upload: (any PackageUpload)?
        var waiters: [CheckedContinuation<UInt64?, Never>] = []
    }
    private let state = Mutex(State())

    func planned(_ bytes: UInt64) {
        let waiters = state.withLock { state in
            state.planned = bytes
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: bytes) }
    }

    func committed(_ bytes: UInt64) throws {
        try state.withLock { state in
            state.committed = bytes
            try state.upload?.committed(bytes)
        }
    }

    /// Packaging ended (written or failed): nobody waits for a plan any more.
    func ended() {
        let waiters = state.withLock { state in
            state.ended = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: nil) }
    }

    /// The unzipped size once the build directory is read; nil when packaging ended first, or
    /// the caller was cancelled.
    func plannedBytes() async -> UInt64? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer = state.withLock { state -> UInt64?? in
                    if let planned = state.planned { return .some(planned) }
                    if state.ended || Task.isCancelled { return .some(nil) }
                    state.waiters.append(continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiters = state.withLock { state in
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume(returning: nil) }
        }
    }

    /// From now on `upload` hears how far the file is final, starting with what is already.
    func attach(_ upload: any PackageUpload) throws {
        try state.withLock { state in
            state.upload = upload
            try upload.committed(state.committed)
        }
    }
}

/// What a deploy knows before its package is written: the digest of the package already under
/// its key, and the upload started meanwhile, if any.
package struct OverlappedUpload: Sendable {
    /// The `.sha256` sidecar's digest under the key; nil when there is none.
    package var previous: String?
    /// Under way while the package is written; nil when the package is uploaded once written.
    package var upload: (any PackageUpload)?

    package init(previous: String? = nil, upload: (any PackageUpload)? = nil) {
        self.previous = previous
        self.upload = upload
    }

    /// Starts the upload while packaging when it is likely to be needed: the key has never
    /// held a package (a new commit: a re-run of one finds the sidecar of its first run, whose
    /// package the alias probably serves, and uploads nothing), and the store takes packages of
    /// this size in parts. Called once the preflight has passed.
    static func start(
        relay: PackageRelay, artifacts: ArtifactStage, plan: DeployPlan, path: String
    ) async throws -> OverlappedUpload {
        let previous = await artifacts.previousDigest(bucket: plan.bucket, key: plan.key)
        guard previous == nil, let planned = await relay.plannedBytes(),
            let upload = try await artifacts.store.beginPackageUpload(
                path: path, plannedBytes: planned, bucket: plan.bucket, key: plan.key,
                metadata: ArtifactStage.metadata(plan.provenance))
        else { return OverlappedUpload(previous: previous, upload: nil) }
        do {
            try relay.attach(upload)
        } catch {
            await upload.abort()
            throw error
        }
        return OverlappedUpload(previous: previous, upload: upload)
    }

    /// Runs `body`; if it throws, the upload is aborted first.
    func guarding<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            await upload?.abort()
            throw error
        }
    }
}
