"""Laying a :class:`~drivers.printer.receipt.Receipt` out in printer columns (pure).

The result is a list of :class:`TextLine` / :class:`Cut` operations plus a flag saying whether
the receipt needs the printer's Chinese mode. Widths follow what an ESC/POS printer does: in
Chinese (GB18030) mode every non-ASCII character is a double-byte glyph two columns wide, ASCII is
one column; in single-byte mode every character is one column. A 58 mm printer has 32 columns in
font A, an 80 mm one 48. Control characters in any text (a title from the catalogue could carry
an ESC) are replaced by spaces: they would otherwise be printer commands. Without Chinese mode,
wide (CJK) characters become ``?``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from drivers.errors import DriverConfigError
from drivers.printer.receipt import Receipt, mask_number

__all__ = [
    "Align",
    "Cut",
    "PrintOp",
    "RenderedReceipt",
    "TextLine",
    "check_columns",
    "justify",
    "render",
    "text_width",
    "wrap",
]

Align = Literal["left", "center", "right"]

MIN_COLUMNS = 16
MAX_COLUMNS = 96


@dataclass(frozen=True, slots=True)
class TextLine:
    """One printed line; ``double`` prints it at twice the width and height."""

    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False


@dataclass(frozen=True, slots=True)
class Cut:
    """Feed and cut the paper."""


PrintOp = TextLine | Cut


@dataclass(frozen=True, slots=True)
class RenderedReceipt:
    ops: tuple[PrintOp, ...]
    cjk: bool  # print in the printer's Chinese mode (FS &) with GB18030 text


_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "checkout": "借书凭条",
        "return": "还书凭条",
        "renew": "续借凭条",
        "machine": "机器：",
        "patron": "读者：",
        "due": "应还 ",
        "items": "共 {n} 册",
    },
    "en": {
        "checkout": "Checkout receipt",
        "return": "Return receipt",
        "renew": "Renewal receipt",
        "machine": "Machine: ",
        "patron": "Patron: ",
        "due": "Due ",
        "items": "Items: {n}",
    },
}


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_width(text: str, cjk: bool) -> int:
    """Columns ``text`` takes on the printer (see the module docstring)."""
    if not cjk:
        return len(text)
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def _clean_char(ch: str, cjk: bool) -> str:
    if not ch.isprintable():
        return " "
    return "?" if not cjk and _is_wide(ch) else ch


def _clean(text: str, cjk: bool) -> str:
    return "".join(_clean_char(ch, cjk) for ch in text)


def wrap(text: str, columns: int, cjk: bool) -> list[str]:
    """Break ``text`` into lines of at most ``columns``, at spaces where a word allows it."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for ch in paragraph:
            if text_width(line + ch, cjk) <= columns:
                line += ch
                continue
            cut = line.rfind(" ")
            if ch != " " and cut > 0:
                lines.append(line[:cut].rstrip())
                line = line[cut + 1 :] + ch
            else:
                lines.append(line.rstrip())
                line = "" if ch == " " else ch
        lines.append(line.rstrip())
    return lines


def justify(left: str, right: str, columns: int, cjk: bool) -> list[str]:
    """``left`` and ``right`` on one line if they fit, else ``right`` right-aligned below."""
    lw, rw = text_width(left, cjk), text_width(right, cjk)
    if not right:
        return wrap(left, columns, cjk)
    if lw + 1 + rw <= columns:
        return [left + " " * (columns - lw - rw) + right]
    lines = wrap(left, columns, cjk) if left else []
    for part in wrap(right, columns, cjk):
        lines.append(" " * (columns - text_width(part, cjk)) + part)
    return lines


def check_columns(columns: int) -> None:
    """Raise ``DriverConfigError`` unless ``columns`` is a printable line width."""
    if isinstance(columns, bool) or not isinstance(columns, int) or not (
        MIN_COLUMNS <= columns <= MAX_COLUMNS
    ):
        raise DriverConfigError(
            f"printer columns must be {MIN_COLUMNS}..{MAX_COLUMNS}, got {columns!r}"
        )


def render(receipt: Receipt, *, columns: int = 32, cjk_capable: bool = True) -> RenderedReceipt:
    """The print operations for ``receipt`` on a printer ``columns`` wide."""
    check_columns(columns)
    cjk = cjk_capable and (receipt.language == "zh" or _has_wide(receipt))
    labels = _LABELS[receipt.language]

    def clean(text: str) -> str:
        return _clean(text, cjk)

    ops: list[PrintOp] = []

    def add(lines: list[str], align: Align = "left", *, bold: bool = False) -> None:
        ops.extend(TextLine(line, align, bold) for line in lines)

    ops.extend(
        TextLine(line, "center", bold=True, double=True)
        for line in wrap(clean(receipt.library), columns // 2, cjk)
    )
    add([labels[receipt.kind]], "center", bold=True)
    stamp = receipt.at.strftime("%Y-%m-%d %H:%M")
    add(justify(labels["machine"] + clean(receipt.machine_id), stamp, columns, cjk))
    add(wrap(labels["patron"] + mask_number(clean(receipt.patron)), columns, cjk))
    rule = "-" * columns
    add([rule])
    for number, line in enumerate(receipt.lines, 1):
        prefix = f"{number}. "
        indent = " " * len(prefix)
        title = wrap(clean(line.title), columns - len(prefix), cjk)
        add([(prefix if i == 0 else indent) + part for i, part in enumerate(title)])
        due = labels["due"] + line.due.isoformat() if line.due is not None else ""
        add(justify(indent + clean(line.barcode), due, columns, cjk))
        if line.status:
            add([indent + part for part in wrap(clean(line.status), columns - len(indent), cjk)])
    add([rule])
    add([labels["items"].format(n=len(receipt.lines))], bold=True)
    for label, value in receipt.totals:
        add(justify(clean(label), clean(value), columns, cjk))
    if receipt.footer:
        footer = "\n".join(clean(part) for part in receipt.footer.split("\n"))
        add(wrap(footer, columns, cjk), "center")
    ops.append(Cut())
    return RenderedReceipt(tuple(ops), cjk)


def _has_wide(receipt: Receipt) -> bool:
    texts = [receipt.library, receipt.machine_id, receipt.footer]
    texts += [t for line in receipt.lines for t in (line.title, line.barcode, line.status or "")]
    texts += [t for pair in receipt.totals for t in pair]
    return any(_is_wide(ch) for text in texts for ch in text)
