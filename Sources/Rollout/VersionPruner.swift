import AWSCore
import AWSServices
import Ports

/// What still uses a function's versions, each with why: an alias routes to it (either
/// weight), it is an alias's rollback target (the last good version its history records other
/// than the one it serves: what `rollback` returns to), an event source
/// mapping invokes it, provisioned concurrency covers it, a durable execution still runs on it
/// (each is pinned to the version that started it). Nothing any of these names is deleted.
package struct VersionsInUse: Sendable {
    /// Version → the reasons it stays.
    package var reasons: [String: [String]] = [:]

    package init() {}

    mutating func keep(_ version: String, _ why: String) {
        if !(reasons[version] ?? []).contains(why) { reasons[version, default: []].append(why) }
    }

    /// Reads every use of `function`'s versions; `aliases` are those that remain, and durable
    /// executions are asked of `candidates` only (a call per version).
    package static func read(
        _ function: String, lambda: any FunctionAPI, aliases: [AliasConfiguration], candidates: [String]
    ) async throws -> VersionsInUse {
        var used = VersionsInUse()
        // The rollback target is the newest good version still published (as `rollback` picks
        // it): a newer good one deleted by hand must not leave the real target unprotected.
        let published = Set(try await lambda.listVersionsByFunction(function).map(\.version))
        for alias in aliases {
            used.keep(alias.functionVersion, "alias \(alias.name) routes to it")
            for version in alias.additionalVersionWeights.keys {
                used.keep(version, "alias \(alias.name) routes to it")
            }
            if let target = DeployHistory(description: alias.description).lastGood(
                excluding: alias.functionVersion, published: published)
            {
                used.keep(target, "alias \(alias.name)'s rollback target, its last good version")
            }
        }
        for qualifier in try await lambda.eventSourceMappingQualifiers(function) where Int(qualifier) != nil {
            used.keep(qualifier, "an event source mapping invokes it")
        }
        for qualifier in try await lambda.provisionedConcurrencyQualifiers(function) where Int(qualifier) != nil {
            used.keep(qualifier, "provisioned concurrency covers it")
        }
        let open = candidates.filter { used.reasons[$0] == nil }
        for version in try await DurableVersions(lambda: lambda).running(function, among: open) {
            used.keep(version, "durable executions still run on it")
        }
        return used
    }

    /// `7 (an event source mapping invokes it)`, for reports.
    package static func describe(_ kept: [KeptVersion]) -> String {
        kept.map { "\($0.version) (\($0.why))" }.joined(separator: ", ")
    }
}

/// A version kept beyond the newest N, and why.
package struct KeptVersion: Sendable, Equatable {
    package var version: String
    package var why: String
    package init(version: String, why: String) {
        self.version = version
        self.why = why
    }
}

/// `--keep-versions N`: deletes published versions beyond the newest N, never one anything
/// still uses (`VersionsInUse`).
package struct VersionPruner: Sendable {
    package var lambda: any FunctionAPI

    package init(lambda: any FunctionAPI) { self.lambda = lambda }

    /// The versions that would go, oldest first, and those beyond the newest `keep` that stay,
    /// with why.
    package func candidates(function: String, keep: Int) async throws -> (
        doomed: [String], kept: [KeptVersion]
    ) {
        let published = Self.publishOrder(try await lambda.listVersionsByFunction(function))
        let older = Array(published.dropLast(max(0, keep)))
        let used = try await VersionsInUse.read(
            function, lambda: lambda, aliases: try await lambda.listAliases(function), candidates: older)
        let kept = older.compactMap { version in
            used.reasons[version].map { KeptVersion(version: version, why: $0.joined(separator: "; ")) }
        }
        return (older.filter { used.reasons[$0] == nil }, kept)
    }

    /// The published versions, oldest first: Lambda's numbers in order (never `$LATEST`), or a
    /// web function's revisions as listed (`WebEndpointAliases` lists them oldest first).
    package static func publishOrder(_ listed: [FunctionConfiguration]) -> [String] {
        let versions = listed.map(\.version).filter { $0 != "$LATEST" }
        let numbers = versions.compactMap { Int($0) }
        return numbers.count == versions.count ? numbers.sorted().map(String.init) : versions
    }

    /// Deletes them; returns what was deleted and what stayed beyond the newest `keep`, with why.
    package func prune(function: String, keep: Int) async throws -> (
        deleted: [String], kept: [KeptVersion]
    ) {
        let (doomed, kept) = try await candidates(function: function, keep: keep)
        for version in doomed { try await lambda.deleteFunctionVersion(function, version: version) }
        return (doomed, kept)
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
