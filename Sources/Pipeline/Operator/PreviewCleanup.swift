import Rollout
import Ports
import AWSCore
import AWSServices
import FoundationEssentials
import LambdaShiftCore

/// `cleanup`: removes preview aliases (one by name or branch, or every one older than a
/// duration) and then the versions nothing uses (`VersionsInUse`), keeping the newest few. It
/// never touches an alias that is not shaped like a preview, nor a preview alias an event source
/// mapping or provisioned concurrency still uses; cleaning twice is no error.
package struct PreviewCleanup: Sendable {
    package enum Selector: Sendable, Equatable {
        case alias(String)
        case olderThan(seconds: Int)
    }

    package struct Result: Sendable, Equatable {
        package var removedAliases: [String] = []
        package var deletedVersions: [String] = []
        /// Versions beyond the newest N that something still uses, kept, with why.
        package var kept: [KeptVersion] = []
        /// Preview aliases left because something still invokes through them, with why.
        package var keptAliases: [KeptVersion] = []
        /// Those durable executions still run on.
        package var keptRunning: [String] { kept.filter { $0.why.contains("durable executions") }.map(\.version) }
    }

    package var functions: any FunctionAPI
    package var clock: any AWSClock

    package init(functions: any FunctionAPI, clock: any AWSClock = SystemClock()) {
        self.functions = functions
        self.clock = clock
    }

    /// `protected`: the aliases the settings deploy to, never removed whatever their shape.
    package func run(
        function: String, selector: Selector, template: String, keepVersions: Int, protected deployAliases: Set<String>
    ) async throws -> Result {
        let prefix = PreviewAlias.prefix(template: template)
        guard !prefix.isEmpty else {
            throw OperatorFailure(
                "The preview alias template \(template) starts with a placeholder, so no alias can be told apart as a preview: give it a fixed prefix such as preview-.",
                exitCode: ExitStatus.usage)
        }
        var aliases = try await functions.listAliases(function)
        var doomed: [AliasConfiguration] = []
        switch selector {
        case .alias(let name):
            guard name.hasPrefix(prefix) else {
                throw OperatorFailure(
                    "Alias \(name) is not a preview alias (they start with \(prefix)): cleanup only removes previews; delete other aliases by hand.",
                    exitCode: ExitStatus.usage)
            }
            doomed = aliases.filter { $0.name == name }
            if deployAliases.contains(name) {
                throw PreviewAlias.refusal(name, why: "an alias the settings deploy to")
            }
            if let found = doomed.first, !PreviewAlias.mayTreatAsPreview(found) {
                throw PreviewAlias.refusal(
                    name, why: "which carries a deploy history or a rollout record that no preview wrote")
            }
        case .olderThan(let seconds):
            let cutoff = clock.now().addingTimeInterval(-Double(seconds))
            for alias in aliases
            where alias.name.hasPrefix(prefix) && !deployAliases.contains(alias.name)
                && PreviewAlias.mayTreatAsPreview(alias)
            {
                let version = try await functions.getFunctionConfiguration(function, qualifier: alias.functionVersion)
                if let modified = version.lastModified.flatMap(Self.lambdaTime), modified < cutoff {
                    doomed.append(alias)
                }
            }
        }
        var result = Result()
        // Deleting an alias an event source mapping names stops its events (the mapping then
        // invokes nothing); one with provisioned concurrency loses it: both are left, and said.
        let mapped = Set(try await functions.eventSourceMappingQualifiers(function))
        let warm = Set(try await functions.provisionedConcurrencyQualifiers(function))
        for alias in doomed where mapped.contains(alias.name) || warm.contains(alias.name) {
            result.keptAliases.append(
                KeptVersion(
                    version: alias.name,
                    why: mapped.contains(alias.name)
                        ? "an event source mapping invokes it" : "provisioned concurrency covers it"))
        }
        doomed.removeAll { mapped.contains($0.name) || warm.contains($0.name) }
        for alias in doomed {
            try await functions.deleteFunctionURL(function, qualifier: alias.name)
            try await functions.deleteAlias(function, alias: alias.name)
            result.removedAliases.append(alias.name)
        }
        aliases.removeAll { alias in doomed.contains { $0.name == alias.name } }
        guard !result.removedAliases.isEmpty else { return result }
        // Versions nothing still uses (`VersionsInUse`), beyond the newest `keepVersions`.
        let published = VersionPruner.publishOrder(try await functions.listVersionsByFunction(function))
        let older = Array(published.dropLast(max(0, keepVersions)))
        let used = try await VersionsInUse.read(function, lambda: functions, aliases: aliases, candidates: older)
        for version in older where used.reasons[version] == nil {
            try await functions.deleteFunctionVersion(function, version: version)
            result.deletedVersions.append(version)
        }
        result.kept = older.compactMap { version in
            used.reasons[version].map { KeptVersion(version: version, why: $0.joined(separator: "; ")) }
        }
        return result
    }

    /// Lambda's `LastModified`: `2026-11-27T06:00:00.000+0000` (an offset without a colon).
    static func lambdaTime(_ text: String) -> Date? {
        if let date = AWSTimestamp.parse(text) { return date }
        guard text.count > 5 else { return nil }
        let offset = text.suffix(5)
        guard offset.first == "+" || offset.first == "-" else { return nil }
        return AWSTimestamp.parse(String(text.dropLast(5)) + offset.prefix(3) + ":" + offset.suffix(2))
    }
}
