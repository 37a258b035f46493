/// Exclusion rules with .gitignore's syntax, from `.lambdaignore` and `--exclude`:
/// `*`, `?` and `[…]` within a path segment, `**` across segments, a trailing `/` for
/// directories only, a leading `/` (or any inner `/`) to anchor at the root, `!` to
/// re-include, `#` comments. The last matching rule wins.
package struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var glob: Glob
        var negated: Bool
        var directoryOnly: Bool
        var anchored: Bool
    }

    private var rules: [Rule] = []

    package init(patterns: [String] = []) {
        for pattern in patterns { add(pattern) }
    }

    /// Adds the rules of a .lambdaignore file's text.
    package mutating func add(fileText: String) {
        for line in fileText.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) { add(String(line)) }
    }

    /// Read in bytes, as the rule is matched: a `/` followed by a combining mark is one Character
    /// with it, yet still a `/` to the match.
    package mutating func add(_ line: String) {
        var text = Array(line.utf8)[...]
        while let last = text.last, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(last) {
            text.removeLast()
        }
        guard let first = text.first, first != UInt8(ascii: "#") else { return }
        let negated = first == UInt8(ascii: "!")
        if negated { text.removeFirst() }
        let directoryOnly = text.last == Glob.slash
        if directoryOnly { text.removeLast() }
        var anchored = text.dropLast().contains(Glob.slash)
        if text.first == Glob.slash { anchored = true; text.removeFirst() }
        if text.starts(with: "**/".utf8) { anchored = true }  // "**/x" matches x at any depth by itself
        guard !text.isEmpty else { return }
        rules.append(Rule(glob: Glob(Array(text)), negated: negated, directoryOnly: directoryOnly, anchored: anchored))
    }

    package var isEmpty: Bool { rules.isEmpty }

    /// Whether `path` (relative, `/`-separated, no leading slash) is excluded.
    package func excludes(_ path: [UInt8], isDirectory: Bool) -> Bool {
        var excluded = false
        let name =
            path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last.map(Array.init) ?? path
        for rule in rules {
            if rule.directoryOnly && !isDirectory { continue }
            let subject = rule.anchored ? path : name
            if rule.glob.matches(subject[...]) { excluded = !rule.negated }
        }
        return excluded
    }
}

/// A glob matched on bytes as .gitignore matches: `*` and `?` stay within a segment, `[a-z]` and
/// `[!x]` match one byte of it, `\\` escapes, and `**` as a whole segment spans segments (`**/x`
/// and `a/**/x` zero or more, a trailing `a/**` one or more: everything inside `a`); `**` within a
/// segment is `*`. Segments are matched in turn, `**` as a star over segments and `*` within one,
/// each backtracking only to its last star: time at most the pattern's length times the text's,
/// where trying every split after every star was exponential in the stars.
struct Glob: Sendable {
    static let slash = UInt8(ascii: "/")
    static let star = UInt8(ascii: "*")

    /// Each segment's tokens (a run of `*`, `?`, `\\x`, a `[…]` class or a byte); nil for `**`.
    private let segments: [[ArraySlice<UInt8>]?]

    init(_ pattern: [UInt8]) {
        var segments = pattern.split(separator: Self.slash, omittingEmptySubsequences: false).map { segment in
            segment.count >= 2 && segment.allSatisfy { $0 == Self.star } ? nil : Self.tokens(segment)
        }
        // A trailing `**` spans at least one segment: one of any name, then any number.
        if case .some(nil) = segments.last { segments.insert([[Self.star][...]], at: segments.count - 1) }
        self.segments = segments
    }

    func matches(_ text: ArraySlice<UInt8>) -> Bool {
        let names = text.split(separator: Self.slash, omittingEmptySubsequences: false)
        return Self.backtracking(count: segments.count, textCount: names.count, isStar: { segments[$0] == nil }) {
            Self.segment(segments[$0]!, matches: names[$1])
        }
    }

    private static func segment(_ tokens: [ArraySlice<UInt8>], matches text: ArraySlice<UInt8>) -> Bool {
        backtracking(count: tokens.count, textCount: text.count, isStar: { tokens[$0].first == star }) {
            single(tokens[$0], matches: text[text.startIndex + $1])
        }
    }

    /// Wildcard matching of items: star items match any run of text items, every other one
    /// exactly one for which `matches` holds. On a mismatch only the last star takes one more item.
    private static func backtracking(
        count: Int, textCount: Int, isStar: (Int) -> Bool, matches: (Int, Int) -> Bool
    ) -> Bool {
        var p = 0, t = 0
        var resume: (pattern: Int, text: Int)?
        while t < textCount {
            if p < count && isStar(p) {
                p += 1
                resume = (p, t)
            } else if p < count && matches(p, t) {
                p += 1
                t += 1
            } else if let last = resume {
                resume = (last.pattern, last.text + 1)
                (p, t) = (last.pattern, last.text + 1)
            } else {
                return false
            }
        }
        while p < count && isStar(p) { p += 1 }
        return p == count
    }

    /// A segment's tokens: a run of `*` (one star), `\\x`, a `[…]` class (its first byte, after a
    /// `!` or `^`, may be `]`; unclosed, `[` is a byte), or one byte.
    private static func tokens(_ segment: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var tokens: [ArraySlice<UInt8>] = []
        var p = segment.startIndex
        while p < segment.endIndex {
            var end = p + 1
            switch segment[p] {
            case star:
                while end < segment.endIndex && segment[end] == star { end += 1 }
            case UInt8(ascii: "\\") where end < segment.endIndex:
                end += 1
            case UInt8(ascii: "["):
                var first = p + 1
                if first < segment.endIndex && [UInt8(ascii: "!"), UInt8(ascii: "^")].contains(segment[first]) {
                    first += 1
                }
                if first < segment.endIndex, let close = segment[(first + 1)...].firstIndex(of: UInt8(ascii: "]")) {
                    end = close + 1
                }
            default: break
            }
            tokens.append(segment[p..<end])
            p = end
        }
        return tokens
    }

    /// Whether a token other than a star matches one byte.
    private static func single(_ token: ArraySlice<UInt8>, matches byte: UInt8) -> Bool {
        if token.count == 1 { return token.first == UInt8(ascii: "?") || token.first == byte }
        if token.first == UInt8(ascii: "\\") { return token.last == byte }
        var body = token.dropFirst().dropLast()
        let negate = body.first == UInt8(ascii: "!") || body.first == UInt8(ascii: "^")
        if negate { body = body.dropFirst() }
        var hit = false
        var i = body.startIndex
        while i < body.endIndex {
            if i + 2 < body.endIndex, body[i + 1] == UInt8(ascii: "-") {
                if body[i] <= byte && byte <= body[i + 2] { hit = true }
                i += 3
            } else {
                if body[i] == byte { hit = true }
                i += 1
            }
        }
        return hit != negate
    }
}
