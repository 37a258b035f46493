@testable import Config
import Foundation
import LambdaShiftCore
import TestSupport
import Testing

/// `.lambda-shift.yml` is read by libyaml with our own typing of plain scalars; PyYAML (YAML
/// 1.1, the same rules) is the independent reference for every document here.
@Suite("YAML documents read as PyYAML reads them")
struct YAMLDocumentTests {
    static let documents: [String] = [
        """
        function: svc-{environment}
        bake: 10
        max-error-rate: 1.5
        smoke: yes
        empty:
        tilde: ~
        quoted: "10"
        single: 'true'
        list: [a, 1, 2.50, off, null]
        """,
        """
        defaults: &defaults
          strategy: Canary10Percent5Minutes
          alarms: [errors]
        environments:
          production:
            <<: *defaults
            branches: [main]
            alarms: [prod-errors]
          staging:
            <<: [*defaults]
            branches: [develop]
        """,
        """
        numbers: [0, -7, +3, -.5, +.5, 1_000, 0x1F, 0b101, 017, 08, 1.0, .5, 1., -2.5e+3, 1e3, 1.5e3, 6.02E+23, 0.1_5]
        words: [True, FALSE, On, NO, Null, nullish, yes-please, 12abc, "0x1F", v1.2.3, 10%, 5m, '']
        """,
        """
        block: |
          line one
          line two
        folded: >
          one
          two
        keys: {1: one, false: two, 2.5: three}
        nested: [[a, [b]], {c: d}]
        """,
        "",
        "# only a comment\n",
        "- a\n- b\n",
    ]

    /// Our value of a document as a JSON value.
    static func ours(_ text: String) throws -> JSONValue {
        func json(_ value: Any?) -> JSONValue {
            switch value {
            case nil, is YAMLDocument.Null: .null
            case let text as String: .string(text)
            case let flag as Bool: .bool(flag)
            case let number as Int: .int(number)
            case let number as Double: .double(number)
            case let list as [Any]: .array(list.map(json))
            case let map as [String: Any]: .object(map.mapValues(json))
            default: .string("unexpected \(type(of: value!))")
            }
        }
        return json(try YAMLDocument.load(text))
    }

    @Test("every document: the same values and types as PyYAML's safe_load", .tags(.python))
    func differentialPython() throws {
        let script = """
            import json, sys, yaml
            out = []
            for text in json.load(sys.stdin):
                value = yaml.safe_load(text)
                def keys(v):
                    if isinstance(v, dict):
                        return {json.dumps(k) if not isinstance(k, str) else k: keys(x) for k, x in v.items()}
                    if isinstance(v, list):
                        return [keys(x) for x in v]
                    return v
                out.append(json.dumps(keys(value), sort_keys=True, separators=(",", ":")))
            json.dump(out, sys.stdout)
            """
        let input = try JSONSerialization.data(withJSONObject: Self.documents)
        let expected = try JSONSerialization.jsonObject(with: try runPython(script, input: input)) as! [String]
        #expect(expected.count == Self.documents.count)
        for (document, pyyaml) in zip(Self.documents, expected) {
            // Non-string keys: PyYAML keeps 1, True, 2.5; we name them as their text. Compare values.
            let theirs = JSONValue.parse(Array(pyyaml.utf8))
            let mine = try Self.ours(document)
            #expect(Self.normalizedKeys(mine) == Self.normalizedKeys(theirs), "\(document)")
        }
    }

    /// Keys written as PyYAML's json.dumps of a non-string key (1, true, 2.5) and ours ("1",
    /// "true", "2.5") are the same key.
    static func normalizedKeys(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case .object(let members)?:
            var out: [String: JSONValue] = [:]
            for (key, item) in members {
                let name = JSONValue.parse(Array(key.utf8)).flatMap { parsed -> String? in
                    switch parsed {
                    case .int(let number): String(number)
                    case .double(let number): String(number)
                    case .bool(let flag): String(flag)
                    default: nil
                    }
                }
                out[name ?? key] = normalizedKeys(item)
            }
            return .object(out)
        case .array(let items)?: return .array(items.compactMap(normalizedKeys))
        default: return value
        }
    }

    @Test("a syntax error names its line and column; an alias bomb is refused, not expanded")
    func failures() throws {
        #expect(throws: YAMLDocument.Failure.self) { try YAMLDocument.load("a: [1, 2\nb: 3\n") }
        do {
            _ = try YAMLDocument.load("function: x\n  bake: : 1\n")
            Issue.record("accepted invalid YAML")
        } catch {
            #expect(error.message.contains("line 2"), "\(error.message)")
        }
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...6 {
            let previous = level == 1 ? "a" : "l\(level - 1)"
            bomb +=
                "l\(level): &l\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        do {
            _ = try YAMLDocument.load(bomb)
            Issue.record("expanded an alias bomb")
        } catch {
            #expect(error.message.contains("nodes once aliases are expanded"))
        }
    }

    @Test("an alias inside its own anchor (a cycle libyaml accepts) is refused, not recursed into")
    func cycle() throws {
        do {
            _ = try YAMLDocument.load("a: &x [1, *x]\n")
            Issue.record("accepted a cyclic document")
        } catch {
            #expect(error.message.contains("nested more than 200 levels deep"), "\(error.message)")
        }
    }

    @Test("infinity and NaN, which JSON cannot carry, are typed as PyYAML types them")
    func specialFloats() throws {
        #expect(YAMLDocument.resolve(plain: ".inf") as? Double == .infinity)
        #expect(YAMLDocument.resolve(plain: "-.INF") as? Double == -.infinity)
        #expect((YAMLDocument.resolve(plain: ".NaN") as? Double)?.isNaN == true)
        #expect(YAMLDocument.resolve(plain: "inf") as? String == "inf")
    }
}
