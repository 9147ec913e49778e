"""The receipt as data: what the kiosk wants printed, independent of any printer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from drivers.errors import DriverConfigError

__all__ = ["Language", "Receipt", "ReceiptKind", "ReceiptLine", "mask_number"]

Language = Literal["zh", "en"]
ReceiptKind = Literal["checkout", "return", "renew"]

_LANGUAGES = ("zh", "en")
_KINDS = ("checkout", "return", "renew")


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One item: its title and barcode, the due date (loans) and/or a status text.

    ``status`` is shown as given (the kiosk localises it), e.g. "已还" or "Not issued: on hold".
    """

    title: str
    barcode: str
    due: dt.date | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """A transaction receipt. ``patron`` is the card number; it is always printed masked."""

    library: str
    machine_id: str
    patron: str
    kind: ReceiptKind
    at: dt.datetime
    lines: tuple[ReceiptLine, ...] = ()
    language: Language = "zh"
    totals: tuple[tuple[str, str], ...] = ()  # extra (label, value) rows, e.g. fines
    footer: str = ""

    def __post_init__(self) -> None:
        if self.language not in _LANGUAGES:
            raise DriverConfigError(
                f"receipt language {self.language!r} is not one of {', '.join(_LANGUAGES)}"
            )
        if self.kind not in _KINDS:
            raise DriverConfigError(f"receipt kind {self.kind!r} is not one of {', '.join(_KINDS)}")
        if not isinstance(self.lines, tuple) or not all(
            isinstance(line, ReceiptLine) for line in self.lines
        ):
            raise DriverConfigError("receipt lines must be a tuple of ReceiptLine")


def mask_number(number: str, visible: int = 4, mask: str = "*") -> str:
    """Hide all but the last ``visible`` characters (at least half stays hidden).

    A receipt left at the kiosk must not give away a usable card number.
    """
    number = number.strip()
    shown = min(visible, len(number) // 2)
    return mask * (len(number) - shown) + number[len(number) - shown :]
