import Glibc

/// A program started with its standard output (and its standard error, when asked) on a pipe
/// this process reads, standard input on /dev/null: the one place lambda-shift starts a
/// program (a traffic hook's shell, git).
struct PipedChild {
    let pid: pid_t
    /// The pipe's read end, close-on-exec; whoever started the child reads and closes it.
    let output: Int32

    /// Starts `arguments[0]` (looked up on PATH when `searchPath`) with `environment` (nil: this
    /// process's). It gets default handling of the signals lambda-shift ignores or handles itself
    /// and an empty signal mask (it may be started from a thread that blocks them); with
    /// `ownGroup` it leads a process group of its own, so that all it starts can be killed with
    /// it. Nil `output` and the error number when it could not be started.
    static func start(
        _ arguments: [String], environment: [String: String]? = nil, searchPath: Bool, errorToPipe: Bool,
        ownGroup: Bool
    ) -> (child: PipedChild?, error: Int32) {
        guard !arguments.isEmpty else { return (nil, EINVAL) }
        // posix_spawnp looks for the program on this process's PATH, not the given environment's.
        precondition(!(searchPath && environment != nil), "a program searched for on PATH runs in this environment")
        // The pipe is made close-on-exec and the child started under one lock: a child started
        // in between by another thread must not inherit this pipe (its copy would hold it open).
        spawning.lock()
        defer { spawning.unlock() }
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { return (nil, errno) }
        _ = fcntl(pipe[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipe[1], F_SETFD, FD_CLOEXEC)
        defer { close(pipe[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 gives the child its own descriptor without the close-on-exec flag.
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        if errorToPipe {
            posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let group = ownGroup ? POSIX_SPAWN_SETPGROUP : 0
        posix_spawnattr_setflags(&attributes, Int16(group | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp: [UnsafeMutablePointer<CChar>?] =
            environment.map { variables in variables.map { strdup("\($0.key)=\($0.value)") } + [nil] } ?? []
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned =
            if environment != nil {
                posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &envp)
            } else if searchPath {
                posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
            } else {
                posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
            }
        guard spawned == 0 else {
            close(pipe[0])
            return (nil, spawned)
        }
        return (PipedChild(pid: pid, output: pipe[0]), 0)
    }

    /// A status from waitpid as a shell reports it: the exit status, or 128 + the signal that
    /// ended the program.
    static func shellStatus(_ raw: Int32) -> Int32 {
        // WIFEXITED / WEXITSTATUS are macros; a normal exit has the low 7 bits clear.
        raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    }
}

/// Held from a child's pipe to its spawn (see `PipedChild.start`).
private let spawning = SpawnLock()

final class SpawnLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}
