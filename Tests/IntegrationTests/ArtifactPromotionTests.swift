import Hashing
import AWSCore
import AWSServices
import Foundation
import Testing

extension TwinSuite {
    /// Issue 15, part 1: build once, promote the same bytes. `deploy --artifact` ships the very
    /// S3 object version a staging deploy uploaded: nothing packaged, nothing uploaded; each bad
    /// reference is exit 2 before any change.
    @Suite("deploy --artifact: promote the bytes staging ran")
    struct ArtifactPromotionTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        func outputs(_ result: Shell.Result) -> [String: String] { result.outputs }

        @Test(
            "staging's upload promoted to production: the same CodeSha256 and S3 object version, no upload, the builder's run named"
        )
        func promote() async throws {
            let (functions, bucket) = try await twin.seedFunctionsAndBucket(
                ["promo-stg", "promo-prd"], bucket: "promo-b")
            let (staging, production) = (functions[0], functions[1])
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            let source = try sourceDirectory(returning: "promoted")
            let github = [
                "GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "develop", "GITHUB_REF_TYPE": "branch",
                "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REPOSITORY": "octo/app",
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "77",
            ]
            let built = try Shell.lambdaShift(
                ["deploy", "--function", staging, "--bucket", bucket, "--source", source, "--environment", "staging"],
                environment: twin.environment(github).variables)
            #expect(built.status == 0, "\(built.all)")
            let key = try #require(outputs(built)["s3-key"]), version = try #require(outputs(built)["s3-version-id"])
            #expect(!version.isEmpty)

            try await twin.clearRequests()
            let promoted = try Shell.lambdaShift(
                [
                    "deploy", "--function", production, "--artifact", "s3://\(bucket)/\(key)?versionId=\(version)",
                    "--environment", "production", "--strategy", "canary:50%:1s",
                ],
                environment: twin.environment().variables)
            #expect(promoted.status == 0, "\(promoted.all)")
            let out = outputs(promoted)
            #expect(
                out["outcome"] == "deployed" && out["s3-key"] == key && out["s3-version-id"] == version,
                "\(promoted.stdout)")
            #expect(out["code-sha256"] == outputs(built)["code-sha256"])
            #expect(
                promoted.stderr.contains("built by https://github.com/octo/app/actions/runs/77"), "\(promoted.stderr)")
            let requests = try await twin.requests()
            #expect(
                !requests.contains {
                    ["PutObject", "CreateMultipartUpload", "UploadPart"].contains($0["operation"] as? String)
                },
                "nothing uploaded")
            let lambda = LambdaClient(client: try twin.client())
            let stagingCode = try await lambda.getFunctionConfiguration(staging, qualifier: "live").codeSha256
            let productionCode = try await lambda.getFunctionConfiguration(production, qualifier: "live").codeSha256
            #expect(stagingCode == productionCode)

            // The same artifact again: skipped, nothing changed.
            try await twin.clearRequests()
            let again = try Shell.lambdaShift(
                [
                    "deploy", "--function", production, "--artifact", "s3://\(bucket)/\(key)?versionId=\(version)",
                    "--environment", "production",
                ],
                environment: twin.environment().variables)
            #expect(again.status == 0 && outputs(again)["outcome"] == "skipped", "\(again.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test(
            "a missing object, a missing version, an object with no digest, a sidecar that disagrees: exit 2, nothing changed"
        )
        func badReferences() async throws {
            let function = uniqueName("promo-bad")
            try await twin.seedFunction(function)
            let bucket = uniqueName("promo-bad-b")
            let seeder = Seeder(client: try twin.client())
            try await seeder.createBucket(bucket)
            let s3 = S3Client(client: try twin.client())
            // An object uploaded without a checksum and without a sidecar: its bytes cannot be checked.
            let zip = try #require(Data(base64Encoded: Twin.zip("def handler(e, c):\n    return 1\n")))
            _ = try await twin.client().send(.s3, AWSOperation("PutObject")) { endpoint in
                HTTPRequest(
                    method: "PUT", endpoint: endpoint, path: "/\(bucket)/bare.zip",
                    headers: ["Content-Type": "application/zip"], body: .bytes(zip))
            }
            // An object whose sidecar names other bytes.
            let other = Data("not the package".utf8)
            _ = try await s3.putObject(
                bucket: bucket, key: "stale.zip", body: .bytes(zip), sha256: SHA256Hasher.hash(zip))
            let sidecar = Data((ByteEncoding.hex(SHA256Hasher.hash(other)) + "  stale.zip\n").utf8)
            _ = try await s3.putObject(
                bucket: bucket, key: "stale.zip.sha256", body: .bytes(sidecar), sha256: SHA256Hasher.hash(sidecar))
            // The case: replaced by a plain upload (no SHA-256 checksum kept), the sidecar
            // still naming the bytes it replaced: only the object's own bytes can tell.
            _ = try await twin.client().send(.s3, AWSOperation("PutObject")) { endpoint in
                HTTPRequest(
                    method: "PUT", endpoint: endpoint, path: "/\(bucket)/replaced.zip",
                    headers: ["Content-Type": "application/zip"], body: .bytes(zip))
            }
            let replacedSidecar = Data((ByteEncoding.hex(SHA256Hasher.hash(other)) + "  replaced.zip\n").utf8)
            _ = try await s3.putObject(
                bucket: bucket, key: "replaced.zip.sha256", body: .bytes(replacedSidecar),
                sha256: SHA256Hasher.hash(replacedSidecar))
            try await twin.clearRequests()
            let cases: [(String, String)] = [
                (
                    "s3://\(bucket)/replaced.zip",
                    "does not match its .sha256 sidecar (the object's own SHA-256 \(ByteEncoding.hex(SHA256Hasher.hash(zip))), the sidecar \(ByteEncoding.hex(SHA256Hasher.hash(other))))"
                ),
                ("s3://\(bucket)/missing.zip", "No object s3://\(bucket)/missing.zip"),
                (
                    "s3://\(bucket)/stale.zip?versionId=nosuchversion",
                    "No object s3://\(bucket)/stale.zip at version nosuchversion"
                ),
                ("s3://\(bucket)/stale.zip", "does not match its .sha256 sidecar"),
                ("s3://\(bucket)/bare.zip", "has no SHA-256 to check the bytes against"),
                ("bucket/key.zip", "give it as s3://BUCKET/KEY"),
            ]
            for (reference, sentence) in cases {
                let result = try Shell.lambdaShift(
                    ["deploy", "--function", function, "--artifact", reference, "--environment", "staging"],
                    environment: twin.environment().variables)
                #expect(result.status == 2, "\(reference): \(result.all)")
                #expect(result.stderr.contains(sentence), "\(reference): \(result.stderr)")
            }
            let both = try Shell.lambdaShift(
                [
                    "deploy", "--function", function, "--artifact", "s3://\(bucket)/bare.zip", "--source", ".",
                    "--environment", "staging",
                ],
                environment: twin.environment().variables)
            #expect(
                both.status == 2 && both.stderr.contains("Give one of --source, --zip and --artifact"), "\(both.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }
    }
}
