@testable import Config
import Foundation
import Testing

@Suite(".lambda-shift.yml")
struct ConfigFileTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ls-\(UUID().uuidString).yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("per-environment values win over top-level ones; branches make the map, with each environment's strategy")
    func layering() throws {
        let file = try ConfigFile.load(
            path: try write(
                """
                function: svc-{environment}
                alarms: [top]
                min-invocations: 10
                environments:
                  production:
                    branches: [main, release]
                    strategy: linear:20%:1m
                    alarms: [prod-errors, prod-latency]
                  staging:
                    branches: [develop]
                  preview: ~
                """))
        #expect(file.value("function", environment: "production") == "svc-{environment}")
        #expect(file.values("alarms", environment: "production") == ["prod-errors", "prod-latency"])
        #expect(file.values("alarms", environment: "staging") == ["top"])
        #expect(file.value("min-invocations", environment: nil) == "10")
        #expect(
            try file.branchMap?.target(branch: "release")
                == BranchMap.Target(environment: "production", strategy: "linear:20%:1m"))
        #expect(
            try file.branchMap?.target(branch: "develop")
                == BranchMap.Target(environment: "staging", strategy: "AllAtOnce"))
        #expect(try file.branchMap?.target(branch: "feature") == nil)
    }

    @Test("unknown keys get a did-you-mean; wrong shapes a sentence")
    func errors() throws {
        #expect {
            try ConfigFile.load(path: try write("environments:\n  production:\n    stratgy: AllAtOnce\n"))
        } throws: {
            ($0 as? ConfigError)?.message.hasSuffix(
                "unknown setting environments.production.stratgy (did you mean strategy?): see docs/settings.md."
            ) == true
        }
        #expect { try ConfigFile.load(path: try write("- a\n- b\n")) } throws: {
            ($0 as? ConfigError)?.message.contains("must hold a mapping") == true
        }
        #expect { try ConfigFile.load(path: try write("environments: [a]\n")) } throws: {
            ($0 as? ConfigError)?.message.contains("environments must map names") == true
        }
        #expect { try ConfigFile.load(path: "/nonexistent/.lambda-shift.yml") } throws: {
            ($0 as? ConfigError)?.message.contains("Cannot read the config file") == true
        }
    }

    @Test("a key written twice at any depth is refused, naming it and both lines, whichever would have won")
    func duplicateKeys() throws {
        func message(_ text: String) -> String? {
            do {
                _ = try ConfigFile.load(path: try write(text))
                return nil
            } catch {
                return (error as? ConfigError)?.message
            }
        }
        // A second environments: holding only production dropped production's alarms and staging.
        let top = message(
            """
            function: svc
            environments:
              production:
                branches: [main]
                alarms: [errors]
              staging:
                branches: [develop]
            environments:
              production: {branches: [main]}
            """)
        #expect(
            top?.hasSuffix(
                "environments is written twice (lines 2 and 8), and only one can count: keep one and merge what the other held."
            ) == true, "\(top ?? "accepted")")
        // A second production: in place of staging: main mapped to nothing.
        let nested = message(
            """
            environments:
              production:
                branches: [develop]
              production:
                branches: [main]
            """)
        #expect(
            nested?.contains("environments.production is written twice (lines 2 and 4)") == true,
            "\(nested ?? "accepted")")
        let deep = message("environments:\n  production:\n    alarms: [a]\n    bake: 1m\n    alarms: [b]\n")
        #expect(
            deep?.contains("environments.production.alarms is written twice (lines 3 and 5)") == true,
            "\(deep ?? "accepted")")
        let target = message("targets:\n  - function: a\n    region: eu-west-1\n    function: b\n")
        #expect(
            target?.contains("targets[0].function is written twice (lines 2 and 4)") == true, "\(target ?? "accepted")")
        // A key a merge (<<) brought in may be written again: that is YAML's override, not a duplicate.
        let merged = try ConfigFile.load(
            path: try write(
                """
                environments:
                  production: &production
                    branches: [main]
                    bake: 1m
                  staging:
                    <<: *production
                    branches: [develop]
                """))
        #expect(try merged.branchMap?.target(branch: "develop")?.environment == "staging")
        #expect(merged.value("bake", environment: "staging") == "1m")
    }

    @Test("a near miss gets a did-you-mean at every depth: branches in an environment, environments at the top")
    func nestedDidYouMean() throws {
        #expect {
            try ConfigFile.load(path: try write("environments:\n  production:\n    branchs: [main]\n"))
        } throws: {
            ($0 as? ConfigError)?.message.contains(
                "unknown setting environments.production.branchs (did you mean branches?)") == true
        }
        #expect {
            try ConfigFile.load(path: try write("environment:\n  production:\n    branches: [main]\n"))
        } throws: {
            ($0 as? ConfigError)?.message.contains("unknown setting environment (did you mean environments?)") == true
        }
        #expect {
            try ConfigFile.load(path: try write("target:\n  - function: a\n"))
        } throws: {
            ($0 as? ConfigError)?.message.contains("unknown setting target (did you mean targets?)") == true
        }
    }

    @Test("branch globs: * within a segment, ** across, ? one character; a branch matching two environments is refused")
    func globs() throws {
        #expect(BranchMap.matches("release/*", "release/1.2"))
        #expect(!BranchMap.matches("release/*", "release/1.2/hotfix"))
        #expect(BranchMap.matches("release/**", "release/1.2/hotfix"))
        #expect(BranchMap.matches("v?", "v1") && !BranchMap.matches("v?", "v10"))
        #expect(!BranchMap.matches("main", "main2") && BranchMap.matches("main", "main"))
        let file = try ConfigFile.load(
            path: try write(
                """
                environments:
                  production:
                    branches: [main, "release/*"]
                  staging:
                    branches: ["release/**"]
                  qa:
                    branches: ["feature/*"]
                """))
        #expect(try file.branchMap?.target(branch: "feature/login")?.environment == "qa")
        #expect(try file.branchMap?.target(branch: "release/2.0/rc")?.environment == "staging")
        #expect { try file.branchMap?.target(branch: "release/2.0") } throws: {
            ($0 as? ConfigError)?.message
                == "Branch \"release/2.0\" matches more than one environment: production (release/*), staging (release/**): make the branches: entries exclusive."
        }
    }

    @Test(
        "a branch under two environments, a list for a one-value setting, a mapping for a value: each refused with the key named"
    )
    func strictShapes() throws {
        #expect {
            try ConfigFile.load(
                path: try write(
                    "environments:\n  production:\n    branches: [main]\n  staging:\n    branches: [main]\n"))
        } throws: {
            ($0 as? ConfigError)?.message.contains("branch \"main\" is listed under both environments.") == true
        }
        #expect { try ConfigFile.load(path: try write("min-invocations: [1, 2]\n")) } throws: {
            ($0 as? ConfigError)?.message.hasSuffix(
                "min-invocations takes one value, not a list: write min-invocations: VALUE.") == true
        }
        #expect { try ConfigFile.load(path: try write("environments:\n  production:\n    bucket: [arts]\n")) } throws: {
            ($0 as? ConfigError)?.message.contains("environments.production.bucket takes one value, not a list") == true
        }
        #expect { try ConfigFile.load(path: try write("bucket: {name: arts}\n")) } throws: {
            ($0 as? ConfigError)?.message.contains("bucket takes a value, not a mapping") == true
        }
        let lists = try ConfigFile.load(path: try write("alarms: [a, b]\nexclude: ['*.md']\n"))
        #expect(lists.values("alarms", environment: nil) == ["a", "b"])
    }

    @Test("targets: a list of functions with a region, alias and bucket each; per environment, else at the top")
    func targets() throws {
        let file = try ConfigFile.load(
            path: try write(
                """
                bucket: artifacts
                targets:
                  - {function: api, region: us-east-1, bucket: artifacts-us}
                  - function: api
                    region: eu-west-1
                    bucket: artifacts-eu
                    alias: prod
                environments:
                  staging:
                    branches: [develop]
                    targets: [{function: api-staging}]
                  production:
                    branches: [main]
                """))
        #expect(
            file.targets(environment: "production") == [
                ConfigFile.Target(function: "api", region: "us-east-1", bucket: "artifacts-us"),
                ConfigFile.Target(function: "api", region: "eu-west-1", alias: "prod", bucket: "artifacts-eu"),
            ])
        #expect(file.targets(environment: "staging") == [ConfigFile.Target(function: "api-staging")])
        #expect(try ConfigFile.load(path: try write("function: x\n")).targets(environment: nil) == nil)
    }

    @Test("each target may name its own image: an image lives in its own region's registry")
    func targetImages() throws {
        let file = try ConfigFile.load(
            path: try write(
                """
                targets:
                  - {function: api, region: us-east-1, image-uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1}
                  - {function: api, region: eu-west-1, image-uri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1}
                """))
        #expect(
            file.targets(environment: nil)?.map(\.imageUri) == [
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1",
            ])
    }

    @Test(
        "a malformed targets list is refused with a sentence naming the entry",
        arguments: [
            ("targets: api\n", "targets must be a list of targets"),
            ("targets: [api]\n", "targets[0] must be a mapping with function"),
            (
                "targets: [{region: eu-west-1}]\n",
                "targets[0] names no function: add function: NAME (or web-function: NAME)."
            ),
            ("targets: [{function: a, web-function: w}]\n", "targets[0] names both a function and a web-function"),
            ("targets: [{web-function: w, alias: live}]\n", "targets[0] gives a web function an alias"),
            ("targets: [{function: a, endpoint: live}]\n", "targets[0] gives a function an endpoint"),
            ("targets: [{function: a, regoin: x}]\n", "unknown key targets[0].regoin (did you mean region?)"),
            ("targets: [{function: a, region: [x, y]}]\n", "targets[0].region takes one value."),
        ])
    func malformedTargets(_ text: String, _ sentence: String) throws {
        #expect(throws: ConfigError.self, "\(text)") { try ConfigFile.load(path: try write(text)) }
        do {
            _ = try ConfigFile.load(path: try write(text))
        } catch let error as ConfigError {
            #expect(error.message.contains(sentence), "\(text): \(error.message)")
        }
    }
}

/// The one settings table against what users read: the README's settings reference, the
/// GitHub Action's inputs, and `.lambda-shift.yml`'s known keys.
@Suite("The settings table")
struct SettingsTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(
        "docs/settings.md holds the table's settings as generated from it, and every other flag it names is a command's own option"
    )
    func settingsDoc() throws {
        let url = Self.root.appendingPathComponent("docs/settings.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let begin = "<!-- generated from SettingsTable: begin -->\n", end = "<!-- generated from SettingsTable: end -->"
        let head = try #require(doc.components(separatedBy: begin).first)
        let rest = try #require(doc.components(separatedBy: begin).dropFirst().first)
        let generated = try #require(rest.components(separatedBy: end).first)
        let tail = rest.components(separatedBy: end).dropFirst().joined(separator: end)
        if ProcessInfo.processInfo.environment["LAMBDA_SHIFT_WRITE_DOCS"] == "1" {
            try (head + begin + SettingsTable.markdown() + end + tail).write(to: url, atomically: true, encoding: .utf8)
        } else {
            #expect(
                generated == SettingsTable.markdown(),
                "docs/settings.md is not what the table generates: LAMBDA_SHIFT_WRITE_DOCS=1 swift test --filter SettingsTableTests"
            )
        }
        for spec in SettingsTable.all {
            #expect(generated.contains("| `\(spec.flag)` |"), "docs/settings.md lacks \(spec.flag)")
        }
        let flags = Set(
            tail.split(separator: "\n").filter { $0.hasPrefix("| `--") }.map {
                String($0.dropFirst(3).prefix { $0 != "`" && $0 != " " })
            })
        let commandOptions: Set = ["--output", "--repository", "--account-id", "--force", "--to-version"]
        #expect(flags == commandOptions, "docs/settings.md's options of one command: \(flags.sorted())")
    }

    @Test("the action has an input for every setting that should have one, and no input that is not a setting")
    func actionInputs() throws {
        let action = try String(contentsOf: Self.root.appendingPathComponent("action/action.yml"), encoding: .utf8)
        let inputsBlock =
            action.components(separatedBy: "\ninputs:\n").dropFirst().first?.components(separatedBy: "\noutputs:").first
            ?? ""
        let inputs = Set(
            inputsBlock.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") else { return nil }
                return String(line.dropFirst(2).dropLast())
            })
        #expect(!inputs.isEmpty)
        for spec in SettingsTable.all where spec.actionInput {
            #expect(inputs.contains(spec.name), "action.yml lacks the input \(spec.name)")
            let variable = spec.environmentNames[1]
            #expect(
                action.contains("\(variable): ${{ inputs.\(spec.name) }}"),
                "action.yml does not pass \(spec.name) as \(variable)")
        }
        for input in inputs where SettingsTable.spec(named: input) == nil {
            #expect(
                ["lambda-shift-version", "lambda-shift-repository", "command", "verify-attestation"].contains(input),
                "action.yml has an input \(input) that is no setting")
        }
    }

    @Test(".lambda-shift.yml knows exactly the table's file keys; list settings take lists")
    func fileKeys() {
        #expect(ConfigFile.settingKeys == SettingsTable.fileKeys)
        #expect(ConfigFile.settingKeys.isSuperset(of: ["function", "bucket", "alarms", "gate-interval"]))
        #expect(!ConfigFile.settingKeys.contains("environment") && !ConfigFile.settingKeys.contains("config"))
        #expect(ConfigFile.listKeys == ["alarm", "alarms", "alarm-prefix", "exclude", "allowed-account-ids"])
        #expect(
            SettingsTable.spec(named: "max-error-rate")?.environmentNames == [
                "INPUT_MAX-ERROR-RATE", "LAMBDA_SHIFT_MAX_ERROR_RATE",
            ])
    }
}
