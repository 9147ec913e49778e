"""Receipt layout: column widths (CJK counts double), wrapping, masking, and what gets printed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import DriverConfigError
from drivers.printer import (
    Cut,
    Receipt,
    ReceiptLine,
    TextLine,
    justify,
    mask_number,
    render,
    text_width,
    wrap,
)

AT = dt.datetime(2026, 11, 24, 10, 32)


def receipt(**overrides: object) -> Receipt:
    fields: dict[str, object] = {
        "library": "深圳图书馆",
        "machine_id": "K-001",
        "patron": "0012345678",
        "kind": "checkout",
        "at": AT,
        "lines": (
            ReceiptLine("三体", "31234567", dt.date(2026, 12, 24)),
            ReceiptLine("Python Crash Course", "B000123", None, "未借出：已被预约"),
        ),
        "totals": (("欠款", "0.00 元"),),
        "footer": "谢谢使用\n请按时归还",
    }
    fields.update(overrides)
    return Receipt(**fields)  # type: ignore[arg-type]


def texts(ops: tuple[object, ...]) -> list[str]:
    return [op.text for op in ops if isinstance(op, TextLine)]


@pytest.mark.parametrize(
    ("number", "masked"),
    [("0012345678", "******5678"), ("1234", "**34"), ("12", "*2"), ("", ""), (" 98765 ", "***65")],
)
def test_mask_hides_all_but_the_tail(number: str, masked: str) -> None:
    assert mask_number(number) == masked


def test_width_counts_non_ascii_double_only_in_chinese_mode() -> None:
    assert text_width("借书 ok", cjk=True) == 7
    assert text_width("借书 ok", cjk=False) == 5
    assert text_width("Café", cjk=True) == 5


def test_wrap_breaks_latin_at_spaces_and_cjk_anywhere() -> None:
    assert wrap("Python Crash Course", 10, cjk=False) == ["Python", "Crash", "Course"]
    assert wrap("三体地球往事", 5, cjk=True) == ["三体", "地球", "往事"]
    assert wrap("a\nb", 10, cjk=False) == ["a", "b"]


def test_justify_puts_right_text_at_the_edge_or_below() -> None:
    assert justify("Due", "2026-12-24", 20, cjk=False) == ["Due       2026-12-24"]
    assert justify("A long left side", "right", 16, cjk=False) == ["A long left side",
                                                                     "           right"]


@given(text=st.text(max_size=120), columns=st.integers(min_value=16, max_value=64),
       cjk=st.booleans())
def test_wrapped_lines_fit_and_keep_every_visible_character(text: str, columns: int,
                                                            cjk: bool) -> None:
    text = "".join(ch for ch in text if ch.isprintable() or ch == "\n")
    lines = wrap(text, columns, cjk)
    assert all(text_width(line, cjk) <= columns for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_chinese_receipt_layout() -> None:
    rendered = render(receipt(), columns=32)
    assert rendered.cjk
    assert rendered.ops[0] == TextLine("深圳图书馆", "center", bold=True, double=True)
    assert rendered.ops[-1] == Cut()
    assert texts(rendered.ops)[1:] == [
        "借书凭条",
        "机器：K-001     2026-11-24 10:32",
        "读者：******5678",
        "-" * 32,
        "1. 三体",
        "   31234567      应还 2026-12-24",
        "2. Python Crash Course",
        "   B000123",
        "   未借出：已被预约",
        "-" * 32,
        "共 2 册",
        "欠款                     0.00 元",
        "谢谢使用",
        "请按时归还",
    ]


def test_english_receipt_layout_on_an_80mm_printer() -> None:
    rendered = render(
        receipt(library="City Library", language="en", kind="return", totals=(), footer="",
                lines=(ReceiptLine("Café society", "123", status="Returned"),)),
        columns=48,
    )
    assert not rendered.cjk
    assert texts(rendered.ops) == [
        "City Library",
        "Return receipt",
        "Machine: K-001                  2026-11-24 10:32",
        "Patron: ******5678",
        "-" * 48,
        "1. Café society",
        "   123",
        "   Returned",
        "-" * 48,
        "Items: 1",
    ]


def test_an_english_receipt_with_chinese_titles_uses_chinese_mode() -> None:
    assert render(receipt(language="en"), columns=32).cjk


def test_a_printer_without_chinese_fonts_prints_question_marks() -> None:
    rendered = render(receipt(language="en"), columns=32, cjk_capable=False)
    assert not rendered.cjk
    assert "1. ??" in texts(rendered.ops)


def test_control_characters_cannot_reach_the_printer() -> None:
    rendered = render(receipt(lines=(ReceiptLine("Evil\x1b@\x1dV\x00title", "1\r2"),)),
                      columns=32)
    assert not any(re.search(r"[\x00-\x1f\x7f]", line) for line in texts(rendered.ops))
    assert "1. Evil @ V title" in texts(rendered.ops)


@given(
    titles=st.lists(st.text(max_size=80), max_size=5),
    library=st.text(max_size=40),
    columns=st.integers(min_value=16, max_value=96),
    language=st.sampled_from(["zh", "en"]),
)
def test_every_rendered_line_fits_the_paper(titles: list[str], library: str, columns: int,
                                            language: str) -> None:
    r = receipt(library=library, language=language,
                lines=tuple(ReceiptLine(t, "B1", dt.date(2026, 1, 1), t[:10]) for t in titles))
    rendered = render(r, columns=columns)
    for op in rendered.ops:
        if isinstance(op, TextLine):
            limit = columns // 2 if op.double else columns
            assert text_width(op.text, rendered.cjk) <= limit
            assert op.text.isprintable()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"language": "fr"}, "receipt language 'fr' is not one of zh, en"),
        ({"kind": "sale"}, "receipt kind 'sale' is not one of checkout, return, renew"),
        ({"lines": [ReceiptLine("a", "b")]}, "receipt lines must be a tuple of ReceiptLine"),
    ],
)
def test_bad_receipts_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(DriverConfigError, match=re.escape(message)):
        receipt(**overrides)


def test_column_count_is_checked() -> None:
    with pytest.raises(DriverConfigError, match=re.escape("printer columns must be 16..96, got 8")):
        render(receipt(), columns=8)
