import AWSCore
import Foundation
import Testing

/// What fuzzing the XML reader (Fuzz/fuzz-xml) found: nesting without a limit overflowed the
/// stack, and a prefix with no local name (`<a:>`) read as an element named "", which no
/// document can write back.
@Suite("XML reader: what fuzzing found")
struct XMLNodeFuzzTests {
    @Test("200 KB of nested elements is refused, not a stack overflow; 100 levels still parse")
    func deepNesting() throws {
        #expect(throws: XMLParseError.self) {
            try XMLNode.parse(Data(String(repeating: "<a>", count: 70_000).utf8))
        }
        let deepest = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(try XMLNode.parse(Data(deepest.utf8)).name == "a")
        #expect(throws: XMLParseError.self) { try XMLNode.parse(Data(("<a>" + deepest + "</a>").utf8)) }
    }

    @Test("a prefix without a local name is refused, for an element or an attribute")
    func emptyLocalName() {
        #expect(throws: XMLParseError.self) { try XMLNode.parse(Data("<a:></a:>".utf8)) }
        #expect(throws: XMLParseError.self) { try XMLNode.parse(Data(#"<a b:="1"/>"#.utf8)) }
        #expect((try? XMLNode.parse(Data(#"<s3:Error xmlns:s3="x"/>"#.utf8)))?.attributes == ["s3": "x"])
    }
}
