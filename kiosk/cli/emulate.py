"""``kiosk emulate feig``: serve a FEIG ISO Host reader emulator backed by the virtual pad.

The emulator answers byte for byte like a FEIG reader, on a pseudo-terminal (give the printed
``/dev/pts/N`` to ``--reader feig:/dev/pts/N``) or on a TCP port (``feig:socket://HOST:PORT``).
It runs until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType
from typing import Any

from drivers.feig import parse_listen, run_emulator
from drivers.virtual import AirTiming, VirtualPad, load_tags
from kiosk.cli._base import Output, UsageError, add_json_flag

__all__ = ["register"]


def register(sub: Any) -> None:
    emulate = sub.add_parser(
        "emulate",
        help="run a reader emulator backed by the virtual pad",
        description="Run a reader emulator for drivers, tests and demos.",
    )
    kinds = emulate.add_subparsers(dest="kind", metavar="KIND", parser_class=type(emulate))
    kinds.required = True
    feig = kinds.add_parser(
        "feig",
        help="FEIG ISO Host protocol on a pty or TCP port",
        description="Serve the FEIG ISO Host protocol for the tags in --tags (a JSON tag file).",
    )
    feig.add_argument(
        "--listen", required=True, metavar="SPEC", help="pty, pty:LINK or tcp:HOST:PORT"
    )
    feig.add_argument("--tags", metavar="FILE", help="JSON tag file to place on the pad")
    feig.add_argument(
        "--realtime",
        action="store_true",
        help="delay answers by the modelled ISO 15693 air time, like a real reader",
    )
    add_json_flag(feig)
    feig.set_defaults(handler=run_feig)


def run_feig(args: argparse.Namespace, out: Output) -> int:
    try:
        parse_listen(args.listen)
    except ValueError as exc:
        raise UsageError(f"--listen: {exc}") from None
    tags = load_tags(args.tags) if args.tags else []
    pad = VirtualPad(tags, timing=AirTiming(realtime=True) if args.realtime else None)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)

    def ready(address: str) -> None:
        out.emit(
            {"listening": address, "tags": len(tags)},
            f"FEIG emulator listening on {address} with {len(tags)} tag(s); Ctrl-C to stop",
        )
        sys.stdout.flush()

    try:
        run_emulator(args.listen, pad, ready=ready, stop=stop)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
