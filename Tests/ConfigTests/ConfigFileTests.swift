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
        let file = try ConfigFile.load(path: try write("""
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
        #expect(try file.branchMap?.target(branch: "release") == BranchMap.Target(environment: "production", strategy: "linear:20%:1m"))
        #expect(try file.branchMap?.target(branch: "develop") == BranchMap.Target(environment: "staging", strategy: "AllAtOnce"))
        #expect(try file.branchMap?.target(branch: "feature") == nil)
    }

    @Test("unknown keys get a did-you-mean; wrong shapes a sentence")
    func errors() throws {
        #expect { try ConfigFile.load(path: try write("environments:\n  production:\n    stratgy: AllAtOnce\n")) } throws: {
            ($0 as? ConfigError)?.message.hasSuffix("unknown setting environments.production.stratgy (did you mean strategy?): see the README's settings reference.") == true
        }
        #expect { try ConfigFile.load(path: try write("- a\n- b\n")) } throws: { ($0 as? ConfigError)?.message.contains("must hold a mapping") == true }
        #expect { try ConfigFile.load(path: try write("environments: [a]\n")) } throws: { ($0 as? ConfigError)?.message.contains("environments must map names") == true }
        #expect { try ConfigFile.load(path: "/nonexistent/.lambda-shift.yml") } throws: { ($0 as? ConfigError)?.message.contains("Cannot read the config file") == true }
        #expect(ConfigFile.distance("buckt", "bucket") == 1)
    }

    @Test("branch globs: * within a segment, ** across, ? one character; a branch matching two environments is refused")
    func globs() throws {
        #expect(BranchMap.matches("release/*", "release/1.2"))
        #expect(!BranchMap.matches("release/*", "release/1.2/hotfix"))
        #expect(BranchMap.matches("release/**", "release/1.2/hotfix"))
        #expect(BranchMap.matches("v?", "v1") && !BranchMap.matches("v?", "v10"))
        #expect(!BranchMap.matches("main", "main2") && BranchMap.matches("main", "main"))
        let file = try ConfigFile.load(path: try write("""
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
            ($0 as? ConfigError)?.message == "Branch \"release/2.0\" matches more than one environment: production (release/*), staging (release/**): make the branches: entries exclusive."
        }
    }

    @Test("a branch under two environments, a list for a one-value setting, a mapping for a value: each refused with the key named")
    func strictShapes() throws {
        #expect { try ConfigFile.load(path: try write("environments:\n  production:\n    branches: [main]\n  staging:\n    branches: [main]\n")) } throws: {
            ($0 as? ConfigError)?.message.contains("branch \"main\" is listed under both environments.") == true
        }
        #expect { try ConfigFile.load(path: try write("min-invocations: [1, 2]\n")) } throws: {
            ($0 as? ConfigError)?.message.hasSuffix("min-invocations takes one value, not a list: write min-invocations: VALUE.") == true
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
}
