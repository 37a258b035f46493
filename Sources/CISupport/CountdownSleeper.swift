import AWSCore

/// Sleeps in one-second steps, telling the reporter how long is left: the bake countdown on
/// a terminal. Cancellation still ends the wait at once.
package struct CountdownSleeper: Sleeper {
    package var inner: any Sleeper
    package var reporter: any Reporter
    package var label: String

    package init(inner: any Sleeper, reporter: any Reporter, label: String = "baking") {
        self.inner = inner
        self.reporter = reporter
        self.label = label
    }

    package func sleep(seconds: Double) async throws {
        var left = seconds
        defer { reporter.progress(nil) }
        while left > 0 {
            reporter.progress("\(label): \(Int(left.rounded(.up)))s left")
            let step = min(1, left)
            try await inner.sleep(seconds: step)
            left -= step
        }
    }
}
