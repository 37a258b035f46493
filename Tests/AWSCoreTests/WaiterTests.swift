import AWSCore
import Foundation
import Synchronization
import Testing
import TestSupport

/// A sleeper that moves a manual clock by what it sleeps, so a wait's deadline is reached.
final class ClockSleeper: Sleeper {
    let clock: ManualClock
    let inner = RecordingSleeper()
    init(_ clock: ManualClock) { self.clock = clock }
    func sleep(seconds: Double) async throws {
        try await inner.sleep(seconds: seconds)
        clock.advance(seconds)
    }
}

@Suite("The one waiter: backs off, gives up at its deadline, stops when cancelled or told to")
struct WaiterTests {
    @Test("reads until the state is final, backing off 0.25, 0.5, 1 … 5 s")
    func backsOff() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 0))
        let sleeper = ClockSleeper(clock)
        let reads = Mutex(0)
        let waiter = Waiter(clock: clock, sleeper: sleeper, timeout: 600)
        var seen: [Int] = []
        let ending = try await waiter.poll(
            {
                reads.withLock {
                    $0 += 1; return $0
                }
            }, until: { $0 == 8 }, onWait: { seen.append($0) })
        guard case .done(let last) = ending else { Issue.record("timed out"); return }
        #expect(last == 8)
        #expect(seen == Array(1...7))
        #expect(sleeper.inner.recorded == [0.25, 0.5, 1, 2, 4, 5, 5])
    }

    @Test("gives up with the last state when the next read would come after the deadline")
    func timesOut() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 0))
        let sleeper = ClockSleeper(clock)
        let reads = Mutex(0)
        let ending = try await Waiter(clock: clock, sleeper: sleeper, timeout: 10, firstDelay: 1).poll(
            {
                reads.withLock {
                    $0 += 1; return $0
                }
            }, until: { _ in false })
        guard case .timedOut(let last) = ending else { Issue.record("finished"); return }
        // Sleeps 1, 2, 4 (7 s); the next 8 s would end after 10 s.
        #expect(sleeper.inner.recorded == [1, 2, 4])
        #expect(last == 4)
    }

    @Test("a final state that is an error ends the wait with it; cancellation ends it too")
    func stops() async throws {
        struct Failed: Error {}
        let clock = ManualClock(Date(timeIntervalSince1970: 0))
        let waiter = Waiter(clock: clock, sleeper: ClockSleeper(clock), timeout: 60)
        await #expect(throws: Failed.self) {
            _ = try await waiter.poll({ 1 }, until: { _ in throw Failed() })
        }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            _ = try await waiter.poll({ 1 }, until: { _ in false })
        }
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }
}
