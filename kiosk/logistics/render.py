"""Transit lists and handover sheets as CSV (for spreadsheets and central) and plain text (for the
receipt printer and the staff screen). The printable HTML comes later, from the same data.

CSV follows RFC 4180: comma separated, ``\\r\\n`` line ends, fields with commas, quotes or line
breaks quoted and quotes doubled; text is returned as ``str`` (encode as UTF-8). ``excel=True``
adds a byte-order mark so Excel reads the Chinese text as UTF-8, and makes cells that start with
``= + - @`` inert (a leading ``'``) so a title cannot run as a formula.

Transit list CSV header::

    package,barcode,title,author,isbn,publisher,price,call_number,owner,children

Handover sheet CSV header (one row per destination, then a ``TOTAL`` row)::

    sending,date,destination,destination_code,destination_name,ordinary,children,total,packages

Plain text pads columns by display width (a Chinese character takes two columns) and shortens
long titles with ``…``.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence

from kiosk.logistics.transit import HandoverSheet, TransitList

__all__ = [
    "HANDOVER_HEADER",
    "TRANSIT_HEADER",
    "display_width",
    "handover_csv",
    "handover_text",
    "transit_csv",
    "transit_text",
]

TRANSIT_HEADER = (
    "package",
    "barcode",
    "title",
    "author",
    "isbn",
    "publisher",
    "price",
    "call_number",
    "owner",
    "children",
)
HANDOVER_HEADER = (
    "sending",
    "date",
    "destination",
    "destination_code",
    "destination_name",
    "ordinary",
    "children",
    "total",
    "packages",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv(rows: Iterable[Sequence[object]], *, excel: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        cells = ["" if cell is None else str(cell) for cell in row]
        if excel:
            cells = ["'" + c if c.startswith(_FORMULA_START) else c for c in cells]
        writer.writerow(cells)
    return ("\ufeff" if excel else "") + out.getvalue()


def transit_csv(lists: Iterable[TransitList], *, excel: bool = False) -> str:
    """One row per copy, grouped by destination and package (``children`` is 1 or 0)."""

    def rows() -> Iterable[Sequence[object]]:
        yield TRANSIT_HEADER
        for transit in lists:
            for package in transit.packages:
                for item, is_child in zip(package.items, package.children_flags, strict=True):
                    yield (
                        package.number,
                        item.barcode,
                        item.title,
                        item.author,
                        item.isbn,
                        item.publisher,
                        item.price,
                        item.call_number,
                        item.owner,
                        "1" if is_child else "0",
                    )

    return _csv(rows(), excel=excel)


def handover_csv(sheet: HandoverSheet, *, excel: bool = False) -> str:
    day = sheet.day.isoformat()

    def rows() -> Iterable[Sequence[object]]:
        yield HANDOVER_HEADER
        for row in sheet.rows:
            yield (
                sheet.sending,
                day,
                row.destination,
                row.destination_code,
                row.destination_name,
                row.ordinary,
                row.children,
                row.total,
                row.packages,
            )
        yield (
            sheet.sending,
            day,
            "TOTAL",
            "",
            "",
            sheet.ordinary,
            sheet.children,
            sheet.total,
            sheet.packages,
        )

    return _csv(rows(), excel=excel)


def display_width(text: str) -> int:
    """Terminal/printer columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns (with ``…``) and padded to exactly ``width``."""
    text = " ".join(text.split())  # line breaks and tabs would break the table
    if display_width(text) > width:
        out, used = "", 0
        for ch in text:
            w = display_width(ch)
            if used + w > width - 1:
                break
            out, used = out + ch, used + w
        text = out + "…"
    return text + " " * (width - display_width(text))


def _table(
    header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int]
) -> list[str]:
    lines = [" ".join(_fit(h, w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append(" ".join("-" * w for w in widths))
    for row in rows:
        lines.append(" ".join(_fit(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    return lines


def _library(name: str, isil: str) -> str:
    return f"{name} ({isil})" if name else isil


def transit_text(transit: TransitList) -> str:
    """The transit list for one destination, package by package."""
    lines = [
        "物流清单 Transit list",
        f"送出馆 From: {_library(transit.sending_name, transit.sending)}",
        f"接收馆 To: {_library(transit.destination_name, transit.destination)}"
        f" [{transit.destination_code}]",
        f"日期 Date: {transit.day.isoformat()}",
        f"册数 Items: {len(transit.items)}  少儿 Children: {transit.children}"
        f"  包数 Packages: {len(transit.packages)}",
    ]
    header = (
        "条码 Barcode",
        "题名 Title",
        "著者 Author",
        "ISBN",
        "出版社 Publisher",
        "价格 Price",
        "索书号 Call no.",
    )
    widths = (14, 30, 12, 13, 16, 10, 16)
    for package in transit.packages:
        lines += ["", f"包号 Package {package.number} ({len(package.items)})"]
        rows = (
            (i.barcode, i.title, i.author, i.isbn, i.publisher, i.price, i.call_number)
            for i in package.items
        )
        lines += _table(header, rows, widths)
    return "\n".join(lines) + "\n"


def handover_text(sheet: HandoverSheet) -> str:
    """The Annex F handover sheet: counts per destination, totals and signature lines."""
    lines = [
        "物流交接单 Transit handover sheet",
        f"送出馆 Sending library: {_library(sheet.sending_name, sheet.sending)}",
        f"日期 Date: {sheet.day.isoformat()}",
        "",
    ]
    header = (
        "接收馆 To",
        "代码 Code",
        "普通 Ordinary",
        "少儿 Children",
        "合计 Total",
        "包数 Packages",
    )
    widths = (36, 9, 13, 13, 10, 13)
    rows = [
        (
            _library(r.destination_name, r.destination),
            r.destination_code,
            str(r.ordinary),
            str(r.children),
            str(r.total),
            str(r.packages),
        )
        for r in sheet.rows
    ]
    rows.append(
        (
            "合计 Total",
            "",
            str(sheet.ordinary),
            str(sheet.children),
            str(sheet.total),
            str(sheet.packages),
        )
    )
    lines += _table(header, rows, widths)
    lines += [
        "",
        "送出馆经手人 Sent by: ______________    物流人员 Courier: ______________",
        "接收馆经手人 Received by: ______________    接收日期 Date received: __________",
    ]
    return "\n".join(lines) + "\n"
