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
        let report = DeployReport(context: context)
        let result = context.result
        guard let plan = try options.resolve(context) else {
            let sentence = "Branch \(options.branchDescription(context)) maps to no environment: a deploy would do nothing."
            result.line(sentence)
            result.document(["command": "plan", "outcome": "nothing-to-do", "exit-code": 0, "message": .string(sentence)])
            return
        }
        let checked = try await Preflight(plan: plan, context: context, report: report).run()
        report.closePhase()
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("lambda-shift-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let package = try await plan.sourceOptions.makePackage(out: workDirectory.appendingPathComponent("package.zip").path, environment: context.environment)
        var document: [String: JSONValue] = [
            "command": "plan", "exit-code": 0, "function": .string(plan.function), "alias": .string(plan.alias),
            "environment": .string(plan.environment), "sha256": .string(package.sha256Hex), "code-sha256": .string(package.codeSha256),
            "size": .int(Int(package.size)), "files": .int(package.entryCount), "strategy": .string(plan.strategy.name),
            "gates": .array(checked.gates.map { .string($0.name) }),
        ]
        result.line("package: \(package.size) bytes, \(package.filesDescription), sha256 \(package.sha256Hex)")
        if let version = try await ArtifactStage(client: checked.client).unchangedVersion(function: plan.function, alias: plan.alias, package: package,
                                                                                   current: checked.before.map { .present($0) } ?? .absent) {
            result.line("would skip: alias \(plan.alias) already serves this code (version \(version))")
            document.merge(["outcome": "would-skip", "version": .string(version)]) { $1 }
            result.document(document)
            return
        }
        result.line("would upload s3://\(plan.bucket)/\(plan.key), update \(plan.function) ($LATEST code \(checked.function.codeSha256) → \(package.codeSha256)) and publish a version")
        document.merge(["outcome": "would-deploy", "bucket": .string(plan.bucket), "s3-key": .string(plan.key)]) { $1 }
        guard let before = checked.before else {
            result.line("would create alias \(plan.alias) on the new version (first deploy)")
            document["alias-before"] = .null
            result.document(document)
            return
        }
        result.line("alias \(plan.alias) now: \(RolloutEngine.describe(before))")
        if before.functionVersion == "$LATEST" {
            result.line("would first publish the code $LATEST serves (\(checked.function.codeSha256)) as a baseline version, or reuse one with that code, and move alias \(plan.alias) onto it: callers see no change until the gated shift")
            document["baseline"] = .string(checked.function.codeSha256)
        }
        document["alias-before"] = .object(["version": .string(before.functionVersion),
                                            "weights": .object(before.additionalVersionWeights.mapValues { .double($0) })])
        var elapsed = 0
        var steps: [JSONValue] = []
        for step in plan.strategy.steps {
            result.line("  at \(elapsed)s: \(Strategy.percent(step.basisPoints)) to the new version, bake \(step.bakeSeconds)s, then \(checked.gates.isEmpty ? "no gates" : checked.gates.map(\.name).joined(separator: " + "))")
            steps.append(.object(["at-seconds": .int(elapsed), "percent": .double(Double(step.basisPoints) / 100), "bake-seconds": .int(step.bakeSeconds)]))
            elapsed += step.bakeSeconds
        }
        result.line("  at \(elapsed)s: 100% to the new version" + (plan.bakeSeconds > 0 ? ", then bake \(plan.bakeSeconds)s" : ""))
        steps.append(.object(["at-seconds": .int(elapsed), "percent": .int(100), "bake-seconds": .int(plan.bakeSeconds)]))
        result.line("total: \(elapsed + plan.bakeSeconds)s")
        document["steps"] = .array(steps)
        document["total-seconds"] = .int(elapsed + plan.bakeSeconds)
        result.document(document)
    }
}
