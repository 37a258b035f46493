import FoundationEssentials

/// A small XML tree: enough for the responses of S3 (REST-XML) and of query-protocol
/// services such as STS. Element names keep only their local part (no namespace prefix).
package struct XMLNode: Sendable, Equatable {
    package var name: String
    package var attributes: [String: String]
    package var children: [XMLNode]
    /// The element's own character data, entities decoded.
    package var text: String

    package init(name: String, attributes: [String: String] = [:], children: [XMLNode] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child called `name`.
    package func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Every child called `name`.
    package func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The text of the element reached by following `path` from here, e.g. `["Error", "Code"]`.
    package func text(at path: String...) -> String? {
        var node = self
        for name in path {
            guard let next = node.child(name) else { return nil }
            node = next
        }
        return node.text
    }

    /// Parses a document; throws on malformed input.
    package static func parse(_ data: Data) throws -> XMLNode {
        var reader = XMLReader(bytes: Array(data))
        return try reader.document()
    }

    /// Escapes text for element content or attribute values.
    package static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }
}

/// The document could not be read as XML.
package struct XMLParseError: Error, Sendable, CustomStringConvertible {
    package var offset: Int
    package var reason: String
    package var description: String { "malformed XML at byte \(offset): \(reason)" }
}

private struct XMLReader {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() throws -> XMLNode {
        try skipMisc()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { throw fail("expected the root element") }
        return try element(depth: 0)
    }

    /// Far deeper than any answer of S3 or STS (four levels); shallow enough for the stack, which
    /// 200 KB of nested elements overflowed.
    static let depthLimit = 100

    func fail(_ reason: String) -> XMLParseError { XMLParseError(offset: i, reason: reason) }

    func starts(with text: String) -> Bool {
        let t = Array(text.utf8)
        return i + t.count <= bytes.count && Array(bytes[i..<i + t.count]) == t
    }

    mutating func skip(past text: String) throws {
        let t = Array(text.utf8)
        while i + t.count <= bytes.count {
            if Array(bytes[i..<i + t.count]) == t { i += t.count; return }
            i += 1
        }
        throw fail("unterminated construct, expected \(text)")
    }

    mutating func skipWhitespace() {
        while i < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) { i += 1 }
    }

    /// Skips the prolog: whitespace, <?...?>, comments and a DOCTYPE.
    mutating func skipMisc() throws {
        while true {
            skipWhitespace()
            if starts(with: "<?") {
                try skip(past: "?>")
            } else if starts(with: "<!--") {
                try skip(past: "-->")
            } else if starts(with: "<!DOCTYPE") {
                try skip(past: ">")
            } else {
                return
            }
        }
    }

    mutating func name() throws -> String {
        let start = i
        while i < bytes.count,
            ![0x20, 0x09, 0x0a, 0x0d, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(bytes[i])
        { i += 1 }
        guard i > start else { throw fail("expected a name") }
        let full = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let colon = full.lastIndex(of: ":") else { return full }
        // `a:` has a prefix and no name.
        guard colon != full.index(before: full.endIndex) else { throw fail("expected a name after \(full)") }
        return String(full[full.index(after: colon)...])
    }

    mutating func element(depth: Int) throws -> XMLNode {
        guard depth < Self.depthLimit else { throw fail("elements nested more than \(Self.depthLimit) deep") }
        i += 1  // <
        var node = XMLNode(name: try name())
        while true {
            skipWhitespace()
            guard i < bytes.count else { throw fail("unterminated start tag") }
            if bytes[i] == UInt8(ascii: "/") {
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw fail("expected />") }
                i += 2
                return node
            }
            if bytes[i] == UInt8(ascii: ">") { i += 1; break }
            let attribute = try name()
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw fail("expected = after attribute") }
            i += 1
            skipWhitespace()
            guard i < bytes.count, bytes[i] == 0x22 || bytes[i] == 0x27 else { throw fail("expected a quoted value") }
            let quote = bytes[i]
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != quote { i += 1 }
            guard i < bytes.count else { throw fail("unterminated attribute value") }
            node.attributes[attribute] = decodeEntities(bytes[start..<i])
            i += 1
        }
        var text: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("unterminated element \(node.name)") }
            if starts(with: "</") {
                i += 2
                let closing = try name()
                guard closing == node.name else { throw fail("expected </\(node.name)>, found </\(closing)>") }
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw fail("expected >") }
                i += 1
                node.text = decodeEntities(text[...])
                return node
            } else if starts(with: "<!--") {
                try skip(past: "-->")
            } else if starts(with: "<![CDATA[") {
                i += 9
                let start = i
                try skip(past: "]]>")
                // CDATA is literal: protect it from entity decoding by escaping ampersands.
                for b in bytes[start..<(i - 3)] {
                    if b == UInt8(ascii: "&") { text += Array("&amp;".utf8) } else { text.append(b) }
                }
            } else if bytes[i] == UInt8(ascii: "<") {
                node.children.append(try element(depth: depth + 1))
            } else {
                text.append(bytes[i])
                i += 1
            }
        }
    }

    func decodeEntities(_ slice: ArraySlice<UInt8>) -> String {
        let raw = String(decoding: slice, as: UTF8.self)
        guard raw.contains("&") else { return raw }
        var out = ""
        var rest = Substring(raw)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { out += rest[amp...]; return out }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let v = UInt32(entity.dropFirst(2), radix: 16),
                    let s = Unicode.Scalar(v)
                {
                    out.unicodeScalars.append(s)
                } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let s = Unicode.Scalar(v) {
                    out.unicodeScalars.append(s)
                } else {
                    out += rest[amp...semi]
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
