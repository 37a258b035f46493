import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite {
    /// Issue 21, images: an image function deployed through the twin (ECR and Lambda's image
    /// rules), by tag and by digest, gradually with gates; a tag moved mid-rollout changes
    /// nothing; every refusal is exit 2 with no mutating request.
    @Suite("Container-image functions")
    struct ImageTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        struct Seeded {
            var uri: String
            var digest: String
            var children: [String: String]
        }

        func seedImage(
            _ repository: String, tag: String, architectures: [String] = ["amd64"], content: String? = nil
        ) async throws -> Seeded {
            var body: [String: Any] = ["repository": repository, "tag": tag, "architectures": architectures]
            if let content { body["content"] = content }
            let seeded = try #require(try await twin.controlJSON("POST", "/_twin/seed-image", body) as? [String: Any])
            return Seeded(
                uri: try #require(seeded["repositoryUri"] as? String),
                digest: try #require(seeded["digest"] as? String),
                children: seeded["children"] as? [String: String] ?? [:])
        }

        /// An image function with alias live on version 1, running `image` (a URI).
        func imageFunction(_ prefix: String, image: String, architecture: String = "x86_64") async throws -> String {
            let function = uniqueName(prefix)
            _ = try await twin.controlJSON(
                "POST", "/_twin/seed-function",
                ["name": function, "imageUri": image, "architectures": [architecture], "alias": "live"])
            try await twin.control("POST", "/_twin/lambda", ["updatePolls": 1])
            return function
        }

        func deploy(_ function: String, _ image: String, _ extra: [String] = []) throws -> Shell.Result {
            try Shell.lambdaShift(
                ["deploy", "--function", function, "--image-uri", image, "--environment", "production"] + extra,
                environment: twin.environment().variables)
        }

        /// A deploy to production running in the background, its output (both streams) in a pipe.
        func start(_ function: String, _ image: String, _ extra: [String]) throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Shell.lambdaShift)
            process.arguments =
                ["deploy", "--function", function, "--image-uri", image, "--environment", "production"] + extra
            process.environment = twin.environment().variables
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            return (process, pipe)
        }

        /// Whether the running deploy moved the alias within 20 s (its first UpdateAlias).
        func shifted() async throws -> Bool {
            for _ in 0..<400 {
                if try await twin.requests().contains(where: { $0["operation"] as? String == "UpdateAlias" }) {
                    return true
                }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            return false
        }

        func finish(_ running: (Process, Pipe)) -> (Int32, String) {
            let output = String(decoding: running.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            running.0.waitUntilExit()
            return (running.0.terminationStatus, output)
        }

        func served(_ function: String) async throws -> FunctionConfiguration {
            try await LambdaClient(client: try twin.client()).getFunctionConfiguration(function, qualifier: "live")
        }

        @Test(
            "by tag: the digest is deployed gradually, a tag moved mid-rollout changes nothing, a second run skips; by digest too"
        )
        func byTagAndDigest() async throws {
            let repository = uniqueName("img")
            let first = try await seedImage(repository, tag: "v1", content: "one")
            let function = try await imageFunction("imgfn", image: "\(first.uri):v1")
            let second = try await seedImage(repository, tag: "v2", content: "two")
            try await twin.clearRequests()

            // The deploy resolves v2, shifts 50% and bakes; meanwhile v2 is pushed again elsewhere.
            let running = try start(function, "\(second.uri):v2", ["--strategy", "canary:50%:3s"])
            #expect(try await shifted(), "the deploy never moved the alias")
            let moved = try await seedImage(repository, tag: "v2", content: "moved")
            #expect(moved.digest != second.digest)
            let (status, output) = finish(running)
            #expect(status == 0, "\(output)")
            #expect(output.contains("image-uri=\(second.uri)@\(second.digest)"), "\(output)")
            #expect(output.contains("image-digest=\(second.digest)"), "\(output)")
            let live = try await served(function)
            #expect(live.codeSha256 == String(second.digest.dropFirst(7)) && live.version == "2", "\(live)")
            // Lambda was given the image pinned by digest, not the tag that moved.
            let version = try await LambdaClient(client: try twin.client()).getFunction(function, qualifier: "2")
            #expect(version.imageUri == "\(second.uri)@\(second.digest)", "\(version)")
            let requests = try await twin.requests()
            #expect(
                requests.contains { $0["operation"] as? String == "BatchGetImage" && $0["service"] as? String == "ecr" }
            )
            // Every request, ECR's included, was signed and its signature recomputed by the twin.
            #expect(requests.allSatisfy { $0["signed"] as? Bool == true && $0["signatureVerified"] as? Bool == true })
            #expect(!requests.contains { $0["operation"] as? String == "PutObject" }, "nothing uploaded")

            // The digest it serves, again: skipped, nothing changed.
            try await twin.clearRequests()
            let again = try deploy(function, "\(second.uri)@\(second.digest)")
            #expect(again.status == 0 && again.outputs["outcome"] == "skipped", "\(again.all)")
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

            // By digest: the moved tag's image, all at once.
            let byDigest = try deploy(function, "\(moved.uri)@\(moved.digest)", ["--strategy", "AllAtOnce"])
            #expect(byDigest.status == 0 && byDigest.outputs["image-digest"] == moved.digest, "\(byDigest.all)")
            #expect(try await served(function).codeSha256 == String(moved.digest.dropFirst(7)))
        }

        @Test("an alarm firing mid-bake rolls an image deploy back (exit 3): the alias serves the old image")
        func rollback() async throws {
            let repository = uniqueName("imgrb")
            let old = try await seedImage(repository, tag: "old", content: "old")
            let function = try await imageFunction("imgrb", image: "\(old.uri):old")
            let new = try await seedImage(repository, tag: "new", content: "new")
            let alarm = uniqueName("imgrb-errors")
            let seeder = Seeder(client: try twin.client())
            try await seeder.createAlarm(alarm, state: "OK")
            try await twin.clearRequests()
            let running = try start(function, "\(new.uri):new", ["--strategy", "canary:10%:4s", "--alarm", alarm])
            #expect(try await shifted(), "the deploy never moved the alias")
            _ = try await seeder.cloudWatch(
                "SetAlarmState", ["AlarmName": alarm, "StateValue": "ALARM", "StateReason": "errors"])
            let (status, output) = finish(running)
            #expect(status == 3, "\(output)")
            #expect(output.contains("outcome=rolled-back"), "\(output)")
            let live = try await served(function)
            #expect(live.version == "1" && live.codeSha256 == String(old.digest.dropFirst(7)), "\(live)")
            _ = try await seeder.cloudWatch(
                "SetAlarmState", ["AlarmName": alarm, "StateValue": "OK", "StateReason": "fixed"])
        }

        @Test(
            "refused before any change, exit 2: a zip function, another region, a missing tag or repository; a multi-platform image gives its arm64 entry to an arm64 function"
        )
        func refusals() async throws {
            let repository = uniqueName("imgno")
            let single = try await seedImage(repository, tag: "v1", content: "single")
            let function = try await imageFunction("imgno", image: "\(single.uri):v1", architecture: "arm64")
            let zip = uniqueName("imgzip")
            try await twin.seedFunction(zip)
            let elsewhere = single.uri.replacingOccurrences(of: ".us-east-1.", with: ".eu-west-1.")
            let cases: [(String, String, String)] = [
                (zip, "\(single.uri):v1", "is a zip function: give its code with --source"),
                (
                    function, "\(elsewhere):v1",
                    "Lambda reads images only from a repository in the function's own region"
                ),
                (function, "\(single.uri):v9", "No image tagged v9 in \(single.uri)"),
                (function, "\(single.uri)-gone:v1", "No ECR repository \(repository)-gone"),
            ]
            try await twin.clearRequests()
            for (target, image, sentence) in cases {
                let result = try deploy(target, image)
                #expect(result.status == 2 && result.stderr.contains(sentence), "\(image): \(result.all)")
                #expect(result.outputs["outcome"] == "failed", "\(result.stdout)")
            }
            #expect(try await twin.requests().allSatisfy { $0["mutating"] as? Bool == false })

            let list = try await seedImage(repository, tag: "both", architectures: ["amd64", "arm64"], content: "both")
            #expect(list.children.count == 2)

            // The multi-platform image deploys its arm64 entry to the arm64 function.
            let deployed = try deploy(function, "\(list.uri):both", ["--strategy", "AllAtOnce"])
            #expect(deployed.status == 0, "\(deployed.all)")
            #expect(deployed.outputs["image-digest"] == list.children["arm64"], "\(deployed.stdout)")
        }
    }
}
