import AWSCore
import CISupport
import Config
import LambdaShiftCore
import Rollout

/// The functions one deploy ships, each a resolved plan, and the waves they move in.
public struct DeployTargets: Sendable {
    public var plans: [DeployPlan]
    /// Indices into `plans`, wave by wave.
    public var waves: [[Int]]
    /// How many targets prepare, and shift, at once.
    public var parallel: Int

    /// `function` in `region` (the default region when none is set).
    public static func label(_ plan: DeployPlan) -> String {
        plan.region.map { "\(plan.function) (\($0))" } ?? plan.function
    }

    /// `--waves 1,25%,100%`: cumulative bounds, counts or percentages of the targets (rounded up);
    /// wave k holds the targets after the previous bound up to this one; empty waves are dropped,
    /// and targets no bound reaches form a last wave.
    public static func waves(_ text: String?, count: Int, origin: String) throws -> [[Int]] {
        guard let text, !text.trimmed().isEmpty else { return [Array(0..<count)] }
        var bounds: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmed() }) {
            var bound: Int?
            if part.hasSuffix("%"), let percent = Double(part.dropLast()), percent > 0, percent <= 100 {
                bound = Int((percent / 100 * Double(count)).rounded(.up))
            } else if let number = Int(part), number > 0 {
                bound = min(number, count)
            }
            guard let bound, bounds.last.map({ bound >= $0 }) ?? true else {
                throw ConfigError(
                    "\(origin) is \"\(text)\": give rising wave sizes, counts or percentages of the targets, such as 1,25%,100%."
                )
            }
            bounds.append(bound)
        }
        if bounds.last != count { bounds.append(count) }
        var waves: [[Int]] = []
        var from = 0
        for bound in bounds where bound > from {
            waves.append(Array(from..<bound))
            from = bound
        }
        return waves
    }
}

extension DeploySettings {
    /// The targets of this deploy: repeated `--function`, the function input's lines, or the
    /// settings file's `targets:` (per environment, else at the top); one target otherwise. Each
    /// is resolved as a single deploy would be, with its own function, region, alias and bucket.
    /// Nil when the branch deploys nothing.
    public func resolveTargets(_ environment: Environment) throws -> DeployTargets? {
        var settings = SettingSource(
            environment: environment, file: try SettingSource.loadFile(flag: config, environment: environment))
        var entries: [ConfigFile.Target]
        if functions.count > 1 {
            entries = functions.map { ConfigFile.Target(function: $0) }
        } else if let one = functions.first ?? function {
            entries = [ConfigFile.Target(function: one)]
        } else if let lines = settings.value(String?.none, "function"), lines.contains("\n") {
            entries = lines.split(separator: "\n").map { $0.trimmed() }.filter { !$0.isEmpty }.map {
                ConfigFile.Target(function: $0)
            }
        } else {
            var provenance = Provenance.detect(environment.variables, git: { LocalGit.facts() })
            if let branch = settings.value(branch, "branch") { provenance.branch = branch }
            let name = try settings.environment(explicit: self.environment, branch: provenance.branch)?.name
            settings.environmentName = name
            entries = settings.file?.targets(environment: name) ?? []
            if entries.isEmpty {
                entries = [ConfigFile.Target(function: settings.value(String?.none, "function") ?? "")]
            }
        }
        var plans: [DeployPlan] = []
        for entry in entries {
            var one = self
            one.functions = []
            one.function = entry.function.isEmpty ? nil : entry.function
            if let region = entry.region { one.region = region }
            if let alias = entry.alias { one.alias = alias }
            if let bucket = entry.bucket { one.bucket = bucket }
            guard let plan = try one.resolve(environment) else { return nil }
            plans.append(plan)
        }
        // One upload per bucket: the targets of a bucket (in one region) share the first one's key.
        var firstKey: [String: (key: String, prefix: String, anyRepository: String)] = [:]
        for index in plans.indices where plans[index].source.artifact == nil {
            let bucket = "\(plans[index].region ?? "")|\(plans[index].bucket)"
            if let shared = firstKey[bucket] {
                plans[index].key = shared.key
                plans[index].keyPrefix = shared.prefix
                plans[index].keyPrefixAnyRepository = shared.anyRepository
            } else {
                firstKey[bucket] = (plans[index].key, plans[index].keyPrefix, plans[index].keyPrefixAnyRepository)
            }
        }
        var seen = Set<String>()
        for plan in plans where !seen.insert("\(plan.region ?? "")|\(plan.function)").inserted {
            throw ConfigError(
                "\(DeployTargets.label(plan)) is a target twice: list each function once per region.")
        }
        if plans.count > 1, let preview = plans.first(where: \.isPreview) {
            throw ConfigError(
                "--preview deploys one function (\(preview.function) was one of \(plans.count) targets): deploy previews one target at a time."
            )
        }
        let waves = try DeployTargets.waves(
            settings.value(self.waves, "waves"), count: plans.count, origin: settings.origin(self.waves, "waves"))
        let parallel =
            try settings.integer(self.parallel, "parallel", in: 1...64, what: "how many targets move at once") ?? 4
        return DeployTargets(plans: plans, waves: waves, parallel: parallel)
    }
}
