import Ports
import AWSCore
import AWSServices
import FoundationEssentials
import LambdaShiftCore
import Synchronization

/// Fails when any of the named alarms, or of the alarms under a name prefix, is in ALARM, or
/// went into ALARM at any moment of the window (DescribeAlarmHistory since the step began).
/// Alarms already firing when the deploy began may be ignored (`--alarm-already-firing
/// ignore`, so the fix for that very alarm can ship): each is left out until it has been seen
/// out of ALARM once, and gates like any other from then on.
package struct AlarmGate: HealthGate {
    package var cloudWatch: any MetricsAPI
    package var names: [String]
    package var prefixes: [String]
    package var name: String { "alarms" }
    private let ignored: IgnoredAlarms

    package init(cloudWatch: any MetricsAPI, names: [String], prefixes: [String] = [], ignoring: Set<String> = []) {
        self.cloudWatch = cloudWatch
        self.names = names
        self.prefixes = prefixes
        ignored = IgnoredAlarms(ignoring)
    }

    /// The current states, every named alarm required to exist.
    package func states() async throws -> [AlarmState] {
        var found = names.isEmpty ? [] : try await cloudWatch.describeAlarms(names: names, prefix: nil)
        let missing = Set(names).subtracting(found.map(\.name))
        guard missing.isEmpty else {
            throw AWSClientError(
                .invalidSetting,
                "No CloudWatch alarm is named \(missing.sorted().joined(separator: ", ")): check --alarm and the region.",
                isConfiguration: true)
        }
        // A prefix that matches no alarm would gate on nothing and pass whatever happens (a typo
        // removing the only gate): a configuration error, like an unknown alarm name.
        var unmatched: [String] = []
        for prefix in prefixes {
            let matched = try await cloudWatch.describeAlarms(names: [], prefix: prefix)
            if matched.isEmpty { unmatched.append(prefix) }
            found += matched
        }
        guard unmatched.isEmpty else {
            throw AWSClientError(
                .invalidSetting,
                "No CloudWatch alarm's name starts with \(unmatched.map { "\"\($0)\"" }.joined(separator: ", ")), so that gate would watch nothing: check --alarm-prefix and the region.",
                isConfiguration: true)
        }
        return found
    }

    package func evaluate(_ window: GateWindow) async throws -> GateResult {
        let states = try await states()
        let recovered = ignored.release(states.filter { !$0.isFiring }.map(\.name))
        let skipped = ignored.names
        let firing = states.filter { $0.isFiring && !skipped.contains($0.name) }.map(\.name).sorted()
        var notes = ""
        if !recovered.isEmpty {
            notes += "; \(recovered.sorted().joined(separator: ", ")) left ALARM and gate from now on"
        }
        if !skipped.isEmpty {
            notes += "; ignoring \(skipped.sorted().joined(separator: ", ")) (in ALARM since before the deploy)"
        }
        guard firing.isEmpty else {
            return GateResult(gate: name, passed: false, detail: "in ALARM: \(firing.joined(separator: ", "))" + notes)
        }
        // Every read covers the whole window since the step began, not only the present: an
        // alarm that went into ALARM and left it between two reads (a flap shorter than
        // --gate-interval, or the hours between two `advance` runs) fails the step too.
        var fired: [AlarmTransition] = []
        for alarm in Set(states.map(\.name)).subtracting(skipped).sorted() {
            fired += try await cloudWatch.alarmTransitions(name: alarm, start: window.start, end: window.end)
                .filter { $0.value == .alarm }
        }
        fired.sort { $0.at < $1.at }
        if let first = fired.first {
            let names = Array(Set(fired.map(\.name))).sorted().joined(separator: ", ")
            return GateResult(
                gate: name, passed: false,
                detail:
                    "\(names) went into ALARM during the step (first at \(AWSTimestamp.iso8601(first.at))), though not in ALARM now"
                    + notes)
        }
        return GateResult(
            gate: name, passed: true, detail: "\(counted(states.count, "alarm")), none in ALARM" + notes)
    }
}

/// The alarms an `AlarmGate` leaves out until each is seen out of ALARM.
final class IgnoredAlarms: Sendable {
    private let state: Mutex<Set<String>>
    init(_ names: Set<String>) { state = Mutex(names) }
    var names: Set<String> { state.withLock { $0 } }
    /// Stops ignoring those of `names` that were ignored; returns them.
    func release(_ names: [String]) -> Set<String> {
        state.withLock { ignored in
            let released = ignored.intersection(names)
            ignored.subtract(released)
            return released
        }
    }
}

/// Errors and throttles of the new version behind the alias, over invocations, from the
/// per-version metrics Lambda publishes (dimensions FunctionName, Resource = function:alias,
/// ExecutedVersion). Fewer invocations than `minInvocations` at the bake's end is no verdict
/// (inconclusive): no traffic is no proof of health, nor of harm.
package struct MetricsGate: HealthGate {
    package var cloudWatch: any MetricsAPI
    package var function: String
    package var alias: String
    /// The highest acceptable (errors + throttles) / invocations, in basis points.
    package var maxErrorRateBasisPoints: Int
    package var minInvocations: Int
    package var name: String { "metrics" }

    package init(
        cloudWatch: any MetricsAPI, function: String, alias: String, maxErrorRateBasisPoints: Int, minInvocations: Int
    ) {
        self.cloudWatch = cloudWatch
        self.function = function
        self.alias = alias
        self.maxErrorRateBasisPoints = maxErrorRateBasisPoints
        self.minInvocations = minInvocations
    }

    package func evaluate(_ window: GateWindow) async throws -> GateResult {
        let (newVersion, final) = (window.newVersion, window.final)
        let dimensions = [
            ("FunctionName", function), ("Resource", "\(function):\(alias)"), ("ExecutedVersion", newVersion),
        ]
        let period = 60
        let queries = ["Invocations", "Errors", "Throttles"].map {
            MetricQuery(
                id: $0.lowercased(), namespace: "AWS/Lambda", metricName: $0, dimensions: dimensions, period: period,
                stat: "Sum")
        }
        let (from, to) = MetricWindow.covering(window, period: period)
        let results = try await cloudWatch.getMetricData(queries, start: from, end: to)
        func sum(_ id: String) -> Int { Int(results.first { $0.id == id }?.values.reduce(0, +) ?? 0) }
        let invocations = sum("invocations"), bad = sum("errors") + sum("throttles")
        if invocations < minInvocations && !final {
            // During the bake, too little traffic so far is no verdict yet.
            return GateResult(
                gate: name, passed: true,
                detail: "\(bad) error(s)/throttle(s) in \(invocations) invocation(s) of version \(newVersion) so far",
                provisional: true)
        }
        if invocations < minInvocations {
            // No verdict either way: the bake goes on to --max-bake, then --on-inconclusive decides.
            return GateResult(
                gate: name, passed: false,
                detail:
                    "\(invocations) invocation(s) of version \(newVersion), fewer than --min-invocations \(minInvocations): no traffic is no proof of health",
                inconclusive: true)
        }
        let rate = invocations == 0 ? 0 : bad * 10_000 / invocations
        let detail =
            "\(bad) error(s)/throttle(s) in \(invocations) invocation(s) of version \(newVersion) (\(Strategy.percent(rate)), limit \(Strategy.percent(maxErrorRateBasisPoints)))"
        return GateResult(gate: name, passed: rate <= maxErrorRateBasisPoints, detail: detail)
    }
}

/// The whole CloudWatch periods covering a gate's window, so a short bake still reads its
/// minute (and the minute after, where late data points land).
enum MetricWindow {
    static func covering(_ window: GateWindow, period: Int) -> (Date, Date) {
        let length = Double(period)
        let from = (window.start.timeIntervalSince1970 / length).rounded(.down) * length
        let to = (window.end.timeIntervalSince1970 / length).rounded(.up) * length + length
        return (Date(timeIntervalSince1970: from), Date(timeIntervalSince1970: to))
    }
}

/// Invokes the new version itself (qualifier = the version) before any traffic moves; a
/// function error or an error status fails it.
package struct SmokeTest: Sendable {
    package var lambda: any FunctionAPI
    package var payload: Data
    /// The tenant the invoke is for (a tenant-isolated function needs one).
    package var tenantId: String?
    /// `--show-smoke-response`: whether the report quotes the response (its first 300 bytes). A
    /// function's answer may hold what no log should (a token, a customer's record), so by
    /// default only its size is reported.
    package var showsResponse: Bool

    package init(lambda: any FunctionAPI, payload: Data, tenantId: String? = nil, showsResponse: Bool = false) {
        self.lambda = lambda
        self.payload = payload
        self.tenantId = tenantId
        self.showsResponse = showsResponse
    }

    package func run(function: String, version: String) async throws -> GateResult {
        let result = try await lambda.invoke(function, qualifier: version, payload: payload, tenantId: tenantId)
        let body =
            showsResponse
            ? String(decoding: result.payload.prefix(300), as: UTF8.self)
            : "\(result.payload.count) bytes (--show-smoke-response quotes them)"
        if let error = result.functionError {
            return GateResult(
                gate: "smoke", passed: false, detail: "version \(version) raised a \(error) error: \(body)")
        }
        guard (200..<300).contains(result.statusCode) else {
            return GateResult(
                gate: "smoke", passed: false, detail: "version \(version) answered status \(result.statusCode)")
        }
        return GateResult(gate: "smoke", passed: true, detail: "version \(version) answered \(body)")
    }
}
