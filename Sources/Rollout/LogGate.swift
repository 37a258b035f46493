import AWSCore
import AWSServices
import FoundationEssentials
import LambdaShiftCore
import Ports
import Synchronization

/// The limits the log-based judge applies, each nil when not asked for.
package struct LogLimits: Sendable, Equatable {
    /// `--max-duration-increase`: the new version's durations may be shifted above the stable
    /// one's by at most this percent of the stable median (Hodges–Lehmann, one-sided bound).
    package var maxDurationIncreasePercent: Double?
    /// `--max-memory-use`: no invocation of the new version may use more than this percent of
    /// its Memory Size.
    package var maxMemoryUsePercent: Double?
    /// `--max-init-duration-increase`: cold starts judged like durations.
    package var maxInitDurationIncreasePercent: Double?
    /// `--max-error-rate`, in basis points, over the invocations the logs show.
    package var maxErrorRateBasisPoints: Int?
    /// `--max-error-rate-increase`, in percentage points, against the stable version.
    package var maxErrorRateIncreasePoints: Double?
    /// 0.95: the one-sided confidence of a shift's bound and of an error-rate excess.
    package var confidence: Double
    package var minInvocations: Int

    package init(
        maxDurationIncreasePercent: Double? = nil, maxMemoryUsePercent: Double? = nil,
        maxInitDurationIncreasePercent: Double? = nil, maxErrorRateBasisPoints: Int? = nil,
        maxErrorRateIncreasePoints: Double? = nil, confidence: Double = 0.95, minInvocations: Int = 1
    ) {
        self.maxDurationIncreasePercent = maxDurationIncreasePercent
        self.maxMemoryUsePercent = maxMemoryUsePercent
        self.maxInitDurationIncreasePercent = maxInitDurationIncreasePercent
        self.maxErrorRateBasisPoints = maxErrorRateBasisPoints
        self.maxErrorRateIncreasePoints = maxErrorRateIncreasePoints
        self.confidence = confidence
        self.minInvocations = minInvocations
    }

    /// Whether any limit needs the logs at all (errors alone are read from metrics otherwise).
    package var needsLogs: Bool {
        maxDurationIncreasePercent != nil || maxMemoryUsePercent != nil || maxInitDurationIncreasePercent != nil
    }

    /// The fewest cold starts of each version for an Init Duration verdict: below it a
    /// comparison is one or two environments' luck, not the code's.
    package static let minColdStarts = 5
    /// The most reports kept per version and step: beyond it a uniform sample of them.
    package static let samplesPerVersion = 10_000
}

/// One metric as the log judge saw it: both versions' numbers and the verdict, for the report.
package struct JudgedMetric: Sendable, Equatable {
    package var metric: String
    package var unit: String
    package var candidate: String
    package var stable: String?
    package var candidateCount: Int
    package var stableCount: Int
    package var candidateMedian: Double?
    package var stableMedian: Double?
    package var candidateP99: Double?
    package var stableP99: Double?
    /// The Hodges–Lehmann shift and its one-sided lower bound, in the metric's unit.
    package var shift: Double?
    package var lowerBound: Double?
    /// What the limit allows, in the metric's unit (a shift, or a share of memory).
    package var allowance: Double?
    package var verdict: CanaryComparison.Verdict
    package var sentence: String
    /// Both versions' quantiles p10 … p99 (duration only, for the chart).
    package var quantiles: [(q: Int, candidate: Double, stable: Double)] = []

    package static func == (a: JudgedMetric, b: JudgedMetric) -> Bool {
        a.metric == b.metric && a.candidate == b.candidate && a.stable == b.stable && a.verdict == b.verdict
            && a.sentence == b.sentence && a.candidateCount == b.candidateCount && a.stableCount == b.stableCount
    }
}

/// Where a version's reports are: its log group and format. Each version keeps the
/// LoggingConfig it was published with, so the stable and the new version may log apart.
package struct LogSource: Sendable, Hashable {
    package var group: String
    package var format: InvocationReport.Format

    package init(group: String, format: InvocationReport.Format) {
        self.group = group
        self.format = format
    }

    /// The groups, each once, as reports name them (`/custom/g and /aws/lambda/f`).
    package static func groups(_ sources: [LogSource]) -> String {
        sources.map(\.group).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            .joined(separator: " and ")
    }

    /// A log group name as CloudWatch Logs takes it: 1 to 512 of letters, digits, `.-_/#`.
    /// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
    package static func isValidGroup(_ name: String) -> Bool {
        (1...512).contains(name.utf8.count)
            && name.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || "._-/#".unicodeScalars.contains(scalar)
            }
    }
}

/// Judges the canary from the function's own logs: every invocation's report (Duration, Max
/// Memory Used, Init Duration, status) of the new version against the stable one's, read from
/// the versions' log groups over the step's window, filtered on the server. Each read goes on
/// from where the last stopped (with an overlap for late records, deduplicated by event id);
/// beyond `LogLimits.samplesPerVersion` reports a version keeps a uniform sample.
package final class LogGate: HealthGate {
    package let logs: any LogsAPI
    /// Each distinct group and format the versions log to (one, mostly).
    package let sources: [LogSource]
    package let limits: LogLimits
    package var name: String { "logs" }
    private let reading = Mutex(Reading())

    /// The groups, as the report names them.
    package var group: String { LogSource.groups(sources) }

    package init(logs: any LogsAPI, sources: [LogSource], limits: LogLimits) {
        self.logs = logs
        var unique: [LogSource] = []
        for source in sources where !unique.contains(source) { unique.append(source) }
        self.sources = unique
        self.limits = limits
    }

    package convenience init(logs: any LogsAPI, group: String, format: InvocationReport.Format, limits: LogLimits) {
        self.init(logs: logs, sources: [LogSource(group: group, format: format)], limits: limits)
    }

    /// What one version's reports said so far in the step.
    package struct Sample: Sendable {
        package var invocations = 0
        package var failures = 0
        package var timeouts = 0
        package var durations: [Double] = []
        package var initDurations: [Double] = []
        package var coldStarts = 0
        /// The invocation that used the largest share of its memory.
        package var worstMemory: (used: Double, size: Double)?
        /// A reservoir's generator state: the sample is the same on every run.
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15

        mutating func add(_ report: InvocationReport) {
            invocations += 1
            if report.failed { failures += 1 }
            if report.timedOut { timeouts += 1 }
            keep(report.durationMs, in: \.durations, seen: invocations)
            if let initDuration = report.initDurationMs {
                coldStarts += 1
                keep(initDuration, in: \.initDurations, seen: coldStarts)
            }
            if report.memorySizeMB > 0,
                worstMemory.map({ report.maxMemoryUsedMB / report.memorySizeMB > $0.used / $0.size }) ?? true
            {
                worstMemory = (report.maxMemoryUsedMB, report.memorySizeMB)
            }
        }

        /// Reservoir sampling (Vitter's algorithm R) with SplitMix64.
        private mutating func keep(_ value: Double, in values: WritableKeyPath<Sample, [Double]>, seen: Int) {
            if self[keyPath: values].count < LogLimits.samplesPerVersion {
                self[keyPath: values].append(value)
                return
            }
            random &+= 0x9E37_79B9_7F4A_7C15
            var z = random
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let slot = Int(z % UInt64(seen))
            if slot < LogLimits.samplesPerVersion { self[keyPath: values][slot] = value }
        }
    }

    struct Reading {
        var stepStart: Date?
        var readUntil: Int64 = 0
        var seen = Set<String>()
        var samples: [String: Sample] = [:]
    }

    /// Late records (Lambda's logs arrive within seconds) are read again this far back.
    static let overlapMilliseconds: Int64 = 30_000

    /// An event's identity across groups (an event id is unique within its group).
    private func source(_ event: LogEvent, _ format: InvocationReport.Format) -> String {
        "\(format.rawValue)|\(event.stream)|\(event.eventId)"
    }

    /// Reads the step's reports not read yet, and returns every version's sample so far.
    package func read(_ window: GateWindow) async throws -> [String: Sample] {
        let (stepStart, readUntil) = reading.withLock { state -> (Date, Int64) in
            if state.stepStart != window.start { state = Reading(stepStart: window.start) }
            return (window.start, state.readUntil)
        }
        let startMs = Int64(stepStart.timeIntervalSince1970 * 1000)
        let from = max(startMs, readUntil - Self.overlapMilliseconds)
        let to = Int64(window.end.timeIntervalSince1970 * 1000)
        var events: [(LogEvent, InvocationReport.Format)] = []
        for source in sources {
            var token: String?
            repeat {
                let page: LogPage
                do {
                    page = try await logs.filterLogEvents(
                        group: source.group, start: from, end: to, pattern: source.format.filterPattern,
                        nextToken: token, limit: 10_000)
                } catch let error as AWSServiceError where error.kind == .notFound {
                    // A group no invocation has written to yet: no reports so far.
                    break
                }
                events += page.events.map { ($0, source.format) }
                token = page.nextToken
            } while token != nil
        }
        return reading.withLock { state in
            for (event, format) in events where state.seen.insert(source(event, format)).inserted {
                if let report = InvocationReport.parse(event, format: format) {
                    state.samples[report.version, default: Sample()].add(report)
                }
            }
            state.readUntil = max(state.readUntil, to)
            return state.samples
        }
    }

    package func evaluate(_ window: GateWindow) async throws -> GateResult {
        let samples = try await read(window)
        let candidate = samples[window.newVersion] ?? Sample()
        let stable = window.stableVersion.map { samples[$0] ?? Sample() }
        let metrics = judge(
            candidate: candidate, version: window.newVersion, stable: stable, stableVersion: window.stableVersion)
        let detail =
            "from the logs of \(group): " + metrics.map(\.sentence).joined(separator: "; ")
            + (candidate.invocations > LogLimits.samplesPerVersion
                || (stable?.invocations ?? 0) > LogLimits.samplesPerVersion
                ? " (a uniform sample of \(LogLimits.samplesPerVersion) reports per version judged)" : "")
        if metrics.contains(where: { $0.verdict == .fail }) {
            return GateResult(gate: name, passed: false, detail: detail, metrics: metrics)
        }
        if metrics.contains(where: { $0.verdict == .inconclusive }) {
            if window.final {
                return GateResult(gate: name, passed: false, detail: detail, inconclusive: true, metrics: metrics)
            }
            return GateResult(gate: name, passed: true, detail: detail + " so far", provisional: true, metrics: metrics)
        }
        return GateResult(gate: name, passed: true, detail: detail, metrics: metrics)
    }

    /// Every asked-for metric's verdict over the samples.
    package func judge(candidate: Sample, version: String, stable: Sample?, stableVersion: String?) -> [JudgedMetric] {
        var metrics: [JudgedMetric] = []
        let enough = max(1, limits.minInvocations)
        func metric(_ name: String, _ verdict: CanaryComparison.Verdict, _ sentence: String) -> JudgedMetric {
            JudgedMetric(
                metric: name, unit: "", candidate: version, stable: stableVersion,
                candidateCount: candidate.invocations, stableCount: stable?.invocations ?? 0, verdict: verdict,
                sentence: sentence)
        }
        if let limit = limits.maxErrorRateBasisPoints {
            let count = candidate.invocations
            if count < enough {
                metrics.append(
                    metric(
                        "errors", .inconclusive,
                        "errors: \(count) invocation(s) of version \(version), fewer than --min-invocations \(enough)"))
            } else {
                let rate = candidate.failures * 10_000 / count
                let text =
                    "errors: \(candidate.failures) failed (\(candidate.timeouts) timed out) of \(count) invocations of version \(version) (\(Strategy.percent(rate)), limit \(Strategy.percent(limit)))"
                metrics.append(metric("errors", rate > limit ? .fail : .pass, text))
            }
        }
        if let points = limits.maxErrorRateIncreasePoints, let stable, let stableVersion {
            let comparison = CanaryLimits(
                maxErrorRateIncreasePoints: points, maxDurationIncreasePercent: nil, confidence: limits.confidence,
                minInvocations: limits.minInvocations
            ).judge(
                stable: VersionSample(
                    version: stableVersion, invocations: stable.invocations, failures: stable.failures),
                candidate: VersionSample(
                    version: version, invocations: candidate.invocations, failures: candidate.failures))
            metrics.append(
                metric("error rate increase", comparison.verdict, comparison.reasons.joined(separator: "; ")))
        }
        if let percent = limits.maxMemoryUsePercent {
            if let worst = candidate.worstMemory, worst.used > worst.size * percent / 100 {
                metrics.append(
                    metric(
                        "memory", .fail,
                        "memory: an invocation of version \(version) used \(Decimals.text(worst.used)) of \(Decimals.text(worst.size)) MB (\(Decimals.text(worst.used / worst.size * 100, decimals: 1))%), more than the \(Decimals.text(percent))% allowed"
                    ))
            } else if candidate.invocations < enough || candidate.worstMemory == nil {
                metrics.append(
                    metric(
                        "memory", .inconclusive,
                        "memory: \(candidate.invocations) invocation(s) of version \(version), fewer than --min-invocations \(enough)"
                    ))
            } else if let worst = candidate.worstMemory {
                metrics.append(
                    metric(
                        "memory", .pass,
                        "memory: at most \(Decimals.text(worst.used)) of \(Decimals.text(worst.size)) MB (\(Decimals.text(worst.used / worst.size * 100, decimals: 1))%) in \(candidate.invocations) invocations of version \(version), within the \(Decimals.text(percent))% allowed"
                    ))
            }
        }
        if let percent = limits.maxDurationIncreasePercent, let stable, let stableVersion {
            metrics.append(
                shift(
                    "duration", candidate.durations, stable.durations, percent: percent, version: version,
                    stableVersion: stableVersion, minimum: enough, what: "invocation(s)", tail: true))
        }
        if let percent = limits.maxInitDurationIncreasePercent, let stable, let stableVersion {
            metrics.append(
                shift(
                    "init duration", candidate.initDurations, stable.initDurations, percent: percent,
                    version: version, stableVersion: stableVersion, minimum: LogLimits.minColdStarts,
                    what: "cold start(s)", tail: false))
        }
        return metrics
    }

    /// A distribution's shift judged against `percent` of the stable median: fails only when the
    /// shift's one-sided lower bound at the confidence is past the allowance (or, for durations
    /// with 100 calls of each, when the new p99 is past the stable p99 by more than `percent`).
    func shift(
        _ name: String, _ new: [Double], _ old: [Double], percent: Double, version: String, stableVersion: String,
        minimum: Int, what: String, tail: Bool
    ) -> JudgedMetric {
        var judged = JudgedMetric(
            metric: name, unit: "ms", candidate: version, stable: stableVersion, candidateCount: new.count,
            stableCount: old.count, verdict: .inconclusive, sentence: "")
        let few = [(version, new.count), (stableVersion, old.count)].filter { $0.1 < minimum }
        guard few.isEmpty, let newMedian = RankStatistics.median(new), let oldMedian = RankStatistics.median(old),
            let estimate = RankStatistics.hodgesLehmann(new, old),
            let bound = RankStatistics.shiftLowerBound(new, old, confidence: limits.confidence)
        else {
            judged.sentence =
                "\(name): " + few.map { "version \($0.0) had \($0.1) \(what)" }.joined(separator: " and ")
                + ", fewer than the \(minimum) needed: no verdict"
            return judged
        }
        let allowance = oldMedian * percent / 100
        let (p99New, p99Old) = (RankStatistics.quantile(new, 0.99), RankStatistics.quantile(old, 0.99))
        judged.candidateMedian = newMedian
        judged.stableMedian = oldMedian
        judged.candidateP99 = p99New
        judged.stableP99 = p99Old
        judged.shift = estimate
        judged.lowerBound = bound
        judged.allowance = allowance
        if tail {
            // The p50 is the median the table shows; the others by the nearest rank.
            judged.quantiles = [10, 25, 50, 75, 90, 95, 99].compactMap { q in
                guard let a = q == 50 ? newMedian : RankStatistics.quantile(new, Double(q) / 100),
                    let b = q == 50 ? oldMedian : RankStatistics.quantile(old, Double(q) / 100)
                else { return nil }
                return (q, a, b)
            }
        }
        func relative(_ value: Double) -> String {
            oldMedian > 0 ? CanaryLimits.signed(value / oldMedian * 100) + "%" : CanaryLimits.milliseconds(value)
        }
        let confidence = Decimals.text(limits.confidence * 100)
        var sentence =
            "\(name): version \(version) median \(CanaryLimits.milliseconds(newMedian)) vs \(CanaryLimits.milliseconds(oldMedian)) on version \(stableVersion), \(relative(estimate)) (at \(confidence)% confidence at least \(relative(bound))), allowed +\(Decimals.text(percent))%"
        var failed = bound > allowance
        if tail, new.count >= CanaryLimits.p99Sample, old.count >= CanaryLimits.p99Sample, let p99New, let p99Old,
            p99New > p99Old * (1 + percent / 100)
        {
            failed = true
            sentence +=
                "; p99 \(CanaryLimits.milliseconds(p99New)) vs \(CanaryLimits.milliseconds(p99Old)), more than the \(Decimals.text(percent))% allowed"
        }
        judged.verdict = failed ? .fail : .pass
        judged.sentence = sentence
        return judged
    }
}
