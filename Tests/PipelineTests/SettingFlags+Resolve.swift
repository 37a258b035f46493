import CISupport
import LambdaShiftCore
import Foundation
import Pipeline

/// A deploy's settings resolved from these flags in `environment`, as `deploy` resolves them
/// (no git: these tests run as CI runs).
extension SettingFlags {
    func settings(_ environment: Environment) throws -> ResolvedSettings {
        try ResolvedSettings.resolve(
            .deploy, flags: self, ci: CIContext(environment: environment, git: { Provenance.GitFacts() }))
    }

    func resolve(_ environment: Environment) throws -> DeployPlan? {
        try DeployPlan.resolve(settings(environment))
    }

    func resolveTargets(_ environment: Environment) throws -> DeployTargets? {
        try DeployTargets.resolve(settings(environment))
    }
}

extension SettingFlags {
    /// The flags any deploy needs (function `svc`, bucket `artifacts`, a source directory), then
    /// `extra`.
    static func deploying(_ extra: [String: String] = [:]) -> SettingFlags {
        var flags = SettingFlags()
        flags["function"] = "svc"
        flags["bucket"] = "artifacts"
        flags["source"] = FileManager.default.temporaryDirectory.path
        for (name, value) in extra { flags[name] = value }
        return flags
    }
}
