import AWSCore
import AWSServices
import FoundationEssentials
import LambdaShiftCore
import Ports

/// A web function's endpoint seen as an alias, so the one rollout engine (its steps, gates,
/// bakes, restores and deploy history) moves an endpoint's traffic as it moves an alias's:
/// - the primary version is the revision with the larger weight (the first listed on a tie),
///   the other one weighted as `additionalVersionWeights` (integer percentages, 1 to 99);
/// - the deploy history lives in the endpoint's `description` (256 characters, as an alias's);
/// - an update waits for `updateStatus` to leave `InProgress` (`Failed` throws its reason);
/// - endpoints have no RevisionId, so the adapter makes one: the endpoint's fingerprint (its
///   weights, mode, description and `updatedAt`). An update given a RevisionId reads the
///   endpoint first and refuses, as Lambda's PreconditionFailed does, when it moved since.
///   Between that read and the PATCH another writer can still slip in (a window of one round
///   trip, which AWS gives no way to close); the next read then sees it.
/// Everything else a deploy asks of Lambda goes to `lambda`: a web function target never does.
/// https://docs.aws.amazon.com/lambda/latest/api/API_web_UpdateWebFunctionEndpoint.html
package struct WebEndpointAliases: FunctionAPI {
    package var web: any WebFunctionsAPI
    package var lambda: any FunctionAPI
    package var clock: any AWSClock
    package var sleeper: any Sleeper
    /// The longest wait for an endpoint update, seconds.
    package var maxWait: Double = 600

    package init(web: any WebFunctionsAPI, lambda: any FunctionAPI, clock: any AWSClock, sleeper: any Sleeper) {
        self.web = web
        self.lambda = lambda
        self.clock = clock
        self.sleeper = sleeper
    }

    /// The alias an endpoint reads as.
    package static func alias(_ endpoint: WebEndpoint) -> AliasConfiguration {
        let ordered = endpoint.revisionWeights.enumerated().sorted {
            $0.element.weight != $1.element.weight ? $0.element.weight > $1.element.weight : $0.offset < $1.offset
        }.map(\.element)
        var others: [String: Double] = [:]
        for weight in ordered.dropFirst() { others[weight.revisionId] = Double(weight.weight) / 100 }
        return AliasConfiguration(
            name: endpoint.name, aliasArn: endpoint.arn, functionVersion: ordered.first?.revisionId ?? "",
            additionalVersionWeights: others, revisionId: endpoint.fingerprint, description: endpoint.description)
    }

    /// The endpoint's integer weights for an alias's: each other version's share rounded to a
    /// whole percent (at least 1, at most 99), the primary the rest.
    package static func weights(version: String, others: [String: Double]) -> [RevisionWeight] {
        let shares = others.sorted { $0.key < $1.key }.map {
            RevisionWeight(revisionId: $0.key, weight: min(99, max(1, Int(($0.value * 100).rounded()))))
        }
        return [RevisionWeight(revisionId: version, weight: 100 - shares.reduce(0) { $0 + $1.weight })] + shares
    }

    package func getAlias(function: String, alias: String) async throws -> AliasConfiguration {
        Self.alias(try await web.endpoint(function, alias))
    }

    package func getAlias(_ name: String, alias: String) async throws -> AliasConfiguration {
        try await getAlias(function: name, alias: alias)
    }

    package func aliasIfExists(_ name: String, alias: String) async throws -> AliasConfiguration? {
        do {
            return try await getAlias(function: name, alias: alias)
        } catch let error as AWSServiceError where error.kind == .notFound {
            return nil
        }
    }

    package func updateAlias(
        function: String, alias: String, version: String, weights: [String: Double], revisionId: String?,
        description: String?
    ) async throws -> AliasConfiguration {
        let waiter = Waiter(clock: clock, sleeper: sleeper, timeout: maxWait)
        let current = try await settled(function, alias, waiter)
        if let revisionId, current.fingerprint != revisionId {
            throw AWSServiceError(
                service: "Lambda Web", operation: "UpdateWebFunctionEndpoint", code: "PreconditionFailedException",
                message:
                    "endpoint \(alias) changed since lambda-shift read it (\(Self.describe(current))): someone else updated it",
                status: 412, requestId: nil)
        }
        let asked = Self.weights(version: version, others: weights)
        _ = try await web.updateEndpoint(
            function, alias, weights: asked, autoDeploymentMode: nil, description: description)
        let done = try await settled(function, alias, waiter)
        if done.update == .failed {
            throw AWSServiceError(
                service: "Lambda Web", operation: "UpdateWebFunctionEndpoint", code: "EndpointUpdateFailed",
                message: "the update of endpoint \(alias) failed: \(done.updateStatusReason ?? "no reason given")",
                status: 400, requestId: nil)
        }
        // What settled must be what was asked: another writer's update may have replaced ours
        // while it was in progress (then the endpoint is theirs, as with a moved RevisionId).
        let key = { (weights: [RevisionWeight]) in Set(weights.map { "\($0.revisionId)=\($0.weight)" }) }
        guard key(done.revisionWeights) == key(asked), description == nil || done.description == description else {
            throw AWSServiceError(
                service: "Lambda Web", operation: "UpdateWebFunctionEndpoint", code: "PreconditionFailedException",
                message:
                    "endpoint \(alias) serves \(Self.describe(done)) after lambda-shift's update settled: someone else updated it",
                status: 412, requestId: nil)
        }
        return Self.alias(done)
    }

    package func updateAlias(
        _ name: String, alias: String, version: String?, additionalVersionWeights: [String: Double]?,
        revisionId: String?, description: String?
    ) async throws -> AliasConfiguration {
        let current = try await getAlias(function: name, alias: alias)
        return try await updateAlias(
            function: name, alias: alias, version: version ?? current.functionVersion,
            weights: additionalVersionWeights ?? current.additionalVersionWeights, revisionId: revisionId,
            description: description)
    }

    /// Waits until no update of the endpoint is in progress, and answers it.
    func settled(_ function: String, _ endpoint: String, _ waiter: Waiter) async throws -> WebEndpoint {
        let ending = try await waiter.poll(
            { try await web.endpoint(function, endpoint) }, until: { $0.update != .inProgress })
        switch ending {
        case .done(let endpoint): return endpoint
        case .timedOut(let endpoint):
            throw AWSServiceError(
                service: "Lambda Web", operation: "GetWebFunctionEndpoint", code: "EndpointUpdateTimedOut",
                message:
                    "endpoint \(endpoint.name) was still updating after \(Int(maxWait))s (updateStatus InProgress)",
                status: 504, requestId: nil)
        }
    }

    /// How putting LatestRevision back went: whether it did, the event to tell, the warnings.
    package struct ModeRestore: Sendable, Equatable {
        package var restored = false
        package var event: String?
        package var warnings: [String] = []
    }

    /// Puts an endpoint back in LatestRevision mode (after a rollout, or after a revision that
    /// failed to build), with the weights it serves now named in the same update, so the mode
    /// comes back without moving any traffic (LatestRevision routes to a revision when it
    /// becomes Active; a mode change naming no weights could route to the newest one, the very
    /// revision a rollback just took traffic from). Waited for; a refusal, or weights that moved
    /// all the same, is said, not thrown: the command's own ending stands.
    package func restoreLatestRevision(_ function: String, _ endpoint: String) async -> ModeRestore {
        var answer = ModeRestore()
        let refused = { (why: String) in
            "Endpoint \(endpoint) could not be put back in LatestRevision mode (\(why)): it stays Disabled; set the mode by hand if you want it."
        }
        do {
            let now = try await web.endpoint(function, endpoint)
            _ = try await web.updateEndpoint(
                function, endpoint, weights: now.revisionWeights, autoDeploymentMode: .latestRevision,
                description: nil)
            let settled = try await settled(
                function, endpoint, Waiter(clock: clock, sleeper: sleeper, timeout: maxWait))
            guard settled.update != .failed else {
                answer.warnings.append(refused(settled.updateStatusReason ?? "no reason given"))
                return answer
            }
            if settled.revisionWeights != now.revisionWeights {
                answer.warnings.append(
                    "Endpoint \(endpoint) is back in LatestRevision mode, but it now serves \(Self.describe(settled)), not \(Self.describe(now)) as before the mode changed."
                )
            }
            answer.event = "endpoint \(endpoint) is back in LatestRevision mode, serving \(Self.describe(settled))"
            answer.restored = true
        } catch {
            answer.warnings.append(refused(sentence(of: error)))
        }
        return answer
    }

    static func describe(_ endpoint: WebEndpoint) -> String {
        endpoint.revisionWeights.map { "revision \($0.revisionId) \($0.weight)%" }.joined(separator: ", ")
    }

    /// Endpoints have no provisioned concurrency of their own.
    package func provisionedConcurrency(function: String, qualifier: String) async throws -> ProvisionedConcurrency? {
        nil
    }

    // MARK: - Lambda's own calls (a web function target makes none)

    /// The web function (no qualifier) or one of its revisions, as a function's version reads.
    package func getFunction(_ name: String, qualifier: String?) async throws -> FunctionConfiguration {
        guard let qualifier, qualifier != "$LATEST" else {
            var function = FunctionConfiguration(functionName: name, codeSha256: "")
            function.functionArn = try await web.webFunctionArn(name)
            return function
        }
        return try await web.revision(name, qualifier).configuration(function: name)
    }
    package func getFunctionConfiguration(_ name: String, qualifier: String?) async throws -> FunctionConfiguration {
        try await getFunction(name, qualifier: qualifier)
    }
    /// The revisions, oldest first.
    package func listVersionsByFunction(_ name: String) async throws -> [FunctionConfiguration] {
        try await web.revisions(name).sorted { $0.createdAt < $1.createdAt }.map { $0.configuration(function: name) }
    }
    package func listAliases(_ name: String) async throws -> [AliasConfiguration] {
        try await web.endpoints(name).map(Self.alias)
    }
    package func updateFunctionCode(
        _ name: String, s3Bucket: String, s3Key: String, s3ObjectVersion: String?, storage: CodeStorage?,
        revisionId: String?
    ) async throws -> FunctionConfiguration {
        try await lambda.updateFunctionCode(
            name, s3Bucket: s3Bucket, s3Key: s3Key, s3ObjectVersion: s3ObjectVersion, storage: storage,
            revisionId: revisionId)
    }
    package func updateFunctionCode(_ name: String, imageUri: String, revisionId: String?) async throws
        -> FunctionConfiguration
    {
        try await lambda.updateFunctionCode(name, imageUri: imageUri, revisionId: revisionId)
    }
    package func codeSigningPolicy(_ name: String) async throws -> CodeSigningPolicy? {
        try await lambda.codeSigningPolicy(name)
    }
    package func publishVersion(_ name: String, codeSha256: String?, revisionId: String?, description: String?)
        async throws -> FunctionConfiguration
    {
        try await lambda.publishVersion(name, codeSha256: codeSha256, revisionId: revisionId, description: description)
    }
    package func createAlias(
        _ name: String, alias: String, version: String, description: String?, additionalVersionWeights: [String: Double]
    ) async throws -> AliasConfiguration {
        try await lambda.createAlias(
            name, alias: alias, version: version, description: description,
            additionalVersionWeights: additionalVersionWeights)
    }
    package func deleteFunctionVersion(_ name: String, version: String) async throws {
        try await web.deleteRevision(name, version)
    }
    package func deleteAlias(_ name: String, alias: String) async throws {
        try await lambda.deleteAlias(name, alias: alias)
    }
    package func functionURL(_ name: String, qualifier: String) async throws -> FunctionURL? {
        try await lambda.functionURL(name, qualifier: qualifier)
    }
    package func createFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL {
        try await lambda.createFunctionURL(name, qualifier: qualifier, authType: authType)
    }
    package func updateFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL {
        try await lambda.updateFunctionURL(name, qualifier: qualifier, authType: authType)
    }
    package func deleteFunctionURL(_ name: String, qualifier: String) async throws {
        try await lambda.deleteFunctionURL(name, qualifier: qualifier)
    }
    package func invoke(_ name: String, qualifier: String, payload: Data, tenantId: String?) async throws
        -> InvokeResult
    {
        try await lambda.invoke(name, qualifier: qualifier, payload: payload, tenantId: tenantId)
    }
    package func putProvisionedConcurrency(_ name: String, qualifier: String, amount: Int) async throws
        -> ProvisionedConcurrency
    {
        try await lambda.putProvisionedConcurrency(name, qualifier: qualifier, amount: amount)
    }
    package func deleteProvisionedConcurrency(_ name: String, qualifier: String) async throws {
        try await lambda.deleteProvisionedConcurrency(name, qualifier: qualifier)
    }
    package func hasRunningDurableExecutions(_ name: String, version: String) async throws -> Bool { false }
    package func eventSourceMappingQualifiers(_ name: String) async throws -> [String] { [] }
    package func provisionedConcurrencyQualifiers(_ name: String) async throws -> [String] { [] }
}
