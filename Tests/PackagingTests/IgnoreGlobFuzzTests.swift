@testable import Packaging
import Testing

/// What fuzzing the ignore rules (Fuzz/fuzz-ignore, against an independent reading of
/// .gitignore's rules) found: `**/` matched at any byte, not only at a segment's start (`**/build`
/// left out `rebuild`), and a pattern of many stars took exponential time.
@Suite("Ignore rules: what fuzzing found")
struct IgnoreGlobFuzzTests {
    func excludes(_ patterns: [String], _ path: String, directory: Bool = false) -> Bool {
        IgnoreRules(patterns: patterns).excludes(Array(path.utf8), isDirectory: directory)
    }

    @Test("**/ spans whole segments only: **/build leaves out build at any depth, not rebuild")
    func doubleStarSegments() {
        #expect(excludes(["**/build"], "build") && excludes(["**/build"], "a/b/build"))
        #expect(!excludes(["**/build"], "rebuild") && !excludes(["**/build"], "src/prebuild"))
        #expect(excludes(["docs/**/x.md"], "docs/x.md") && excludes(["docs/**/x.md"], "docs/a/b/x.md"))
        #expect(!excludes(["docs/**/x.md"], "docs/ax.md"))
        #expect(excludes(["abc/**"], "abc/d/e") && !excludes(["abc/**"], "abc", directory: true))
        #expect(excludes(["a**b"], "axxb") && !excludes(["a**b"], "a/b"))
    }

    @Test("classes, escapes and ? as .gitignore reads them")
    func classesAndEscapes() {
        #expect(excludes(["[]a]x"], "]x") && excludes(["[!]a]x"], "bx") && !excludes(["[!]a]x"], "ax"))
        #expect(excludes(["\\*"], "*") && !excludes(["\\*"], "a"))
        #expect(excludes(["[unclosed"], "[unclosed") && excludes(["a?c"], "abc") && !excludes(["a?c"], "a/c"))
    }

    @Test("a rule is read in bytes, as it is matched: a / before a combining mark still anchors it")
    func bytes() {
        #expect(excludes(["a/\u{301}b"], "a/\u{301}b") && !excludes(["a/\u{301}b"], "x/a/\u{301}b"))
    }

    @Test("many stars against a long name take linear time, not exponential")
    func manyStars() {
        let start = ContinuousClock.now
        let pattern = String(repeating: "*a", count: 30) + "b"
        #expect(!excludes([pattern], String(repeating: "a", count: 2_000)))
        #expect(
            !excludes(
                [String(repeating: "**/", count: 30) + "b"], Array(repeating: "a", count: 500).joined(separator: "/")))
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}
