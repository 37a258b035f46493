@testable import Config
import FuzzSupport

/// The settings file's YAML reader (`YAMLDocument.load`): a document either loads or is refused
/// with a message; one that loads is within the depth and node limits, and written back as a
/// flow document (every string quoted, every number in YAML 1.1's form) it loads to the same tree.
fuzz { bytes in
    let value: Any?
    do {
        value = try YAMLDocument.load(text(bytes))
    } catch let failure as YAMLDocument.Failure {
        require(!failure.message.isEmpty, "a refusal without a message")
        return
    } catch {
        require(false, "refused with \(error)")
        return
    }
    guard let value else { return }
    var nodes = 0
    require(depth(value, nodes: &nodes) < YAMLDocument.depthLimit, "a tree deeper than the limit")
    require(nodes <= YAMLDocument.nodeLimit, "\(nodes) nodes, more than the limit")
    var document = ""
    emit(value, into: &document)
    do {
        let again = try YAMLDocument.load(document)
        require(again.map { same($0, value) } == true, "\(document) loads to another tree")
    } catch {
        require(false, "\(document) is refused: \(error)")
    }
}

/// The deepest node's depth (the root's is 0); counts the nodes.
func depth(_ value: Any, nodes: inout Int) -> Int {
    nodes += 1
    let children: [Any] = (value as? [Any]) ?? (value as? [String: Any]).map { Array($0.values) } ?? []
    return children.map { 1 + depth($0, nodes: &nodes) }.max() ?? 0
}

/// Whether two trees hold the same values (NaN equal to NaN).
func same(_ a: Any, _ b: Any) -> Bool {
    switch (a, b) {
    case (is YAMLDocument.Null, is YAMLDocument.Null): return true
    case (let x as Bool, let y as Bool): return x == y
    case (let x as Int, let y as Int): return x == y
    case (let x as Double, let y as Double): return x == y || (x.isNaN && y.isNaN)
    case (let x as String, let y as String): return x == y
    case (let x as [Any], let y as [Any]): return x.count == y.count && zip(x, y).allSatisfy(same)
    case (let x as [String: Any], let y as [String: Any]):
        return x.count == y.count && x.allSatisfy { key, item in y[key].map { same(item, $0) } == true }
    default: return false
    }
}

/// The tree as YAML flow text: keys explicit (`? key : value`, free of the 1,024-character
/// limit on implicit keys), strings double-quoted in ASCII.
func emit(_ value: Any, into out: inout String) {
    switch value {
    case let flag as Bool: out += flag ? "true" : "false"
    case let number as Int: out += String(number)
    case let number as Double: out += yaml11(number)
    case let text as String: quote(text, into: &out)
    case let list as [Any]:
        out += "["
        for (index, item) in list.enumerated() {
            if index > 0 { out += ", " }
            emit(item, into: &out)
        }
        out += "]"
    case let map as [String: Any]:
        out += "{"
        for (index, (key, item)) in map.enumerated() {
            if index > 0 { out += ", " }
            out += "? "
            quote(key, into: &out)
            out += " : "
            emit(item, into: &out)
        }
        out += "}"
    default: out += "null"
    }
}

/// A float as YAML 1.1 writes one: a point before any exponent, `.inf`, `.nan`.
func yaml11(_ number: Double) -> String {
    if number.isNaN { return ".nan" }
    if number.isInfinite { return number > 0 ? ".inf" : "-.inf" }
    var text = String(number)
    if let exponent = text.firstIndex(of: "e"), !text[..<exponent].contains(".") {
        text.insert(contentsOf: ".0", at: exponent)
    }
    return text
}

/// A double-quoted scalar: printable ASCII as is, everything else escaped.
func quote(_ text: String, into out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x22: out += "\\\""
        case 0x5C: out += "\\\\"
        case 0x20..<0x7F: out.unicodeScalars.append(scalar)
        case 0..<0x100: out += "\\x" + hex(scalar.value, digits: 2)
        case 0x100..<0x10000: out += "\\u" + hex(scalar.value, digits: 4)
        default: out += "\\U" + hex(scalar.value, digits: 8)
        }
    }
    out += "\""
}

func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: digits - text.count) + text
}
