import CYaml

/// A YAML document read with libyaml's loader (YAML 1.1, anchors and aliases resolved), its
/// plain scalars typed as YAML 1.1 does for the values settings take: null, booleans, integers
/// and floats; everything quoted or otherwise is a string. Merge keys (`<<: *defaults`) are
/// honoured. Only the first document of a stream is read.
enum YAMLDocument {
    /// A mapping's, sequence's or scalar's value: `[String: Any]`, `[Any]`, `String`, `Int`,
    /// `Double`, `Bool` or `YAMLNull`.
    struct Failure: Error {
        var message: String
        /// Set for a key written twice in one mapping: the message is then a whole sentence of
        /// its own (`environments.production` at lines 3 and 9), not a parse error.
        var duplicateKey: Bool = false
    }

    /// An empty scalar, `~` or `null`.
    struct Null: Equatable {}

    /// Far more than any settings file, far fewer than an alias bomb expands to.
    static let nodeLimit = 100_000

    /// The first document's root, nil for an empty stream.
    static func load(_ text: String) throws(Failure) -> Any? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Failure(message: "out of memory") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        try checkLimits(bytes)
        var document = yaml_document_t()
        let loaded = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return yaml_parser_load(&parser, &document)
        }
        guard loaded == 1 else { throw Failure(message: problem(parser)) }
        defer { yaml_document_delete(&document) }
        guard let root = yaml_document_get_root_node(&document) else { return nil }
        var visited = 0
        return try value(root, in: &document, visited: &visited, depth: 0, path: "")
    }

    private static func problem(_ parser: yaml_parser_t) -> String {
        let what = parser.problem.map { String(cString: $0) } ?? "parse error"
        let mark = parser.problem_mark
        var text = "\(what) at line \(mark.line + 1), column \(mark.column + 1)"
        if let context = parser.context.map({ String(cString: $0) }) { text += " (\(context))" }
        return text
    }

    /// Deeper than any settings file; shallow enough for the stack (an alias inside its own
    /// anchor, `a: &x [*x]`, is a cycle libyaml accepts).
    static let depthLimit = 200

    /// Far more anchors (`&name`) than any settings file names.
    static let anchorLimit = 1_000

    /// Refuses, before libyaml loads it, a document nested deeper than `depthLimit` or naming more
    /// than `anchorLimit` anchors, reading its events only as far as the first node past either.
    /// libyaml's scanner looks at every open flow collection for each token, so loading N nested
    /// `[` costs N² steps (200 KB of them took 23 s), and its loader compares each anchor with
    /// every earlier one (250 KB of anchors took 0.8 s); with both bounded the time is linear in
    /// the document's size. A syntax error is left to the loader to report.
    private static func checkLimits(_ bytes: [UInt8]) throws(Failure) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Failure(message: "out of memory") }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeBufferPointer { buffer throws(Failure) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var open = 0, anchors = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                let mark = event.start_mark
                func at() -> String { "at line \(mark.line + 1), column \(mark.column + 1)" }
                let anchor: UnsafeMutablePointer<yaml_char_t>?
                switch event.type {
                case YAML_SEQUENCE_START_EVENT: anchor = event.data.sequence_start.anchor
                case YAML_MAPPING_START_EVENT: anchor = event.data.mapping_start.anchor
                case YAML_SCALAR_EVENT: anchor = event.data.scalar.anchor
                case YAML_ALIAS_EVENT: anchor = nil
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    open -= 1
                    continue
                case YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT: return
                default: continue
                }
                guard open < depthLimit else {
                    throw Failure(
                        message:
                            "nested more than \(depthLimit) levels deep \(at()); settings need only a few levels, so flatten the lists and mappings there"
                    )
                }
                if anchor != nil { anchors += 1 }
                guard anchors <= anchorLimit else {
                    throw Failure(
                        message:
                            "more than \(anchorLimit) anchors (&name) \(at()); settings need only a few, so write the values out instead"
                    )
                }
                if event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT { open += 1 }
            }
        }
    }

    private static func value(
        _ node: UnsafeMutablePointer<yaml_node_t>, in document: inout yaml_document_t, visited: inout Int, depth: Int,
        path: String
    ) throws(Failure) -> Any {
        guard depth < depthLimit else {
            throw Failure(message: "nested more than \(depthLimit) levels deep (an alias inside its own anchor?)")
        }
        visited += 1
        guard visited <= nodeLimit else {
            throw Failure(message: "more than \(nodeLimit) nodes once aliases are expanded")
        }
        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            let scalar = node.pointee.data.scalar
            let text = String(
                decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            // Quoted, literal and folded scalars are strings; plain ones are typed.
            return scalar.style == YAML_PLAIN_SCALAR_STYLE ? resolve(plain: text) : text
        case YAML_SEQUENCE_NODE:
            var items: [Any] = []
            var item = node.pointee.data.sequence.items.start
            while let current = item, current != node.pointee.data.sequence.items.top {
                if let child = yaml_document_get_node(&document, current.pointee) {
                    items.append(
                        try value(
                            child, in: &document, visited: &visited, depth: depth + 1, path: path + "[\(items.count)]"))
                }
                item = current + 1
            }
            return items
        case YAML_MAPPING_NODE:
            var members: [String: Any] = [:]
            // Where each key written in this mapping is (its 1-based line): YAML requires keys to
            // be unique (YAML 1.1, 3.2.1.1), and libyaml does not check; the last one winning
            // would silently drop a gate or a branch map.
            var lines: [String: Int] = [:]
            var merged: [[String: Any]] = []
            var pair = node.pointee.data.mapping.pairs.start
            while let current = pair, current != node.pointee.data.mapping.pairs.top {
                pair = current + 1
                guard let keyNode = yaml_document_get_node(&document, current.pointee.key),
                    let valueNode = yaml_document_get_node(&document, current.pointee.value)
                else { continue }
                let key = try value(keyNode, in: &document, visited: &visited, depth: depth + 1, path: path)
                let name = keyText(key)
                let keyPath = path.isEmpty ? name : path + "." + name
                let line = Int(keyNode.pointee.start_mark.line) + 1
                if let first = lines[name] {
                    throw Failure(
                        message: "\(keyPath) is written twice (lines \(first) and \(line)), and only one can count",
                        duplicateKey: true)
                }
                let item = try value(valueNode, in: &document, visited: &visited, depth: depth + 1, path: keyPath)
                if keyNode.pointee.type == YAML_SCALAR_NODE,
                    keyNode.pointee.data.scalar.style == YAML_PLAIN_SCALAR_STYLE,
                    key as? String == "<<"
                {
                    if let map = item as? [String: Any] {
                        merged.append(map)
                    } else if let maps = item as? [Any], let all = maps as? [[String: Any]] {
                        merged += all
                    } else {
                        throw Failure(message: "a merge key (<<) must name a mapping or a list of mappings")
                    }
                    continue
                }
                lines[name] = line
                members[name] = item
            }
            // Keys written in the mapping win over merged ones; earlier merged mappings over later.
            for map in merged {
                for (key, item) in map where members[key] == nil { members[key] = item }
            }
            return members
        default:
            return Null()
        }
    }

    private static func keyText(_ key: Any) -> String {
        switch key {
        case let text as String: text
        case let number as Int: String(number)
        case let number as Double: String(number)
        case let flag as Bool: String(flag)
        case is Null: "null"
        default: "\(key)"
        }
    }

    /// YAML 1.1's types for a plain scalar (https://yaml.org/type/), as PyYAML resolves them:
    /// null, bool, int (decimal, 0b binary, 0x hex, 0-led octal, `_` separators) and float (a
    /// point is required; an exponent needs its sign; `.5` may not be signed). Sexagesimal numbers and timestamps stay
    /// strings: no setting takes one.
    static func resolve(plain text: String) -> Any {
        switch text {
        case "", "~", "null", "Null", "NULL": return Null()
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return Double.infinity
        case "-.inf", "-.Inf", "-.INF": return -Double.infinity
        case ".nan", ".NaN", ".NAN": return Double.nan
        default: break
        }
        var body = Substring(text)
        var negative = false, signed = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            signed = true
            body = body.dropFirst()
        }
        func all(_ part: Substring, _ allowed: String) -> Bool {
            !part.isEmpty && part.allSatisfy { allowed.contains($0) }
        }
        func integer(_ digits: Substring, radix: Int) -> Any? {
            Int((negative ? "-" : "") + digits.filter { $0 != "_" }, radix: radix)
        }
        let decimal = "0123456789_"
        if body.hasPrefix("0b"), all(body.dropFirst(2), "01_") { return integer(body.dropFirst(2), radix: 2) ?? text }
        if body.hasPrefix("0x"), all(body.dropFirst(2), "0123456789abcdefABCDEF_") {
            return integer(body.dropFirst(2), radix: 16) ?? text
        }
        if body.hasPrefix("0"), all(body.dropFirst(), "01234567_") {
            return integer(body.dropFirst(), radix: 8) ?? text
        }
        if body == "0" || (body.first.map { "123456789".contains($0) } == true && all(body, decimal)) {
            return integer(body, radix: 10) ?? text
        }
        // [0-9][0-9_]*.[0-9_]*([eE][-+][0-9]+)? or .[0-9_]+([eE][-+][0-9]+)?
        guard let point = body.firstIndex(of: ".") else { return text }
        let whole = body[..<point]
        var rest = body[body.index(after: point)...]
        var exponent: Substring = ""
        if let mark = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
            guard let sign = exponent.first, sign == "+" || sign == "-", all(exponent.dropFirst(), "0123456789")
            else { return text }
        }
        let shapeFits =
            whole.isEmpty
            ? !signed && all(rest, decimal)
            : ("0123456789".contains(whole.first!) && all(whole, decimal) && (rest.isEmpty || all(rest, decimal)))
        guard shapeFits else { return text }
        var number = negative ? "-" : ""
        number += whole.filter { $0 != "_" }
        number += "." + rest.filter { $0 != "_" } + "0"
        if !exponent.isEmpty { number += "e" + exponent }
        return Double(number) ?? text
    }
}
