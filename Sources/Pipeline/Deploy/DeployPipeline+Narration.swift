import Rollout
import AWSServices
import Synchronization

extension DeployPipeline {
    /// The rollout engine of this deploy (or of an `advance` run), its events narrated in the
    /// report as they happen: shifts, bakes, gate verdicts, capacity waits, restores.
    func rolloutEngine(
        gates: [any HealthGate], newVersion: String, before: AliasConfiguration, canary: CanaryRecorder,
        warm: WarmCapacity?
    ) -> RolloutEngine {
        let report = self.report, plan = self.plan
        let watched = Mutex(0)
        var engine = RolloutEngine(
            api: deps.functions, gates: gates, clock: deps.clock, sleeper: deps.bakeSleeper,
            gateInterval: Double(plan.gateIntervalSeconds), inconclusive: plan.inconclusive,
            warming: warming(deps.functions), capacity: capacityWait(warm)
        ) { event in
            canary.record(event.kind)
            switch event.kind {
            case .shifted(let bp): report.event("shifted \(Strategy.percent(bp)) to version \(newVersion)")
            case .baking(let seconds):
                watched.withLock { $0 = 0 }
                report.line(
                    "baking \(seconds)s"
                        + (gates.isEmpty ? "" : ", checking the gates every \(plan.gateIntervalSeconds)s"))
            case .gate(let result):
                // The summary's row for a gate says how often it was watched during the bake.
                let checks = watched.withLock { $0 }
                let during =
                    checks == 0
                    ? "" : " (also checked \(checks) time\(checks == 1 ? "" : "s") during the bake)"
                let verdict = result.passed ? "passed" : (result.inconclusive ? "NO VERDICT" : "FAILED")
                report.event(
                    "gate \(result.gate): \(verdict): \(result.detail)" + during,
                    passed: result.inconclusive ? nil : result.passed)
                if let comparison = result.comparison {
                    report.line(
                        CanaryRecorder.line(weightBasisPoints: canary.currentWeight, comparison))
                }
            case .watched(let elapsed, let total, let results):
                watched.withLock { $0 += 1 }
                report.line(
                    "gates at \(elapsed)s of \(total)s: "
                        + results.map {
                            "\($0.gate) \($0.inconclusive || $0.provisional ? "no verdict yet" : "ok") (\($0.detail))"
                        }
                        .joined(separator: ", "))
            case .extended(let after, let until, let results):
                report.event(
                    "no verdict after \(after)s (\(results.map { "\($0.gate): \($0.detail)" }.joined(separator: "; "))): baking on, up to \(until)s (--max-bake)"
                )
            case .proceededInconclusive(let after, _):
                report.warning(
                    "Still no verdict after \(after)s (--max-bake): the shift goes on, as --on-inconclusive proceed asks."
                )
            case .warmed(let sent, let failed):
                report.line(
                    "sent \(sent) warm invocation(s) of alias \(plan.alias)"
                        + (failed > 0 ? "; \(failed) could not be sent" : ""))
            case .capacity(let check):
                report.event("provisioned concurrency of alias \(plan.alias): \(check.detail)", passed: check.ready)
            case .routingCleared(let version, let refusal):
                report.event(
                    "Lambda refused to restore alias \(plan.alias)'s routing with its provisioned concurrency (\(refusal)): the routing was cleared instead, and the alias serves version \(version) alone",
                    passed: false)
            case .flipped: report.event("alias \(plan.alias) → version \(newVersion)")
            case .restoring: report.line("restoring alias \(plan.alias) to \(RolloutEngine.describe(before))…")
            case .restored: report.event("alias \(plan.alias) restored to \(RolloutEngine.describe(before))")
            }
        }
        // A post-traffic command is a gate of the run too: the version is recorded good after it.
        engine.recordsGoodAtFlip = plan.postTrafficCommand == nil
        return engine
    }

    /// After the post-traffic command passed: the version is recorded good (a warning when the
    /// alias moved meanwhile, so the record could not be written).
    func recordPassedPostTraffic(_ version: String) async {
        let recorded = await RolloutEngine(api: deps.functions, clock: deps.clock).recordSucceeded(
            function: plan.function, alias: plan.alias, newVersion: version)
        if !recorded {
            report.warning(
                "Version \(version) passed the post-traffic command, but alias \(plan.alias) no longer serves it alone, so it was not recorded as good."
            )
        }
    }
}
