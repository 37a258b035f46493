import Hashing
import Testing

@testable import AWSServices

/// The streaming upload's check of the whole: the bytes its parts were hashed from, taken in
/// part order whatever order the parts were read in.
@Suite("Streaming upload: the parts' bytes in order")
struct SentBytesTests {
    let parts: [[UInt8]] = [Array("first part ".utf8), Array("second part ".utf8), Array("last".utf8)]

    @Test("parts read out of order hash as the file does, in order")
    func outOfOrder() {
        let sent = SentBytes()
        sent.add(3, parts[2])
        sent.add(1, parts[0])
        #expect(sent.digest(through: 3) == nil, "part 2 is missing, so there is no digest of parts 1 to 3")
        sent.add(2, parts[1])
        #expect(sent.digest(through: 3) == SHA256Hasher.hash(parts.flatMap { $0 }))
        #expect(sent.digest(through: 3) != SHA256Hasher.hash(parts[1] + parts[0] + parts[2]))
    }

    @Test("a digest through fewer or more parts than were added is none")
    func wrongCount() {
        let sent = SentBytes()
        sent.add(1, parts[0])
        sent.add(2, parts[1])
        #expect(sent.digest(through: 1) == nil)
        #expect(sent.digest(through: 3) == nil)
        #expect(sent.digest(through: 2) == SHA256Hasher.hash(parts[0] + parts[1]))
    }

    @Test("a changed byte in any part changes the digest")
    func changedByte() {
        let sent = SentBytes()
        var changed = parts[1]
        changed[0] ^= 0x01
        sent.add(1, parts[0])
        sent.add(2, changed)
        sent.add(3, parts[2])
        #expect(sent.digest(through: 3) != SHA256Hasher.hash(parts.flatMap { $0 }))
    }
}
