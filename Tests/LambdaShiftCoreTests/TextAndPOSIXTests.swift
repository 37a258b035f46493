import Foundation
import LambdaShiftCore
import Testing

/// The string and system helpers that stand in for Foundation, against Foundation itself
/// (which the tests may use) as the reference.
@Suite("Text and system helpers without Foundation")
struct TextAndPOSIXTests {
    static let samples = [
        "", "   ", " \t a b \t ", "\n\r\n x \r\n", "\u{00A0}nbsp\u{2003}", "line\nbreak", "é\u{0301} ", "x",
    ]

    @Test("trimmed() is Foundation's .whitespacesAndNewlines, trimmed(newlines: false) its .whitespaces")
    func trimming() {
        for sample in Self.samples {
            #expect(
                sample.trimmed() == sample.trimmingCharacters(in: .whitespacesAndNewlines), "\(sample.debugDescription)"
            )
            #expect(
                sample.trimmed(newlines: false) == sample.trimmingCharacters(in: .whitespaces),
                "\(sample.debugDescription)")
        }
    }

    @Test("replacingAll matches bytes as Foundation does, so CR is found inside CRLF")
    func replacing() {
        let cases: [(String, String, String)] = [
            ("100% done\r\nnext", "\r", "%0D"), ("a\r\nb", "\n", "%0A"), ("aaa", "aa", "b"), ("x", "", "y"),
            ("héllo héllo", "é", "e"), ("a-b-c", "-", "_"), ("", "a", "b"),
        ]
        for (text, target, replacement) in cases {
            #expect(
                text.replacingAll(target, with: replacement)
                    == text.replacingOccurrences(of: target, with: replacement), "\(text.debugDescription)")
        }
    }

    @Test("lastRange finds the last occurrence, overlapping ones included")
    func lastRange() {
        let text = "a [lambda-shift good=1] b [lambda-shift good=2]"
        let range = text.lastRange(of: "[lambda-shift ")
        #expect(range.map { text[$0.upperBound...] } == "good=2]")
        #expect("aaaa".lastRange(of: "aa").map { "aaaa".distance(from: "aaaa".startIndex, to: $0.lowerBound) } == 2)
        #expect("abc".lastRange(of: "x") == nil)
    }

    @Test("a child's output and exit status; a missing program is nil, not a crash")
    func childProcess() throws {
        let echo = try #require(POSIX.output(of: ["sh", "-c", "printf 'out'; printf 'err' >&2; exit 3"]))
        #expect(echo.status == 3)
        #expect(String(decoding: echo.output, as: UTF8.self) == "out")
        #expect(POSIX.output(of: ["no-such-program-\(UUID().uuidString)"]) == nil)
        let big = try #require(POSIX.output(of: ["sh", "-c", "head -c 200000 /dev/zero"]))
        #expect(big.status == 0 && big.output.count == 200_000)
    }

    @Test("append creates the file and adds to its end; a read at an offset returns those bytes")
    func files() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ls-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(POSIX.append("one\n".utf8, toFile: path))
        #expect(POSIX.append("two\n".utf8, toFile: path))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "one\ntwo\n")
        let file = try #require(ReadOnlyFile(path: path))
        #expect(file.size == 8)
        #expect(try file.read(at: 4, count: 100) == Array("two\n".utf8))
        #expect(ReadOnlyFile(path: path + ".missing") == nil)
        #expect(!POSIX.append("x".utf8, toFile: "/nonexistent-dir/\(UUID().uuidString)"))
    }

    @Test("one edit distance for every did-you-mean: insertions, deletions, substitutions; case when asked")
    func distances() {
        #expect(editDistance("buckt", "bucket") == 1 && editDistance("stratgy", "strategy") == 1)
        #expect(editDistance("", "abc") == 3 && editDistance("kitten", "sitting") == 3)
        #expect(
            editDistance("AllAtOnce", "allatonce") == 3
                && editDistance("AllAtOnce", "allatonce", ignoringCase: true) == 0)
        #expect(nearest(to: "promot", among: ["deploy", "promote", "rollback"]) == "promote")
        #expect(nearest(to: "x", among: []) == nil)
    }
}
