"""The Code 39 character set, which bounds what a DB4401/T 96 barcode or card number may hold.

DB4401/T 96 Annex C prints library barcodes in Code 39. Its standard set has 43 data characters
(``0–9``, ``A–Z``, space and ``- . $ / + %``); ``*`` is the start/stop symbol and never data, and
there is no lower case. Anything else cannot be printed, so it cannot be a barcode.
"""

from __future__ import annotations

__all__ = ["CODE39_CHARS", "DIGITS", "describe_char", "first_non_code39", "is_ascii_digits"]

CODE39_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -.$/+%")
DIGITS = frozenset("0123456789")


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of ``0``–``9`` (``str.isdigit`` would let in ``²`` or ``٣``)."""
    return bool(text) and all(ch in DIGITS for ch in text)


def describe_char(ch: str) -> str:
    """A character as a reader can see it in a one-line message, even if it is invisible."""
    return f"{ch!r} (U+{ord(ch):04X})"


def first_non_code39(text: str) -> int | None:
    """Index (0-based) of the first character Code 39 cannot carry, or ``None``."""
    for index, ch in enumerate(text):
        if ch not in CODE39_CHARS:
            return index
    return None
