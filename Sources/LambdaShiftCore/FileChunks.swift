import Glibc

/// Reads a file in fixed-size chunks without holding it whole.
package enum FileChunks {
    package static let chunkSize = 1 << 20

    package static func forEach(
        path: String, offset: UInt64 = 0, length: UInt64? = nil,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw UnreadableFile(path: path) }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        var remaining = length ?? UInt64.max
        while remaining > 0 {
            let want = Int(min(UInt64(chunkSize), remaining))
            let count = pread(descriptor, buffer.baseAddress, want, off_t(position))
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw UnreadableFile(path: path) }
            if count == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            position += UInt64(count)
            remaining -= UInt64(count)
        }
    }
}

/// A file that cannot be opened or read: a setting names it, so the fix is the user's (exit 2).
package struct UnreadableFile: LambdaShiftError {
    package var path: String
    package init(path: String) { self.path = path }
    package var sentence: String { "Cannot read \(path): check that it exists and is readable." }
    package var exitCode: Int32 { ExitStatus.usage }
}
