import AWSCore
import FoundationEssentials
import LambdaShiftCore

/// A revision's share of an endpoint's traffic: an integer percentage, 1 to 100.
package struct RevisionWeight: Sendable, Equatable {
    package var revisionId: String
    package var weight: Int
    package init(revisionId: String, weight: Int) {
        self.revisionId = revisionId
        self.weight = weight
    }
}

/// A web function endpoint, as GetWebFunctionEndpoint answers it.
/// https://docs.aws.amazon.com/lambda/latest/api/API_web_GetWebFunctionEndpoint.html
package struct WebEndpoint: Sendable, Equatable {
    package var name: String
    package var arn: String
    package var description: String
    package var endpointType: String
    /// `LatestRevision` (every new revision served at once) or `Disabled`.
    package var autoDeploymentMode: String
    package var revisionWeights: [RevisionWeight]
    package var state: String
    /// `InProgress`, `Successful` or `Failed` (nil before any update).
    package var updateStatus: String?
    package var updateStatusReason: String?
    package var updatedAt: String

    package init(
        name: String, arn: String = "", description: String = "", endpointType: String = "HomeRegion",
        autoDeploymentMode: String = "Disabled", revisionWeights: [RevisionWeight], state: String = "Active",
        updateStatus: String? = "Successful", updateStatusReason: String? = nil, updatedAt: String = ""
    ) {
        self.name = name
        self.arn = arn
        self.description = description
        self.endpointType = endpointType
        self.autoDeploymentMode = autoDeploymentMode
        self.revisionWeights = revisionWeights
        self.state = state
        self.updateStatus = updateStatus
        self.updateStatusReason = updateStatusReason
        self.updatedAt = updatedAt
    }

    init(_ f: JSONFields) {
        name = f.string("endpointName") ?? ""
        arn = f.string("endpointArn") ?? ""
        description = f.string("description") ?? ""
        endpointType = f.string("endpointType") ?? ""
        autoDeploymentMode = f.string("autoDeploymentMode") ?? ""
        revisionWeights = f.array("revisionWeights").compactMap { weight in
            guard let id = weight.string("revisionId"), let share = weight.int("weight") else { return nil }
            return RevisionWeight(revisionId: id, weight: share)
        }
        state = f.string("state") ?? ""
        updateStatus = f.string("updateStatus")
        updateStatusReason = f.string("updateStatusReason")
        updatedAt = f.object["updatedAt"].map { $0.string ?? $0.rendered() } ?? ""
    }

    /// `updateStatus`, typed (the same three values as a function's LastUpdateStatus).
    package var update: LastUpdateStatus? { updateStatus.map(LastUpdateStatus.init) }
    package var mode: AutoDeploymentMode { AutoDeploymentMode(autoDeploymentMode) }

    /// The endpoint's traffic and description: what an update by someone else changes.
    package var fingerprint: String {
        let weights = revisionWeights.map { "\($0.revisionId)=\($0.weight)" }.sorted().joined(separator: ",")
        return "\(weights)|\(autoDeploymentMode)|\(updatedAt)|\(description)"
    }
}

/// A web function revision: its state and what it was built from.
/// https://docs.aws.amazon.com/lambda/latest/api/API_web_GetWebFunctionRevision.html
package struct WebRevision: Sendable, Equatable {
    package var revisionId: String
    package var arn: String
    package var functionArn: String
    package var description: String
    /// `Pending`, `Active` or `Failed`.
    package var state: String
    package var stateReason: String
    /// A failed build's errors, one sentence each (`attribute: errorCode: errorMessage`).
    package var errors: [String]
    /// The build and service configuration as the service answered them, kept whole so a new
    /// revision can be made from them with only the code location changed.
    package var buildConfig: [String: JSONValue]
    package var serviceConfig: [String: JSONValue]
    /// When it was made (epoch seconds): the order revisions came in.
    package var createdAt: Double

    init(_ f: JSONFields) {
        revisionId = f.string("revisionId") ?? ""
        arn = f.string("revisionArn") ?? ""
        functionArn = f.string("functionArn") ?? ""
        description = f.string("description") ?? ""
        state = f.string("state") ?? ""
        stateReason = f.string("stateReason") ?? ""
        errors = f.array("errors").map { error in
            [error.string("attribute"), error.string("errorCode"), error.string("errorMessage")].compactMap { $0 }
                .joined(separator: ": ")
        }
        buildConfig = f.object["buildConfig"]?.object ?? [:]
        serviceConfig = f.object["serviceConfig"]?.object ?? [:]
        createdAt =
            f.double("createdAt") ?? f.string("createdAt").flatMap(AWSTimestamp.parse)?.timeIntervalSince1970 ?? 0
    }

    /// The revision as a version is described: its id, state and description.
    package func configuration(function: String) -> FunctionConfiguration {
        var configuration = FunctionConfiguration(
            functionName: function, version: revisionId, codeSha256: "", description: description, state: state)
        configuration.functionArn = arn
        configuration.packageType = "Zip"
        return configuration
    }

    /// `state`, typed (Pending, Active, Failed).
    package var stateValue: FunctionState { FunctionState(state) }

    /// The S3 object the revision was built from.
    package var codeObject: ReferencedObject? {
        guard let s3 = buildConfig["codeConfig"]?["s3Object"], let bucket = s3["bucket"]?.string,
            let key = s3["key"]?.string
        else { return nil }
        return ReferencedObject(bucket: bucket, key: key, versionId: s3["versionId"]?.string)
    }
}

/// The Lambda Web Functions calls lambda-shift makes (rest-json, API 2025-03-07).
/// https://docs.aws.amazon.com/lambda/latest/api/API_Operations_Lambda_Web.html
package struct LambdaWebClient: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    static let prefix = "/2025-03-07/web-functions/"

    /// The function's ARN, or a notFound error.
    package func webFunctionArn(_ name: String) async throws -> String {
        let answer = try await call("GetWebFunction", "GET", [name])
        return answer.string("functionArn") ?? name
    }

    package func endpoint(_ function: String, _ endpoint: String) async throws -> WebEndpoint {
        WebEndpoint(try await call("GetWebFunctionEndpoint", "GET", [function, "endpoints", endpoint]))
    }

    /// Every endpoint of the function (ListWebFunctionEndpoints pages with nextToken).
    package func endpoints(_ function: String) async throws -> [WebEndpoint] {
        var all: [WebEndpoint] = []
        var token: String?
        repeat {
            var body: [String: Any] = [:]
            if let token { body["nextToken"] = token }
            let answer = try await call(
                "ListWebFunctionEndpoints", "POST", [function, "list-endpoints"], body: body, idempotent: true)
            all += answer.array("endpoints").map(WebEndpoint.init)
            token = answer.string("nextToken")
        } while token != nil
        return all
    }

    /// Sets what is given (weights, auto-deployment mode, description); the rest stays.
    package func updateEndpoint(
        _ function: String, _ endpoint: String, weights: [RevisionWeight]? = nil,
        autoDeploymentMode: AutoDeploymentMode? = nil, description: String? = nil
    ) async throws -> WebEndpoint {
        var body: [String: Any] = [:]
        if let weights {
            body["revisionWeights"] = weights.map {
                ["revisionId": $0.revisionId, "weight": $0.weight] as [String: Any]
            }
        }
        if let autoDeploymentMode { body["autoDeploymentMode"] = autoDeploymentMode.apiValue }
        if let description { body["description"] = description }
        return WebEndpoint(
            try await call(
                "UpdateWebFunctionEndpoint", "PATCH", [function, "endpoints", endpoint], body: body, idempotent: false))
    }

    package func revision(_ function: String, _ revision: String) async throws -> WebRevision {
        WebRevision(try await call("GetWebFunctionRevision", "GET", [function, "revisions", revision]))
    }

    /// Every revision of the function (ListWebFunctionRevisions pages with nextToken).
    package func revisions(_ function: String) async throws -> [WebRevision] {
        var all: [WebRevision] = []
        var token: String?
        repeat {
            var body: [String: Any] = [:]
            if let token { body["nextToken"] = token }
            let answer = try await call(
                "ListWebFunctionRevisions", "POST", [function, "list-revisions"], body: body, idempotent: true)
            all += answer.array("revisions").map(WebRevision.init)
            token = answer.string("nextToken")
        } while token != nil
        return all
    }

    /// A new revision from `buildConfig` and `serviceConfig` (built asynchronously: Pending).
    package func createRevision(
        _ function: String, buildConfig: [String: JSONValue], serviceConfig: [String: JSONValue], description: String
    ) async throws -> WebRevision {
        let body: [String: Any] = [
            "buildConfig": JSONValue.object(buildConfig), "serviceConfig": JSONValue.object(serviceConfig),
            "description": description,
        ]
        return WebRevision(
            try await call("CreateWebFunctionRevision", "POST", [function, "revisions"], body: body, idempotent: false))
    }

    package func deleteRevision(_ function: String, _ revision: String) async throws {
        _ = try await send("DeleteWebFunctionRevision", "DELETE", [function, "revisions", revision], idempotent: true)
    }

    private func call(
        _ operation: String, _ method: String, _ segments: [String], body: [String: Any]? = nil,
        idempotent: Bool = true
    ) async throws -> JSONFields {
        let response = try await send(operation, method, segments, body: body, idempotent: idempotent)
        return try JSONFields(data: response.body, service: "Lambda Web", operation: operation)
    }

    private func send(
        _ operation: String, _ method: String, _ segments: [String], body: [String: Any]? = nil, idempotent: Bool
    ) async throws -> HTTPResponse {
        let path = Self.prefix + segments.map { URIEncoding.encode($0) }.joined(separator: "/")
        let data = body.map(JSONBody.encode)
        return try await client.send(.lambdaWeb, AWSOperation(operation, idempotent: idempotent)) { endpoint in
            var headers = HTTPHeaders()
            if data != nil { headers.add("Content-Type", "application/json") }
            return HTTPRequest(
                method: method, endpoint: endpoint, path: path, headers: headers,
                body: data.map { .bytes($0) } ?? .empty)
        }
    }
}
