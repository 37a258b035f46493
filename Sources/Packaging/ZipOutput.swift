import Hashing
import FoundationEssentials
import Glibc

/// Hears, while a package is written, how much of its file is final: an upload can send those
/// bytes before the rest exists.
package protocol PackageProgress: Sendable {
    /// The build directory was read: `bytes` (unzipped) are about to be packaged.
    func planned(_ bytes: UInt64)
    /// The first `bytes` of the package file are on disk and will not change again. Throwing
    /// stops the packaging with that error.
    func committed(_ bytes: UInt64) throws
    /// Packaging stopped: the package is written, or it failed.
    func ended()
}

extension PackageProgress {
    package func ended() {}
}

/// The zip file being written: buffered, and hashed (SHA-256) as bytes go out, with
/// checkpoints so an entry can be rewritten (hash included) when deflate did not pay off.
/// Bytes after an open checkpoint may still be rewritten, so `progress` hears of them only
/// once the checkpoint is released or rewound to.
final class ZipOutput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var hasher = SHA256Hasher()
    private(set) var offset: UInt64 = 0
    private let path: String
    private static let flushThreshold = 1 << 20
    private let progress: (any PackageProgress)?
    /// Where an open checkpoint is: nothing after it is final yet.
    private var pinned: UInt64?
    /// The bytes `progress` was last told are final.
    private var reported: UInt64 = 0

    struct Checkpoint: ~Copyable {
        var offset: UInt64
        var hasher: SHA256Hasher
    }

    init(path: String, progress: (any PackageProgress)? = nil) throws {
        self.path = path
        self.progress = progress
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PackagingError(
                "Cannot write the package to \(path): check that its directory exists and is writable.")
        }
        buffer.reserveCapacity(Self.flushThreshold + (1 << 16))
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        buffer.append(contentsOf: bytes)
        offset += UInt64(bytes.count)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func flush() throws {
        var written = 0
        try buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while written < raw.count {
                let n = Glibc.write(fd, base + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw PackagingError(
                        "Writing the package to \(path) failed (\(String(cString: strerror(errno)))): check the free disk space."
                    )
                }
                written += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
        try report()
    }

    /// Tells `progress` how far the file on disk is final (everything written and flushed, up to
    /// an open checkpoint).
    private func report() throws {
        guard let progress, buffer.isEmpty else { return }
        let final = min(offset, pinned ?? offset)
        guard final > reported else { return }
        reported = final
        try progress.committed(final)
    }

    /// Marks where an entry starts that may be rewritten: bytes from here on are not final
    /// until `release()` or `rewind(to:)`.
    func checkpoint() -> Checkpoint {
        pinned = offset
        return Checkpoint(offset: offset, hasher: SHA256Hasher(copying: hasher))
    }

    /// The entry after the checkpoint stays as written.
    func release() {
        pinned = nil
    }

    /// Goes back to `checkpoint`: later bytes are cut from the file and from the digest.
    func rewind(to checkpoint: borrowing Checkpoint) throws {
        try flush()
        guard ftruncate(fd, off_t(checkpoint.offset)) == 0, lseek(fd, off_t(checkpoint.offset), SEEK_SET) >= 0 else {
            throw PackagingError("Rewriting part of the package at \(path) failed: check the disk.")
        }
        offset = checkpoint.offset
        hasher = SHA256Hasher(copying: checkpoint.hasher)
        pinned = nil
    }

    /// Flushes, syncs nothing more than the OS does, and returns the SHA-256 of every byte.
    func finish() throws -> [UInt8] {
        try flush()
        return SHA256Hasher(copying: hasher).finalize()
    }
}
