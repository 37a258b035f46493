/// The few string operations lambda-shift needs that live in Foundation (not in
/// FoundationEssentials), written here so the shipped binary carries no ICU.
extension StringProtocol {
    /// Without leading and trailing whitespace; `newlines: false` keeps line breaks (as
    /// Foundation's `.whitespaces` does) and trims only spaces, tabs and other blanks.
    package func trimmed(newlines: Bool = true) -> String {
        func blank(_ character: Character) -> Bool {
            character.isWhitespace && (newlines || !character.isNewline)
        }
        guard let first = firstIndex(where: { !blank($0) }) else { return "" }
        let last = lastIndex(where: { !blank($0) })!
        return String(self[first...last])
    }

    /// The range of the last occurrence of `target`, or nil.
    package func lastRange(of target: String) -> Range<Index>? {
        var found: Range<Index>?
        var from = startIndex
        while let range = self[from...].firstRange(of: target) {
            found = range
            guard range.lowerBound < endIndex else { break }
            from = index(after: range.lowerBound)
        }
        return found
    }

    /// Every occurrence of `target` replaced with `replacement`, scanning left to right. Matches
    /// bytes, not characters: "\r" is found inside "\r\n" (one Character to Swift), as a
    /// workflow command's escaping needs. UTF-8 never matches in the middle of a character.
    package func replacingAll(_ target: String, with replacement: String) -> String {
        let bytes = Array(utf8), pattern = Array(target.utf8)
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return String(self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == pattern[0], index + pattern.count <= bytes.count,
                bytes[index..<index + pattern.count].elementsEqual(pattern)
            {
                out += replacement.utf8
                index += pattern.count
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Numbers as text, the same on every machine (no locale): for percentages, rates and times in
/// reports.
package enum Decimals {
    /// `value` with at most `decimals` decimals, trailing zeros dropped: 1.50 → "1.5", 2.0 → "2".
    package static func text(_ value: Double, decimals: Int = 2) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        var fraction = Int(scaled) - whole * Int(scale)
        var digits = ""
        for _ in 0..<decimals {
            digits = String(fraction % 10) + digits
            fraction /= 10
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        let sign = value < 0 && scaled > 0 ? "-" : ""
        return sign + String(whole) + (digits.isEmpty ? "" : "." + digits)
    }
}

/// A count with its noun, singular or plural as the number asks: `counted(1, "alarm")` is
/// "1 alarm", `counted(3, "alarm")` "3 alarms" (`plural` for nouns that take more than an s).
package func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) " + (count == 1 ? noun : plural ?? noun + "s")
}

/// Levenshtein distance by Characters, for did-you-mean (`ignoringCase` compares lowercased).
package func editDistance(_ a: String, _ b: String, ignoringCase: Bool = false) -> Int {
    let a = Array(ignoringCase ? a.lowercased() : a), b = Array(ignoringCase ? b.lowercased() : b)
    guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in 1...b.count {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}

/// The candidate nearest to `text` by edit distance, the first of equals; nil for no candidates.
package func nearest(to text: String, among candidates: [String], ignoringCase: Bool = false) -> String? {
    candidates.min {
        editDistance($0, text, ignoringCase: ignoringCase) < editDistance($1, text, ignoringCase: ignoringCase)
    }
}

/// The `LAMBDA_SHIFT_` variable of a setting or an output: `previous-version` is
/// `LAMBDA_SHIFT_PREVIOUS_VERSION`. One rule for both, so an output that comes back in an
/// environment is recognised by the name a setting would have.
package func lambdaShiftVariable(_ name: String) -> String {
    "LAMBDA_SHIFT_" + name.uppercased().replacingAll("-", with: "_")
}
