import FoundationEssentials

/// The one poll loop: reads a state until it is final, backing off between reads (from
/// `firstDelay`, doubling, to at most `maxDelay`) until a deadline, as the AWS SDK waiters do.
/// Cancellation ends the wait (the sleeper throws `CancellationError`). It serves the code
/// update, version readiness, signing and provisioned-concurrency waits.
package struct Waiter: Sendable {
    package var clock: any AWSClock
    package var sleeper: any Sleeper
    /// When the wait gives up.
    package var deadline: Date
    package var firstDelay: Double
    package var maxDelay: Double

    package init(
        clock: any AWSClock, sleeper: any Sleeper, timeout: TimeInterval, firstDelay: Double = 0.25,
        maxDelay: Double = 5
    ) {
        self.clock = clock
        self.sleeper = sleeper
        self.deadline = clock.now().addingTimeInterval(timeout)
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
    }

    /// How a wait ended: a final state, or the last state read when the next read would come
    /// after the deadline.
    package enum Ending<State: Sendable>: Sendable {
        case done(State)
        case timedOut(State)
    }

    /// Reads `read` until `isFinal` holds for what it returns (a read or `isFinal` may throw to
    /// end the wait), telling `onWait` of every state it waits on.
    package func poll<State: Sendable>(
        _ read: () async throws -> State, until isFinal: (State) throws -> Bool,
        onWait: (State) -> Void = { _ in }
    ) async throws -> Ending<State> {
        var delay = firstDelay
        while true {
            try Task.checkCancellation()
            let state = try await read()
            if try isFinal(state) { return .done(state) }
            guard clock.now().addingTimeInterval(delay) <= deadline else { return .timedOut(state) }
            onWait(state)
            try await sleeper.sleep(seconds: delay)
            delay = min(delay * 2, maxDelay)
        }
    }
}
