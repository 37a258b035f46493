import CZlib
import CDeflate

/// Raw deflate and CRC-32: libdeflate for whole entries (two to three times zlib's speed at
/// level 6, with output no larger), zlib for the chunks of entries too large to hold at once
/// (libdeflate compresses whole buffers only; zlib's preset dictionary and sync flush let the
/// chunks join into one stream).
enum Deflate {
    static func crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return initial }
        return libdeflate_crc32(initial, base, bytes.count)
    }

    /// The CRC of A followed by B, from the CRCs of each and B's length.
    static func combine(_ a: UInt32, _ b: UInt32, lengthOfB: Int) -> UInt32 {
        UInt32(crc32_combine(UInt(a), UInt(b), Int(lengthOfB)))
    }
}

/// A libdeflate compressor, reused for many whole entries. Its output depends only on the
/// input and the level: the same files give the same bytes on any machine and thread count.
final class WholeDeflater {
    private let compressor: OpaquePointer

    init(level: Int32) throws {
        guard let made = libdeflate_alloc_compressor(level) else {
            throw PackagingError("libdeflate could not allocate a compressor (level \(level)).")
        }
        compressor = made
    }

    deinit { libdeflate_free_compressor(compressor) }

    /// The raw deflate of `input`, or nil when it would not be smaller than `input` (stored
    /// then, as zip allows). An input whose first 16 KiB do not shrink by 3% (a .gz, an image,
    /// a compiled library) is stored without compressing the rest: deflate would gain next to
    /// nothing and spend most of a package's time on it. Decided by the bytes alone, so the same
    /// files still give the same zip.
    func compress(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let base = input.baseAddress, input.count > 0 else { return nil }
        if input.count > 2 * Self.sample {
            let sample = UnsafeRawBufferPointer(start: base, count: Self.sample)
            guard let probe = deflate(sample), probe.count * 100 < Self.sample * 97 else { return nil }
        }
        return deflate(input)
    }

    static let sample = 16 * 1024

    private func deflate(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let base = input.baseAddress, input.count > 0 else { return nil }
        // The bound, not the input's size: libdeflate may give up on a buffer with no slack even
        // when the result would fit.
        var out = [UInt8](repeating: 0, count: libdeflate_deflate_compress_bound(compressor, input.count))
        let produced = out.withUnsafeMutableBytes {
            libdeflate_deflate_compress(compressor, base, input.count, $0.baseAddress, $0.count)
        }
        guard produced > 0 && produced < input.count else { return nil }
        out.removeLast(out.count - produced)
        return out
    }
}

/// One zlib deflate stream, reset and reused for many inputs (setting a stream up costs more
/// than compressing a small file).
final class Deflater {
    private var stream = z_stream()

    init(level: Int32) throws {
        guard ls_deflate_init_raw(&stream, level) == Z_OK else {
            throw PackagingError("zlib could not start a deflate stream.")
        }
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `input`. With `finish` the stream ends here; otherwise it ends with a sync
    /// flush (byte-aligned, not final) so the next chunk's output can simply follow it.
    /// `dictionary` is the data just before `input`, so a chunk compresses as well as if the
    /// stream had never been split.
    func compress(_ input: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, finish: Bool) throws -> [UInt8] {
        deflateReset(&stream)
        if let base = dictionary.baseAddress, dictionary.count > 0 {
            deflateSetDictionary(&stream, base.assumingMemoryBound(to: Bytef.self), UInt32(dictionary.count))
        }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var produced = 0
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(input.count)
        while true {
            if produced == out.count { out += [UInt8](repeating: 0, count: out.count / 2 + 64) }
            let (rc, left) = out.withUnsafeMutableBytes { buffer -> (Int32, Int) in
                guard let base = buffer.baseAddress else { return (Z_STREAM_ERROR, 0) }
                stream.next_out = (base + produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = UInt32(buffer.count - produced)
                let rc = deflate(&stream, finish ? Z_FINISH : Z_SYNC_FLUSH)
                return (rc, Int(stream.avail_out))
            }
            produced = out.count - left
            if finish {
                if rc == Z_STREAM_END { break }
                guard rc == Z_OK || rc == Z_BUF_ERROR else {
                    throw PackagingError("zlib failed to compress (code \(rc)).")
                }
            } else {
                guard rc == Z_OK || rc == Z_BUF_ERROR else {
                    throw PackagingError("zlib failed to compress (code \(rc)).")
                }
                if left > 0 { break }  // the flush completed with room to spare
            }
        }
        stream.next_in = nil
        stream.next_out = nil
        out.removeLast(out.count - produced)
        return out
    }
}
