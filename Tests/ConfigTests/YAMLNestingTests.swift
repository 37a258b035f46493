@testable import Config
import Foundation
import Testing

/// libyaml's scanner looks at every open flow collection for each token: a document of N nested
/// `[` cost N² steps to load (200 KB took 23 s of CPU); its loader compares each anchor with every
/// earlier one. Nesting and anchors are checked first, stopping at the first node past a limit,
/// so such documents are refused in time linear in their size.
@Suite("YAML nesting and anchors: refused early, in linear time")
struct YAMLNestingTests {
    /// CPU seconds `body` takes.
    static func cpuSeconds(_ body: () -> Void) -> Double {
        let start = clock()
        body()
        return Double(clock() - start) / Double(CLOCKS_PER_SEC)
    }

    @Test("200 KB of nested [ is refused within a second, with the line and column and what to do")
    func deepFlowSequences() {
        let document = String(repeating: "[", count: 200_000)
        var outcome: Result<Any?, YAMLDocument.Failure>?
        let seconds = Self.cpuSeconds {
            outcome = Result { () throws(YAMLDocument.Failure) in try YAMLDocument.load(document) }
        }
        #expect(seconds < 1, "took \(seconds) s")
        guard case .failure(let failure) = outcome else {
            Issue.record("accepted 200,000 nested sequences")
            return
        }
        #expect(
            failure.message
                == "nested more than 200 levels deep at line 1, column 201; settings need only a few levels, so flatten the lists and mappings there"
        )
    }

    @Test("nested { and block mappings are refused the same way")
    func deepMappingsAndBlocks() {
        for document in [
            String(repeating: "{a: ", count: 50_000),
            (0..<300).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined(),
        ] {
            let seconds = Self.cpuSeconds {
                #expect(throws: YAMLDocument.Failure.self) { try YAMLDocument.load(document) }
            }
            #expect(seconds < 1, "took \(seconds) s")
        }
    }

    @Test("a settings file's load names the fix; 200 levels still load, as the loader always allowed")
    func limitAndSentence() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nested-\(UUID().uuidString).yml").path
        try Data(("alarms: " + String(repeating: "[", count: 5_000)).utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try ConfigFile.load(path: path)
        } throws: {
            "\($0)".contains("nested more than 200 levels deep at line 1, column 208")
                && "\($0)".hasSuffix("flatten the lists and mappings there): fix the file.")
        }
        func nested(_ levels: Int, around inner: String = "") -> String {
            String(repeating: "[", count: levels) + inner + String(repeating: "]", count: levels)
        }
        var value = try YAMLDocument.load(nested(200))
        for _ in 0..<199 { value = (value as? [Any])?.first }
        #expect((value as? [Any])?.isEmpty == true)
        #expect(throws: YAMLDocument.Failure.self) { try YAMLDocument.load(nested(201)) }
        #expect(throws: YAMLDocument.Failure.self) { try YAMLDocument.load(nested(200, around: "x")) }
    }

    @Test("250 KB of anchors is refused at the 1,001st, within a second; 1,000 still load")
    func manyAnchors() throws {
        let document = (0..<22_000).map { "- &a\($0) x\n" }.joined()
        var outcome: Result<Any?, YAMLDocument.Failure>?
        let seconds = Self.cpuSeconds {
            outcome = Result { () throws(YAMLDocument.Failure) in try YAMLDocument.load(document) }
        }
        #expect(seconds < 1, "took \(seconds) s")
        guard case .failure(let failure) = outcome else {
            Issue.record("accepted 22,000 anchors")
            return
        }
        #expect(
            failure.message
                == "more than 1000 anchors (&name) at line 1001, column 3; settings need only a few, so write the values out instead"
        )
        let allowed = try YAMLDocument.load((0..<1_000).map { "- &a\($0) x\n" }.joined() + "- *a999\n")
        #expect((allowed as? [Any])?.count == 1_001)
    }
}
