"""``kiosk run --config FILE``: the daemon (systemd ``Type=notify`` service, systemd/kiosk.service).

Loads the configuration (a problem → one line on stderr, exit status 2), sets up logging for
journald, then hands over to :func:`kiosk.app.run_daemon`: ``READY=1`` once the journal, the
reader (or its fault) and the web server are up; ``WATCHDOG=1`` only while its loops make
progress; ``STOPPING=1`` and exit status 0 after SIGTERM/SIGINT.

Without ``[mqtt] host`` the kiosk has no central and decides everything offline.
``--demo-central FILE`` runs the reference central in this process from a library JSON file
(``config/demo-library.json``): for demonstrations and benchmarks only.
``--diag-wedge-s N`` (diagnostic): SIGUSR2 then blocks the reader and journal threads for N
seconds, so a technician can check that the systemd watchdog fires.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from kiosk.app import Diagnostics, demo_central, run_daemon
from kiosk.cli._base import Output
from kiosk.config import load_config
from kiosk.logs import setup_logging
from kiosk.sdnotify import Notifier

__all__ = ["register"]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 0–3600 seconds")
    return value


def register(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="run the kiosk daemon (what systemd starts)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    run.add_argument("--config", type=Path, required=True, help="configuration file (TOML)")
    run.add_argument(
        "--demo-central",
        type=Path,
        default=None,
        metavar="FILE",
        help="run the reference central in-process from this library JSON (demo only)",
    )
    run.add_argument(
        "--diag-wedge-s",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="diagnostic: SIGUSR2 blocks the reader and journal threads this long (0: off)",
    )
    run.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace, out: Output) -> int:
    config = load_config(args.config)
    handler = setup_logging(config.logging.level)
    try:
        central = None
        if args.demo_central is not None:
            central = demo_central(args.demo_central, kiosk=config.kiosk.id)
        return asyncio.run(
            run_daemon(
                config,
                notifier=Notifier.from_environ(),
                environ=os.environ,
                central=central,
                diagnostics=Diagnostics(wedge_s=args.diag_wedge_s),
            )
        )
    finally:
        logging.getLogger().removeHandler(handler)
