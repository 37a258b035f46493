import AWSCore
import AWSServices
import Foundation
import Hashing
import Testing

extension TwinSuite {
    /// Issue 21, signed code: a function whose code signing config enforces signing, through the
    /// twin's Signer and Lambda's check of the code it is given.
    @Suite("Signed code")
    struct SigningTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        struct Fixture {
            var function: String
            var bucket: String
            var source: String
            var profile: String
        }

        /// A function (alias live on version 1) whose config trusts a profile of its own, enforcing.
        func fixture(_ prefix: String, policy: String = "Enforce") async throws -> Fixture {
            let function = uniqueName(prefix)
            try await twin.seedFunction(function)
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            let profile = uniqueName("prof").replacingOccurrences(of: "-", with: "")
            let created = try #require(
                try await twin.controlJSON("POST", "/_twin/signing-profile", ["name": profile]) as? [String: Any])
            let arn = try #require(created["profileVersionArn"] as? String)
            _ = try await twin.controlJSON(
                "POST", "/_twin/code-signing", ["function": function, "profileVersionArns": [arn], "policy": policy])
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            return Fixture(
                function: function, bucket: bucket, source: try sourceDirectory(returning: "signed"), profile: profile)
        }

        func deploy(_ f: Fixture, _ extra: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--environment",
                    "production",
                ]
                    + extra,
                environment: twin.environment().variables)
        }

        func operations() async throws -> [String] {
            try await twin.requests().compactMap { $0["operation"] as? String }
        }

        @Test(
            "Enforce: no profile is exit 2 before any change; with the trusted profile the signed object is signed, then deployed"
        )
        func enforced() async throws {
            let f = try await fixture("sgn")
            try await twin.clearRequests()
            let refused = try deploy(f, [])
            #expect(refused.status == 2 && refused.stderr.contains("enforces code signing"), "\(refused.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

            try await twin.clearRequests()
            let signed = try deploy(f, ["--signing-profile", f.profile, "--strategy", "canary:50%:1s"])
            #expect(signed.status == 0, "\(signed.all)")
            let key = try #require(signed.outputs["signed-s3-key"]), version = signed.outputs["signed-s3-version-id"]
            #expect(key.hasPrefix("signed/") && !(version ?? "").isEmpty && signed.outputs["signing-job-id"] != nil)
            let ops = try await operations()
            let started = try #require(ops.firstIndex(of: "StartSigningJob"), "\(ops)")
            let updated = try #require(ops.firstIndex(of: "UpdateFunctionCode"), "\(ops)")
            #expect(started < updated, "signed before the code update: \(ops)")
            // The function runs the signed object: its CodeSha256 is that object's, not the package's.
            let object = try await S3Client(client: try twin.client()).getObject(bucket: f.bucket, key: key).data
            let live = try await LambdaClient(client: try twin.client()).getFunctionConfiguration(
                f.function, qualifier: "live")
            #expect(live.codeSha256 == ByteEncoding.base64(SHA256Hasher.hash([UInt8](object))), "\(live)")
            #expect(live.codeSha256 != signed.outputs["code-sha256"])
            #expect(live.signingJobArn?.hasSuffix(signed.outputs["signing-job-id"] ?? "?") == true, "\(live)")
            #expect(try await twin.requests().allSatisfy { $0["signatureVerified"] as? Bool == true })

            // Promoted to another enforcing function as it is: the signed object version, not signed again.
            let g = try await fixture("sgp")
            _ = try await twin.controlJSON(
                "POST", "/_twin/code-signing",
                [
                    "function": g.function, "policy": "Enforce",
                    "profileVersionArns": [live.signingProfileVersionArn ?? ""],
                ])
            try await twin.clearRequests()
            let promoted = try Shell.lambdaShift(
                [
                    "deploy", "--function", g.function, "--artifact",
                    "s3://\(f.bucket)/\(key)?versionId=\(version ?? "")", "--signing-profile", f.profile,
                    "--environment", "production", "--strategy", "AllAtOnce",
                ],
                environment: twin.environment().variables)
            #expect(promoted.status == 0 && promoted.outputs["outcome"] == "deployed", "\(promoted.all)")
            #expect(!(try await operations()).contains("StartSigningJob"), "never signed again")
            let promotedCode = try await LambdaClient(client: try twin.client()).getFunctionConfiguration(
                g.function, qualifier: "live"
            ).codeSha256
            #expect(promotedCode == live.codeSha256)

            // The same package again is skipped: the version records the package it was signed from.
            try await twin.clearRequests()
            let again = try deploy(f, ["--signing-profile", f.profile])
            #expect(again.status == 0 && again.outputs["outcome"] == "skipped", "\(again.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test("a failed signing job is exit 1 with Signer's reason; nothing is published and the alias is as it was")
        func failedJob() async throws {
            let f = try await fixture("sgf")
            _ = try await twin.controlJSON("POST", "/_twin/signer", ["failNextJob": "The signing certificate expired"])
            try await twin.clearRequests()
            let result = try deploy(f, ["--signing-profile", f.profile])
            #expect(result.status == 1 && result.stderr.contains("The signing certificate expired"), "\(result.all)")
            let ops = try await operations()
            #expect(
                !ops.contains("UpdateFunctionCode") && !ops.contains("PublishVersion") && !ops.contains("UpdateAlias"))
            let alias = try await LambdaClient(client: try twin.client()).getAlias(f.function, alias: "live")
            #expect(alias.functionVersion == "1")
        }

        @Test("a profile the config does not trust is exit 2 before any change; Warn without a profile deploys, warned")
        func untrustedAndWarn() async throws {
            let f = try await fixture("sgu")
            let other = uniqueName("other").replacingOccurrences(of: "-", with: "")
            _ = try await twin.controlJSON("POST", "/_twin/signing-profile", ["name": other])
            try await twin.clearRequests()
            let refused = try deploy(f, ["--signing-profile", other])
            #expect(refused.status == 2 && refused.stderr.contains("is not among the publishers"), "\(refused.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

            let w = try await fixture("sgw", policy: "Warn")
            let warned = try deploy(w, ["--strategy", "AllAtOnce"])
            #expect(warned.status == 0 && warned.stderr.contains("warns about unsigned code"), "\(warned.all)")
        }
    }
}
