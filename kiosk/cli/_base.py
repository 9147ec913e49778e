"""Shared plumbing for the ``kiosk`` sub-commands: parser, output, and bad-input handling.

Every sub-command module exposes ``register(subparsers)``; its handler takes the parsed arguments
and an :class:`Output` and returns the exit status. Bad input is reported as one line on stderr
with exit status 2 — :class:`UsageError`, any ``ValueError`` (our error trees inherit it) and
argparse's own complaints all end there; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, NoReturn

__all__ = [
    "EXIT_BAD_INPUT",
    "Handler",
    "KioskArgumentParser",
    "Output",
    "UsageError",
    "add_json_flag",
    "parse_hex",
    "positive_int",
]

EXIT_BAD_INPUT = 2


class UsageError(ValueError):
    """Bad command-line input that argparse itself cannot detect."""


class KioskArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


@dataclass
class Output:
    """Where a command writes: JSON (one document) or human-readable text."""

    as_json: bool
    stdout: IO[str]
    stderr: IO[str]

    def emit(self, document: Any, text: Callable[[], str] | str) -> None:
        if self.as_json:
            json.dump(document, self.stdout, ensure_ascii=False, indent=2, sort_keys=False)
            self.stdout.write("\n")
        else:
            rendered = text() if callable(text) else text
            self.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")

    def warn(self, message: str) -> None:
        self.stderr.write(message.rstrip("\n") + "\n")


Handler = Callable[[argparse.Namespace, Output], int]


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")




def parse_hex(text: str, *, what: str) -> bytes:
    """Hex digits with optional spaces, colons or dashes between bytes; errors name the position."""
    cleaned = "".join(ch for ch in text if ch not in " :-\t\n")
    for position, ch in enumerate(cleaned):
        if ch not in "0123456789abcdefABCDEF":
            raise UsageError(f"{what}: {ch!r} at hex digit {position + 1} is not a hex digit")
    if len(cleaned) % 2:
        raise UsageError(f"{what}: odd number of hex digits ({len(cleaned)}); expected whole bytes")
    return bytes.fromhex(cleaned)


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value
