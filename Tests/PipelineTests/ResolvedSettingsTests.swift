import CISupport
import Config
import Foundation
import LambdaShiftCore
@testable import Pipeline
import Synchronization
import Testing

@Suite("Settings resolved once, from the table")
struct ResolvedSettingsTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).yml")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func resolve(_ command: SettingCommand, _ flags: [String: [String]], _ variables: [String: String] = [:]) throws
        -> ResolvedSettings
    {
        try ResolvedSettings.resolve(
            command, flags: SettingFlags(flags),
            ci: CIContext(
                environment: Environment(["GITHUB_ACTIONS": "true"].merging(variables) { $1 }),
                git: { Provenance.GitFacts() }))
    }

    @Test(
        "flag, then input, then LAMBDA_SHIFT_, then the file's environment entry, then its top level, then the default")
    func precedence() throws {
        let file = try write(
            "bake: 1m\nmin-invocations: 7\nenvironments:\n  production:\n    branches: [main]\n    bake: 5m\n")
        let base = ["config": [file], "branch": ["main"]]
        let fromEntry = try resolve(.deploy, base)
        #expect(fromEntry.environmentName == "production")
        #expect(fromEntry.seconds(.bake) == 300)
        #expect(fromEntry.origin(.bake) == "environments.production.bake in \(file)")
        #expect(
            fromEntry.count(.minInvocations) == 7
                && fromEntry.origin(.minInvocations) == "min-invocations in \(file)")
        #expect(fromEntry.seconds(.gateInterval) == 10 && !fromEntry.isGiven(.gateInterval))
        let fromVariable = try resolve(.deploy, base, ["LAMBDA_SHIFT_BAKE": "2m"])
        #expect(fromVariable.seconds(.bake) == 120 && fromVariable.origin(.bake) == "LAMBDA_SHIFT_BAKE")
        let fromInput = try resolve(.deploy, base, ["LAMBDA_SHIFT_BAKE": "2m", "INPUT_BAKE": "3m"])
        #expect(fromInput.seconds(.bake) == 180 && fromInput.origin(.bake) == "the bake input")
        let fromFlag = try resolve(.deploy, base.merging(["bake": ["4m"]]) { $1 }, ["INPUT_BAKE": "3m"])
        #expect(fromFlag.seconds(.bake) == 240 && fromFlag.origin(.bake) == "--bake")
    }

    @Test("a bad value is refused by its kind, naming where it was written")
    func errorsNameTheOrigin() throws {
        let file = try write("environments:\n  production:\n    branches: [main]\n    bake: soon\n")
        #expect { try resolve(.deploy, ["config": [file], "branch": ["main"]]) } throws: {
            ($0 as? any LambdaShiftError)?.sentence.contains("environments.production.bake in \(file)") == true
        }
        #expect { try resolve(.deploy, ["on-inconclusive": ["wait"]]) } throws: {
            ($0 as? any LambdaShiftError)?.sentence == "--on-inconclusive is \"wait\": use rollback or proceed."
        }
    }

    @Test("keep-versions: deploy keeps all by default and takes 1 or more; cleanup keeps 3 by default and takes 0")
    func keepVersionsPerCommand() throws {
        #expect(try resolve(.deploy, [:]).count(.keepVersions) == nil)
        #expect(try resolve(.cleanup, [:]).count(.keepVersions) == 3)
        #expect(try resolve(.cleanup, ["keep-versions": ["0"]]).count(.keepVersions) == 0)
        #expect(throws: (any Error).self) { try resolve(.deploy, ["keep-versions": ["0"]]) }
        // A command reads only its own settings: status never parses a deploy's gate settings.
        #expect(try resolve(.status, [:], ["LAMBDA_SHIFT_BAKE": "soon"]).entry(.function) == nil)
    }
}

@Suite("Code from a pull or merge request is never mapped by branch")
struct ChangeRequestTests {
    func resolve(_ variables: [String: String], _ flags: [String: [String]] = [:]) throws -> ResolvedSettings {
        try ResolvedSettings.resolve(
            .deploy, flags: SettingFlags(["function": ["svc"]].merging(flags) { $1 }),
            ci: CIContext(environment: Environment(variables), git: { Provenance.GitFacts() }))
    }

    static let events: [[String: String]] = [
        ["GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_HEAD_REF": "main"],
        ["GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_REF_NAME": "main"],
        ["GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "main"],
        ["GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_REF_NAME": "main"],
        [
            "CODEBUILD_BUILD_ID": "b:1", "CODEBUILD_WEBHOOK_EVENT": "PULL_REQUEST_UPDATED",
            "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/main",
        ],
    ]

    @Test(
        "finding 7: a pull or merge request whose branch is main is exit 2 without --environment or --preview",
        arguments: events)
    func refused(_ variables: [String: String]) throws {
        #expect {
            _ = try resolve(variables)
        } throws: { error in
            let sentence = (error as? ConfigError)?.sentence ?? "\(error)"
            return (error as? any LambdaShiftError)?.exitCode == ExitStatus.usage
                && sentence.contains("pull or merge request") && sentence.contains("pass --preview")
        }
    }

    @Test("a preview of a pull request is the preview environment; --environment is taken as asked", arguments: events)
    func previewOrNamed(_ variables: [String: String]) throws {
        #expect(try resolve(variables, ["preview": ["true"]]).environmentName == "preview")
        #expect(try resolve(variables, ["environment": ["staging"]]).environmentName == "staging")
    }

    @Test("a push to main and CodeBuild's PULL_REQUEST_MERGED still map by branch")
    func pushes() throws {
        let push = ["GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF_NAME": "main"]
        #expect(try resolve(push).environmentName == "production")
        let merged = [
            "CODEBUILD_BUILD_ID": "b:1", "CODEBUILD_WEBHOOK_EVENT": "PULL_REQUEST_MERGED",
            "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/main",
        ]
        #expect(try resolve(merged).environmentName == "production")
    }
}

@Suite("A preview alias is never an alias that serves callers")
struct PreviewAliasTests {
    @Test("finding 8: --preview with a template that resolves to the deploy alias is exit 2")
    func previewIsTheDeployAlias() throws {
        var flags = SettingFlags.deploying(["preview": "true", "preview-alias": "{branch}", "branch": "live"])
        #expect {
            _ = try flags.resolve(Environment(["GITHUB_ACTIONS": "true"]))
        } throws: { error in
            (error as? any LambdaShiftError)?.exitCode == ExitStatus.usage
                && "\(error)".contains("The preview alias resolves to live")
        }
        flags["branch"] = "login"
        #expect(try flags.resolve(Environment(["GITHUB_ACTIONS": "true"]))?.alias == "login")
    }
}

@Suite("A gate nobody set: no settings silently ignored")
struct UnsetGateTests {
    /// A deploy's settings resolved with the settings file looked up in `directory`.
    func resolve(in directory: String, _ flags: [String: [String]]) throws -> ResolvedSettings {
        let environment = Environment(["GITHUB_ACTIONS": "true"])
        let file = try ResolvedSettings.loadFile(nil, environment: environment, in: directory)
        var given = flags
        if let file { given["config"] = [file.path] }
        return try ResolvedSettings.resolve(
            .deploy, flags: SettingFlags(["function": ["svc"]].merging(given) { $1 }),
            ci: CIContext(environment: environment, git: { Provenance.GitFacts() }))
    }

    func directory(_ files: [String: String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("near-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        return path
    }

    @Test("finding 10: .lambda-shift.yaml is read; another near name of the settings file is refused by name")
    func nearNames() throws {
        let yaml = try directory([".lambda-shift.yaml": "alarm: [errors]\n"])
        #expect(try resolve(in: yaml, ["branch": ["main"]]).list(.alarm) == ["errors"])
        let misnamed = try directory(["lambda-shift.yml": "alarm: [errors]\n"])
        #expect {
            _ = try resolve(in: misnamed, ["branch": ["main"]])
        } throws: { "\($0)".contains("Found lambda-shift.yml, but the settings file is .lambda-shift.yml") }
        let both = try directory([".lambda-shift.yml": "alarm: [a]\n", ".lambda-shift.yaml": "alarm: [b]\n"])
        #expect(throws: ConfigError.self) { _ = try resolve(in: both, [:]) }
    }

    @Test(
        "finding 10: an environment name that differs from a known one by case or abbreviation gets a did-you-mean",
        arguments: [("prod", "production"), ("Production", "production"), ("stage", "staging"), ("STAGING", "staging")])
    func didYouMean(_ given: String, _ meant: String) throws {
        let empty = try directory([:])
        #expect {
            _ = try resolve(in: empty, ["environment": [given]])
        } throws: { error in
            (error as? any LambdaShiftError)?.exitCode == ExitStatus.usage
                && "\(error)".contains("did you mean \(meant)?")
        }
    }

    @Test("an environment name of its own (qa) is taken as given")
    func ownName() throws {
        #expect(try resolve(in: try directory([:]), ["environment": ["qa"]]).environmentName == "qa")
    }

    @Test("finding 10: a gradual deploy to production that no gate watches is warned about; one with an alarm is not")
    func unwatched() throws {
        var flags = SettingFlags.deploying(["branch": "main"])
        let bare = try #require(try flags.resolve(Environment(["GITHUB_ACTIONS": "true"])))
        #expect(Preflight.unwatchedCanary(bare)?.contains("a canary nothing watches is a delay") == true)
        flags.values["alarm"] = ["errors"]
        let watched = try #require(try flags.resolve(Environment(["GITHUB_ACTIONS": "true"])))
        #expect(Preflight.unwatchedCanary(watched) == nil)
        flags.values["alarm"] = nil
        flags["strategy"] = "AllAtOnce"
        #expect(
            Preflight.unwatchedCanary(try #require(try flags.resolve(Environment(["GITHUB_ACTIONS": "true"])))) == nil)
    }
}

@Suite("A function name that cannot be valid")
struct FunctionNameTests {
    func plan(_ function: String) throws -> DeployPlan? {
        try SettingFlags.deploying(["function": function, "environment": "staging"]).resolve(
            Environment(["GITHUB_ACTIONS": "true"]))
    }

    @Test("--function fn:live says to use --alias; a name Lambda cannot take is exit 2 with a sentence")
    func refused() throws {
        #expect {
            _ = try plan("fn:live")
        } throws: { "\($0)".contains("name the function alone (fn) and its alias with --alias live") }
        for bad in ["my function", "fn/x", String(repeating: "f", count: 65), ""] where !bad.isEmpty {
            #expect {
                _ = try plan(bad)
            } throws: { error in
                (error as? any LambdaShiftError)?.exitCode == ExitStatus.usage
                    && "\(error)".contains("is not a function name, a partial ARN")
            }
        }
        #expect(try plan("svc")?.function == "svc")
        #expect(
            try plan("arn:aws:lambda:us-east-1:123456789012:function:svc")?.function
                == "arn:aws:lambda:us-east-1:123456789012:function:svc")
    }
}

extension PreviewAliasTests {
    @Test("preview alias names cut to 128 stay unique: the whole name's short hash ends them")
    func longBranches() throws {
        let stem = "feature/" + String(repeating: "x", count: 130)
        let a = try PreviewAlias.name(template: PreviewAlias.defaultTemplate, branch: stem + "-a", pr: nil)
        let b = try PreviewAlias.name(template: PreviewAlias.defaultTemplate, branch: stem + "-b", pr: nil)
        #expect(a.count == 128 && b.count == 128 && a != b, "\(a) \(b)")
        #expect(a.hasPrefix("preview-feature-xxx"))
        #expect(
            try PreviewAlias.name(template: PreviewAlias.defaultTemplate, branch: "login", pr: nil) == "preview-login")
    }
}

@Suite("Redaction of the CI's own secrets")
struct CIRedactionTests {
    @Test("the CI's tokens and the web identity token file's content never reach a line printed")
    func ciTokens() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wit-\(UUID().uuidString)").path
        try "eyJ.header.webidentitysecret\n".write(toFile: file, atomically: true, encoding: .utf8)
        let printed = LinesPrinted()
        let context = CommandContext(
            environment: Environment([
                "GITHUB_TOKEN": "ghs_githubtokensecret", "CI_JOB_TOKEN": "glcbt-jobtokensecret",
                "ACTIONS_RUNTIME_TOKEN": "runtimetokensecret", "AWS_WEB_IDENTITY_TOKEN_FILE": file,
            ]),
            output: { printed.add($0) }, errorOutput: { printed.add($0) })
        context.reporter.info(
            "a hook echoed ghs_githubtokensecret glcbt-jobtokensecret runtimetokensecret eyJ.header.webidentitysecret")
        let all = printed.all.joined(separator: "\n")
        #expect(all.contains("a hook echoed"), "\(all)")
        for secret in ["ghs_githubtokensecret", "glcbt-jobtokensecret", "runtimetokensecret", "webidentitysecret"] {
            #expect(!all.contains(secret), "\(secret) in \(all)")
        }
    }
}

/// Lines a context printed, from any thread.
final class LinesPrinted: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite("Code storage and runtime drift settings")
struct CodeStorageSettingsTests {
    func plan(_ flags: [String: String]) throws -> DeployPlan? {
        var given = SettingFlags.deploying(["environment": "staging"].merging(flags) { $1 })
        if flags["image-uri"] != nil { given["source"] = nil }
        return try given.resolve(Environment(["GITHUB_ACTIONS": "true"]))
    }

    @Test("--code-storage: reference or copy, left out to keep the function's way; reference with an image is exit 2")
    func codeStorage() throws {
        #expect(try plan([:])?.codeStorage == nil)
        #expect(try plan(["code-storage": "reference"])?.codeStorage == .reference)
        #expect(try plan(["code-storage": "copy"])?.codeStorage == .copy)
        #expect {
            _ = try plan(["code-storage": "shared"])
        } throws: { ($0 as? any LambdaShiftError)?.sentence == "--code-storage is \"shared\": use reference or copy." }
        #expect {
            _ = try plan([
                "image-uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc:1", "code-storage": "reference",
            ])
        } throws: { error in
            (error as? any LambdaShiftError)?.exitCode == ExitStatus.usage
                && "\(error)".contains("an image function's code is its image in ECR")
        }
    }

    @Test("--runtime-drift: warn by default, fail on request, nothing else")
    func runtimeDrift() throws {
        #expect(try plan([:])?.failOnRuntimeDrift == false)
        #expect(try plan(["runtime-drift": "fail"])?.failOnRuntimeDrift == true)
        #expect {
            _ = try plan(["runtime-drift": "ignore"])
        } throws: { ($0 as? any LambdaShiftError)?.sentence == "--runtime-drift is \"ignore\": use warn or fail." }
    }
}
