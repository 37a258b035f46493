#!/usr/bin/env python3
"""Start-up time of a command against /usr/bin/true, for scripts/bench.py and scripts/release.

Usage: startup.py [--runs N] COMMAND [ARG...]
Runs COMMAND and /usr/bin/true alternately, N times each (default 21) after one unmeasured run of
each, output discarded, and prints one line: both medians in milliseconds and their ratio
(COMMAND's time / /usr/bin/true's: the fork, exec and wait every measure pays are in both, so
the ratio is what the command costs beyond starting any process at all). Exits non-zero if
COMMAND fails. Measures; asserts nothing.
"""

import statistics
import subprocess
import sys
import time

BASELINE = ["/usr/bin/true"]


def _once(argv):
    start = time.perf_counter_ns()
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter_ns() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {result.returncode}")
    return elapsed / 1e6


def measure(argv, runs=21):
    """Medians in ms of argv and of /usr/bin/true, run alternately `runs` times each, and the
    ratio of the two: {"command_ms", "true_ms", "ratio", "runs"}."""
    _once(argv)
    _once(BASELINE)  # one unmeasured run each: the page cache, not the start-up, is what they would time
    ours, baseline = [], []
    for _ in range(runs):
        ours.append(_once(argv))
        baseline.append(_once(BASELINE))
    command_ms, true_ms = statistics.median(ours), statistics.median(baseline)
    return {"command_ms": command_ms, "true_ms": true_ms, "ratio": command_ms / true_ms, "runs": runs}


def describe(argv, result):
    return (f"{' '.join(argv)} {result['command_ms']:.2f} ms, /usr/bin/true {result['true_ms']:.2f} ms "
            f"(median of {result['runs']} each, alternating): {result['ratio']:.1f}x /usr/bin/true")


def main(args):
    runs = 21
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    if not args or runs < 1:
        raise SystemExit(__doc__)
    print(describe(args, measure(args, runs)))


if __name__ == "__main__":
    main(sys.argv[1:])
