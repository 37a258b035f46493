@testable import Config
import Foundation
import Testing

/// What fuzzing the templates and branch globs (Fuzz/fuzz-key-template, Fuzz/fuzz-ignore) found:
/// a brace followed by a combining mark is one Character with it, so the templates took it for
/// text and left the brace in the key; a branch glob of many stars took exponential time.
@Suite("Templates and branch globs: what fuzzing found")
struct TemplateAndBranchFuzzTests {
    @Test("a brace followed by a combining mark is still a brace")
    func combiningMarkAfterBrace() throws {
        #expect(throws: ConfigError.self) { try KeyTemplate("{\u{59E}x") }
        #expect(throws: ConfigError.self) { try KeyTemplate("{sha\u{301}}") }
        #expect(throws: ConfigError.self) { try SettingTemplate.render("api-{\u{301}", [:]) }
        #expect(try KeyTemplate("{sha}\u{301}/x.zip").render(["sha": "abc"]) == "abc\u{301}/x.zip")
    }

    @Test("a branch glob of many stars matches in linear time, as documented")
    func branchGlobs() {
        let start = ContinuousClock.now
        #expect(!BranchMap.matches(String(repeating: "*", count: 40) + "\u{1}", String(repeating: "x", count: 200)))
        #expect(!BranchMap.matches(String(repeating: "*a", count: 30) + "b", String(repeating: "a", count: 2_000)))
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(BranchMap.matches("release/*", "release/1.2") && !BranchMap.matches("release/*", "release/1/2"))
        #expect(BranchMap.matches("feature/**", "feature/a/b") && BranchMap.matches("v?.*", "v1.2"))
        #expect(!BranchMap.matches("v?", "v/"))
    }
}
