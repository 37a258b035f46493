import Foundation
import LambdaShiftCore
import TestSupport
import Testing

/// The hand-written JSON reader and writer against Python's json module (an independent
/// implementation): every text Python accepts we accept with the same value, every text it
/// refuses we refuse, and what we write Python reads back unchanged.
@Suite("JSON without Foundation's serializer")
struct JSONValueTests {
    static let texts: [String] = [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"  [ 1 , -2 , 3.5 , -0.25 , 1e3 , 2E-2 , 0 ]  "#,
        #""plain""#, "42", "null", "true",
        #""escapes: \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \u0000""#,
        #"{"nested":[[[{"x":[]}]]],"empty":{}}"#,
        #"{"big":12345678901234,"neg":-9007199254740993,"frac":0.1}"#,
        #""ünïcödé – 日本""#,
        // Not JSON: each must be refused.
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "tru", "\"unterminated", "[1 2]",
        "{\"a\" 1}", "\"tab\there\"", "{1:2}", "[1]x", "nul", "-", "1e", "\"\\x\"",
    ]

    /// Python's verdict on each text, as canonical JSON (sorted keys) or null when it refuses.
    static func pythonVerdicts() throws -> [String?] {
        let script = """
            import json, sys
            out = []
            for text in json.load(sys.stdin):
                try:
                    value = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
                    out.append(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
                except ValueError:
                    out.append(None)
            json.dump(out, sys.stdout)
            """
        let input = try JSONSerialization.data(withJSONObject: texts)
        let output = try runPython(script, input: input)
        let verdicts = try JSONSerialization.jsonObject(with: output) as! [Any]
        return verdicts.map { $0 as? String }
    }

    @Test("parses what Python parses, to the same value; refuses what Python refuses", .tags(.python))
    func differentialPython() throws {
        let verdicts = try Self.pythonVerdicts()
        #expect(verdicts.count == Self.texts.count)
        for (text, verdict) in zip(Self.texts, verdicts) {
            let ours = JSONValue.parse(Array(text.utf8))
            if let verdict {
                // Python's canonical text re-read by us must equal our value of the original.
                #expect(ours != nil, "refused \(text)")
                #expect(ours == JSONValue.parse(Array(verdict.utf8)), "different value for \(text)")
            } else {
                #expect(ours == nil, "accepted \(text), which Python refuses")
            }
        }
        #expect(verdicts.filter { $0 == nil }.count == 19)
    }

    @Test("what we write, Python reads back as the same value; pretty output is IAM's layout", .tags(.python))
    func roundTripPython() throws {
        let value: JSONValue = .object([
            "Statement": .array([.object(["Action": .array(["s3:GetObject"]), "Sid": "A"])]),
            "Empty": .array([]), "Text": "quote \" slash / newline \n control \u{01}", "Number": .double(0.5),
        ])
        let script = """
            import json, sys
            compact, pretty = sys.stdin.read().split("\\u0000")
            assert json.loads(compact) == json.loads(pretty), (compact, pretty)
            print(json.dumps(json.loads(compact), sort_keys=True, indent=2, separators=(",", " : ")))
            """
        let input = value.rendered() + "\u{0}" + value.renderedPretty()
        let python = String(decoding: try runPython(script, input: Data(input.utf8)), as: UTF8.self)
        // Python's indent=2 with " : " is the layout we promise, except for its escaping of "/"
        // (none) and of non-ASCII (none here): the texts are equal.
        #expect(python.trimmed() == value.renderedPretty())
        #expect(value.rendered().contains(#""Text":"quote \" slash / newline \n control \u0001""#))
    }

    @Test("accessors read numbers as AWS sends them")
    func accessors() {
        let value = JSONValue.parse(Array(#"{"i":7,"d":2.5,"w":3.0,"s":"x","l":[1,"a"]}"#.utf8))
        #expect(value?["i"]?.int == 7)
        #expect(value?["d"]?.int == nil)
        #expect(value?["d"]?.double == 2.5)
        #expect(value?["w"]?.int == 3)
        #expect(value?["s"]?.string == "x")
        #expect(value?["l"]?.array?.count == 2)
        #expect(value?["missing"] == nil)
        let built = JSONValue(["a": [1, true, "x", 2.5] as [Any]] as [String: Any])
        #expect(built == .object(["a": .array([1, true, "x", .double(2.5)])]))
        #expect(JSONValue(["a": Date()] as [String: Any]) == nil)
    }
}
