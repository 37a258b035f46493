import COpenSSL
import LambdaShiftCore
import FoundationEssentials

/// A streaming SHA-256 through OpenSSL's EVP interface: feed bytes as they are produced,
/// so a package is hashed while it is written and never held whole in memory.
package struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    package init() {
        // EVP_MD_CTX_new only fails when memory is exhausted; there is nothing to recover then.
        guard let context = ls_EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        ls_EVP_DigestInit_ex(context, ls_EVP_sha256(), nil)
        self.context = context
    }

    /// A second hasher in the same state: a checkpoint to go back to.
    package init(copying other: borrowing SHA256Hasher) {
        guard let context = ls_EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        ls_EVP_MD_CTX_copy_ex(context, other.context)
        self.context = context
    }

    deinit { ls_EVP_MD_CTX_free(context) }

    /// Adds bytes to the digest.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        ls_EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds the bytes of `data` to the digest.
    package mutating func update(_ data: some DataProtocol) {
        for region in data.regions {
            region.withUnsafeBytes { update($0) }
        }
    }

    /// Finishes the digest: 32 bytes.
    package consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        ls_EVP_DigestFinal_ex(context, &out, &length)
        return Array(out.prefix(Int(length)))
    }

    /// The SHA-256 of `data`.
    package static func hash(_ data: some DataProtocol) -> [UInt8] {
        var hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalize()
    }

    /// The SHA-256 of a file, read in chunks.
    package static func hash(fileAt path: String, offset: UInt64 = 0, length: UInt64? = nil) throws -> [UInt8] {
        var hasher = SHA256Hasher()
        try FileChunks.forEach(path: path, offset: offset, length: length) { hasher.update($0) }
        return hasher.finalize()
    }
}

/// MD5, for S3's Content-MD5 where a caller asks for it.
package enum MD5 {
    package static func hash(_ data: some DataProtocol) -> [UInt8] {
        guard let context = ls_EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        defer { ls_EVP_MD_CTX_free(context) }
        ls_EVP_DigestInit_ex(context, ls_EVP_md5(), nil)
        for region in data.regions {
            region.withUnsafeBytes { buffer in
                if let base = buffer.baseAddress { ls_EVP_DigestUpdate(context, base, buffer.count) }
            }
        }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        ls_EVP_DigestFinal_ex(context, &out, &length)
        return Array(out.prefix(Int(length)))
    }
}
