"""Logging to stderr for journald, with patron numbers and secrets masked.

Under systemd, stderr goes to the journal; a line starting ``<N>`` is stored at syslog priority N
(``SyslogLevelPrefix=yes``, the default), so a one-line formatter gives real priorities without a
dependency. No timestamps: journald adds them. Every line of a multi-line record (tracebacks)
carries the prefix, so the whole record stays at its priority.

:class:`MaskingFilter` rewrites each record before any handler sees it: runs of 8 or more digits
(patron card numbers) keep their first 4 and last 3 digits (``0001000012345`` →
``0001******345``); values after ``pin``, ``password``, ``secret``, ``token`` or ``key`` are
replaced entirely. Tag UIDs (hex with letters) and short numbers are left alone.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import IO

__all__ = [
    "PRIORITIES",
    "JournaldFormatter",
    "MaskingFilter",
    "mask",
    "setup_logging",
]

PRIORITIES: dict[int, int] = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}

_SECRET = re.compile(
    r"(?P<key>\b(?:pin|password|passwd|secret|token|key)\b[\"']?\s*[=:]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;)}\]]+)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d+)(\d{3})(?![0-9A-Za-z])")
_MIN_DIGITS = 8


def _mask_number(match: re.Match[str]) -> str:
    head, middle, tail = match.groups()
    if len(head) + len(middle) + len(tail) < _MIN_DIGITS:
        return match.group(0)
    return head + "*" * len(middle) + tail


def mask(text: str) -> str:
    """``text`` with secrets replaced and long digit runs (patron numbers) masked."""
    text = _SECRET.sub(lambda m: m.group("key") + "****", text)
    return _NUMBER.sub(_mask_number, text)


def _priority(levelno: int) -> int:
    for level in sorted(PRIORITIES, reverse=True):
        if levelno >= level:
            return PRIORITIES[level]
    return 7


class MaskingFilter(logging.Filter):
    """Masks the formatted message and any traceback text of every record (always passes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


class JournaldFormatter(logging.Formatter):
    """``<priority>logger: message`` on every line (journald); plain ``LEVEL logger: …`` else."""

    def __init__(self, *, journald: bool = True) -> None:
        super().__init__("%(name)s: %(message)s")
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if not self.journald:
            return f"{record.levelname} {text}"
        prefix = f"<{_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in text.splitlines() or [""])


def setup_logging(
    level: str = "info",
    *,
    stream: IO[str] | None = None,
    environ: Mapping[str, str] = os.environ,
    logger: logging.Logger | None = None,
) -> logging.Handler:
    """Log ``level`` and above to ``stream`` (stderr), masked; journald prefixes under systemd.

    ``JOURNAL_STREAM`` tells us stderr is connected to the journal. Returns the handler so a
    caller (or a test) can remove it again.
    """
    target = logging.getLogger() if logger is None else logger
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"log level {level!r}: expected debug, info, warning or error")
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(JournaldFormatter(journald=bool(environ.get("JOURNAL_STREAM"))))
    handler.addFilter(MaskingFilter())
    target.addHandler(handler)
    target.setLevel(numeric)
    return handler
