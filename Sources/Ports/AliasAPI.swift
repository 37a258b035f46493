import AWSCore
import AWSServices
import FoundationEssentials

/// The Lambda calls the rollout makes on an alias: the seam between the state machine and
/// AWS, so the machine can be tested in milliseconds with a fake.
package protocol AliasAPI: Sendable {
    func getAlias(function: String, alias: String) async throws -> AliasConfiguration
    /// Updates the alias; `description` nil leaves the description as it is.
    func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration
    /// The provisioned concurrency of an alias or a version, nil when it has none.
    func provisionedConcurrency(function: String, qualifier: String) async throws -> ProvisionedConcurrency?
}

extension AliasAPI {
    /// Updates the alias, leaving its description as it is.
    package func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?
    ) async throws -> AliasConfiguration {
        try await updateAlias(
            function: function, alias: alias, version: version, weights: weights, revisionId: revisionId,
            description: nil)
    }
}

extension LambdaClient: AliasAPI {
    package func provisionedConcurrency(function: String, qualifier: String) async throws -> ProvisionedConcurrency? {
        try await provisionedConcurrency(function, qualifier: qualifier)
    }

    package func getAlias(function: String, alias: String) async throws -> AliasConfiguration {
        try await getAlias(function, alias: alias)
    }

    package func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        try await updateAlias(
            function, alias: alias, version: version, additionalVersionWeights: weights, revisionId: revisionId,
            description: description)
    }
}
