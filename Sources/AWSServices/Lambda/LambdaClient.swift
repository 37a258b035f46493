import AWSCore
import FoundationEssentials

/// Lambda calls lambda-shift makes, over REST-JSON.
/// https://docs.aws.amazon.com/lambda/latest/api/API_Operations.html
package struct LambdaClient: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    static let apiPrefix = "/2015-03-31/functions/"

    package func getFunction(_ name: String, qualifier: String? = nil) async throws -> FunctionConfiguration {
        let answer = try await call("GetFunction", "GET", [name], query: qualifier.map { [("Qualifier", $0)] } ?? [])
        var configuration = FunctionConfiguration(answer.fields("Configuration") ?? answer)
        let code = answer.fields("Code")
        configuration.imageUri = code?.string("ImageUri")
        if let object = code?.fields("ResolvedS3Object"), let bucket = object.string("S3Bucket"),
            let key = object.string("S3Key")
        {
            configuration.referencedObject = ReferencedObject(
                bucket: bucket, key: key, versionId: object.string("S3ObjectVersion"))
        }
        if let error = code?.fields("Error") {
            configuration.codeError = [error.string("ErrorCode"), error.string("Message")].compactMap { $0 }
                .joined(separator: ": ")
        }
        return configuration
    }

    package func getFunctionConfiguration(_ name: String, qualifier: String? = nil) async throws
        -> FunctionConfiguration
    {
        FunctionConfiguration(
            try await call(
                "GetFunctionConfiguration", "GET", [name, "configuration"],
                query: qualifier.map { [("Qualifier", $0)] } ?? []))
    }

    /// Points $LATEST at an S3 object (a specific object version when given). With a
    /// RevisionId the call is refused if the function changed since it was read.
    package func updateFunctionCode(
        _ name: String, s3Bucket: String, s3Key: String, s3ObjectVersion: String? = nil, storage: CodeStorage? = nil,
        revisionId: String? = nil
    ) async throws -> FunctionConfiguration {
        var body: [String: Any] = ["S3Bucket": s3Bucket, "S3Key": s3Key, "Publish": false]
        if let s3ObjectVersion { body["S3ObjectVersion"] = s3ObjectVersion }
        // Sent only for reference: COPY is the default, and older endpoints need not know the member.
        if storage == .reference { body["S3ObjectStorageMode"] = CodeStorage.reference.apiValue }
        if let revisionId { body["RevisionId"] = revisionId }
        return FunctionConfiguration(
            try await call("UpdateFunctionCode", "PUT", [name, "code"], body: body, idempotent: false))
    }

    /// Points an image function's $LATEST at `imageUri` (a digest: what it names cannot move).
    /// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html#lambda-UpdateFunctionCode-request-ImageUri
    package func updateFunctionCode(_ name: String, imageUri: String, revisionId: String? = nil) async throws
        -> FunctionConfiguration
    {
        var body: [String: Any] = ["ImageUri": imageUri, "Publish": false]
        if let revisionId { body["RevisionId"] = revisionId }
        return FunctionConfiguration(
            try await call("UpdateFunctionCode", "PUT", [name, "code"], body: body, idempotent: false))
    }

    /// Publishes $LATEST as a new version, only if its code is `codeSha256` and its revision
    /// is `revisionId` (when given).
    package func publishVersion(
        _ name: String, codeSha256: String? = nil, revisionId: String? = nil, description: String? = nil
    ) async throws -> FunctionConfiguration {
        var body: [String: Any] = [:]
        if let codeSha256 { body["CodeSha256"] = codeSha256 }
        if let revisionId { body["RevisionId"] = revisionId }
        if let description { body["Description"] = description }
        return FunctionConfiguration(
            try await call("PublishVersion", "POST", [name, "versions"], body: body, idempotent: false))
    }

    package func listVersionsByFunction(_ name: String) async throws -> [FunctionConfiguration] {
        try await pages("ListVersionsByFunction", [name, "versions"], items: "Versions")
            .map(FunctionConfiguration.init)
    }

    package func getAlias(_ name: String, alias: String) async throws -> AliasConfiguration {
        AliasConfiguration(try await call("GetAlias", "GET", [name, "aliases", alias]))
    }

    /// The alias, or nil when Lambda finds none (check the function first: Lambda answers a
    /// missing function with the same error).
    package func aliasIfExists(_ name: String, alias: String) async throws -> AliasConfiguration? {
        do {
            return try await getAlias(name, alias: alias)
        } catch let error as AWSServiceError where error.kind == .notFound {
            return nil
        }
    }

    package func listAliases(_ name: String) async throws -> [AliasConfiguration] {
        try await pages("ListAliases", [name, "aliases"], items: "Aliases").map(AliasConfiguration.init)
    }

    package func createAlias(
        _ name: String, alias: String, version: String, description: String? = nil,
        additionalVersionWeights: [String: Double] = [:]
    ) async throws -> AliasConfiguration {
        var body: [String: Any] = ["Name": alias, "FunctionVersion": version]
        if let description { body["Description"] = description }
        if !additionalVersionWeights.isEmpty {
            body["RoutingConfig"] = ["AdditionalVersionWeights": additionalVersionWeights]
        }
        return AliasConfiguration(
            try await call("CreateAlias", "POST", [name, "aliases"], body: body, idempotent: false))
    }

    /// Moves an alias. `additionalVersionWeights` nil leaves routing as it is; an empty map
    /// clears it. With `revisionId` the call is refused if someone else moved the alias.
    package func updateAlias(
        _ name: String, alias: String, version: String? = nil, additionalVersionWeights: [String: Double]? = nil,
        revisionId: String? = nil, description: String? = nil
    ) async throws -> AliasConfiguration {
        var body: [String: Any] = [:]
        if let version { body["FunctionVersion"] = version }
        if let additionalVersionWeights {
            body["RoutingConfig"] = ["AdditionalVersionWeights": additionalVersionWeights]
        }
        if let revisionId { body["RevisionId"] = revisionId }
        if let description { body["Description"] = description }
        return AliasConfiguration(
            try await call("UpdateAlias", "PUT", [name, "aliases", alias], body: body, idempotent: false))
    }

    /// The function URL of `qualifier` (an alias), or nil when it has none.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionUrlConfig.html
    package func functionURL(_ name: String, qualifier: String) async throws -> FunctionURL? {
        do {
            return FunctionURL(try await urlCall("GetFunctionUrlConfig", "GET", name, qualifier: qualifier))
        } catch let error as AWSServiceError where error.kind == .notFound {
            return nil
        }
    }

    /// Creates the function URL of `qualifier` with `authType` (AWS_IAM or NONE).
    package func createFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL {
        FunctionURL(
            try await urlCall(
                "CreateFunctionUrlConfig", "POST", name, qualifier: qualifier, body: ["AuthType": authType]))
    }

    /// Changes the auth type of `qualifier`'s function URL.
    package func updateFunctionURL(_ name: String, qualifier: String, authType: String) async throws -> FunctionURL {
        FunctionURL(
            try await urlCall(
                "UpdateFunctionUrlConfig", "PUT", name, qualifier: qualifier, body: ["AuthType": authType]))
    }

    /// Deletes `qualifier`'s function URL; none there is no error.
    package func deleteFunctionURL(_ name: String, qualifier: String) async throws {
        do {
            _ = try await send(
                "DeleteFunctionUrlConfig", "DELETE", [name, "url"], query: [("Qualifier", qualifier)], body: nil,
                idempotent: true,
                prefix: Self.urlPrefix)
        } catch let error as AWSServiceError where error.kind == .notFound {
            return
        }
    }

    /// Function URL operations live under their own API version.
    static let urlPrefix = "/2021-10-31/functions/"

    /// Whether durable executions still run on `version` (each is pinned to the version that
    /// started it, so that version must stay). Without a qualifier Lambda lists `$LATEST`'s.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_ListDurableExecutionsByFunction.html
    package func hasRunningDurableExecutions(_ name: String, version: String) async throws -> Bool {
        let answer = try JSONFields(
            data: try await send(
                "ListDurableExecutionsByFunction", "GET", [name, "durable-executions"],
                query: [("Qualifier", version), ("Statuses", "RUNNING"), ("MaxItems", "1")], idempotent: true,
                prefix: "/2025-12-01/functions/"
            ).body, service: "Lambda", operation: "ListDurableExecutionsByFunction")
        return answer.array("DurableExecutions").contains { $0.string("Status") == "RUNNING" }
    }

    /// The qualifiers (`7`, `live`, `$LATEST` when unqualified) of every event source mapping
    /// that invokes `name`. Listed with no FunctionName filter and matched on each mapping's
    /// FunctionArn: what an unqualified FunctionName matches is not documented.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html
    package func eventSourceMappingQualifiers(_ name: String) async throws -> [String] {
        let function = FunctionReference(parsing: name)?.name ?? name
        let mappings = try await pages(
            "ListEventSourceMappings", [], items: "EventSourceMappings", size: 100,
            prefix: "/2015-03-31/event-source-mappings/")
        return mappings.compactMap { mapping in
            // arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
            let parts = (mapping.string("FunctionArn") ?? "").split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 7, parts[5] == "function", parts[6] == function else { return nil }
            return parts.count > 7 ? String(parts[7]) : "$LATEST"
        }
    }

    /// The qualifiers (versions and aliases) that have provisioned concurrency.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_ListProvisionedConcurrencyConfigs.html
    package func provisionedConcurrencyQualifiers(_ name: String) async throws -> [String] {
        try await pages(
            "ListProvisionedConcurrencyConfigs", [name, "provisioned-concurrency"],
            items: "ProvisionedConcurrencyConfigs", size: nil, query: [("List", "ALL")],
            prefix: Self.concurrencyPrefix
        ).compactMap { $0.string("FunctionArn")?.split(separator: ":").last.map(String.init) }
    }

    /// The provisioned concurrency of an alias or version, nil when it has none.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_GetProvisionedConcurrencyConfig.html
    package func provisionedConcurrency(_ name: String, qualifier: String) async throws -> ProvisionedConcurrency? {
        do {
            return ProvisionedConcurrency(
                try JSONFields(
                    data: try await send(
                        "GetProvisionedConcurrencyConfig", "GET", [name, "provisioned-concurrency"],
                        query: [("Qualifier", qualifier)], idempotent: true, prefix: Self.concurrencyPrefix
                    ).body, service: "Lambda", operation: "GetProvisionedConcurrencyConfig"))
        } catch let error as AWSServiceError where error.code == "ProvisionedConcurrencyConfigNotFoundException" {
            return nil
        }
    }

    /// Asks for `amount` provisioned concurrency on a version or alias; Lambda allocates it
    /// asynchronously (`IN_PROGRESS`, then `READY` or `FAILED`).
    /// https://docs.aws.amazon.com/lambda/latest/api/API_PutProvisionedConcurrencyConfig.html
    package func putProvisionedConcurrency(_ name: String, qualifier: String, amount: Int) async throws
        -> ProvisionedConcurrency
    {
        ProvisionedConcurrency(
            try JSONFields(
                data: try await send(
                    "PutProvisionedConcurrencyConfig", "PUT", [name, "provisioned-concurrency"],
                    query: [("Qualifier", qualifier)], body: ["ProvisionedConcurrentExecutions": amount],
                    idempotent: true, prefix: Self.concurrencyPrefix
                ).body, service: "Lambda", operation: "PutProvisionedConcurrencyConfig"))
    }

    /// Removes the provisioned concurrency of a version or alias (none there: nothing to do).
    /// https://docs.aws.amazon.com/lambda/latest/api/API_DeleteProvisionedConcurrencyConfig.html
    package func deleteProvisionedConcurrency(_ name: String, qualifier: String) async throws {
        do {
            _ = try await send(
                "DeleteProvisionedConcurrencyConfig", "DELETE", [name, "provisioned-concurrency"],
                query: [("Qualifier", qualifier)], idempotent: true, prefix: Self.concurrencyPrefix)
        } catch let error as AWSServiceError where error.code == "ProvisionedConcurrencyConfigNotFoundException" {
            return
        }
    }

    /// Provisioned-concurrency operations live under their own API version.
    static let concurrencyPrefix = "/2019-09-30/functions/"

    /// The function's code signing config and what it allows, nil when it has none.
    /// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionCodeSigningConfig.html
    /// https://docs.aws.amazon.com/lambda/latest/api/API_GetCodeSigningConfig.html
    package func codeSigningPolicy(_ name: String) async throws -> CodeSigningPolicy? {
        let attached = try JSONFields(
            data: try await send(
                "GetFunctionCodeSigningConfig", "GET", [name, "code-signing-config"], query: [], idempotent: true,
                prefix: "/2020-06-30/functions/"
            ).body, service: "Lambda", operation: "GetFunctionCodeSigningConfig")
        guard let arn = attached.string("CodeSigningConfigArn"), !arn.isEmpty else { return nil }
        let answer = try JSONFields(
            data: try await send(
                "GetCodeSigningConfig", "GET", [arn], query: [], idempotent: true,
                prefix: "/2020-04-22/code-signing-configs/"
            ).body, service: "Lambda", operation: "GetCodeSigningConfig")
        let config = answer.fields("CodeSigningConfig") ?? answer
        return CodeSigningPolicy(
            configArn: arn,
            allowedProfileVersionArns: config.fields("AllowedPublishers")?.strings("SigningProfileVersionArns") ?? [],
            enforce: config.fields("CodeSigningPolicies")?.string("UntrustedArtifactOnDeployment") == "Enforce")
    }

    private func urlCall(
        _ operation: String, _ method: String, _ name: String, qualifier: String, body: [String: Any]? = nil
    )
        async throws -> JSONFields
    {
        let response = try await send(
            operation, method, [name, "url"], query: [("Qualifier", qualifier)], body: body,
            idempotent: method != "POST",
            prefix: Self.urlPrefix)
        return try JSONFields(data: response.body, service: "Lambda", operation: operation)
    }

    /// Deletes an alias (the function and its versions stay).
    package func deleteAlias(_ name: String, alias: String) async throws {
        _ = try await send("DeleteAlias", "DELETE", [name, "aliases", alias], query: [], body: nil, idempotent: true)
    }

    /// Deletes one published version (never the whole function: a qualifier is required).
    package func deleteFunctionVersion(_ name: String, version: String) async throws {
        _ = try await send(
            "DeleteFunction", "DELETE", [name], query: [("Qualifier", version)], body: nil, idempotent: true)
    }

    /// Invokes `qualifier` synchronously with `payload`.
    /// Invokes `qualifier`; a tenant-isolated function needs `tenantId` (X-Amz-Tenant-Id).
    /// https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#lambda-Invoke-request-TenantId
    package func invoke(_ name: String, qualifier: String, payload: Data, tenantId: String? = nil) async throws
        -> InvokeResult
    {
        let response = try await send(
            "Invoke", "POST", [name, "invocations"], query: [("Qualifier", qualifier)],
            rawBody: payload, idempotent: false, headers: tenantId.map { ["X-Amz-Tenant-Id": $0] } ?? [:])
        return InvokeResult(
            statusCode: response.status, functionError: response.headers["X-Amz-Function-Error"],
            executedVersion: response.headers["X-Amz-Executed-Version"], payload: response.body)
    }

    /// Every item of a listing that pages with Marker / NextMarker (`size`: MaxItems per page).
    private func pages(
        _ operation: String, _ segments: [String], items: String, size: Int? = 50, query: [(String, String)] = [],
        prefix: String = LambdaClient.apiPrefix
    ) async throws -> [JSONFields] {
        var all: [JSONFields] = []
        var marker: String?
        repeat {
            var page = query
            if let size { page.append(("MaxItems", String(size))) }
            if let marker { page.append(("Marker", marker)) }
            let answer = try JSONFields(
                data: try await send(operation, "GET", segments, query: page, idempotent: true, prefix: prefix).body,
                service: "Lambda", operation: operation)
            all += answer.array(items)
            marker = answer.string("NextMarker")
        } while marker != nil
        return all
    }

    private func call(
        _ operation: String, _ method: String, _ segments: [String], query: [(String, String)] = [],
        body: [String: Any]? = nil, idempotent: Bool = true
    ) async throws -> JSONFields {
        let response = try await send(operation, method, segments, query: query, body: body, idempotent: idempotent)
        return try JSONFields(data: response.body, service: "Lambda", operation: operation)
    }

    private func send(
        _ operation: String, _ method: String, _ segments: [String], query: [(String, String)],
        body: [String: Any]? = nil, rawBody: Data? = nil, idempotent: Bool, prefix: String = LambdaClient.apiPrefix,
        headers extra: [String: String] = [:]
    ) async throws -> HTTPResponse {
        let path = prefix + segments.map { URIEncoding.encode($0) }.joined(separator: "/")
        let data = rawBody ?? body.map(JSONBody.encode)
        return try await client.send(.lambda, AWSOperation(operation, idempotent: idempotent)) { endpoint in
            var headers = HTTPHeaders()
            if data != nil { headers.add("Content-Type", "application/json") }
            for (name, value) in extra { headers.add(name, value) }
            return HTTPRequest(
                method: method, endpoint: endpoint, path: path, query: query.map { (name: $0.0, value: $0.1) },
                headers: headers, body: data.map { .bytes($0) } ?? .empty)
        }
    }
}
