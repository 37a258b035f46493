import CISupport
import Config
import Foundation
import LambdaShiftCore
import Pipeline
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
        #expect(fromEntry.seconds("bake") == 300)
        #expect(fromEntry.origin("bake") == "environments.production.bake in \(file)")
        #expect(
            fromEntry.count("min-invocations") == 7
                && fromEntry.origin("min-invocations") == "min-invocations in \(file)")
        #expect(fromEntry.seconds("gate-interval") == 10 && !fromEntry.isGiven("gate-interval"))
        let fromVariable = try resolve(.deploy, base, ["LAMBDA_SHIFT_BAKE": "2m"])
        #expect(fromVariable.seconds("bake") == 120 && fromVariable.origin("bake") == "LAMBDA_SHIFT_BAKE")
        let fromInput = try resolve(.deploy, base, ["LAMBDA_SHIFT_BAKE": "2m", "INPUT_BAKE": "3m"])
        #expect(fromInput.seconds("bake") == 180 && fromInput.origin("bake") == "the bake input")
        let fromFlag = try resolve(.deploy, base.merging(["bake": ["4m"]]) { $1 }, ["INPUT_BAKE": "3m"])
        #expect(fromFlag.seconds("bake") == 240 && fromFlag.origin("bake") == "--bake")
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
        #expect(try resolve(.deploy, [:]).count("keep-versions") == nil)
        #expect(try resolve(.cleanup, [:]).count("keep-versions") == 3)
        #expect(try resolve(.cleanup, ["keep-versions": ["0"]]).count("keep-versions") == 0)
        #expect(throws: (any Error).self) { try resolve(.deploy, ["keep-versions": ["0"]]) }
        // A command reads only its own settings: status never parses a deploy's gate settings.
        #expect(try resolve(.status, [:], ["LAMBDA_SHIFT_BAKE": "soon"]).entry("function") == nil)
    }
}
