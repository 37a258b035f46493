import AWSCore
import CISupport
import Config
import LambdaShiftCore
import Rollout

/// The functions one deploy ships, each a resolved plan, and the waves they move in.
package struct DeployTargets: Sendable {
    package var plans: [DeployPlan]
    /// Indices into `plans`, wave by wave.
    package var waves: [[Int]]
    /// How many targets prepare, and shift, at once.
    package var parallel: Int

    /// `function` in `region` (the default region when none is set).
    package static func label(_ plan: DeployPlan) -> String {
        plan.region.map { "\(plan.function) (\($0))" } ?? plan.function
    }

    /// `--waves 1,25%,100%`: cumulative bounds, counts or percentages of the targets (rounded up);
    /// wave k holds the targets after the previous bound up to this one; empty waves are dropped,
    /// and targets no bound reaches form a last wave.
    package static func waves(_ text: String?, count: Int, origin: String) throws -> [[Int]] {
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

extension DeployTargets {
    /// The targets of this deploy: repeated `--function`, the function input's lines, or the
    /// settings file's `targets:` (per environment, else at the top); one target otherwise. Each
    /// is resolved as a single deploy would be, with its own function, region, alias and bucket.
    /// Nil when the branch deploys nothing.
    package static func resolve(_ settings: ResolvedSettings, requireCode: Bool = true) throws -> DeployTargets? {
        guard settings.environmentName != nil else { return nil }
        let flagged = settings.flags.values[Setting.function.name] ?? []
        var entries: [ConfigFile.Target]
        var origin = "--function"
        if flagged.count > 1 {
            entries = flagged.map { ConfigFile.Target(function: $0) }
        } else if let lines = settings.text(.function), lines.contains("\n") {
            origin = settings.origin(.function)
            entries = lines.split(separator: "\n").map { $0.trimmed() }.filter { !$0.isEmpty }.map {
                ConfigFile.Target(function: $0)
            }
        } else if flagged.isEmpty, let file = settings.file,
            let listed = file.targets(environment: settings.environmentName), !listed.isEmpty
        {
            origin = "targets in \(file.path)"
            entries = listed
        } else {
            entries = [ConfigFile.Target(function: settings.text(.function) ?? "")]
            origin = settings.origin(.function)
        }
        var plans: [DeployPlan] = []
        let fromFile = origin.hasPrefix("targets in ")
        for entry in entries {
            var base = settings
            if fromFile, let web = entry.webFunction {
                // A web function's target: its endpoint moves, not the file's function's alias.
                base = try base.removing(.function).removing(.alias)
                    .overriding(.webFunction, with: web, origin: origin)
                    .overriding(.endpoint, with: entry.endpoint, origin: origin)
            } else if fromFile {
                base = base.removing(.webFunction).removing(.endpoint)
            }
            let one = try base.overriding(
                .function, with: entry.function.isEmpty ? nil : entry.function, origin: origin
            )
            .overriding(.region, with: entry.region, origin: origin)
            .overriding(.alias, with: entry.alias, origin: origin)
            .overriding(.bucket, with: entry.bucket, origin: origin)
            .overriding(.imageUri, with: entry.imageUri, origin: origin)
            guard let plan = try DeployPlan.resolve(one, requireCode: requireCode) else { return nil }
            plans.append(plan)
        }
        // One upload per bucket: the targets of a bucket (in one region) share the first one's key.
        var firstKey: [String: (key: String, prefix: String, anyRepository: String)] = [:]
        for index in plans.indices where plans[index].source.isPackagedHere {
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
        for plan in plans
        where !seen.insert("\(plan.region ?? "")|\(plan.web == nil ? "" : "web:")\(plan.function)").inserted {
            throw ConfigError(
                "\(DeployTargets.label(plan)) is a target twice: list each function once per region.")
        }
        if plans.count > 1, let preview = plans.first(where: \.isPreview) {
            throw ConfigError(
                "--preview deploys one function (\(preview.function) was one of \(plans.count) targets): deploy previews one target at a time."
            )
        }
        if plans.count > 1, plans[0].detach {
            throw ConfigError(
                "--detach rolls out one function (this deploy has \(plans.count) targets): detach each target in a job of its own, or deploy them together without --detach."
            )
        }
        let waves = try DeployTargets.waves(
            settings.text(.waves), count: plans.count, origin: settings.origin(.waves))
        return DeployTargets(plans: plans, waves: waves, parallel: settings.count(.parallel) ?? 4)
    }
}
