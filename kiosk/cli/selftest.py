"""``kiosk selftest [--config FILE] [--json]``: can this machine run the kiosk?

Runs the probes of :mod:`kiosk.selftest` (reader, disk, GPIO, printer, scanner, broker, clock)
against the configuration. Exit status: 0 ready, 1 an essential part (reader, disk) is missing,
2 the configuration is unusable. ``--config`` defaults to ``$KIOSK_CONFIG`` or
``/etc/kiosk/kiosk.toml``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from kiosk.cli._base import Output, add_json_flag
from kiosk.selftest import run_selftest

__all__ = ["DEFAULT_CONFIG", "register"]

DEFAULT_CONFIG = "/etc/kiosk/kiosk.toml"


def register(sub: Any) -> None:
    selftest = sub.add_parser(
        "selftest",
        help="check reader, disk, GPIO, printer, broker and clock",
        description="Probe every part the kiosk needs and report. Exit status 0 ready, "
        "1 an essential part missing (reader, disk), 2 configuration unusable.",
    )
    selftest.add_argument(
        "--config",
        metavar="FILE",
        default=os.environ.get("KIOSK_CONFIG", DEFAULT_CONFIG),
        help=f"configuration file (default: $KIOSK_CONFIG or {DEFAULT_CONFIG})",
    )
    add_json_flag(selftest)
    selftest.set_defaults(handler=run)


def run(args: argparse.Namespace, out: Output) -> int:
    report = run_selftest(args.config)
    out.emit(report.to_dict(), report.render)
    return report.exit_status
