import Foundation
import LambdaShiftCore
import Testing

/// What checking the JSON reader against the YAML reader's nesting problem and fuzzing it
/// (Fuzz/fuzz-json) found: nesting was already bounded (512 levels, refused in linear time, kept
/// here as a guard); a number beyond a Double's range read as infinity, which is written back as
/// null, so it is refused.
@Suite("JSON reader: nesting bounded, every number written back")
struct JSONNestingTests {
    @Test("200 KB of nested [ is refused within a second; 512 levels is the limit")
    func deepNesting() {
        let start = clock()
        #expect(JSONValue.parse(Array(String(repeating: "[", count: 200_000).utf8)) == nil)
        let seconds = Double(clock() - start) / Double(CLOCKS_PER_SEC)
        #expect(seconds < 1, "took \(seconds) s")
        func nested(_ levels: Int) -> [UInt8] {
            Array((String(repeating: "[", count: levels) + String(repeating: "]", count: levels)).utf8)
        }
        #expect(JSONValue.parse(nested(512)) != nil)
        #expect(JSONValue.parse(nested(513)) == nil)
    }

    @Test("a number beyond a Double's range is refused; the largest and smallest finite ones read back")
    func numbersOutOfRange() {
        #expect(JSONValue.parse(Array("2e2111111111111111111111111111111111".utf8)) == nil)
        #expect(JSONValue.parse(Array(#"{"a":-1e400}"#.utf8)) == nil)
        for text in ["1.7976931348623157e308", "5e-324", "-2.5e-300"] {
            let value = JSONValue.parse(Array(text.utf8))
            #expect(value.map { JSONValue.parse(Array($0.rendered().utf8)) == $0 } == true, "\(text)")
        }
    }
}
