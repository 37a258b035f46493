#!/usr/bin/env python3
"""Start the local AWS twin from its file (the launch contract, twin/README.md):

    python3 twin/twin.py --ready-file PATH [--verbose] [--parent-pid PID]

The twin is the package twin/ (launcher.py does the work; `python3 -m twin` from the repository
root is the same). Run as a file, Python puts twin/ itself first on sys.path, where `twin` would
name this file rather than the package: that entry gives way to the repository root.
"""

import os
import sys

if __name__ == "__main__" and not __package__:
    _here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) != _here]
    sys.path.insert(0, os.path.dirname(_here))

from twin.launcher import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
