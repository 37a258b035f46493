import Dispatch
import Glibc
import Synchronization

/// Runs `body` in a task and blocks the calling (main) thread until it returns.
package func waitFor(_ body: @escaping @Sendable () async -> Int32) -> Int32 {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Int32>(0)
    Task {
        let code = await body()
        result.withLock { $0 = code }
        done.signal()
    }
    done.wait()
    return result.withLock { $0 }
}

/// Waits for `work`, cancelling it on SIGINT, SIGTERM (CI cancellation) or SIGHUP (a closed
/// terminal or SSH session): a rollout sees the cancellation, restores the alias, and the
/// command ends with exit 4.
package func cancellingOnSignals(_ work: Task<Void, any Error>) async throws {
    let sources = [SIGINT, SIGTERM, SIGHUP].map { number -> any DispatchSourceSignal in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { work.cancel() }
        source.resume()
        return source
    }
    defer { sources.forEach { $0.cancel() } }
    try await work.value
}

/// A value handed from the main thread to the task that uses it: taken once, by that task,
/// after which the main thread only waits.
package final class Handoff<Value>: @unchecked Sendable {
    private var value: Value?
    package init(_ value: Value) { self.value = value }
    package func take() -> Value {
        defer { value = nil }
        return value!
    }
}
