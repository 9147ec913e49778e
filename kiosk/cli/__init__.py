"""The ``kiosk`` command: one entry point, sub-commands registered from sibling modules.

Exit status: 0 success, 1 the operation failed (e.g. a device fault), 2 bad input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from drivers.errors import DriverUnavailable
from kiosk import __version__
from kiosk.cli import (
    bench,
    chaos,
    codes,
    config,
    demo,
    emulate,
    reader,
    run,
    scenario,
    selftest,
    tag,
)
from kiosk.cli._base import EXIT_BAD_INPUT, KioskArgumentParser, Output
from kiosk.errors import KioskError

__all__ = ["build_parser", "main"]


def build_parser() -> KioskArgumentParser:
    parser = KioskArgumentParser(
        prog="kiosk",
        description="Library RFID self-service machine: tag data, readers, circulation, demo.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=KioskArgumentParser)
    sub.required = True
    for module in (tag, codes, reader, emulate, demo, config, selftest, bench, run, scenario,
                   chaos):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(bool(getattr(args, "json", False)), sys.stdout, sys.stderr)
    handler = args.handler
    words = ("kiosk", args.command, getattr(args, "verb", None), getattr(args, "kind", None))
    where = " ".join(str(word) for word in words if word)
    try:
        status: int = handler(args, out)
    except (KioskError, ValueError, DriverUnavailable, FileNotFoundError, IsADirectoryError) as exc:
        sys.stderr.write(f"{where}: error: {exc}\n")
        return EXIT_BAD_INPUT
    except OSError as exc:
        sys.stderr.write(f"{where}: failed: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last line of defence: one line, no traceback
        if os.environ.get("KIOSK_DEBUG"):
            raise
        sys.stderr.write(
            f"{where}: internal error: {type(exc).__name__}: {exc} "
            "(set KIOSK_DEBUG=1 for a traceback)\n"
        )
        return 1
    return status


