import AWSServices
import LambdaShiftCore
import Rollout

/// Where `rollback` puts the alias, and why: `--to-version` when given; the primary when a
/// shift is in flight (undoing it); else the last version the deploy history records as live
/// and healthy (not failed, not rolled back since); else the newest earlier version not
/// recorded as failed or rolled back, said to be not known healthy. The sentence says what
/// the history held. The history it writes back records the version left as rolled back (a
/// state of its own: a version that was healthy is not called failed); `--to-version`, a pin,
/// records nothing.
public struct RollbackChoice: Sendable, Equatable {
    public var destination: String
    public var why: String
    public var history: DeployHistory

    /// `versions`: the function's published version numbers (asked for only when needed).
    public static func choose(
        current: AliasConfiguration, toVersion: String?, aliasName: String,
        versions: () async throws -> [Int]
    ) async throws -> RollbackChoice {
        var history = DeployHistory(description: current.description)
        let destination: String
        let why: String
        if let toVersion {
            destination = toVersion
            why = "as asked"
        } else if let weighted = current.additionalVersionWeights.keys.first {
            destination = current.functionVersion  // undo the shift: all traffic back on the primary
            why = "undoing the shift to version \(weighted)"
            history = history.rolledBack(weighted)
        } else if let good = history.lastGood(excluding: current.functionVersion) {
            destination = good
            why = "the last version that was live and healthy (deploy history on the alias)"
        } else {
            let excluded = Set(history.failed + history.rolledBack)
            let record =
                history.isEmpty
                ? "the alias has no deploy history yet"
                : "the deploy history on the alias (\(history.described)) holds no other version that was live and healthy"
            guard let currentNumber = Int(current.functionVersion),
                let previous = try await versions().filter({ $0 < currentNumber && !excluded.contains(String($0)) })
                    .max()
            else {
                throw OperatorFailure(
                    "Alias \(aliasName) serves version \(current.functionVersion) and no earlier version is known to be good (deploy history: \(history.isEmpty ? "none yet" : history.described)): pass --to-version.",
                    exitCode: ExitStatus.usage)
            }
            destination = String(previous)
            why = "the newest earlier version; \(record), so it is not known to have been healthy"
        }
        // Going back from a version means it is not wanted now: never return to it
        // automatically, without calling it failed (it may well have been healthy).
        if current.additionalVersionWeights.isEmpty && toVersion == nil && destination != current.functionVersion {
            history = history.rolledBack(current.functionVersion)
        }
        return RollbackChoice(destination: destination, why: why, history: history)
    }
}
