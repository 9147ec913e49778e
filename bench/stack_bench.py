"""Stack checkout benchmark: prints the JSON of ``kiosk bench stack`` (see kiosk/cli/bench.py).

Usage: python bench/stack_bench.py [--items N] [--rtt-ms MS]
"""

from __future__ import annotations

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "stack", "--json", *sys.argv[1:]]))
