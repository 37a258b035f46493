import Release
import Hashing
import CISupport
import AWSCore
import AWSServices
import Config
import Foundation
import TestSupport
import Testing

extension TwinSuite {
    /// UpdateFunctionCode, LastUpdateStatus, CodeSha256 and PublishVersion through the twin.
    @Suite("Code update and publish")
    struct CodeUpdateStageTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        struct Setup {
            var name: String
            var bucket: String
            var client: AWSClient
            var zip: Data
            var versionId: String?
        }

        func setup(_ prefix: String) async throws -> Setup {
            let name = uniqueName(prefix)
            try await twin.seedFunction(name)
            let client = try twin.client()
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: client).createBucket(bucket)
            let zip = try #require(Data(base64Encoded: Twin.zip("def handler(e, c):\n    return '\(name)'\n")))
            let put = try await S3Client(client: client).putObject(
                bucket: bucket, key: "pkg.zip", body: .bytes(zip), sha256: SHA256Hasher.hash(zip))
            return Setup(name: name, bucket: bucket, client: client, zip: zip, versionId: put.versionId)
        }

        func stage(_ client: AWSClient, sleeper: RecordingSleeper = RecordingSleeper()) -> CodeUpdateStage {
            CodeUpdateStage(lambda: LambdaClient(client: client), sleeper: sleeper, maxWait: 60)
        }

        @Test("the update is waited out through InProgress, our digest is checked, and the version carries provenance")
        func updateAndPublish() async throws {
            let s = try await setup("cu")
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 2])
            let sleeper = RecordingSleeper()
            let codeSha256 = ByteEncoding.base64(SHA256Hasher.hash(s.zip))
            let stage = stage(s.client, sleeper: sleeper)
            let done = try await stage.updateCode(
                function: s.name, bucket: s.bucket, key: "pkg.zip", objectVersion: s.versionId, codeSha256: codeSha256)
            #expect(done.lastUpdateStatus == "Successful")
            #expect(done.codeSha256 == codeSha256)
            #expect(sleeper.recorded == [0.25, 0.5])
            let provenance = Provenance(
                ci: .github, commit: "0123456789", branch: "main", runURL: "https://github.com/o/r/actions/runs/1")
            let version = try await stage.publish(function: s.name, configuration: done, provenance: provenance)
            #expect(version.version == "2")
            #expect(
                version.description == "lambda-shift commit 0123456 on main run https://github.com/o/r/actions/runs/1")
        }

        @Test("an update already running is waited for first")
        func waitsForRunningUpdate() async throws {
            let s = try await setup("cw")
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            _ = try await LambdaClient(client: s.client).updateFunctionCode(
                s.name, s3Bucket: s.bucket, s3Key: "pkg.zip")
            let done = try await stage(s.client).updateCode(
                function: s.name, bucket: s.bucket, key: "pkg.zip", objectVersion: s.versionId,
                codeSha256: ByteEncoding.base64(SHA256Hasher.hash(s.zip)))
            #expect(done.lastUpdateStatus == "Successful")
            let updates = try await twin.requests().filter {
                $0["operation"] as? String == "UpdateFunctionCode" && ($0["path"] as? String)?.contains(s.name) == true
            }
            #expect(updates.allSatisfy { ($0["status"] as? Int) != 409 })
        }

        @Test("a failed update and a digest that is not ours stop the deploy before any traffic moves")
        func failures() async throws {
            let s = try await setup("cf")
            try await twin.control(
                "POST", "/_twin/lambda",
                ["updatePolls": 1, "failNextUpdate": "Unzipped size must be smaller than 262144000 bytes"])
            do {
                _ = try await stage(s.client).updateCode(
                    function: s.name, bucket: s.bucket, key: "pkg.zip", objectVersion: s.versionId,
                    codeSha256: ByteEncoding.base64(SHA256Hasher.hash(s.zip)))
                Issue.record("a failed update passed")
            } catch let error as DeployError {
                #expect(error.message.contains("Lambda could not apply the new code"))
                #expect(error.message.contains("Unzipped size must be smaller than 262144000 bytes"))
            }
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1, "failNextUpdate": NSNull()])
            do {
                _ = try await stage(s.client).updateCode(
                    function: s.name, bucket: s.bucket, key: "pkg.zip", objectVersion: s.versionId,
                    codeSha256: "not-our-digest=")
                Issue.record("a foreign digest passed")
            } catch let error as DeployError {
                #expect(error.message.contains("not the package just uploaded"))
            }
        }
    }
}
