import FoundationEssentials

/// A source of the current time, injected so signing, expiry and rollouts are testable.
package protocol AWSClock: Sendable {
    func now() -> Date
}

/// The system's wall clock.
package struct SystemClock: AWSClock {
    package init() {}
    package func now() -> Date { Date() }
}

/// Waits, injected so retries and polls run instantly in tests. Throws CancellationError
/// when the task is cancelled during the wait.
package protocol Sleeper: Sendable {
    func sleep(seconds: Double) async throws
}

/// Sleeps for real with Task.sleep.
package struct TaskSleeper: Sleeper {
    package init() {}
    package func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}

/// Timestamps formatted and parsed by hand in UTC: deterministic, with no locale or
/// formatter state.
package enum AWSTimestamp {
    /// `20150830T123600Z`, the form of X-Amz-Date.
    package static func amzDate(_ date: Date) -> String {
        let c = components(date)
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2)
            + pad(c.second, 2) + "Z"
    }

    /// `20150830`, the date of a SigV4 credential scope.
    package static func scopeDate(_ date: Date) -> String {
        String(amzDate(date).prefix(8))
    }

    /// `2015-08-30T12:36:00Z`.
    package static func iso8601(_ date: Date) -> String {
        let c = components(date)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2) + "T" + pad(c.hour, 2) + ":"
            + pad(c.minute, 2) + ":" + pad(c.second, 2) + "Z"
    }

    /// Parses ISO 8601 timestamps as AWS returns them: `2015-08-30T12:36:00Z`,
    /// with optional fractional seconds and a `Z` or `±hh:mm` offset; also `20150830T123600Z`.
    package static func parse(_ text: String) -> Date? {
        let s = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= s.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let c = s[i]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
                i += 1
            }
            return value
        }
        func skip(_ c: UInt8) { if i < s.count && s[i] == c { i += 1 } }
        guard let year = number(4) else { return nil }
        skip(UInt8(ascii: "-"))
        guard let month = number(2) else { return nil }
        skip(UInt8(ascii: "-"))
        guard let day = number(2) else { return nil }
        guard i < s.count, s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = number(2) else { return nil }
        skip(UInt8(ascii: ":"))
        guard let minute = number(2) else { return nil }
        skip(UInt8(ascii: ":"))
        guard let second = number(2) else { return nil }
        var fraction = 0.0
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                fraction += Double(s[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < s.count {
            switch s[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = s[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = number(2) else { return nil }
                skip(UInt8(ascii: ":"))
                guard let om = number(2) else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            default: return nil
            }
        }
        guard i == s.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    private struct Parts { var year, month, day, hour, minute, second: Int }

    private static func components(_ date: Date) -> Parts {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var rem = total % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        return Parts(year: y, month: m, day: d, hour: rem / 3600, minute: (rem % 3600) / 60, second: rem % 60)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's days-from-civil algorithms, proleptic Gregorian calendar.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
