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
        #expect(file.branchMap?.target(branch: "release") == BranchMap.Target(environment: "production", strategy: "linear:20%:1m"))
        #expect(file.branchMap?.target(branch: "develop") == BranchMap.Target(environment: "staging", strategy: "AllAtOnce"))
        #expect(file.branchMap?.target(branch: "feature") == nil)
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
}
