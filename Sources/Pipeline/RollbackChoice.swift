import AWSServices
import LambdaShiftCore
import Rollout

/// Where `rollback` puts the alias, and why: `--to-version` when given; the primary when a
/// shift is in flight (undoing it); else the last version the deploy history records as live
/// and healthy; else, with no history, the newest earlier version not recorded as failed. The
/// history it writes back marks what was left as failed (not for `--to-version`, a pin).
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
            history = history.failed(weighted)
        } else if let good = history.lastGood(excluding: current.functionVersion) {
            destination = good
            why = "the last version that was live and healthy (deploy history on the alias)"
        } else {
            let failed = Set(history.failed)
            guard let currentNumber = Int(current.functionVersion),
                let previous = try await versions().filter({ $0 < currentNumber && !failed.contains(String($0)) }).max()
            else {
                throw OperatorFailure(
                    "Alias \(aliasName) serves version \(current.functionVersion) and no earlier version is known to be good: pass --to-version.",
                    exitCode: ExitStatus.usage)
            }
            destination = String(previous)
            why =
                "the newest earlier version; the alias has no deploy history yet, so it is not known to have been healthy"
        }
        // Going back from a version means it is not wanted: never return to it automatically.
        if current.additionalVersionWeights.isEmpty && toVersion == nil && destination != current.functionVersion {
            history = history.failed(current.functionVersion)
        }
        return RollbackChoice(destination: destination, why: why, history: history)
    }
}
