import Ports
import AWSCore
import AWSServices

/// `--keep-versions N`: deletes published versions beyond the newest N, never one that any
/// alias points to (as primary or weighted).
package struct VersionPruner: Sendable {
    package var lambda: any FunctionAPI

    package init(lambda: any FunctionAPI) { self.lambda = lambda }

    /// The versions that would go, oldest first, and those kept because durable executions
    /// still run on them (an execution is pinned to the version that started it).
    package func candidates(function: String, keep: Int) async throws -> (doomed: [String], running: [String]) {
        let numbers = try await lambda.listVersionsByFunction(function).compactMap { Int($0.version) }.sorted()
        var protected = Set(numbers.suffix(max(0, keep)))
        for alias in try await lambda.listAliases(function) {
            if let primary = Int(alias.functionVersion) { protected.insert(primary) }
            for version in alias.additionalVersionWeights.keys {
                if let number = Int(version) { protected.insert(number) }
            }
        }
        let unprotected = numbers.filter { !protected.contains($0) }.map(String.init)
        let running = try await DurableVersions(lambda: lambda).running(function, among: unprotected)
        return (unprotected.filter { !running.contains($0) }, unprotected.filter(running.contains))
    }

    /// Deletes them; returns what was deleted and what durable executions kept.
    package func prune(function: String, keep: Int) async throws -> (deleted: [String], running: [String]) {
        let (doomed, running) = try await candidates(function: function, keep: keep)
        for version in doomed { try await lambda.deleteFunctionVersion(function, version: version) }
        return (doomed, running)
    }
}

/// The versions durable executions still run on, asked only of a durable function and only
/// when there is a version to delete.
package struct DurableVersions: Sendable {
    package var lambda: any FunctionAPI

    package init(lambda: any FunctionAPI) { self.lambda = lambda }

    package func running(_ function: String, among versions: [String]) async throws -> Set<String> {
        guard !versions.isEmpty, try await lambda.getFunctionConfiguration(function, qualifier: nil).durable else {
            return []
        }
        var running = Set<String>()
        for version in versions where try await lambda.hasRunningDurableExecutions(function, version: version) {
            running.insert(version)
        }
        return running
    }
}
