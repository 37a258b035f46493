import FuzzSupport
@testable import LambdaShiftCore

/// The JSON reader (`JSONValue.parse`): a text that parses is written back (compact and
/// indented) as text that parses to the same value (numbers compared by value: JSON has one
/// number type), and the compact form is canonical: writing the value read back gives it again.
fuzz { bytes in
    guard let value = JSONValue.parse(bytes) else { return }
    let compact = value.rendered()
    guard let back = JSONValue.parse(Array(compact.utf8)) else {
        require(false, "\(compact) does not parse")
        return
    }
    require(same(back, value), "\(compact) parses to another value")
    require(back.rendered() == compact, "\(compact) is written back as \(back.rendered())")
    let pretty = value.renderedPretty()
    require(JSONValue.parse(Array(pretty.utf8)).map { same($0, value) } == true, "\(pretty) parses to another value")
}

/// Equal values, an integer equal to a whole double of the same value.
func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x == y
    case (.double(let x), .double(let y)): return x == y
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Int(exactly: y) == x
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(same)
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, item in y[key].map { same(item, $0) } == true }
    default: return a == b
    }
}
