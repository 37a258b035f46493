import CISupport
import LambdaShiftCore
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
