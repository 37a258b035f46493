import Hashing
import AWSServices
import FoundationEssentials

/// A detached rollout (`deploy --detach`, then `advance` runs), kept in the alias's own
/// description beside the deploy history: the very UpdateAlias that moves the traffic writes
/// it, guarded by the alias's RevisionId, so the record and the alias cannot disagree and two
/// `advance` runs cannot both move a step. It needs no bucket (image functions have none) and
/// every CI run and laptop reads the same one.
///
/// Rendered as one field of the history's bracket:
/// `rollout=NEW,OLD,STEP,STEPS,SINCE,DUE,STARTED,GATES,SETTINGS` (times in epoch seconds; GATES
/// the letters of the gates judging it: a alarms, e error rate, c canary comparison, p the
/// post-traffic command), so `status` can show it without the deploy's settings.
package struct RolloutRecord: Sendable, Equatable {
    /// The version being rolled out, and the one it replaces (the alias's primary until the flip).
    package var newVersion: String
    package var oldVersion: String
    /// Where the alias is: a weighted step's index (0 … steps − 1), or the number of steps for
    /// the bake after 100 %.
    package var step: Int
    /// The strategy's weighted steps.
    package var steps: Int
    /// When the current step began baking (its weight set and its capacity ready), and when
    /// its bake has elapsed.
    package var since: Int
    package var due: Int
    /// When the rollout's first step was taken.
    package var started: Int
    /// The gates judging it (`GATES` above).
    package var gates: String
    /// The gate settings it started with (`GateSettings.fingerprint`).
    package var settings: String
    /// A web function's endpoint found in LatestRevision mode, set to Disabled for the rollout:
    /// the mode comes back when the rollout ends (`--endpoint-auto-deploy restore`). Rendered as
    /// a tenth field, `L`, only when set, so every other record reads as before.
    package var restoresAutoDeploy = false

    package init(
        newVersion: String, oldVersion: String, step: Int, steps: Int, since: Int, due: Int, started: Int,
        gates: String, settings: String
    ) {
        self.newVersion = newVersion
        self.oldVersion = oldVersion
        self.step = step
        self.steps = steps
        self.since = since
        self.due = due
        self.started = started
        self.gates = gates
        self.settings = settings
    }

    /// The gates' names, from their letters.
    package var gateNames: [String] {
        gates.compactMap {
            ["a": "alarms", "e": "error rate", "c": "canary comparison", "p": "post-traffic command"][$0]
        }
    }

    /// `step 1 of 3`, `the bake after 100%`.
    package var stepDescription: String { step < steps ? "step \(step + 1) of \(steps)" : "the bake after 100%" }

    static let field = "rollout"

    var rendered: String {
        [
            Self.field + "=" + newVersion, oldVersion, String(step), String(steps), String(since), String(due),
            String(started), gates, settings,
        ].joined(separator: ",") + (restoresAutoDeploy ? ",L" : "")
    }

    init?(field value: Substring) {
        let parts = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 9 || (parts.count == 10 && parts[9] == "L"), Self.isVersion(parts[0]),
            Self.isVersion(parts[1]), let step = Int(parts[2]), step >= 0, let steps = Int(parts[3]),
            let since = Int(parts[4]), let due = Int(parts[5]), let started = Int(parts[6]),
            parts[7].allSatisfy(\.isLetter), parts[8].allSatisfy(\.isHexDigit),
            // Bounded as lambda-shift writes them (steps in 3 digits, times in 10, a letter a
            // gate, a fingerprint of 8 + 2 hex digits a setting), so a record always fits the 256.
            parts[2].count <= 3, parts[3].count <= 3, parts[4...6].allSatisfy({ $0.count <= 10 }),
            parts[7].count <= 8, parts[8].count <= 64
        else { return nil }
        self.init(
            newVersion: parts[0], oldVersion: parts[1], step: step, steps: steps, since: since, due: due,
            started: started, gates: parts[7], settings: parts[8])
        restoresAutoDeploy = parts.count == 10
    }

    /// A version Lambda numbers, or a web function's revision id: ASCII letters, digits, `-` `_`
    /// `.`, at most 32 (a revision id may be all digits and longer than a version number: the
    /// model found one, W6).
    static func isVersion(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 32
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// The alias as the rollout left it at its current step (nil: past the last weighted step,
    /// the new version alone).
    package func weight(in strategy: Strategy) -> Double? {
        step < strategy.steps.count ? strategy.steps[step].weight : nil
    }

    /// Whether `alias` is exactly where this rollout left it: a person who promoted, rolled
    /// back or edited it in the console ended the rollout.
    /// Whether `alias` may still be mid-way through this rollout, whatever strategy it was
    /// started with: the old version primary with the new one alone weighted, or the new version
    /// alone during the bake after 100%. Anything else means it ended (by hand, most often).
    package func mayBeInProgress(_ alias: AliasConfiguration) -> Bool {
        if alias.functionVersion == oldVersion, Set(alias.additionalVersionWeights.keys) == [newVersion] { return true }
        return step >= steps && alias.functionVersion == newVersion && alias.additionalVersionWeights.isEmpty
    }

    package func matches(_ alias: AliasConfiguration, strategy: Strategy) -> Bool {
        if let weight = weight(in: strategy) {
            return alias.functionVersion == oldVersion && alias.additionalVersionWeights == [newVersion: weight]
        }
        return alias.functionVersion == newVersion && alias.additionalVersionWeights.isEmpty
    }

    /// The bake of the current step, seconds.
    package func bakeSeconds(in strategy: Strategy, bakeAfterSeconds: Int) -> Int {
        step < strategy.steps.count ? strategy.steps[step].bakeSeconds : bakeAfterSeconds
    }

    /// The record at `step`, its bake starting `now`.
    package func at(step: Int, since now: Int, strategy: Strategy, bakeAfterSeconds: Int) -> RolloutRecord {
        var next = self
        next.step = step
        next.since = now
        next.due = now + next.bakeSeconds(in: strategy, bakeAfterSeconds: bakeAfterSeconds)
        return next
    }
}

/// The settings that judge a rollout, fingerprinted into its record: `advance` must judge with
/// the ones it started with. One digest of them all, then two hex digits per setting, so a
/// difference can be named.
package struct GateSettings: Sendable, Equatable {
    package var values: [(name: String, value: String)]

    package init(_ values: [(name: String, value: String)]) { self.values = values }

    package static func == (lhs: GateSettings, rhs: GateSettings) -> Bool {
        lhs.values.map(\.name) == rhs.values.map(\.name) && lhs.values.map(\.value) == rhs.values.map(\.value)
    }

    package var fingerprint: String {
        let whole = values.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
        let each = values.map { ByteEncoding.hex(SHA256Hasher.hash(Array("\($0.name)=\($0.value)".utf8)).prefix(1)) }
        return ByteEncoding.hex(SHA256Hasher.hash(Array(whole.utf8)).prefix(4)) + each.joined()
    }

    /// The settings that differ from a recorded fingerprint: empty when it is the same; every
    /// name it cannot tell apart (a different list of settings) otherwise.
    package func differences(from recorded: String) -> [String] {
        let mine = fingerprint
        guard recorded != mine else { return [] }
        let theirs = Array(recorded.dropFirst(8)), ours = Array(mine.dropFirst(8))
        guard theirs.count == ours.count else { return values.map(\.name) }
        let named = values.indices.filter {
            theirs[($0 * 2)..<($0 * 2 + 2)] != ours[($0 * 2)..<($0 * 2 + 2)]
        }.map { values[$0].name }
        // Two settings whose short digests collide: the whole digest still tells them apart.
        return named.isEmpty ? ["one of " + values.map(\.name).joined(separator: ", ")] : named
    }
}
