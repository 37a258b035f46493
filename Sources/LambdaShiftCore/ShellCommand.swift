import Dispatch
import Glibc

/// A command run through `/bin/sh -c` (a traffic hook): its output, standard error included,
/// handed over line by line as it comes; bounded by a timeout, after which its whole process
/// group is killed (what it started dies with it). Standard input is /dev/null.
package struct ShellCommand: Sendable {
    package var command: String
    /// Its whole environment (nothing is inherited from this process).
    package var environment: [String: String]
    package var timeoutSeconds: Int

    package init(command: String, environment: [String: String], timeoutSeconds: Int) {
        self.command = command
        self.environment = environment
        self.timeoutSeconds = timeoutSeconds
    }

    /// How it ended: its exit status (128 + the signal when killed), whether the timeout killed
    /// it, and how long it ran.
    package struct Ending: Sendable, Equatable {
        package var status: Int32
        package var timedOut: Bool
        package var seconds: Double
    }

    /// Runs it on a thread of its own; cancellation kills it as the timeout does.
    package func run(onLine: @escaping @Sendable (String) -> Void) async throws -> Ending {
        let child = ChildProcess()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // A queue of its own per command, not the global concurrent queue: on Linux that
                // pool is as wide as the CPUs and also runs Swift's tasks, so hooks waiting on their
                // commands (several targets' at once) would stop the gates and the rest of the
                // deploy. A queue of its own runs on dispatch's overcommit pool, which adds a thread
                // when none is free (one queue shared by all would run the hooks one at a time).
                DispatchQueue(label: "lambda-shift.hook").async {
                    continuation.resume(with: Result { try self.runBlocking(child, onLine: onLine) })
                }
            }
        } onCancel: {
            child.kill()
        }
    }

    func runBlocking(_ child: ChildProcess, onLine: (String) -> Void) throws -> Ending {
        let started = monotonicSeconds()
        // A process group of its own, so that the timeout reaches everything it started.
        let (spawned, error) = PipedChild.start(
            ["/bin/sh", "-c", command], environment: environment, searchPath: false, errorToPipe: true, ownGroup: true)
        guard let spawned else { throw ShellCommandError("could not start /bin/sh (error \(error))") }
        let pid = spawned.pid
        defer { close(spawned.output) }
        child.started(pid)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var timedOut = false
        var status: Int32 = 0
        var reaped = false
        // Once the shell is gone, what it left running may hold the pipe: read a second more,
        // then stop (and kill its group).
        var readUntil = Double.infinity
        let deadline = started + Double(timeoutSeconds)
        while monotonicSeconds() < readUntil {
            let left = deadline - monotonicSeconds()
            if left <= 0 && !timedOut {
                timedOut = true
                child.kill()
                readUntil = min(readUntil, monotonicSeconds() + 1)
            }
            if !reaped, waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                child.reaped()
                readUntil = min(readUntil, monotonicSeconds() + 1)
            }
            var descriptor = pollfd(fd: spawned.output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(spawned.output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            pending += chunk[0..<count]
            while let newline = pending.firstIndex(of: 10) {
                onLine(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
        if !reaped {
            var result: pid_t = -1
            repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
            child.reaped()
            // Its status unknown: never a pass.
            if result != pid { status = 127 << 8 }
        }
        // Whatever it started and left behind goes with it.
        _ = Glibc.kill(-pid, SIGKILL)
        return Ending(
            status: PipedChild.shellStatus(status), timedOut: timedOut, seconds: monotonicSeconds() - started)
    }

    func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The running child, so that cancellation can kill it from another thread.
final class ChildProcess: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var pid: pid_t = 0
    private var killed = false

    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }

    /// The shell was reaped: its pid may be reused, so it is never signalled again.
    func reaped() {
        pthread_mutex_lock(&lock)
        pid = 0
        pthread_mutex_unlock(&lock)
    }

    func started(_ pid: pid_t) {
        pthread_mutex_lock(&lock)
        self.pid = pid
        let kill = killed
        pthread_mutex_unlock(&lock)
        if kill { self.kill() }
    }

    /// Kills the whole process group (or marks it for killing when it has not started yet).
    func kill() {
        pthread_mutex_lock(&lock)
        killed = true
        let group = pid
        pthread_mutex_unlock(&lock)
        if group > 0 { _ = Glibc.kill(-group, SIGKILL) }
    }
}

package struct ShellCommandError: LambdaShiftError {
    package var sentence: String
    package var exitCode: Int32 { ExitStatus.failed }
    init(_ sentence: String) { self.sentence = sentence }
}
