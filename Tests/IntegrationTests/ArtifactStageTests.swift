import Release
import Hashing
import CISupport
import AWSCore
import AWSServices
import Config
import Foundation
import Packaging
import Synchronization
import Testing

extension TwinSuite {
    /// The package-and-upload half of a deploy against the twin.
    @Suite("Artifact upload: skip when unchanged, checksums, multipart, sidecars")
    struct ArtifactStageTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        let provenance = Provenance(
            ci: .github, commit: "0123456789abcdef", branch: "main", repository: "octo/app",
            runURL: "https://github.com/octo/app/actions/runs/7")

        func makePackage(_ bytes: Data) throws -> PackageResult {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("ls-pkg-\(UUID().uuidString).zip")
                .path
            try bytes.write(to: URL(fileURLWithPath: path))
            return PackageResult(
                path: path, sha256: SHA256Hasher.hash(bytes), size: UInt64(bytes.count), entryCount: 1,
                uncompressedSize: UInt64(bytes.count))
        }

        @Test("the alias already serves this code: nothing is uploaded")
        func skipWhenUnchanged() async throws {
            let name = uniqueName("skip-fn")
            let seeded = try await twin.seedFunction(name)
            let encoded = try #require(seeded["zipBase64"] as? String)
            let zip = try #require(Data(base64Encoded: encoded))
            let bucket = uniqueName("skip-bucket")
            let client = try twin.client()
            try await Seeder(client: client).createBucket(bucket)
            try await twin.clearRequests()
            let outcome = try await ArtifactStage(client: client).run(
                package: try makePackage(zip), function: name, alias: "live",
                bucket: bucket, key: "k/package.zip", provenance: provenance)
            #expect(outcome == .unchanged(version: "1"))
            let requests = try await twin.requests()
            #expect(!requests.isEmpty)
            #expect(requests.allSatisfy { $0["service"] as? String != "s3" })
            #expect(requests.allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test("outside git the shared unversioned key is named, and a second build's warning speaks of no commit")
        func noCommit() async throws {
            let name = uniqueName("nocommit-fn")
            try await twin.seedFunction(name)
            let bucket = uniqueName("nocommit-bucket")
            let client = try twin.client()
            try await Seeder(client: client).createBucket(bucket)
            let local = Provenance(ci: .local)
            let key = try KeyTemplate().render(local.templateValues(function: name, environment: "staging"))
            #expect(key == "local/\(name)/unversioned/package.zip")
            let warnings = Capture()
            for code in ["one", "two"] {
                let zip = try #require(Data(base64Encoded: Twin.zip("def handler(e, c):\n    return '\(code)'\n")))
                _ = try await ArtifactStage(client: client).run(
                    package: try makePackage(zip), function: name, alias: "live", bucket: bucket, key: key,
                    provenance: local, warn: warnings.append)
            }
            let all = warnings.lines
            #expect(all.filter { $0.hasPrefix("No commit is known") && $0.contains("pass --key") }.count == 2, "\(all)")
            #expect(all.contains { $0.contains("as no commit tells the two apart: pass --key") }, "\(all)")
            #expect(!all.contains { $0.contains("for this commit") }, "\(all)")
        }

        @Test("changed code is uploaded with its checksum, metadata, version and both sidecars")
        func upload() async throws {
            let name = uniqueName("up-fn")
            try await twin.seedFunction(name)
            let bucket = uniqueName("up-bucket")
            let client = try twin.client()
            try await Seeder(client: client).createBucket(bucket)
            let zip = try #require(Data(base64Encoded: Twin.zip("def handler(e, c):\n    return 'new'\n")))
            let package = try makePackage(zip)
            let key = try KeyTemplate().render(provenance.templateValues(function: name, environment: "production"))
            let outcome = try await ArtifactStage(client: client).run(
                package: package, function: name, alias: "live", bucket: bucket, key: key, provenance: provenance)
            guard case .uploaded(let object) = outcome else { Issue.record("not uploaded: \(outcome)"); return }
            #expect(object.key == "octo/app/\(name)/0123456/package.zip")
            #expect(object.versionId?.isEmpty == false)
            #expect(!object.multipart)
            let s3 = S3Client(client: client)
            let stored = try await s3.getObject(bucket: bucket, key: key, versionId: object.versionId)
            #expect(stored.data == zip)
            #expect(
                stored.info.metadata == [
                    "commit": "0123456789abcdef", "branch": "main",
                    "run-url": "https://github.com/octo/app/actions/runs/7",
                ])
            #expect(
                String(decoding: try await s3.getObject(bucket: bucket, key: key + ".sha256").data, as: UTF8.self)
                    == "\(package.sha256Hex)  package.zip\n")
            #expect(
                String(decoding: try await s3.getObject(bucket: bucket, key: key + ".base64sha256").data, as: UTF8.self)
                    == package.codeSha256)
        }

        @Test("a large package goes multipart, parts in parallel with their own checksums, and arrives whole")
        func multipart() async throws {
            let name = uniqueName("mp-fn")
            try await twin.seedFunction(name)
            let bucket = uniqueName("mp-bucket")
            let client = try twin.client()
            try await Seeder(client: client).createBucket(bucket)
            var generator = SystemRandomNumberGenerator()
            let bytes = Data((0..<(12 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try await twin.clearRequests()
            let stage = ArtifactStage(client: client, multipartThreshold: 6 << 20, partSize: 5 << 20)
            let outcome = try await stage.run(
                package: try makePackage(bytes), function: name, alias: "live", bucket: bucket, key: "big/package.zip",
                provenance: provenance)
            guard case .uploaded(let object) = outcome else { Issue.record("not uploaded"); return }
            #expect(object.multipart)
            #expect(try await S3Client(client: client).getObject(bucket: bucket, key: "big/package.zip").data == bytes)
            let parts = try await twin.requests().filter { $0["operation"] as? String == "UploadPart" }
            #expect(parts.count == 3)
            #expect(parts.allSatisfy { ($0["headers"] as? [String: Any])?["x-amz-checksum-sha256"] != nil })
        }

        @Test("a fault in the middle of a multipart upload leaves no upload behind")
        func multipartFaultAborts() async throws {
            let name = uniqueName("mpf-fn")
            try await twin.seedFunction(name)
            let bucket = uniqueName("mpf-bucket")
            let client = try twin.client(["AWS_MAX_ATTEMPTS": "2"])
            try await Seeder(client: client).createBucket(bucket)
            let bytes = Data(repeating: 7, count: 11 << 20)
            // Every UploadPart after the first is cut off mid-body.
            try await twin.setFaults([
                ["service": "s3", "operation": "UploadPart", "kind": "reset", "afterBytes": 65536, "count": 100]
            ])
            let stage = ArtifactStage(client: client, multipartThreshold: 6 << 20, partSize: 5 << 20)
            await #expect(throws: (any Error).self) {
                _ = try await stage.run(
                    package: try makePackage(bytes), function: name, alias: "live", bucket: bucket,
                    key: "f/package.zip", provenance: provenance)
            }
            try await twin.setFaults([])
            let requests = try await twin.requests()
            #expect(requests.contains { $0["operation"] as? String == "AbortMultipartUpload" })
            let listing = try await client.send(.s3, AWSOperation("ListMultipartUploads")) { endpoint in
                HTTPRequest(method: "GET", endpoint: endpoint, path: "/" + bucket, query: [("uploads", "")])
            }
            #expect(try XMLNode.parse(listing.body).children("Upload").isEmpty)
            #expect(try await S3Client(client: client).headObjectIfExists(bucket: bucket, key: "f/package.zip") == nil)
        }

        @Test("a missing function is an error, a missing alias is a first deploy")
        func missingFunctionOrAlias() async throws {
            let client = try twin.client()
            let stage = ArtifactStage(client: client)
            let package = try makePackage(Data("x".utf8))
            do {
                _ = try await stage.unchangedVersion(function: uniqueName("absent"), alias: "live", package: package)
                Issue.record("a missing function was accepted")
            } catch let error as AWSServiceError {
                #expect(error.code == "ResourceNotFoundException")
            }
            let name = uniqueName("noalias-fn")
            try await twin.seedFunction(name, alias: nil)
            #expect(try await stage.unchangedVersion(function: name, alias: "live", package: package) == nil)
        }
    }
}

/// Collects warnings handed to a `@Sendable` callback.
final class Capture: Sendable {
    private let state = Mutex<[String]>([])
    var lines: [String] { state.withLock { $0 } }
    var append: @Sendable (String) -> Void { { line in self.state.withLock { $0.append(line) } } }
}
