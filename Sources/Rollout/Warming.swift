import FoundationEssentials

/// Invocations of the alias spread over every weighted step's bake (`--warm-invocations`), so a
/// quiet function has traffic to judge. They run the function: they have its side effects.
package struct Warming: Sendable {
    package var invocationsPerStep: Int
    package var invoke: @Sendable () async throws -> Void

    package init(invocationsPerStep: Int, invoke: @escaping @Sendable () async throws -> Void) {
        self.invocationsPerStep = invocationsPerStep
        self.invoke = invoke
    }
}

/// The warm invocations of one bake: `invocationsPerStep` spread evenly over its seconds, at
/// the same rate while the bake is extended.
final class WarmingSchedule: @unchecked Sendable {
    // Used by one bake, from one task.
    private let warming: Warming?
    private var seconds: Int
    private var due = 0
    private var sent = 0
    private var failed = 0

    init(warming: Warming?, seconds: Int) {
        self.warming = warming.flatMap { $0.invocationsPerStep > 0 ? $0 : nil }
        self.seconds = seconds
        due = self.warming?.invocationsPerStep ?? 0
    }

    var active: Bool { warming != nil }

    /// Sends what is due by `elapsed` seconds.
    func send(upTo elapsed: Double) async {
        guard let warming, seconds > 0 else { return }
        let target = min(due, Int((Double(due) * elapsed / Double(seconds)).rounded(.up)))
        while sent + failed < target {
            do {
                try await warming.invoke()
                sent += 1
            } catch {
                failed += 1
            }
        }
    }

    /// The bake goes on to `limit` seconds: so does the traffic, at the same rate.
    func extend(to limit: Int) {
        guard let warming, seconds > 0, limit > seconds else { return }
        due = Int((Double(warming.invocationsPerStep) * Double(limit) / Double(seconds)).rounded())
        seconds = limit
    }

    func report() -> RolloutEvent.Kind? { warming == nil ? nil : .warmed(sent: sent, failed: failed) }
}
