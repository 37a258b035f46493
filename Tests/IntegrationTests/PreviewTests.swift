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
