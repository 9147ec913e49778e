"""CSV and plain-text rendering: escaping of commas, quotes, line breaks and Chinese text."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kiosk.logistics import (
    HANDOVER_HEADER,
    TRANSIT_HEADER,
    TransitBins,
    TransitItem,
    display_width,
    handover_csv,
    handover_text,
    transit_csv,
    transit_text,
)

HOME = "CN-440100-1-0001"
YUEXIU = "CN-440100-1-0002"
DAY = date(2026, 3, 2)

AWKWARD = 'Say "hi", 三体：地球往事\n第二行'


def _dispatch(*items: TransitItem):  # type: ignore[no-untyped-def]
    bins = TransitBins(HOME, "广州图书馆", names={YUEXIU: "越秀区图书馆, 北京路"})
    for item in items:
        bins.add(item)
    return bins.empty(DAY)


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_transit_csv_escapes_and_round_trips() -> None:
    item = TransitItem(
        "0002000000001",
        YUEXIU,
        title=AWKWARD,
        author="刘慈欣, 著",
        isbn="9787536692930",
        publisher='重庆"出版社"',
        price="23.00",
        call_number="I247.55/2",
    )
    text = transit_csv(_dispatch(item).lists)
    assert text.startswith(",".join(TRANSIT_HEADER) + "\r\n")
    assert '"Say ""hi"", 三体：地球往事\n第二行"' in text
    assert '"刘慈欣, 著"' in text and '"重庆""出版社"""' in text
    header, row = _parse(text)
    assert tuple(header) == TRANSIT_HEADER
    assert row == [
        "20260302-0002-1",
        "0002000000001",
        AWKWARD,
        "刘慈欣, 著",
        "9787536692930",
        '重庆"出版社"',
        "23.00",
        "I247.55/2",
        YUEXIU,
        "0",
    ]


def test_excel_flavour_has_a_bom_and_inert_formulas() -> None:
    item = TransitItem("0002000000001", YUEXIU, title="=HYPERLINK(1)", author="@x", price="1.00")
    plain = transit_csv(_dispatch(item).lists)
    excel = transit_csv(_dispatch(item).lists, excel=True)
    assert not plain.startswith("\ufeff") and "=HYPERLINK(1)" in plain
    assert excel.startswith("\ufeff")
    row = _parse(excel)[1]
    assert (row[2], row[3], row[6]) == ("'=HYPERLINK(1)", "'@x", "1.00")


def test_handover_csv() -> None:
    items = [TransitItem(f"{n}", YUEXIU, call_number="I287/1" if n < 3 else "") for n in range(22)]
    text = handover_csv(_dispatch(*items).handover)
    rows = _parse(text)
    assert tuple(rows[0]) == HANDOVER_HEADER
    assert rows[1] == [
        HOME,
        "2026-03-02",
        YUEXIU,
        "0002",
        "越秀区图书馆, 北京路",
        "19",
        "3",
        "22",
        "2",
    ]
    assert rows[2] == [HOME, "2026-03-02", "TOTAL", "", "", "19", "3", "22", "2"]
    assert '"越秀区图书馆, 北京路"' in text


def test_empty_handover_csv_has_only_header_and_zero_total() -> None:
    rows = _parse(handover_csv(_dispatch().handover))
    assert rows == [
        list(HANDOVER_HEADER),
        [HOME, "2026-03-02", "TOTAL", "", "", "0", "0", "0", "0"],
    ]


def test_transit_text() -> None:
    items = [
        TransitItem(
            f"000200000{n:04d}",
            YUEXIU,
            title="很长的书名" * 10 if n == 0 else ("书" * n if n % 2 else f"Book {n}"),
            author="刘慈欣",
        )
        for n in range(21)
    ]
    text = transit_text(_dispatch(*items).lists[0])
    assert "越秀区图书馆, 北京路 (CN-440100-1-0002) [0002]" in text
    assert "广州图书馆 (CN-440100-1-0001)" in text
    assert "包号 Package 20260302-0002-1 (20)" in text and "20260302-0002-2 (1)" in text
    assert "册数 Items: 21" in text
    rows = [line for line in text.splitlines() if line.startswith("000200000")]
    assert len(rows) == 21
    assert "…" in rows[0] and "很长的书名很长的书名" in rows[0]
    # the author column starts at the same display column whatever script the title is in
    assert {display_width(row[: row.index("刘慈欣")]) for row in rows} == {15 + 30 + 1}


def test_text_never_breaks_a_row_on_line_breaks() -> None:
    text = transit_text(_dispatch(TransitItem("1", YUEXIU, title="上\n下\t右")).lists[0])
    assert "上 下 右" in text


def test_handover_text() -> None:
    items = [TransitItem(f"{n}", YUEXIU, children=n < 4) for n in range(25)]
    text = handover_text(_dispatch(*items).handover)
    assert "送出馆 Sending library: 广州图书馆 (CN-440100-1-0001)" in text
    assert "日期 Date: 2026-03-02" in text
    row = next(line for line in text.splitlines() if line.startswith("越秀区"))
    assert row.split()[-5:] == ["0002", "21", "4", "25", "2"]
    total = next(line for line in text.splitlines() if line.startswith("合计 Total"))
    assert total.split()[-4:] == ["21", "4", "25", "2"]
    assert "Courier" in text and "Received by" in text


def test_display_width() -> None:
    assert display_width("abc") == 3
    assert display_width("广州") == 4
    assert display_width("ＡＢ") == 4  # full-width Latin
    assert display_width("") == 0


_cell = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@given(title=_cell, author=_cell, publisher=_cell)
def test_any_text_survives_a_csv_round_trip(title: str, author: str, publisher: str) -> None:
    item = TransitItem("0002000000001", YUEXIU, title=title, author=author, publisher=publisher)
    row = _parse(transit_csv(_dispatch(item).lists))[1]
    assert (row[2], row[3], row[5]) == (title, author, publisher)
