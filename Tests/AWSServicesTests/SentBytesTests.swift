import Hashing
import Testing

@testable import AWSServices

/// The streaming upload's check of the whole: the bytes its parts were hashed from, in part order.
@Suite("Streaming upload: the parts' bytes in order")
struct SentBytesTests {
    let parts: [[UInt8]] = [Array("first part ".utf8), Array("second part ".utf8), Array("last".utf8)]

    /// Adds part `number` in two pieces, as a part is read in chunks, then ends it.
    func send(_ sent: SentBytes, _ number: Int, _ bytes: [UInt8]) {
        let half = bytes.count / 2
        bytes[..<half].withUnsafeBytes { sent.add(number, $0) }
        bytes[half...].withUnsafeBytes { sent.add(number, $0) }
        sent.ended(number)
    }

    @Test("parts added in order hash as the file does")
    func inOrder() {
        let sent = SentBytes()
        for (index, part) in parts.enumerated() { send(sent, index + 1, part) }
        #expect(sent.digest(through: 3) == SHA256Hasher.hash(parts.flatMap { $0 }))
    }

    @Test("a part out of order breaks the digest for good, even once the missing part comes")
    func outOfOrder() {
        let sent = SentBytes()
        send(sent, 1, parts[0])
        send(sent, 3, parts[2])
        send(sent, 2, parts[1])
        #expect(sent.digest(through: 3) == nil)
        #expect(sent.digest(through: 2) == nil)
    }

    @Test("a digest through fewer or more parts than were added is none")
    func wrongCount() {
        let sent = SentBytes()
        send(sent, 1, parts[0])
        send(sent, 2, parts[1])
        #expect(sent.digest(through: 1) == nil)
        #expect(sent.digest(through: 3) == nil)
        #expect(sent.digest(through: 2) == SHA256Hasher.hash(parts[0] + parts[1]))
    }

    @Test("a part not ended counts as not added")
    func notEnded() {
        let sent = SentBytes()
        send(sent, 1, parts[0])
        parts[1].withUnsafeBytes { sent.add(2, $0) }
        #expect(sent.digest(through: 2) == nil)
    }

    @Test("a changed byte in any part changes the digest")
    func changedByte() {
        let sent = SentBytes()
        var changed = parts[1]
        changed[0] ^= 0x01
        send(sent, 1, parts[0])
        send(sent, 2, changed)
        send(sent, 3, parts[2])
        #expect(sent.digest(through: 3) != SHA256Hasher.hash(parts.flatMap { $0 }))
    }
}
