import AWSCore
import AWSServices
import Foundation
import Testing

/// Issue 37 through the twin: code kept by reference in the user's bucket, versions that stay
/// because something still runs them, artifact cleanup, doctor's lifecycle check, and a canary
/// whose versions run on different runtime versions.
extension TwinSuite.DeployTests {
    func seeder() throws -> Seeder { Seeder(client: try twin.client()) }

    func functionCode(_ f: Fixture, _ qualifier: String) async throws -> FunctionConfiguration {
        try await LambdaClient(client: try twin.client()).getFunction(f.function, qualifier: qualifier)
    }

    func document(_ result: Shell.Result) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.all)")
    }

    @Test(
        "reference: the deploy asks Lambda to reference the uploaded object version, the function serves it, and the next deploy keeps the mode"
    )
    func referenceDeploy() async throws {
        let f = try await fixture("ref")
        try await seeder().putBucketPolicy(
            f.bucket, statements: [Seeder.lambdaReadStatement(bucket: f.bucket, function: f.function)])
        try await twin.clearRequests()
        let result = try deploy(f, ["--environment", "staging", "--code-storage", "reference", "--output", "json"])
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stderr.contains("code storage: reference (Lambda reads s3://\(f.bucket)/"), "\(result.stderr)")
        let outputs = try document(result)
        let version = try #require(outputs["version"] as? String)
        let key = try #require(outputs["s3-key"] as? String)
        let objectVersion = try #require(outputs["s3-version-id"] as? String)
        // GetFunction's ResolvedS3Object is there only for code Lambda references: the request
        // carried S3ObjectStorageMode=REFERENCE with this object version.
        let published = try await functionCode(f, version)
        #expect(published.referencedObject == ReferencedObject(bucket: f.bucket, key: key, versionId: objectVersion))
        let answer = try await LambdaClient(client: try twin.client()).invoke(
            f.function, qualifier: "live", payload: Data("{}".utf8))
        #expect(answer.statusCode == 200 && answer.functionError == nil, "\(answer)")
        let operations = try await twin.requests().compactMap { $0["operation"] as? String }
        #expect(operations.contains("GetBucketPolicy") && operations.contains("GetBucketVersioning"))
        expectVerified(try await twin.requests())

        // No --code-storage: the function references its code now, so the next deploy does too.
        let source = try sourceDirectory(returning: "v3")
        let next = try Shell.lambdaShift(
            [
                "deploy", "--function", f.function, "--bucket", f.bucket, "--source", source, "--environment",
                "staging", "--output", "json",
            ],
            environment: twin.environment().variables)
        #expect(next.status == 0, "\(next.all)")
        let nextVersion = try #require(try document(next)["version"] as? String)
        #expect(try await functionCode(f, nextVersion).referencedObject != nil)
    }

    @Test(
        "reference: a bucket policy that does not let Lambda read, or an unversioned bucket, is exit 2 before any change"
    )
    func referenceRefusals() async throws {
        let f = try await fixture("rfx")
        try await twin.clearRequests()
        let none = try deploy(f, ["--environment", "staging", "--code-storage", "reference"])
        #expect(none.status == 2, "\(none.all)")
        #expect(
            none.stderr.contains("Bucket \(f.bucket)'s policy does not let Lambda read s3://\(f.bucket)/")
                && none.stderr.contains(#""Action":["s3:GetObject","s3:GetObjectVersion"]"#)
                && none.stderr.contains(
                    #""aws:SourceArn":"arn:aws:lambda:us-east-1:123456789012:function:\#(f.function)""#),
            "\(none.stderr)")
        // GetObject alone is not what Lambda needs.
        try await seeder().putBucketPolicy(
            f.bucket,
            statements: [Seeder.lambdaReadStatement(bucket: f.bucket, function: f.function, actions: ["s3:GetObject"])])
        let half = try deploy(f, ["--environment", "staging", "--code-storage", "reference"])
        #expect(half.status == 2 && half.stderr.contains("does not let Lambda read"), "\(half.all)")
        #expect(
            try await twin.requests().filter { $0["mutating"] as? Bool == true }.compactMap {
                $0["operation"] as? String
            }
                == ["PutBucketPolicy"])

        let unversioned = uniqueName("rfx-u")
        try await seeder().createBucket(unversioned, versioned: false)
        try await twin.clearRequests()
        let result = try Shell.lambdaShift(
            [
                "deploy", "--function", f.function, "--bucket", unversioned, "--source", f.source, "--code-storage",
                "reference", "--environment", "staging",
            ],
            environment: twin.environment().variables)
        #expect(result.status == 2, "\(result.all)")
        #expect(
            result.stderr.contains("Bucket \(unversioned) does not keep versions (versioning is off)"),
            "\(result.stderr)")
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
        let served = try await alias(f)
        #expect(served.functionVersion == "1")
    }

    @Test("doctor: a referenced object version that is gone, and a lifecycle rule that would delete one, are FAIL")
    func doctorReferencedCode() async throws {
        let f = try await fixture("rfd")
        try await seeder().putBucketPolicy(
            f.bucket, statements: [Seeder.lambdaReadStatement(bucket: f.bucket, function: f.function)])
        let deployed = try deploy(f, ["--environment", "staging", "--code-storage", "reference", "--output", "json"])
        #expect(deployed.status == 0, "\(deployed.all)")
        let outputs = try document(deployed)
        let key = try #require(outputs["s3-key"] as? String)
        let objectVersion = try #require(outputs["s3-version-id"] as? String)
        func doctor() throws -> Shell.Result {
            try Shell.lambdaShift(["doctor", "--function", f.function], environment: twin.environment().variables)
        }
        let healthy = try doctor()
        #expect(healthy.status == 0, "\(healthy.all)")
        #expect(
            healthy.stdout.contains(
                "ok   referenced code: 2 version(s) read their code from S3 ($LATEST: s3://\(f.bucket)/"),
            "\(healthy.stdout)")

        try await seeder().putNoncurrentExpiry(f.bucket, id: "expire-old", prefix: "", days: 30)
        let expiring = try doctor()
        #expect(expiring.status == 1, "\(expiring.all)")
        #expect(
            expiring.stdout.contains(
                "FAIL referenced code: lifecycle rule expire-old of \(f.bucket) deletes noncurrent versions under \"\" after 30 day(s), which would break version(s) $LATEST, 2 ("
            ), "\(expiring.stdout)")

        try await S3Client(client: try twin.client()).deleteObject(bucket: f.bucket, key: key, versionId: objectVersion)
        let gone = try doctor()
        #expect(gone.status == 1)
        #expect(
            gone.stdout.contains(
                "version 2 references s3://\(f.bucket)/\(key) (version \(objectVersion)), which is gone"),
            "\(gone.stdout)")
    }

    @Test(
        "cleanup keeps a version an event source mapping names, one with provisioned concurrency and one a durable execution runs on, and says why"
    )
    func cleanupKeepsWhatRuns() async throws {
        let f = try await fixture("inuse")
        try await twin.control("POST", "/_twin/function-kind", ["function": f.function, "durable": true])
        for code in ["u2", "u3", "u4", "u5", "u6"] {
            let source = try sourceDirectory(returning: code)
            let result = try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", source, "--environment",
                    "staging",
                ],
                environment: twin.environment().variables)
            #expect(result.status == 0, "\(result.all)")
        }
        let lambda = LambdaClient(client: try twin.client())
        let queue = try await seeder().createQueue(uniqueName("inuse-q"))
        try await seeder().createEventSourceMapping("\(f.function):2", queueArn: queue)
        _ = try await lambda.putProvisionedConcurrency(f.function, qualifier: "3", amount: 1)
        _ = try await twin.controlJSON(
            "POST", "/_twin/durable-executions", ["function": f.function, "version": "4", "running": 1])
        // Two previews: one a mapping invokes through (left, and said), one nothing uses.
        _ = try await lambda.createAlias(
            f.function, alias: "preview-mapped", version: "6", description: nil, additionalVersionWeights: [:])
        _ = try await lambda.createAlias(
            f.function, alias: "preview-gone", version: "1", description: nil, additionalVersionWeights: [:])
        try await seeder().createEventSourceMapping(
            "\(f.function):preview-mapped", queueArn: try await seeder().createQueue(uniqueName("inuse-p")))
        func cleanup(_ alias: String) throws -> Shell.Result {
            try Shell.lambdaShift(
                ["cleanup", "--function", f.function, "--alias", alias, "--keep-versions", "0", "--output", "json"],
                environment: twin.environment().variables)
        }
        let mapped = try cleanup("preview-mapped")
        #expect(mapped.status == 0, "\(mapped.all)")
        let left = try document(mapped)
        #expect(
            (left["kept-aliases"] as? [[String: String]])?.first
                == ["alias": "preview-mapped", "why": "an event source mapping invokes it"], "\(mapped.stdout)")
        #expect(try await lambda.aliasIfExists(f.function, alias: "preview-mapped") != nil)
        let cleaned = try cleanup("preview-gone")
        #expect(cleaned.status == 0, "\(cleaned.all)")
        let kept = try #require(try document(cleaned)["kept"] as? [[String: String]], "\(cleaned.stdout)")
        let why = Dictionary(uniqueKeysWithValues: kept.map { ($0["version"] ?? "", $0["why"] ?? "") })
        #expect(why["2"] == "an event source mapping invokes it", "\(kept)")
        #expect(why["3"] == "provisioned concurrency covers it", "\(kept)")
        #expect(why["4"] == "durable executions still run on it", "\(kept)")
        #expect(why["5"] == "alias live's rollback target, its last good version", "\(kept)")
        let versions = Set(try await lambda.listVersionsByFunction(f.function).map(\.version))
        #expect(versions == ["$LATEST", "2", "3", "4", "5", "6"], "\(versions)")
    }

    @Test(
        "cleanup --artifacts deletes only packages (and their sidecars) no version needs, leaves foreign objects, and --dry-run deletes nothing"
    )
    func cleanupArtifacts() async throws {
        let f = try await fixture("art")
        var keys: [String] = []
        for code in ["a2", "a3", "a4"] {
            let source = try sourceDirectory(returning: code)
            let result = try Shell.lambdaShift(
                [
                    "deploy", "--function", f.function, "--bucket", f.bucket, "--source", source, "--key",
                    "pkg/{function}/\(code)/package.zip", "--environment", "staging", "--output", "json",
                ],
                environment: twin.environment().variables)
            #expect(result.status == 0, "\(result.all)")
            keys.append(try #require(try document(result)["s3-key"] as? String))
        }
        // Version 2 goes (its package then serves nothing); 3 and 4 stay.
        try await LambdaClient(client: try twin.client()).deleteFunctionVersion(f.function, version: "2")
        try await seeder().putObject(f.bucket, key: "pkg/\(f.function)/notes.txt", "not ours")
        func cleanup(_ extra: [String]) throws -> Shell.Result {
            try Shell.lambdaShift(
                [
                    "cleanup", "--function", f.function, "--bucket", f.bucket, "--key",
                    "pkg/{function}/{version}/package.zip",
                    "--artifacts", "--older-than", "0s", "--output", "json",
                ] + extra,
                environment: twin.environment().variables)
        }
        try await twin.clearRequests()
        let alone = try Shell.lambdaShift(
            ["cleanup", "--function", f.function, "--dry-run"], environment: twin.environment().variables)
        #expect(alone.status == 2 && alone.stderr.contains("--dry-run goes with --artifacts"), "\(alone.all)")
        let bucketless = try Shell.lambdaShift(
            ["cleanup", "--function", f.function, "--artifacts"], environment: twin.environment().variables)
        #expect(
            bucketless.status == 2 && bucketless.stderr.contains("cleanup --artifacts needs the bucket"),
            "\(bucketless.all)")
        let dry = try cleanup(["--dry-run"])
        #expect(dry.status == 0, "\(dry.all)")
        let planned = try document(dry)
        let wouldDelete = Set(((planned["deleted"] as? [[String: String]]) ?? []).compactMap { $0["key"] })
        #expect(wouldDelete == [keys[0], keys[0] + ".sha256", keys[0] + ".base64sha256"], "\(dry.stdout)")
        #expect(planned["foreign"] as? Int == 1)
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

        let real = try cleanup([])
        #expect(real.status == 0, "\(real.all)")
        let done = try document(real)
        #expect(done["outcome"] as? String == "cleaned")
        let kept = ((done["kept"] as? [[String: String]]) ?? [])
        #expect(Set(kept.compactMap { $0["key"] }) == [keys[1], keys[2]], "\(kept)")
        #expect(kept.allSatisfy { ($0["why"] ?? "").hasPrefix("the code of version ") }, "\(kept)")
        let listed = try await S3Client(client: try twin.client()).listObjectVersions(f.bucket, prefix: "pkg/")
        let remaining = Set(listed.filter { !$0.isDeleteMarker }.map(\.key))
        #expect(!remaining.contains(keys[0]) && !remaining.contains(keys[0] + ".sha256"))
        #expect(remaining.contains(keys[1]) && remaining.contains(keys[2]) && remaining.contains(keys[2] + ".sha256"))
        #expect(remaining.contains("pkg/\(f.function)/notes.txt"))
        #expect(real.stdout.contains("\"foreign\":1"), "\(real.stdout)")
        expectVerified(try await twin.requests())
    }

    @Test(
        "a canary whose versions run on different runtime versions says so, and --runtime-drift fail fails it before traffic moves"
    )
    func runtimeDrift() async throws {
        let f = try await fixture("rtd")
        let newer = "arn:aws:lambda:us-east-1::runtime:" + String(repeating: "ab", count: 32)
        try await twin.control("POST", "/_twin/runtime-version", ["function": f.function, "runtimeVersionArn": newer])
        let failed = try deploy(
            f, ["--branch", "main", "--strategy", "canary:50%:1s", "--runtime-drift", "fail", "--output", "json"])
        #expect(failed.status == 3, "\(failed.all)")
        let refused = try document(failed)
        let drift = try #require(refused["runtime-drift"] as? [String: String], "\(failed.stdout)")
        #expect(drift["decision"] == "fail" && drift["runtime-version"] == newer && drift["stable-version"] == "1")
        #expect(
            (refused["error"] as? String)?.contains("--runtime-drift fail fails such a canary: no traffic moved")
                == true)
        #expect(try await alias(f).functionVersion == "1")
        #expect(try TwinSuite.OutputStreamTests.schemaProblems([failed.stdout]) == "", "the document breaks the schema")

        let directory = NSTemporaryDirectory() + uniqueName("rtd-summary")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = try sourceDirectory(returning: "v3")
        let warned = try Shell.lambdaShift(
            [
                "deploy", "--function", f.function, "--bucket", f.bucket, "--source", source, "--strategy",
                "canary:50%:1s", "--branch", "main",
                "--output", "json",
            ],
            environment: twin.environment([
                "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": directory + "/summary",
                "GITHUB_OUTPUT": directory + "/output",
            ]).variables)
        #expect(warned.status == 0, "\(warned.all)")
        let document = try document(warned)
        #expect((document["runtime-drift"] as? [String: String])?["decision"] == "warn", "\(warned.stdout)")
        #expect(
            (document["message"] as? String)?.contains("The canary compared runtime versions as well as code") == true)
        #expect(warned.stderr.contains("::warning"), "\(warned.stderr)")
        let summary = try String(contentsOfFile: directory + "/summary", encoding: .utf8)
        #expect(summary.contains("**Runtime versions differ:**"), "\(summary)")
        #expect(try TwinSuite.OutputStreamTests.schemaProblems([warned.stdout]) == "", "the document breaks the schema")

        // The same runtime version on both: nothing said.
        let source4 = try sourceDirectory(returning: "v4")
        let same = try Shell.lambdaShift(
            [
                "deploy", "--function", f.function, "--bucket", f.bucket, "--source", source4, "--strategy",
                "canary:50%:1s", "--branch", "main",
                "--output", "json",
            ], environment: twin.environment().variables)
        #expect(same.status == 0, "\(same.all)")
        let sameDocument = try self.document(same)
        #expect(sameDocument["runtime-drift"] == nil, "\(same.stdout)")
    }
}

extension TwinSuite.DeployTests {
    @Test(
        "reference: a bucket in another region is exit 2 before any change, in one sentence (lambda-shift's S3 calls are in the function's region)"
    )
    func referenceAcrossRegions() async throws {
        let f = try await fixture("rfx")
        let bucket = uniqueName("rfx-eu")
        let seeder = Seeder(client: try twin.client(["AWS_REGION": "eu-west-1"]))
        try await seeder.createBucket(bucket, in: "eu-west-1")
        try await seeder.setVersioning(bucket, "Enabled")
        try await seeder.putBucketPolicy(
            bucket, statements: [Seeder.lambdaReadStatement(bucket: bucket, function: f.function)])
        try await twin.clearRequests()
        let result = try Shell.lambdaShift(
            [
                "deploy", "--function", f.function, "--bucket", bucket, "--source", f.source, "--environment",
                "staging", "--code-storage", "reference", "--region", "us-east-1", "--output", "json",
            ],
            environment: twin.environment().variables)
        #expect(result.status == 2, "\(result.all)")
        #expect(
            result.stderr.contains("Bucket \(bucket) is in eu-west-1, but the function is in us-east-1"),
            "\(result.stderr)")
        #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })
    }
}
