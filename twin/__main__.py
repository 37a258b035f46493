"""`python3 -m twin --ready-file PATH [--verbose] [--parent-pid PID]`, from the repository root."""

import sys

from .launcher import main

sys.exit(main())
