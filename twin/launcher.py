"""Launch the local AWS twin: moto in-process, the fidelity proxy in front
of it, and the credential-source stand-ins, all on 127.0.0.1.

    python3 twin/twin.py --ready-file PATH [--verbose] [--parent-pid PID]
    python3 -m twin --ready-file PATH [--verbose] [--parent-pid PID]   (from the repository root)

When everything listens, PATH is written atomically with
{"endpoint", "metadata", "moto", "pid"}. SIGTERM or SIGINT stops it (exit 0),
and so does the end of process PID when --parent-pid is given (no orphans
when a test runner or script dies without cleaning up).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def write_ready_file(path: str, info: dict) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(info, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def start_moto(server_class, attempts: int = 3):
    """ThreadedMotoServer on a free loopback port. Its start() waits forever
    if the bind fails inside its thread, so start it from a watched thread."""
    for _ in range(attempts):
        port = free_port()
        server = server_class(ip_address=LOOPBACK, port=port, verbose=False)
        starter = threading.Thread(target=server.start, daemon=True)
        starter.start()
        starter.join(timeout=30)
        if not starter.is_alive():
            return server, port
    return None, 0


def parent_alive(pid: int, was_direct_parent: bool) -> bool:
    if was_direct_parent and os.getppid() != pid:
        return False  # reparented: the parent has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def quiet_libraries(verbose: bool) -> None:
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.ERROR)
    logging.getLogger("moto").setLevel(logging.WARNING if verbose else logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ready-file", required=True, help="where to write the endpoints as JSON")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--parent-pid", type=int, default=None,
                        help="exit (0) when this process is gone")
    args = parser.parse_args(argv)
    quiet_libraries(args.verbose)

    stop = threading.Event()
    # A parent may start us with SIGTERM/SIGINT blocked (libdispatch's worker threads block
    # them, and a spawned child inherits the mask): unblock them, or a stop by pid never lands.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    from moto.server import ThreadedMotoServer

    from . import moto_patches

    moto_patches.apply()

    from .control import configure_moto
    from .metadata import MetadataServer
    from .moto_client import MotoClient
    from .operations import _lambda_routes
    from .proxy import ProxyServer
    from .state import TwinState

    moto_server, moto_port = start_moto(ThreadedMotoServer)
    if moto_server is None:
        print("twin: moto did not start", file=sys.stderr)
        return 1
    moto_url = f"http://{LOOPBACK}:{moto_port}"
    moto = MotoClient(moto_url)
    configure_moto(moto)
    _lambda_routes()  # load botocore's Lambda model before the first request

    twin = TwinState(moto_url, verbose=args.verbose)
    proxy = ProxyServer((LOOPBACK, 0), twin, moto)
    metadata = MetadataServer((LOOPBACK, 0), twin)
    servers = [proxy, metadata]
    for server in servers:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()

    info = {
        "endpoint": f"http://{LOOPBACK}:{proxy.server_address[1]}",
        "metadata": f"http://{LOOPBACK}:{metadata.server_address[1]}",
        "moto": moto_url,
        "pid": os.getpid(),
    }
    write_ready_file(args.ready_file, info)
    if args.verbose:
        print(f"twin ready: {json.dumps(info)}", file=sys.stderr, flush=True)

    parent_was_ours = args.parent_pid is not None and os.getppid() == args.parent_pid
    while not stop.wait(0.25):
        if args.parent_pid is not None and not parent_alive(args.parent_pid, parent_was_ours):
            break

    for server in servers:
        server.shutdown()
        server.server_close()
    stopper = threading.Thread(target=moto_server.stop, daemon=True)
    stopper.start()
    stopper.join(timeout=2)
    return 0
