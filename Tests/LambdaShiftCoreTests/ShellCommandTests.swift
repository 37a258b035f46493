import Foundation
import LambdaShiftCore
import Testing

/// A traffic hook's command run as the deploy runs it.
@Suite("Shell commands (traffic hooks)")
struct ShellCommandTests {
    @Test(
        "commands that wait on the deploy's own work finish: more hooks than cores at once leave Swift's tasks running"
    )
    func hooksLeaveTasksRunning() async throws {
        let flag = FileManager.default.temporaryDirectory.appendingPathComponent("hook-flag-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: flag) }
        let hooks = ProcessInfo.processInfo.activeProcessorCount + 2
        let command = ShellCommand(
            command: "while [ ! -e '\(flag)' ]; do sleep 0.05; done", environment: ["PATH": "/usr/bin:/bin"],
            timeoutSeconds: 2)
        let endings = try await withThrowingTaskGroup(of: ShellCommand.Ending?.self) { group in
            for _ in 0..<hooks {
                group.addTask { try await command.run { _ in } }
            }
            // What a gate does during a hook: a task that sleeps, then acts. When the waiting
            // commands held the threads tasks run on (the global queue), it ran only once
            // dispatch added a thread, 2.7 s later, after the commands' 2 s timeout (3 runs of 3).
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                _ = FileManager.default.createFile(atPath: flag, contents: nil)
                return nil
            }
            return try await group.reduce(into: [ShellCommand.Ending]()) { if let ending = $1 { $0.append(ending) } }
        }
        #expect(endings.count == hooks)
        #expect(endings.allSatisfy { !$0.timedOut && $0.status == 0 }, "\(endings)")
    }

    @Test("output on both streams comes line by line; the exit status, and 128 + the signal, as a shell says")
    func linesAndStatus() async throws {
        let lines = LinesSeen()
        let ending = try await ShellCommand(
            command: "echo one; echo two >&2; printf three; exit 4", environment: [:], timeoutSeconds: 10
        ).run { lines.add($0) }
        #expect(lines.all == ["one", "two", "three"])
        #expect(ending.status == 4 && !ending.timedOut)
        let killed = try await ShellCommand(command: "kill -TERM $$", environment: [:], timeoutSeconds: 10).run { _ in }
        #expect(killed.status == 128 + SIGTERM)
    }
}

final class LinesSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
