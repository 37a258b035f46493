import LambdaShiftCore
import FoundationEssentials

/// What lambda-shift remembers about an alias, kept in the alias's own description so that
/// every CI run and every laptop reads the same record: the versions that were live and
/// healthy (newest first), the versions that failed a gate or a smoke test during a deploy,
/// and the versions an operator's `rollback` left. `rollback` trusts it to go back to the last
/// good version, never to a failed or rolled-back one; a version rolled back by hand stays
/// recorded as having been healthy (it is not called failed), and a later deploy of it that
/// passes its gates makes it eligible again.
///
/// The record is a bracketed suffix, `[lambda-shift good=5,3,2 failed=4 rolled-back=5]` (the
/// last field only when it holds a version, so records without one read as before); any text
/// before it (a description Terraform set) is kept. Lambda allows 256 characters; the oldest
/// entries are dropped to fit.
/// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html#lambda-UpdateAlias-request-Description
package struct DeployHistory: Sendable, Equatable {
    /// Versions that served all traffic after passing their gates, newest first.
    package var good: [String]
    /// Versions that failed a gate or a smoke test during a deploy, newest first.
    package var failed: [String]
    /// Versions an operator's `rollback` moved the alias away from, newest first.
    package var rolledBack: [String]
    /// The description's own text, outside the record.
    package var text: String
    /// A detached rollout in progress (`deploy --detach`), nil when there is none.
    package var rollout: RolloutRecord?

    static let limit = 256
    static let keep = 10
    /// The most of the description's own text kept beside a record: the rest of Lambda's 256 is
    /// the room a record needs (a version in each field and a rollout record: 140 at most).
    /// Longer text is refused before any change (`textRefusal`), never cut silently.
    package static let textLimit = 115

    /// The sentence refusing a description whose own text leaves no room for the record, nil
    /// when it fits.
    package func textRefusal(alias: String) -> String? {
        let length = text.unicodeScalars.count
        guard length > Self.textLimit else { return nil }
        return
            "The description of alias \(alias) holds \(length) characters of its own text, and lambda-shift's deploy history needs the rest of Lambda's 256 beside at most \(Self.textLimit): shorten the description (Terraform: aws_lambda_alias.description) to \(Self.textLimit) characters or fewer, then run again."
    }

    /// The record's field names: the record's own format (it outlives any run), not outcome
    /// words, though `failed` and `rolled-back` read alike.
    package enum Field: String, Sendable, CaseIterable {
        case good
        case failed
        case rolledBack = "rolled-back"
    }

    /// The versions a field holds.
    package func versions(_ field: Field) -> [String] {
        switch field {
        case .good: good
        case .failed: failed
        case .rolledBack: rolledBack
        }
    }

    package init(
        good: [String] = [], failed: [String] = [], rolledBack: [String] = [], text: String = "",
        rollout: RolloutRecord? = nil
    ) {
        self.good = good
        self.failed = failed
        self.rolledBack = rolledBack
        self.text = text
        self.rollout = rollout
    }

    /// Whether the description held a record at all.
    package var isEmpty: Bool { good.isEmpty && failed.isEmpty && rolledBack.isEmpty }

    /// What the record holds, for sentences: `good 5, 3; failed 4; rolled back none`.
    package var described: String {
        func list(_ versions: [String]) -> String { versions.isEmpty ? "none" : versions.joined(separator: ", ") }
        return "good \(list(good)); failed \(list(failed)); rolled back \(list(rolledBack))"
    }

    /// Reads the record from an alias description (an empty history when there is none).
    package init(description: String) {
        guard let open = description.lastRange(of: "[lambda-shift "),
            let close = description[open.upperBound...].firstIndex(of: "]")
        else {
            // Trimmed as the text before a record is: what is read is what renders back.
            self.init(text: description.trimmed(newlines: false))
            return
        }
        var good: [String] = [], failed: [String] = [], rolledBack: [String] = []
        var rollout: RolloutRecord?
        for field in description[open.upperBound..<close].split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0] == RolloutRecord.field {
                rollout = RolloutRecord(field: parts[1])
                continue
            }
            // Version numbers, or a web function's revision ids (letters, digits, - _ .).
            let versions = parts[1].split(separator: ",").map(String.init).filter {
                !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            }
            switch Field(rawValue: String(parts[0])) {
            case .good: good = versions
            case .failed: failed = versions
            case .rolledBack: rolledBack = versions
            case nil: continue
            }
        }
        let before = description[..<open.lowerBound].trimmed(newlines: false)
        self.init(good: good, failed: failed, rolledBack: rolledBack, text: before, rollout: rollout)
    }

    /// The same history without a rollout record: what a run writes that starts over a record
    /// the preflight found ended (someone moved the alias off its steps).
    package var withoutRollout: DeployHistory {
        var next = self
        next.rollout = nil
        return next
    }

    /// After `version` served all traffic and passed its gates.
    package func succeeded(_ version: String) -> DeployHistory {
        var next = self
        next.good = [version] + good.filter { $0 != version }
        next.failed = failed.filter { $0 != version }
        next.rolledBack = rolledBack.filter { $0 != version }
        return next
    }

    /// After `version` failed a gate or a smoke test during a deploy.
    package func failed(_ version: String) -> DeployHistory {
        var next = self
        next.failed = [version] + failed.filter { $0 != version }
        next.good = good.filter { $0 != version }
        next.rolledBack = rolledBack.filter { $0 != version }
        return next
    }

    /// After an operator's `rollback` moved the alias away from `version`: not wanted now, so
    /// never returned to automatically, but not judged either (a good version stays good).
    package func rolledBack(_ version: String) -> DeployHistory {
        var next = self
        next.rolledBack = [version] + rolledBack.filter { $0 != version }
        return next
    }

    /// The newest version that was live and healthy, other than `current`, and neither failed
    /// nor rolled back since.
    package func lastGood(excluding current: String) -> String? {
        good.first { $0 != current && !failed.contains($0) && !rolledBack.contains($0) }
    }

    /// `lastGood` among the versions still published: what `rollback` returns to when newer
    /// good versions were deleted (by hand, or by another tool).
    package func lastGood(excluding current: String, published: Set<String>) -> String? {
        good.first { $0 != current && !failed.contains($0) && !rolledBack.contains($0) && published.contains($0) }
    }

    /// The description to write: the text kept whole (up to `textLimit`; longer text, which
    /// commands refuse before any change, is shortened), then the record of the newest ten good
    /// and ten failed versions, fewer when they must make room, within Lambda's limit.
    package func rendered() -> String {
        let own = text.unicodeScalars.count
        let budget = Self.limit - (own > 0 && own <= Self.textLimit ? own + 1 : 0)
        // good= and failed= always (records without rolled-back= read as they did before it); a
        // rollout record takes room from the oldest versions when it must (all of them, for versions
        // too long to be Lambda's: the limit is never passed).
        var record = ""
        for keep in stride(from: Self.keep, through: 0, by: -1) {
            var fields = Field.allCases.filter { $0 != .rolledBack || !rolledBack.isEmpty }.map {
                "\($0.rawValue)=\(versions($0).prefix(keep).joined(separator: ","))"
            }
            if let rollout { fields.append(rollout.rendered) }
            record = "[lambda-shift \(fields.joined(separator: " "))]"
            if record.unicodeScalars.count <= budget { break }
        }
        guard !text.isEmpty else { return record }
        // Lambda counts the limit in Unicode scalars, more than Swift's Characters.
        let room = Self.limit - record.unicodeScalars.count - 1
        guard room > 0 else { return record }
        // Whole characters only (a flag is two scalars), trimmed as a reader trims them.
        var kept = "", scalars = 0
        for character in text {
            scalars += character.unicodeScalars.count
            if scalars > room { break }
            kept.append(character)
        }
        return kept.trimmed(newlines: false) + " " + record
    }
}
