import AWSServices
import LambdaShiftCore
import Rollout

/// Where `rollback` puts the alias, and why: `--to-version` when given; the primary when a
/// shift is in flight (undoing it); else the last version the deploy history records as live
/// and healthy (not failed, not rolled back since, and still published); else the newest
/// earlier version not recorded as failed or rolled back, said to be not known healthy. The
/// sentence says what the history held. Every form of rollback, `--to-version` included,
/// records each version it moves traffic away from as rolled back (a state of its own: a
/// version that was healthy is not called failed), so no automatic choice returns to it.
package struct RollbackChoice: Sendable, Equatable {
    package var destination: String
    package var why: String
    package var history: DeployHistory

    /// `versions`: the function's published versions, oldest first (a web function's
    /// revisions in the order they were made; asked for only when needed).
    package static func choose(
        current: AliasConfiguration, toVersion: String?, aliasName: String,
        versions: () async throws -> [String]
    ) async throws -> RollbackChoice {
        var history = DeployHistory(description: current.description)
        let destination: String
        let why: String
        var published: [String]?
        func listed() async throws -> [String] {
            if let published { return published }
            let fetched = try await versions()
            published = fetched
            return fetched
        }
        if let toVersion {
            destination = toVersion
            why = "as asked"
        } else if let weighted = current.additionalVersionWeights.keys.first {
            destination = current.functionVersion  // undo the shift: all traffic back on the primary
            why = "undoing the shift to version \(weighted)"
        } else if let good = try await lastPublishedGood(history, current: current.functionVersion, listed) {
            destination = good.version
            why =
                "the last version that was live and healthy (deploy history on the alias)"
                + (good.skipped.isEmpty
                    ? "" : "; version(s) \(good.skipped.joined(separator: ", ")), newer, are no longer published")
        } else {
            let excluded = Set(history.failed + history.rolledBack)
            let record =
                history.isEmpty
                ? "the alias has no deploy history yet"
                : "the deploy history on the alias (\(history.described)) holds no other version that was live and healthy"
            let all = try await listed()
            guard let position = all.firstIndex(of: current.functionVersion),
                let previous = all[..<position].last(where: { !excluded.contains($0) })
            else {
                throw OperatorFailure(
                    "Alias \(aliasName) serves version \(current.functionVersion) and no earlier version is known to be good (deploy history: \(history.isEmpty ? "none yet" : history.described)): pass --to-version.",
                    exitCode: ExitStatus.usage)
            }
            destination = previous
            why = "the newest earlier version; \(record), so it is not known to have been healthy"
        }
        // Going back from a version means it is not wanted now: never return to it
        // automatically, without calling it failed (it may well have been healthy).
        for left in [current.functionVersion] + current.additionalVersionWeights.keys.sorted() where left != destination
        {
            history = history.rolledBack(left)
        }
        // A version an operator pins is wanted now: no longer rolled back (failed stays failed).
        if toVersion != nil { history.rolledBack.removeAll { $0 == destination } }
        return RollbackChoice(destination: destination, why: why, history: history)
    }

    /// The newest version the history records good (other than `current`, not failed or rolled
    /// back since) that is still published, and the newer good ones that are not.
    static func lastPublishedGood(
        _ history: DeployHistory, current: String, _ listed: () async throws -> [String]
    ) async throws -> (version: String, skipped: [String])? {
        var skipped: [String] = []
        var remaining = history
        while let good = remaining.lastGood(excluding: current) {
            if try await listed().contains(good) { return (good, skipped) }
            skipped.append(good)
            remaining.good.removeAll { $0 == good }
        }
        return nil
    }
}
