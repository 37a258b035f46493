import AWSCore
import AWSServices
import Foundation
import Testing

extension TwinSuite {
    /// Deploys from the states real accounts are in (issue 9): an alias on `$LATEST` as
    /// Terraform creates it, an update that Lambda fails, versions and functions not yet
    /// Active, image functions. The principle: no request changes what callers are served
    /// before the gates can see it, and the report says exactly what callers are served.
    @Suite("deploy from the starting states real accounts are in")
    struct StartingStateTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        struct Fixture {
            var function: String
            var bucket: String
            var source: String
            var originalSha: String
        }

        /// A function whose alias `live` points at `$LATEST`, as
        /// `aws_lambda_alias { function_version = "$LATEST" }` leaves it. With
        /// `publishedToo`, version 1 already holds the code `$LATEST` serves.
        func onLatest(_ prefix: String, publishedToo: Bool = false) async throws -> Fixture {
            let function = uniqueName(prefix)
            try await twin.seedFunction(function, alias: publishedToo ? "live" : nil)
            let lambda = LambdaClient(client: try twin.client())
            if publishedToo {
                let alias = try await lambda.getAlias(function, alias: "live")
                _ = try await lambda.updateAlias(
                    function, alias: "live", version: "$LATEST", revisionId: alias.revisionId)
            } else {
                _ = try await lambda.createAlias(function, alias: "live", version: "$LATEST")
            }
            let bucket = uniqueName(prefix + "-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            let source = try sourceDirectory(returning: "new")
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            let original = try await lambda.getFunctionConfiguration(function).codeSha256
            return Fixture(function: function, bucket: bucket, source: source, originalSha: original)
        }

        func deploy(_ f: Fixture, _ extra: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(
                ["deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source] + extra,
                environment: twin.environment().variables)
        }

        func outputs(_ result: Shell.Result) -> [String: String] { result.outputs }

        func operations(_ requests: [[String: Any]]) -> [String] { requests.compactMap { $0["operation"] as? String } }

        @Test(
            "alias on $LATEST, gradual: a baseline of the old code is published and the alias moved onto it before UpdateFunctionCode; then the gated shift"
        )
        func latestGradual() async throws {
            let f = try await onLatest("lat")
            try await twin.clearRequests()
            let result = try deploy(f, ["--branch", "main", "--strategy", "canary:50%:1s"])
            #expect(result.status == 0, "\(result.all)")
            let out = outputs(result)
            #expect(
                out["outcome"] == "deployed" && out["previous-version"] == "1" && out["version"] == "2",
                "\(result.stdout)")
            let requests = try await twin.requests()
            // The twin refused nothing the deploy sent (it enforces Lambda's weighted-alias rules);
            // a 404 answering a read (does this S3 key exist yet?) is an answer, not a refusal.
            let refused = requests.filter { request in
                let status = request["status"] as? Int ?? 0
                return status >= 400 && !(status == 404 && request["mutating"] as? Bool == false)
            }
            #expect(refused.isEmpty, "\(refused)")
            let ops = operations(requests)
            let firstAliasMove = try #require(ops.firstIndex(of: "UpdateAlias"))
            let codeUpdate = try #require(ops.firstIndex(of: "UpdateFunctionCode"))
            #expect(firstAliasMove < codeUpdate, "the alias left $LATEST only after the code changed: \(ops)")
            #expect(ops.filter { $0 == "PublishVersion" }.count == 2)
            let lambda = LambdaClient(client: try twin.client())
            let baseline = try await lambda.getFunctionConfiguration(f.function, qualifier: "1")
            #expect(baseline.codeSha256 == f.originalSha, "the baseline serves exactly what $LATEST served")
            let alias = try await lambda.getAlias(f.function, alias: "live")
            #expect(alias.functionVersion == "2" && alias.additionalVersionWeights.isEmpty)
            #expect(result.stderr.contains("alias live moved from $LATEST to version 1: the same code"))
            #expect(result.stderr.contains("shifted 50% to version 2"))
        }

        @Test(
            "alias on $LATEST, gate fails: rolled back to the baseline, which serves the old code, and the report says so"
        )
        func latestRollback() async throws {
            let f = try await onLatest("latrb")
            let result = try deploy(
                f,
                ["--branch", "main", "--strategy", "canary:10%:1s", "--max-error-rate", "1", "--min-invocations", "3"])
            #expect(result.status == 3, "\(result.all)")
            #expect(outputs(result)["outcome"] == "rolled-back")
            let lambda = LambdaClient(client: try twin.client())
            let alias = try await lambda.getAlias(f.function, alias: "live")
            #expect(alias.functionVersion == "1" && alias.additionalVersionWeights.isEmpty)
            #expect(
                try await lambda.getFunctionConfiguration(f.function, qualifier: alias.functionVersion).codeSha256
                    == f.originalSha,
                "callers are served the code they had before the deploy")
            #expect(result.stderr.contains("rolled back to version 1"), "\(result.stderr)")
        }

        @Test(
            "alias on $LATEST with a published version of the same code: that version is reused, nothing extra published"
        )
        func latestReusesVersion() async throws {
            let f = try await onLatest("latre", publishedToo: true)
            try await twin.clearRequests()
            let result = try deploy(f, ["--branch", "main", "--strategy", "canary:50%:1s"])
            #expect(result.status == 0, "\(result.all)")
            #expect(result.stderr.contains("baseline: version 1 already holds the code $LATEST serves"))
            #expect(operations(try await twin.requests()).filter { $0 == "PublishVersion" }.count == 1)
            #expect(outputs(result)["previous-version"] == "1" && outputs(result)["version"] == "2")
        }

        @Test("plan shows the baseline step for an alias on $LATEST and changes nothing")
        func latestPlan() async throws {
            let f = try await onLatest("latpl")
            try await twin.clearRequests()
            let result = try Shell.lambdaShift(
                ["plan", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main"],
                environment: twin.environment().variables)
            #expect(result.status == 0, "\(result.all)")
            #expect(result.stdout.contains("alias live now: version $LATEST"))
            #expect(
                result.stdout.contains(
                    "would first publish the code $LATEST serves (\(f.originalSha)) as a baseline version"))
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test(
            "LastUpdateStatus Failed after the code update: exit 1 with Lambda's reason, nothing published, no traffic moved"
        )
        func updateFailed() async throws {
            let f = try await onLatest("updf", publishedToo: true)
            let lambda = LambdaClient(client: try twin.client())
            let before = try await lambda.getAlias(f.function, alias: "live")
            _ = try await lambda.updateAlias(f.function, alias: "live", version: "1", revisionId: before.revisionId)
            try await twin.control(
                "POST", "/_twin/lambda", ["failNextUpdate": "The runtime python2.7 is no longer supported"])
            try await twin.clearRequests()
            let result = try deploy(f, ["--branch", "main", "--strategy", "canary:50%:1s"])
            #expect(result.status == 1, "\(result.all)")
            #expect(
                result.stderr.contains(
                    "Lambda could not apply the new code to \(f.function): The runtime python2.7 is no longer supported"
                ), "\(result.stderr)")
            #expect(result.stderr.contains("No traffic moved."))
            #expect(outputs(result)["outcome"] == "failed")
            let ops = operations(try await twin.requests())
            #expect(!ops.contains("PublishVersion") && !ops.contains("UpdateAlias"), "\(ops)")
            #expect(try await lambda.getAlias(f.function, alias: "live").functionVersion == "1")
        }

        /// A function with alias `live` on version 1 and a versioned bucket (or the bucket given).
        func onVersion(
            _ prefix: String, snapStart: Bool = false, bucket: ((Seeder, String) async throws -> Void)? = nil
        ) async throws -> Fixture {
            let function = uniqueName(prefix)
            try await twin.control("POST", "/_twin/lambda", ["snapStartPolls": 0])
            try await twin.seedFunction(function, snapStart: snapStart)
            let name = uniqueName(prefix + "-b")
            let seeder = Seeder(client: try twin.client())
            if let bucket { try await bucket(seeder, name) } else { try await seeder.createBucket(name) }
            let source = try sourceDirectory(returning: "new")
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            let original = try await LambdaClient(client: try twin.client()).getFunctionConfiguration(function)
                .codeSha256
            return Fixture(function: function, bucket: name, source: source, originalSha: original)
        }

        @Test(
            "SnapStart: the new version is Pending while its snapshot is made; the deploy waits for Active, then smokes and shifts"
        )
        func snapStartWaits() async throws {
            let f = try await onVersion("snap", snapStart: true)
            try await twin.control("POST", "/_twin/lambda", ["snapStartPolls": 3])
            try await twin.clearRequests()
            let result = try deploy(
                f, ["--branch", "main", "--strategy", "canary:50%:1s", "--smoke-payload", #"{"ping":1}"#])
            #expect(result.status == 0, "\(result.all)")
            #expect(
                result.stderr.contains("version 2 is Pending (Creating); waiting for it to become Active"),
                "\(result.stderr)")
            let requests = try await twin.requests()
            // The smoke invoke never met a Pending version (the twin answers those with 409).
            #expect(!requests.contains { $0["operation"] as? String == "Invoke" && ($0["status"] as? Int ?? 0) >= 400 })
            #expect(requests.contains { $0["operation"] as? String == "Invoke" })
            #expect(
                try await LambdaClient(client: try twin.client()).getAlias(f.function, alias: "live").functionVersion
                    == "2")
        }

        @Test("SnapStart: a version that ends Failed stops the deploy with Lambda's reason; no traffic moves")
        func snapStartFails() async throws {
            let f = try await onVersion("snapf", snapStart: true)
            try await twin.control(
                "POST", "/_twin/lambda",
                [
                    "snapStartPolls": 1,
                    "failNextSnapStart": [
                        "reason": "The snapshot could not be restored", "reasonCode": "InternalError",
                    ],
                ])
            try await twin.clearRequests()
            let result = try deploy(f, ["--branch", "main", "--strategy", "canary:50%:1s"])
            #expect(result.status == 1, "\(result.all)")
            #expect(
                result.stderr.contains(
                    "Version 2 of \(f.function) failed to become Active: The snapshot could not be restored (InternalError). No traffic moved."
                ), "\(result.stderr)")
            #expect(!operations(try await twin.requests()).contains("UpdateAlias"))
            #expect(outputs(result)["outcome"] == "failed")
        }

        @Test("a function Pending (just created) or Inactive (idle) is waited for as the AWS waiters do, then deployed")
        func pendingAndInactive() async throws {
            for state in ["Pending", "Inactive"] {
                let f = try await onVersion("st-\(state.lowercased())")
                try await twin.control(
                    "POST", "/_twin/function-state", ["function": f.function, "state": state, "polls": 2])
                let result = try deploy(f, ["--environment", "staging"])
                #expect(result.status == 0, "\(state): \(result.all)")
                #expect(
                    outputs(result)["outcome"] == "deployed" && outputs(result)["version"] == "2",
                    "\(state): \(result.stdout)")
            }
        }

        @Test(
            "a Failed function, and an image function given a zip, are refused before any change, exit 2 with one sentence"
        )
        func refusedFunctions() async throws {
            let failed = try await onVersion("st-failed")
            try await twin.control(
                "POST", "/_twin/function-state",
                [
                    "function": failed.function, "state": "Failed",
                    "reason": "The role cannot be assumed", "reasonCode": "InsufficientRolePermissions",
                ])
            let image = try await onVersion("st-image")
            try await twin.control(
                "POST", "/_twin/function-state", ["function": image.function, "packageType": "Image"])
            try await twin.clearRequests()
            let a = try deploy(failed, ["--environment", "staging"])
            #expect(
                a.status == 2
                    && a.stderr.contains("is in state Failed (The role cannot be assumed, InsufficientRolePermissions)"),
                "\(a.all)")
            let b = try deploy(image, ["--environment", "staging"])
            #expect(
                b.status == 2 && b.stderr.contains("is a container-image function: give its image with --image-uri"),
                "\(b.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test(
            "an unversioned or suspended bucket: the function gets exactly the uploaded bytes, with a warning; s3-version-id is empty"
        )
        func unversionedBuckets() async throws {
            for suspended in [false, true] {
                let f = try await onVersion(suspended ? "st-susp" : "st-unver") { seeder, name in
                    try await seeder.createBucket(name, versioned: false, suspended: suspended)
                }
                let result = try deploy(f, ["--environment", "staging"])
                #expect(result.status == 0, "\(result.all)")
                #expect(
                    result.stderr.contains("does not keep versions (versioning is off or suspended)"),
                    "\(result.stderr)")
                #expect(outputs(result)["s3-version-id"] == "" && outputs(result)["outcome"] == "deployed")
                let package = try Shell.lambdaShift(
                    [
                        "package", "--source", f.source, "--out", f.source + "/../p-\(UUID().uuidString).zip",
                        "--output", "json",
                    ],
                    environment: [:])
                let digest =
                    (try JSONSerialization.jsonObject(with: Data(package.stdout.utf8)) as? [String: Any])?[
                        "code-sha256"] as? String
                let served = try await LambdaClient(client: try twin.client()).getFunctionConfiguration(
                    f.function, qualifier: "2"
                ).codeSha256
                #expect(digest != nil && served == digest, "version 2 runs exactly the uploaded bytes")
            }
        }

        @Test("a bucket in another region: exit 2 naming the bucket's region, before any change")
        func bucketElsewhere() async throws {
            let f = try await onVersion("st-region") { _, name in
                try await Seeder(client: try twin.client(["AWS_REGION": "eu-west-1"])).createBucket(
                    name, in: "eu-west-1")
            }
            try await twin.clearRequests()
            let result = try deploy(f, ["--environment", "staging"])
            #expect(result.status == 2, "\(result.all)")
            #expect(
                result.stderr.contains("Bucket \(f.bucket) is in eu-west-1, but the function is in us-east-1"),
                "\(result.stderr)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        }

        @Test(
            "credentials that cannot be renewed and expire before the rollout could end are refused before any change")
        func expiringCredentials() async throws {
            let f = try await onVersion("st-creds")
            func expiring(in seconds: TimeInterval) -> [String: String] {
                ["AWS_CREDENTIAL_EXPIRATION": AWSTimestamp.iso8601(Date().addingTimeInterval(seconds))]
            }
            try await twin.clearRequests()
            let short = try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main",
                    "--strategy", "Linear10PercentEvery10Minutes",
                ], environment: twin.environment(expiring(in: 3600)).variables)
            #expect(short.status == 2, "\(short.all)")
            #expect(
                short.stderr.contains("expire in 59 min") || short.stderr.contains("expire in 60 min"),
                "\(short.stderr)")
            #expect(short.stderr.contains("but this rollout can take up to 95 min"), "\(short.stderr)")
            #expect(short.stderr.contains("use role-to-assume so lambda-shift renews them"))
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
            // The same session with time to spare deploys; its lifetime is logged.
            let long = try deploy(f, ["--branch", "main", "--strategy", "canary:10%:1s"] + [])
            #expect(long.status == 0, "\(long.all)")
            let enough = try Shell.lambdaShift(
                [
                    "plan", "--function", f.function, "--bucket", f.bucket, "--source", f.source, "--branch", "main",
                    "--strategy", "Linear10PercentEvery10Minutes",
                ], environment: twin.environment(expiring(in: 4 * 3600)).variables)
            #expect(enough.status == 0 && enough.stderr.contains("the rollout can take up to 95 min"), "\(enough.all)")
            let bad = try Shell.lambdaShift(
                ["status", "--function", f.function],
                environment: twin.environment(["AWS_CREDENTIAL_EXPIRATION": "soon"]).variables)
            #expect(bad.status == 2 && bad.stderr.contains("AWS_CREDENTIAL_EXPIRATION is \"soon\""), "\(bad.all)")
        }
    }
}
