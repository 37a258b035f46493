import AWSCore
import AWSServices
import Foundation

/// Sets up AWS state in the twin with signed calls the product itself does not make
/// (CreateBucket, PutBucketVersioning, PutMetricAlarm, SetAlarmState, PutMetricData).
struct Seeder {
    var client: AWSClient

    /// How many multipart uploads are in progress in `bucket` (ListMultipartUploads).
    func multipartUploadsInProgress(_ bucket: String) async throws -> Int {
        let listing = try await client.send(.s3, AWSOperation("ListMultipartUploads")) { endpoint in
            HTTPRequest(method: "GET", endpoint: endpoint, path: "/" + bucket, query: [("uploads", "")])
        }
        return try XMLNode.parse(listing.body).children("Upload").count
    }

    func createBucket(_ bucket: String, versioned: Bool = true, suspended: Bool = false) async throws {
        _ = try await client.send(.s3, AWSOperation("CreateBucket")) { endpoint in
            HTTPRequest(method: "PUT", endpoint: endpoint, path: "/" + bucket)
        }
        guard versioned || suspended else { return }
        if suspended { try await setVersioning(bucket, "Enabled") }
        try await setVersioning(bucket, suspended ? "Suspended" : "Enabled")
    }

    /// A bucket made in `region` (LocationConstraint), with a client signing for that region.
    func createBucket(_ bucket: String, in region: String) async throws {
        let body = Data(
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>"
                .utf8)
        _ = try await client.send(.s3, AWSOperation("CreateBucket")) { endpoint in
            HTTPRequest(
                method: "PUT", endpoint: endpoint, path: "/" + bucket, headers: ["Content-Type": "application/xml"],
                body: .bytes(body))
        }
    }

    func setVersioning(_ bucket: String, _ status: String) async throws {
        let body = Data(
            "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>\(status)</Status></VersioningConfiguration>"
                .utf8)
        _ = try await client.send(.s3, AWSOperation("PutBucketVersioning")) { endpoint in
            HTTPRequest(
                method: "PUT", endpoint: endpoint, path: "/" + bucket, query: [("versioning", "")],
                headers: ["Content-Type": "application/xml"], body: .bytes(body))
        }
    }

    func cloudWatch(_ action: String, _ body: [String: Any]) async throws -> Data {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await client.send(.cloudWatch, AWSOperation(action)) { endpoint in
            HTTPRequest(
                method: "POST", endpoint: endpoint, path: "/",
                headers: [
                    "Content-Type": "application/x-amz-json-1.0",
                    "X-Amz-Target": "GraniteServiceVersion20100801.\(action)",
                ],
                body: .bytes(data))
        }.body
    }

    func setAlarmState(_ name: String, _ state: String) async throws {
        _ = try await cloudWatch(
            "SetAlarmState", ["AlarmName": name, "StateValue": state, "StateReason": "set by test"])
    }

    func createAlarm(_ name: String, state: String = "OK", dimensions: [String: String] = [:]) async throws {
        var alarm: [String: Any] = [
            "AlarmName": name, "MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        ]
        if !dimensions.isEmpty {
            alarm["Dimensions"] = dimensions.sorted { $0.key < $1.key }.map { ["Name": $0.key, "Value": $0.value] }
        }
        _ = try await cloudWatch("PutMetricAlarm", alarm)
        _ = try await cloudWatch(
            "SetAlarmState", ["AlarmName": name, "StateValue": state, "StateReason": "set by test"])
    }
}

/// A JWT-shaped web identity token (unsigned) with the given expiry, as the twin checks it.
func webIdentityToken(expiresIn seconds: TimeInterval) -> String {
    func b64url(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }
    let now = Date().timeIntervalSince1970
    return b64url(["alg": "RS256", "typ": "JWT"]) + "."
        + b64url([
            "iss": "https://gitlab.example", "aud": "sts.amazonaws.com",
            "sub": "project_path:app:ref:main", "exp": Int(now + seconds), "iat": Int(now),
        ]) + ".c2lnbmF0dXJl"
}

func temporaryFile(_ contents: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ls-\(UUID().uuidString)")
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

func uniqueName(_ prefix: String) -> String {
    prefix + "-" + UUID().uuidString.prefix(8).lowercased()
}

/// A fresh build directory holding one `index.py` whose handler returns `code`.
func sourceDirectory(returning code: String) throws -> String {
    let source = FileManager.default.temporaryDirectory.appendingPathComponent("ls-src-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
    try Data("def handler(event, context):\n    return '\(code)'\n".utf8).write(
        to: URL(fileURLWithPath: source + "/index.py"))
    return source
}
