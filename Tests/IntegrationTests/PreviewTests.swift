import AWSCore
import AWSServices
import Foundation
import Testing

extension TwinSuite {
    /// Issue 15, part 2: a preview alias per branch, cleaned up when the branch goes.
    @Suite("previews: deploy --preview and cleanup")
    struct PreviewTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        func run(_ arguments: [String], _ env: [String: String] = [:]) throws -> Shell.Result {
            try Shell.lambdaShift(arguments, environment: twin.environment(env).variables)
        }

        @Test(
            "a preview deploy creates preview-<branch> on a new version while live stays; cleanup removes it and its unused version, twice without error"
        )
        func previewAndCleanup() async throws {
            let function = uniqueName("prev")
            try await twin.seedFunction(function)  // live on version 1
            let bucket = uniqueName("prev-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            let source = try sourceDirectory(returning: "feature work")
            let deployed = try run(
                [
                    "deploy", "--function", function, "--bucket", bucket, "--source", source, "--preview", "--branch",
                    "feature/Login Page", "--function-url", "AWS_IAM",
                ])
            #expect(deployed.status == 0, "\(deployed.all)")
            #expect(deployed.stdout.contains("alias=preview-feature-Login-Page"), "\(deployed.stdout)")
            let lambda = LambdaClient(client: try twin.client())
            let url = try #require(
                try await lambda.functionURL(function, qualifier: "preview-feature-Login-Page"), "\(deployed.all)")
            #expect(url.authType == "AWS_IAM" && !url.url.isEmpty)
            #expect(deployed.stdout.contains("url=\(url.url)"), "the url output: \(deployed.stdout)")
            let noPreview = try run(
                [
                    "plan", "--function", function, "--bucket", bucket, "--source", source, "--function-url", "NONE",
                    "--branch", "main",
                ])
            #expect(noPreview.status == 2 && noPreview.stderr.contains("is for previews"), "\(noPreview.all)")
            #expect(try await lambda.getAlias(function, alias: "preview-feature-Login-Page").functionVersion == "2")
            #expect(try await lambda.getAlias(function, alias: "live").functionVersion == "1", "live stays put")

            // Not a preview: refused, nothing changed.
            try await twin.clearRequests()
            let refused = try run(["cleanup", "--function", function, "--alias", "live"])
            #expect(refused.status == 2 && refused.stderr.contains("is not a preview alias"), "\(refused.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

            let cleaned = try run([
                "cleanup", "--function", function, "--branch", "feature/Login Page", "--keep-versions", "0", "--output",
                "json",
            ])
            #expect(cleaned.status == 0, "\(cleaned.all)")
            let document = try JSONSerialization.jsonObject(with: Data(cleaned.stdout.utf8)) as? [String: Any]
            #expect(document?["outcome"] as? String == "cleaned")
            #expect(document?["aliases"] as? [String] == ["preview-feature-Login-Page"])
            #expect(
                document?["versions"] as? [String] == ["2"], "version 2 served only the preview; version 1 is live's")
            #expect(try await lambda.aliasIfExists(function, alias: "preview-feature-Login-Page") == nil)
            #expect(
                try await lambda.functionURL(function, qualifier: "preview-feature-Login-Page") == nil,
                "the URL went with it")
            #expect(try await lambda.listVersionsByFunction(function).map(\.version) == ["$LATEST", "1"])
            let again = try run(["cleanup", "--function", function, "--branch", "feature/Login Page"])
            #expect(again.status == 0 && again.stdout.contains("nothing to clean"), "\(again.all)")
        }

        @Test(
            "issue 40: a preview role's policy (iam-policy --preview on a function of its own), held by the twin as a session policy, lets a preview deploy and its cleanup through and refuses the staging function"
        )
        func previewRolePolicy() async throws {
            let previewFunction = uniqueName("prev-role")
            let stagingFunction = uniqueName("prev-staging")
            try await twin.seedFunction(previewFunction)  // live on version 1
            try await twin.seedFunction(stagingFunction)
            let bucket = uniqueName("prev-role-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            let policyRun = try run([
                "iam-policy", "--function", previewFunction, "--bucket", bucket, "--preview", "--preview-alias",
                "pr-{pr}", "--account-id", "123456789012", "--region", "us-east-1", "--repository", "octo/app",
            ])
            #expect(policyRun.status == 0, "\(policyRun.all)")
            // Alias writes cannot be held to pr-* by IAM: the policy says so and names the way out.
            #expect(policyRun.stderr.contains("deploy previews to a function of their own"), "\(policyRun.stderr)")
            let policy = try #require(
                try JSONSerialization.jsonObject(with: Data(policyRun.stdout.utf8)) as? [String: Any])
            let statements = try #require(policy["Statement"] as? [[String: Any]])
            let lambdaResources = Set(
                statements.flatMap { ($0["Resource"] as? [String]) ?? [] }.filter { $0.contains(":function:") })
            let fn = "arn:aws:lambda:us-east-1:123456789012:function:\(previewFunction)"
            #expect(lambdaResources == [fn, fn + ":*"], "\(lambdaResources)")
            // The role's session, limited to that policy (compact, as STS takes it).
            let compact = String(
                decoding: try JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys]), as: UTF8.self)
            let sts = STSCredentialExchange(client: try twin.client())
            let node = try await sts.call(
                "AssumeRole",
                parameters: [
                    ("RoleArn", "arn:aws:iam::123456789012:role/name-searcher-preview-deploy"),
                    ("RoleSessionName", "preview"), ("Policy", compact),
                ])
            let credentials = try #require(node.child("AssumeRoleResult")?.child("Credentials"))
            let preview = [
                "AWS_ACCESS_KEY_ID": credentials.text(at: "AccessKeyId") ?? "",
                "AWS_SECRET_ACCESS_KEY": credentials.text(at: "SecretAccessKey") ?? "",
                "AWS_SESSION_TOKEN": credentials.text(at: "SessionToken") ?? "", "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/42/merge",
                "GITHUB_REPOSITORY": "octo/app",
                "GITHUB_HEAD_REF": "feature", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
            ]
            let source = try sourceDirectory(returning: "pr 42 under the preview role")
            let deployed = try run(
                [
                    "deploy", "--function", previewFunction, "--bucket", bucket, "--source", source, "--preview",
                    "--preview-alias", "pr-{pr}",
                ], preview)
            #expect(deployed.status == 0 && deployed.stdout.contains("alias=pr-42"), "\(deployed.all)")
            let lambda = LambdaClient(client: try twin.client())
            #expect(try await lambda.getAlias(previewFunction, alias: "pr-42").functionVersion == "2")

            // The same role cannot touch the staging function: AccessDenied, nothing changed.
            let staging = try run(
                [
                    "deploy", "--function", stagingFunction, "--bucket", bucket, "--source", source, "--preview",
                    "--preview-alias", "pr-{pr}",
                ], preview)
            #expect(staging.status != 0 && staging.stderr.contains("not authorized"), "\(staging.all)")
            #expect(try await lambda.aliasIfExists(stagingFunction, alias: "pr-42") == nil)
            #expect(try await lambda.listVersionsByFunction(stagingFunction).map(\.version) == ["$LATEST", "1"])

            let cleaned = try run(
                ["cleanup", "--function", previewFunction, "--preview-alias", "pr-{pr}", "--keep-versions", "0"],
                preview)
            #expect(cleaned.status == 0, "\(cleaned.all)")
            #expect(try await lambda.aliasIfExists(previewFunction, alias: "pr-42") == nil)
        }

        @Test("pr-{pr} from the pull request; --older-than removes only previews older than the cutoff")
        func templateAndAge() async throws {
            let function = uniqueName("prev-pr")
            try await twin.seedFunction(function)
            let bucket = uniqueName("prev-pr-b")
            try await Seeder(client: try twin.client()).createBucket(bucket)
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            let source = try sourceDirectory(returning: "pr 42")
            let pull = [
                "GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/pull/42/merge", "GITHUB_HEAD_REF": "feature/x",
                "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REPOSITORY": "octo/app",
            ]
            let deployed = try run(
                [
                    "deploy", "--function", function, "--bucket", bucket, "--source", source, "--preview",
                    "--preview-alias", "pr-{pr}",
                ], pull)
            #expect(deployed.status == 0 && deployed.stdout.contains("alias=pr-42"), "\(deployed.all)")
            let fresh = try run(["cleanup", "--function", function, "--preview-alias", "pr-{pr}", "--older-than", "1d"])
            #expect(
                fresh.status == 0 && fresh.stdout.contains("nothing to clean"),
                "a preview made now is not older than a day: \(fresh.all)")
            let old = try run(["cleanup", "--function", function, "--preview-alias", "pr-{pr}", "--older-than", "0s"])
            #expect(old.status == 0 && old.stdout.contains("Removed alias pr-42"), "\(old.all)")
            #expect(
                try await LambdaClient(client: try twin.client()).getAlias(function, alias: "live").functionVersion
                    == "1")
        }
    }
}
