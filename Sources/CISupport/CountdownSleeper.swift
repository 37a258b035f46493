import AWSCore

/// Sleeps in one-second steps, telling the reporter how long is left: the bake countdown on
/// a terminal. Cancellation still ends the wait at once.
public struct CountdownSleeper: Sleeper {
    public var inner: any Sleeper
    public var reporter: any Reporter
    public var label: String

    public init(inner: any Sleeper, reporter: any Reporter, label: String = "baking") {
        self.inner = inner
        self.reporter = reporter
        self.label = label
    }

    public func sleep(seconds: Double) async throws {
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
