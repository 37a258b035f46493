import Glibc

/// The few system calls lambda-shift makes that Foundation (not FoundationEssentials) would
/// otherwise wrap: writing to a descriptor, appending to a file, running a child for its output.
package enum POSIX {
    /// Writes all of `bytes` to `descriptor` (1 = stdout, 2 = stderr), retrying short writes.
    /// Returns false when the descriptor refuses them (a closed pipe, a full disk).
    @discardableResult
    package static func write(_ bytes: some Collection<UInt8>, to descriptor: Int32) -> Bool {
        let data = Array(bytes)
        return data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }

    /// Appends `bytes` to the file at `path`, creating it (mode 0644) when missing.
    package static func append(_ bytes: some Collection<UInt8>, toFile path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(bytes, to: descriptor)
    }

    /// Runs `arguments[0]` found on PATH with the rest as its arguments, standard input and
    /// error on /dev/null; returns its exit status and what it wrote on standard output, or nil
    /// when it could not be started.
    package static func output(of arguments: [String]) -> (status: Int32, output: [UInt8])? {
        let (started, _) = PipedChild.start(arguments, searchPath: true, errorToPipe: false, ownGroup: false)
        guard let child = started else { return nil }
        defer { close(child.output) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(child.output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            output += chunk[0..<count]
        }
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        return (PipedChild.shellStatus(status), output)
    }
}

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// A file opened for reading at offsets (pread), closed when released.
package final class ReadOnlyFile {
    private let descriptor: Int32
    /// The file's size in bytes when opened.
    package let size: UInt64

    /// Nil when the file cannot be opened.
    package init?(path: String) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        let end = lseek(descriptor, 0, SEEK_END)
        size = end < 0 ? 0 : UInt64(end)
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file. Throws on a read error.
    package func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw ReadError(errno: errno) }
            if got == 0 { break }
            done += got
        }
        bytes.removeLast(count - done)
        return bytes
    }

    package struct ReadError: Error {
        package var errno: Int32
    }
}
