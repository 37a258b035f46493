import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite.DeployTests {
    /// The alias in `region`, read with a client signing for that region.
    func alias(_ function: String, region: String) async throws -> AliasConfiguration {
        try await LambdaClient(client: try twin.client(["AWS_REGION": region])).getAlias(function, alias: "live")
    }

    @Test(
        "several functions: both deploy together; a failing smoke test on the second leaves both on their old versions, nothing shifted"
    )
    func twoFunctions() async throws {
        let (functions, bucket) = try await twin.seedFunctionsAndBucket(["mta", "mtw"], bucket: "mt-b")
        let (api, worker) = (functions[0], functions[1])
        let source = try sourceDirectory(returning: "v2")
        try await twin.clearRequests()
        let together = try Shell.lambdaShift(
            [
                "deploy", "--function", api, "--function", worker, "--bucket", bucket, "--source", source,
                "--branch", "main", "--strategy", "canary:10%:1s", "--output", "json",
            ], environment: twin.environment().variables)
        #expect(together.status == 0, "\(together.all)")
        #expect(try TwinSuite.OutputStreamTests.schemaProblems([together.stdout]) == "")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(together.stdout.utf8)) as? [String: Any])
        #expect(document["outcome"] as? String == "deployed")
        let rows = try #require(document["targets"] as? [[String: Any]])
        #expect(rows.map { $0["function"] as? String } == [api, worker])
        #expect(rows.allSatisfy { $0["version"] as? String == "2" && $0["outcome"] as? String == "deployed" })
        // One package, uploaded once to the bucket both share; both published before either moved.
        let log = try await twin.requests()
        let packageWrites = log.filter {
            ($0["operation"] as? String) == "PutObject" && (($0["path"] as? String) ?? "").hasSuffix("/package.zip")
        }
        #expect(packageWrites.count == 1, "\(packageWrites)")
        let operations = log.compactMap { $0["operation"] as? String }
        let lastPublish = try #require(operations.lastIndex(of: "PublishVersion"))
        let firstShift = try #require(operations.firstIndex(of: "UpdateAlias"))
        #expect(lastPublish < firstShift, "\(operations)")
        expectVerified(log)

        // Version 3 of the worker fails its smoke test: neither alias moves.
        try await twin.control(
            "POST", "/_twin/invoke",
            [
                "function": worker, "qualifier": "3", "statusCode": 200, "payload": #"{"errorMessage":"boom"}"#,
                "functionError": "Unhandled",
            ])
        try await twin.clearRequests()
        let smoke = try Shell.lambdaShift(
            [
                "deploy", "--function", api, "--function", worker, "--bucket", bucket, "--source",
                try sourceDirectory(returning: "v3"), "--branch", "main", "--strategy", "canary:10%:1s",
                "--smoke-payload", "{}",
            ], environment: twin.environment().variables)
        #expect(smoke.status == 3, "\(smoke.all)")
        #expect(smoke.stderr.contains("\(worker): The smoke test of version 3 failed"), "\(smoke.stderr)")
        #expect(smoke.stderr.contains("No other alias had moved"))
        #expect(try await alias(api, region: "us-east-1").functionVersion == "2")
        #expect(try await alias(worker, region: "us-east-1").functionVersion == "2")
        let shifts = try await twin.requests().filter {
            ($0["operation"] as? String) == "UpdateAlias"
                && String(decoding: Data(base64Encoded: $0["bodyBase64"] as? String ?? "") ?? Data(), as: UTF8.self)
                    .contains("AdditionalVersionWeights")
        }
        #expect(shifts.isEmpty, "no weighted UpdateAlias: \(shifts)")
    }

    @Test(
        "three regions in waves: the first wave's gate fails, its alias is restored, and the other regions never change"
    )
    func threeRegionsInWaves() async throws {
        let function = uniqueName("mtr")
        let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
        var targets = "targets:\n"
        for region in regions {
            try await twin.seedFunction(function, region: region)
            let bucket = uniqueName("mtr-\(region)")
            let seeder = Seeder(client: try twin.client(["AWS_REGION": region]))
            // us-east-1 takes no LocationConstraint (S3 refuses one naming it).
            if region == "us-east-1" {
                try await seeder.createBucket(bucket)
            } else {
                try await seeder.createBucket(bucket, in: region)
            }
            targets += "  - {function: \(function), region: \(region), bucket: \(bucket)}\n"
        }
        let directory = try sourceDirectory(returning: "v2")
        let config = directory + "/../mtr-\(UUID().uuidString).yml"
        try (targets + "waves: 1,100%\n").write(toFile: config, atomically: true, encoding: .utf8)
        // The new version is clearly worse than the stable one in the first region only.
        for (version, errors) in [("1", 10), ("2", 60)] {
            try await twin.control(
                "POST", "/_twin/lambda-metrics",
                [
                    "function": function, "alias": "live", "version": version, "invocations": 300, "errors": errors,
                    "region": "us-east-1", "timestamp": Int(Date().timeIntervalSince1970) + 20,
                ])
        }
        try await twin.clearRequests()
        let result = try Shell.lambdaShift(
            [
                "deploy", "--config", config, "--source", directory, "--branch", "main", "--strategy",
                "canary:10%:2s", "--gate-interval", "1s", "--max-error-rate-increase", "1", "--min-invocations", "50",
            ], environment: twin.environment().variables)
        #expect(result.status == 3, "\(result.all)")
        #expect(
            result.stderr.contains("\(function) (us-east-1): A health gate failed (canary: error rate 20% vs 3.33%"),
            "\(result.stderr)")
        for region in regions {
            let now = try await alias(function, region: region)
            #expect(now.functionVersion == "1" && now.additionalVersionWeights.isEmpty, "\(region): \(now)")
        }
        // The log proves the order: every region updated and published first; then only the first
        // region's alias moved; the others were never touched.
        let log = try await twin.requests()
        func indices(_ operation: String, _ region: String) -> [Int] {
            log.indices.filter {
                (log[$0]["operation"] as? String) == operation && (log[$0]["region"] as? String) == region
            }
        }
        let firstShift = try #require(indices("UpdateAlias", "us-east-1").first)
        for region in regions {
            let published = try #require(indices("PublishVersion", region).last, "\(region) published")
            #expect(published < firstShift, "\(region) published after the first shift")
        }
        #expect(indices("UpdateAlias", "eu-west-1").isEmpty && indices("UpdateAlias", "ap-southeast-2").isEmpty)
        #expect(indices("UpdateAlias", "us-east-1").count == 2, "the weight, then the restore")
        expectVerified(log)
    }
}

extension TwinSuite.DeployTests {
    @Test("plan with several targets and the canary: each target's plan, what the canary compares, then the waves")
    func planSeveralTargets() async throws {
        let (functions, bucket) = try await twin.seedFunctionsAndBucket(["mpa", "mpb"], bucket: "mp-b")
        let (first, second) = (functions[0], functions[1])
        try await twin.clearRequests()
        let result = try Shell.lambdaShift(
            [
                "plan", "--function", first, "--function", second, "--bucket", bucket, "--source",
                try sourceDirectory(returning: "v2"), "--branch", "main", "--strategy", "canary:10%:1m", "--waves",
                "1", "--max-error-rate-increase", "0.5", "--max-duration-increase", "20", "--min-invocations", "30",
                "--on-inconclusive", "proceed",
            ], environment: twin.environment().variables)
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stdout.contains("\(first):\n") && result.stdout.contains("\(second):\n"), "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "canary: each weighted step compares the new version with the stable one over the same minutes: error rate at most 0.5 pp above the stable version's (significant at 95%), p99 Duration at most 20% above the stable version's; fewer than 30 invocation(s) of either is no verdict: the bake goes on up to 3 × the step's bake, then proceed"
            ), "\(result.stdout)")
        #expect(result.stdout.contains("wave 1 of 2: \(first) (at most 4 at once)"))
        #expect(result.stdout.contains("wave 2 of 2: \(second) (at most 4 at once)"))
        // A plan changes nothing.
        let writes = try await twin.requests().filter { $0["mutating"] as? Bool == true }
        #expect(writes.isEmpty, "\(writes)")
    }
}

extension TwinSuite.DeployTests {
    @Test("bad settings for several targets are one sentence each, exit 2, and nothing changes in AWS")
    func badTargetSettings() async throws {
        let (functions, bucket) = try await twin.seedFunctionsAndBucket(["mba", "mbb"], bucket: "mb-b")
        let source = try sourceDirectory(returning: "v2")
        try await twin.clearRequests()
        let both = ["--function", functions[0], "--function", functions[1]]
        for (flags, sentence) in [
            (
                both + ["--waves", "2,1"],
                "--waves is \"2,1\": give rising wave sizes, counts or percentages of the targets"
            ),
            (both + ["--waves", "abc"], "--waves is \"abc\": give rising wave sizes"),
            (
                both + ["--parallel", "0"],
                "--parallel is \"0\": give how many targets move at once, a whole number from 1 to 64."
            ),
            (
                ["--function", functions[0], "--function", functions[0]],
                "\(functions[0]) is a target twice: list each function once per region."
            ),
            (both + ["--preview"], "--preview deploys one function"),
        ] {
            let result = try Shell.lambdaShift(
                ["deploy", "--bucket", bucket, "--source", source, "--branch", "main"] + flags,
                environment: twin.environment().variables)
            #expect(result.status == 2, "\(flags): \(result.all)")
            #expect(result.stderr.contains(sentence), "\(flags): \(result.stderr)")
            #expect(
                result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count == 1, "\(result.stderr)")
        }
        let requests = try await twin.requests()
        #expect(requests.isEmpty, "settings are checked before AWS is called: \(requests)")
    }
}
