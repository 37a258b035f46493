import Glibc
import LambdaShiftCLI

// A parent may start us with SIGINT/SIGTERM blocked (a child spawned from a libdispatch
// thread inherits its mask). Unblock them before any thread exists, so CI cancellation
// reaches the rollout and the alias is restored.
var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGINT)
sigaddset(&signals, SIGTERM)
pthread_sigmask(SIG_UNBLOCK, &signals, nil)

exit(LambdaShiftMain.main())
