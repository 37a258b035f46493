import AWSCore
import Foundation
import Testing

extension TwinSuite {
    /// Every credential source, each against a local stand-in (GitHub's token endpoint, the
    /// container endpoint, IMDSv2) or the twin's STS, proven by a signed call that verifies.
    @Suite("Credential sources against local stand-ins")
    struct CredentialChainTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        let noKeys = ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""]

        /// Runs `status` with the given environment and returns the access keys the twin saw.
        func statusKeys(_ extra: [String: String], arguments: [String] = []) async throws -> (
            Shell.Result, [[String: Any]]
        ) {
            let name = uniqueName("cred-fn")
            try await twin.seedFunction(name)
            try await twin.clearRequests()
            let result = try Shell.lambdaShift(
                ["status", "--function", name] + arguments,
                environment: twin.environment(noKeys.merging(extra) { $1 }).variables)
            return (result, try await twin.requests())
        }

        func stats() async throws -> [String: Any] {
            (try JSONSerialization.jsonObject(with: try await twin.control("GET", "/stats", base: twin.metadata))
                as? [String: Any]) ?? [:]
        }

        func expectSignedByOtherKey(_ requests: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) {
            let signed = requests.filter { $0["signed"] as? Bool == true }
            #expect(!signed.isEmpty, sourceLocation: sourceLocation)
            #expect(signed.allSatisfy { $0["signatureVerified"] as? Bool == true }, sourceLocation: sourceLocation)
            let keys = Set(signed.compactMap { $0["accessKeyId"] as? String })
            #expect(
                !keys.isEmpty && !keys.contains(Twin.accessKeyId), "signed with \(keys)", sourceLocation: sourceLocation
            )
        }

        @Test("GitHub Actions OIDC: role-to-assume fetches a token for sts.amazonaws.com and assumes the role")
        func gitHubOIDC() async throws {
            let before = try await stats()
            let (result, requests) = try await statusKeys(
                [
                    "ACTIONS_ID_TOKEN_REQUEST_URL": twin.metadata + "/oidc/token?api-version=2.0",
                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "twin-actions-request-token",
                    "GITHUB_RUN_ID": "4242",
                ], arguments: ["--role-to-assume", "arn:aws:iam::123456789012:role/gha-deploy"])
            #expect(result.status == 0, "\(result.all)")
            let assume = requests.filter { $0["operation"] as? String == "AssumeRoleWithWebIdentity" }
            #expect(assume.count == 1)
            #expect(assume.first?["signed"] as? Bool == false)
            expectSignedByOtherKey(requests)
            let after = try await stats()
            #expect((after["audiences"] as? [String])?.last == "sts.amazonaws.com")
            #expect(
                ((after["audiences"] as? [String])?.count ?? 0) == ((before["audiences"] as? [String])?.count ?? 0) + 1)
            #expect(!result.all.contains("twin-actions-request-token"))

            let wrong = try await statusKeys(
                [
                    "ACTIONS_ID_TOKEN_REQUEST_URL": twin.metadata + "/oidc/token?api-version=2.0",
                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "not-the-token",
                ], arguments: ["--role-to-assume", "arn:aws:iam::123456789012:role/gha-deploy"])
            #expect(wrong.0.status == 2)
            #expect(wrong.0.stderr.contains("GitHub's OIDC token endpoint"))
        }

        @Test("web identity token file with AWS_ROLE_ARN")
        func webIdentityFile() async throws {
            let (result, requests) = try await statusKeys([
                "AWS_WEB_IDENTITY_TOKEN_FILE": try temporaryFile(webIdentityToken(expiresIn: 600)),
                "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/gitlab-deploy",
            ])
            #expect(result.status == 0, "\(result.all)")
            #expect(requests.contains { $0["operation"] as? String == "AssumeRoleWithWebIdentity" })
            expectSignedByOtherKey(requests)
        }

        @Test("shared profile with role_arn and source_profile assumes the role with the source's keys")
        func profileAssumeRole() async throws {
            let config = try temporaryFile(
                """
                [profile base]
                aws_access_key_id = \(Twin.accessKeyId)
                aws_secret_access_key = \(Twin.secretAccessKey)
                [profile deploy]
                role_arn = arn:aws:iam::123456789012:role/deployer
                source_profile = base
                role_session_name = ci run
                """)
            let (result, requests) = try await statusKeys([
                "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_PROFILE": "deploy",
            ])
            #expect(result.status == 0, "\(result.all)")
            let assume = try #require(requests.first { $0["operation"] as? String == "AssumeRole" })
            #expect(assume["accessKeyId"] as? String == Twin.accessKeyId)
            #expect(assume["signatureVerified"] as? Bool == true)
            expectSignedByOtherKey(requests.filter { $0["operation"] as? String != "AssumeRole" })
        }

        @Test("container credentials with an authorization token file, as CodeBuild and ECS provide")
        func containerCredentials() async throws {
            let tokenFile = try temporaryFile("twin-container-auth-token\n")
            let (result, requests) = try await statusKeys([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": twin.metadata + "/container/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
            ])
            #expect(result.status == 0, "\(result.all)")
            expectSignedByOtherKey(requests)

            let refused = try await statusKeys([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": twin.metadata + "/container/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-token",
            ])
            #expect(refused.0.status == 2)
            #expect(refused.0.stderr.contains("Could not get credentials from the container credentials endpoint"))
            #expect(!refused.0.all.contains("wrong-token"))
        }

        @Test("EC2 instance metadata, version 2 (a session token first)")
        func imds() async throws {
            let before = try await stats()
            let (result, requests) = try await statusKeys([
                "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": twin.metadata,
            ])
            #expect(result.status == 0, "\(result.all)")
            expectSignedByOtherKey(requests)
            let after = try await stats()
            func count(_ s: [String: Any], _ key: String) -> Int { ((s["hits"] as? [String: Any])?[key] as? Int) ?? 0 }
            #expect(count(after, "imds-token") == count(before, "imds-token") + 1)
        }

        @Test("temporary credentials are refreshed before they expire")
        func refresh() async throws {
            try await twin.control("POST", "/config", ["expiresInSeconds": 200], base: twin.metadata)
            defer {
                Task { try? await twin.control("POST", "/config", ["expiresInSeconds": 3600], base: twin.metadata) }
            }
            let client = try twin.client(
                noKeys.merging([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": twin.metadata + "/container/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "twin-container-auth-token",
                ]) { $1 })
            // 200 s left is inside the five-minute refresh margin: each use asks again.
            let first = try await client.credentialSource.credentials()
            let second = try await client.credentialSource.credentials()
            #expect(first.accessKeyId != second.accessKeyId)
            try await twin.control("POST", "/config", ["expiresInSeconds": 3600], base: twin.metadata)
            let third = try await client.credentialSource.credentials()
            let fourth = try await client.credentialSource.credentials()
            #expect(third.accessKeyId == fourth.accessKeyId)
        }
    }
}
