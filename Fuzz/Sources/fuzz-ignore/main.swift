@testable import Config
import FuzzSupport
@testable import Packaging

/// The largest pattern × text the references judge: they take quadratic time and memory, which
/// for the largest inputs would pass the time limit themselves; larger inputs are only run.
let judgedCells = 1 << 18

/// Ignore rules (`IgnoreRules`, `.lambdaignore` and `--exclude`) and branch globs
/// (`BranchMap.matches`). The input is rules, a NUL, then paths, one a line. Each path's verdict,
/// as a file and as a directory, is the one an independent reading of .gitignore's rules gives
/// (the last matching rule wins; `*` and `?` stay within a segment; `**` as a whole segment
/// spans any number of them); rules with `[` or `\` are only run, not judged. Each rule read as a
/// branch glob (`*` within a segment, `**` across, `?` one character) matches a path exactly when
/// the reference says so (both at most 1 KB, far longer than any branch). Pairs larger than
/// `judgedCells` are only run, within the time limit.
fuzz { bytes in
    let parts = fields(bytes)
    let rulesText = parts[0]
    let paths = parts.dropFirst().joined(separator: "\n").split(separator: "\n").map(String.init).filter {
        !$0.isEmpty && !$0.hasPrefix("/") && !$0.hasSuffix("/") && !$0.contains("//")
    }
    var rules = IgnoreRules()
    rules.add(fileText: rulesText)
    let lines = rulesText.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
    // Bytes: a `[` followed by a combining mark is one Character with it.
    let judged = !rulesText.utf8.contains { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "\\") }
    for path in paths {
        for isDirectory in [false, true] {
            let excluded = rules.excludes(Array(path.utf8), isDirectory: isDirectory)
            guard judged, path.utf8.count * rulesText.utf8.count <= judgedCells else { continue }
            let expected = referenceExcludes(lines, Array(path.utf8), isDirectory: isDirectory)
            require(excluded == expected, "\(lines) on \(path) (directory: \(isDirectory)): \(excluded)")
        }
        for line in lines where line.utf8.count <= 1_024 && path.utf8.count <= 1_024 {
            let matched = BranchMap.matches(line, path)
            guard path.count * line.count <= judgedCells else { continue }
            require(matched == branchMatches(Array(line), Array(path)), "branch glob \(line) on \(path): \(matched)")
        }
    }
}

/// .gitignore's verdict: trailing blanks dropped, `#` comments, `!` re-includes, a trailing `/`
/// for directories only, a `/` at the start or inside anchors at the root (else the rule
/// matches the last segment), the last matching rule wins.
func referenceExcludes(_ lines: [String], _ path: [UInt8], isDirectory: Bool) -> Bool {
    var excluded = false
    let name = Array(path.split(separator: UInt8(ascii: "/")).last ?? [])
    for line in lines {
        var rule = Array(line.utf8)
        while let last = rule.last, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(last) {
            rule.removeLast()
        }
        guard let first = rule.first, first != UInt8(ascii: "#") else { continue }
        let negated = first == UInt8(ascii: "!")
        if negated { rule.removeFirst() }
        let directoryOnly = rule.last == UInt8(ascii: "/")
        if directoryOnly { rule.removeLast() }
        var anchored = rule.dropLast().contains(UInt8(ascii: "/"))
        if rule.first == UInt8(ascii: "/") {
            anchored = true
            rule.removeFirst()
        }
        guard !rule.isEmpty, !directoryOnly || isDirectory else { continue }
        if globMatches(rule, anchored ? path : name) { excluded = !negated }
    }
    return excluded
}

/// .gitignore's glob without brackets or escapes, by dynamic programming over (pattern token,
/// text position): `*` (any run of stars that is not a whole segment) within a segment, `?` one
/// byte but `/`, a leading or inner `**/` zero or more whole segments, a trailing `/**` (or a
/// pattern of stars alone) anything.
func globMatches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
    enum Token { case byte(UInt8), one, star, segments, anything }
    let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*")
    var tokens: [Token] = []
    var i = 0
    while i < pattern.count {
        guard pattern[i] == star else {
            tokens.append(pattern[i] == UInt8(ascii: "?") ? .one : .byte(pattern[i]))
            i += 1
            continue
        }
        var end = i
        while end < pattern.count && pattern[end] == star { end += 1 }
        let wholeSegment = end - i >= 2 && (i == 0 || pattern[i - 1] == slash)
        if wholeSegment && end == pattern.count {
            tokens.append(.anything)
        } else if wholeSegment && pattern[end] == slash {
            tokens.append(.segments)
            end += 1
        } else {
            tokens.append(.star)
        }
        i = end
    }
    // next[j]: the tokens after the current one match text[j...].
    var next = [Bool](repeating: false, count: text.count + 1)
    next[text.count] = true
    for token in tokens.reversed() {
        var row = [Bool](repeating: false, count: text.count + 1)
        var later = false  // .segments: some `/` at or after j is followed by a match
        for j in stride(from: text.count, through: 0, by: -1) {
            let here = j < text.count ? text[j] : nil
            switch token {
            case .byte(let byte): row[j] = here == byte && next[j + 1]
            case .one: row[j] = here != nil && here != slash && next[j + 1]
            case .star: row[j] = next[j] || (here != nil && here != slash && row[j + 1])
            case .anything: row[j] = next[j] || (here != nil && row[j + 1])
            case .segments:
                later = later || (here == slash && next[j + 1])
                row[j] = next[j] || later
            }
        }
        next = row
    }
    return next[0]
}

/// A branch glob read top-down, as its documentation says: `**` anything, `*` anything but `/`,
/// `?` one Character but `/`; each (pattern, text) position decided once.
func branchMatches(_ pattern: [Character], _ text: [Character]) -> Bool {
    var known: [Int: Bool] = [:]
    func match(_ p: Int, _ t: Int) -> Bool {
        let key = p * (text.count + 1) + t
        if let answer = known[key] { return answer }
        let answer: Bool
        if p == pattern.count {
            answer = t == text.count
        } else if pattern[p] == "*" && p + 1 < pattern.count && pattern[p + 1] == "*" {
            answer = match(p + 2, t) || (t < text.count && match(p, t + 1))
        } else if pattern[p] == "*" {
            answer = match(p + 1, t) || (t < text.count && text[t] != "/" && match(p, t + 1))
        } else if t == text.count {
            answer = false
        } else {
            answer = (pattern[p] == "?" ? text[t] != "/" : pattern[p] == text[t]) && match(p + 1, t + 1)
        }
        known[key] = answer
        return answer
    }
    return match(0, 0)
}
