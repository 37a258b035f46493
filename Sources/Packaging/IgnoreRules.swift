/// Exclusion rules with .gitignore's syntax, from `.lambdaignore` and `--exclude`:
/// `*`, `?` and `[…]` within a path segment, `**` across segments, a trailing `/` for
/// directories only, a leading `/` (or any inner `/`) to anchor at the root, `!` to
/// re-include, `#` comments. The last matching rule wins.
public struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var pattern: [UInt8]
        var negated: Bool
        var directoryOnly: Bool
        var anchored: Bool
    }

    private var rules: [Rule] = []

    public init(patterns: [String] = []) {
        for pattern in patterns { add(pattern) }
    }

    /// Adds the rules of a .lambdaignore file's text.
    public mutating func add(fileText: String) {
        for line in fileText.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) { add(String(line)) }
    }

    public mutating func add(_ line: String) {
        var text = Substring(line)
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        guard !text.isEmpty, !text.hasPrefix("#") else { return }
        var negated = false
        if text.hasPrefix("!") { negated = true; text.removeFirst() }
        var directoryOnly = false
        if text.hasSuffix("/") { directoryOnly = true; text.removeLast() }
        var anchored = text.dropLast().contains("/")
        if text.hasPrefix("/") { anchored = true; text.removeFirst() }
        if text.hasPrefix("**/") { anchored = true }  // "**/x" matches x at any depth by itself
        guard !text.isEmpty else { return }
        rules.append(
            Rule(pattern: Array(text.utf8), negated: negated, directoryOnly: directoryOnly, anchored: anchored))
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Whether `path` (relative, `/`-separated, no leading slash) is excluded.
    public func excludes(_ path: [UInt8], isDirectory: Bool) -> Bool {
        var excluded = false
        let name =
            path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last.map(Array.init) ?? path
        for rule in rules {
            if rule.directoryOnly && !isDirectory { continue }
            let subject = rule.anchored ? path : name
            if Glob.matches(rule.pattern[...], subject[...]) { excluded = !rule.negated }
        }
        return excluded
    }
}

/// Glob matching on bytes: `*` and `?` stop at `/`, `**` crosses it, `[a-z]` and `[!x]` classes.
enum Glob {
    static let slash = UInt8(ascii: "/")

    static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex
        var t = text.startIndex
        while p < pattern.endIndex {
            let c = pattern[p]
            if c == UInt8(ascii: "*") {
                let isDouble = p + 1 < pattern.endIndex && pattern[p + 1] == UInt8(ascii: "*")
                if isDouble {
                    var rest = p + 2
                    // "**/" also matches zero directories.
                    if rest < pattern.endIndex && pattern[rest] == slash {
                        rest += 1
                        if matches(pattern[rest...], text[t...]) { return true }
                    }
                    var i = t
                    while i <= text.endIndex {
                        if matches(pattern[rest...], text[i...]) { return true }
                        if i == text.endIndex { break }
                        i += 1
                    }
                    return false
                }
                var i = t
                while true {
                    if matches(pattern[(p + 1)...], text[i...]) { return true }
                    if i == text.endIndex || text[i] == slash { return false }
                    i += 1
                }
            }
            guard t < text.endIndex else { return false }
            if c == UInt8(ascii: "?") {
                if text[t] == slash { return false }
            } else if c == UInt8(ascii: "["),
                let close = pattern[(p + 1)...].dropFirst().firstIndex(of: UInt8(ascii: "]"))
            {
                var body = pattern[(p + 1)..<close]
                var negate = false
                if let first = body.first, first == UInt8(ascii: "!") || first == UInt8(ascii: "^") {
                    negate = true; body = body.dropFirst()
                }
                var hit = false
                var i = body.startIndex
                while i < body.endIndex {
                    if i + 2 < body.endIndex, body[i + 1] == UInt8(ascii: "-") {
                        if body[i] <= text[t] && text[t] <= body[i + 2] { hit = true }
                        i += 3
                    } else {
                        if body[i] == text[t] { hit = true }
                        i += 1
                    }
                }
                if hit == negate || text[t] == slash { return false }
                p = close
            } else {
                var literal = c
                if c == UInt8(ascii: "\\"), p + 1 < pattern.endIndex { p += 1; literal = pattern[p] }
                if literal != text[t] { return false }
            }
            p += 1
            t += 1
        }
        return t == text.endIndex
    }
}
