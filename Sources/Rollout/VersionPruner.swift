import Ports
import AWSCore
import AWSServices

/// `--keep-versions N`: deletes published versions beyond the newest N, never one that any
/// alias points to (as primary or weighted).
public struct VersionPruner: Sendable {
    public var lambda: any FunctionAPI

    public init(lambda: any FunctionAPI) { self.lambda = lambda }

    /// The versions that would go, oldest first.
    public func candidates(function: String, keep: Int) async throws -> [String] {
        let numbers = try await lambda.listVersionsByFunction(function).compactMap { Int($0.version) }.sorted()
        var protected = Set(numbers.suffix(max(0, keep)))
        for alias in try await lambda.listAliases(function) {
            if let primary = Int(alias.functionVersion) { protected.insert(primary) }
            for version in alias.additionalVersionWeights.keys {
                if let number = Int(version) { protected.insert(number) }
            }
        }
        return numbers.filter { !protected.contains($0) }.map(String.init)
    }

    /// Deletes them; returns what was deleted.
    public func prune(function: String, keep: Int) async throws -> [String] {
        let doomed = try await candidates(function: function, keep: keep)
        for version in doomed { try await lambda.deleteFunctionVersion(function, version: version) }
        return doomed
    }
}
