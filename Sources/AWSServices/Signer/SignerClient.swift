import AWSCore
import FoundationEssentials

/// An AWS Signer signing profile: its name, the version ARN a code signing config trusts, and
/// whether it can sign (`Active`).
/// https://docs.aws.amazon.com/signer/latest/api/API_GetSigningProfile.html
package struct SigningProfile: Sendable, Equatable {
    package var name: String
    package var versionArn: String
    package var status: String

    package init(name: String, versionArn: String, status: String) {
        self.name = name
        self.versionArn = versionArn
        self.status = status
    }
}

/// A signing job as Signer describes it.
/// https://docs.aws.amazon.com/signer/latest/api/API_DescribeSigningJob.html
package struct SigningJob: Sendable, Equatable {
    package var id: String
    /// `InProgress`, `Failed` or `Succeeded`.
    package var status: String
    package var reason: String?
    /// Where the signed object is, once `Succeeded`.
    package var signedBucket: String?
    package var signedKey: String?

    package init(id: String, status: String, reason: String?, signedBucket: String?, signedKey: String?) {
        self.id = id
        self.status = status
        self.reason = reason
        self.signedBucket = signedBucket
        self.signedKey = signedKey
    }
}

/// AWS Signer over REST-JSON: the profile lookup and the signing job a deploy starts and waits for.
package struct SignerClient: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    package func signingProfile(_ name: String) async throws -> SigningProfile {
        let answer = try await call("GetSigningProfile", "GET", "/signing-profiles/" + URIEncoding.encode(name))
        return SigningProfile(
            name: answer.string("profileName") ?? name, versionArn: answer.string("profileVersionArn") ?? "",
            status: answer.string("status") ?? "")
    }

    /// Signs an S3 object version with `profile`; the signed object goes to `destinationBucket`
    /// under `prefix`. `token` makes a retried call start one job.
    /// https://docs.aws.amazon.com/signer/latest/api/API_StartSigningJob.html
    package func startSigningJob(
        bucket: String, key: String, version: String, destinationBucket: String, prefix: String, profile: String,
        token: String
    ) async throws -> String {
        let body: [String: Any] = [
            "source": ["s3": ["bucketName": bucket, "key": key, "version": version]],
            "destination": ["s3": ["bucketName": destinationBucket, "prefix": prefix]],
            "profileName": profile, "clientRequestToken": token,
        ]
        let answer = try await call("StartSigningJob", "POST", "/signing-jobs", body: body)
        return answer.string("jobId") ?? ""
    }

    package func signingJob(_ id: String) async throws -> SigningJob {
        let answer = try await call("DescribeSigningJob", "GET", "/signing-jobs/" + URIEncoding.encode(id))
        let signed = answer.fields("signedObject")?.fields("s3")
        return SigningJob(
            id: answer.string("jobId") ?? id, status: answer.string("status") ?? "",
            reason: answer.string("statusReason"),
            signedBucket: signed?.string("bucketName"), signedKey: signed?.string("key"))
    }

    private func call(_ operation: String, _ method: String, _ path: String, body: [String: Any]? = nil)
        async throws -> JSONFields
    {
        let data = body.map(JSONBody.encode)
        // A retried StartSigningJob carries the same clientRequestToken: one job.
        let response = try await client.send(.signer, AWSOperation(operation)) { endpoint in
            var headers = HTTPHeaders()
            if data != nil { headers.add("Content-Type", "application/json") }
            return HTTPRequest(
                method: method, endpoint: endpoint, path: path, headers: headers,
                body: data.map { .bytes($0) } ?? .empty)
        }
        return try JSONFields(data: response.body, service: "Signer", operation: operation)
    }
}
