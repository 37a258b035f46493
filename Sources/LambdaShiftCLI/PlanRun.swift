import AWSCore
import AWSServices
import CISupport
import Config
import Foundation
import Packaging
import Rollout
import Synchronization

/// `plan` (and `deploy --dry-run`): the preflight, the package digest and whether it would be
/// skipped, the bucket's reachability, and the schedule. Sends no mutating request.
struct PlanRun {
    var options: DeployOptions
    var context: CommandContext

    func execute() async throws {
        let report = DeployReport(context: context, json: false)
        guard let plan = try options.resolve(context) else {
            context.output("Branch \(options.branchDescription(context)) maps to no environment: a deploy would do nothing.")
            return
        }
        let checked = try await Preflight(plan: plan, context: context, report: report).run()
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("lambda-shift-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let package = try await plan.sourceOptions.makePackage(out: workDirectory.appendingPathComponent("package.zip").path, environment: context.environment)
        context.output("package: \(package.size) bytes, \(package.entryCount) files, sha256 \(package.sha256Hex)")
        if let version = try await ArtifactStage(client: checked.client).unchangedVersion(function: plan.function, alias: plan.alias, package: package,
                                                                                   current: checked.before.map { .present($0) } ?? .absent) {
            context.output("would skip: alias \(plan.alias) already serves this code (version \(version))")
            return
        }
        context.output("would upload s3://\(plan.bucket)/\(plan.key), update \(plan.function) ($LATEST code \(checked.function.codeSha256) → \(package.codeSha256)) and publish a version")
        guard let before = checked.before else {
            context.output("would create alias \(plan.alias) on the new version (first deploy)")
            return
        }
        context.output("alias \(plan.alias) now: \(RolloutEngine.describe(before))")
        var elapsed = 0
        for step in plan.strategy.steps {
            context.output("  at \(elapsed)s: \(Strategy.percent(step.basisPoints)) to the new version, bake \(step.bakeSeconds)s, then \(checked.gates.isEmpty ? "no gates" : checked.gates.map(\.name).joined(separator: " + "))")
            elapsed += step.bakeSeconds
        }
        context.output("  at \(elapsed)s: 100% to the new version" + (plan.bakeSeconds > 0 ? ", then bake \(plan.bakeSeconds)s" : ""))
        context.output("total: \(elapsed + plan.bakeSeconds)s")
    }
}
