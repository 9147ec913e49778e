"""ISIL compaction (ISO 28560-2 Annex C) and ISIL syntax (ISO 15511)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.tagdata import TagDataError, isil_compact, isil_expand, isil_problem

ISIL_VECTORS = [
    ("DE-Heu1", "21 40 8E 16 BF 1F"),  # ISO Annex C.6.1 / GOST table C.3
    ("US-InU-Mu", "AC C0 9E BA A0 6F 6B"),  # ISO Annex D table D.8
    ("CN-110108-1-NLC", "1B 81 E1 10 10 8A 1A C7 30 7F"),  # dp2
    ("CN-120104-C-YBL", "1B 81 E1 20 10 4A D1 D6 64 4C"),  # dp2: the lone C is shifted
    ("CH-000134-1", "1A 01 E0 00 13 4A 1F"),  # ISO Annex C.6.2 text, computed
]
ISIL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-:/"


@pytest.mark.parametrize(("text", "hexbytes"), ISIL_VECTORS)
def test_isil_vectors_compact(text: str, hexbytes: str) -> None:
    assert isil_compact(text) == bytes.fromhex(hexbytes)


@pytest.mark.parametrize(("text", "hexbytes"), ISIL_VECTORS)
def test_isil_vectors_expand(text: str, hexbytes: str) -> None:
    assert isil_expand(bytes.fromhex(hexbytes)) == text


def test_latched_variant_of_the_dp2_example_also_reads() -> None:
    """dp2's comment gives the latch-upper encoding of the same ISIL; a decoder reads both."""
    assert isil_expand(bytes.fromhex("1B 81 E1 20 10 4A C1 83 22 67")) == "CN-120104-C-YBL"


def test_after_a_shifted_character_the_decoder_returns_to_the_latched_set() -> None:
    """dp2 stays in numeric after a shifted digit; the standard returns to the latched set.

    ``A1B`` = A (upper) · shift-numeric · 1 · B (upper again): a decoder with dp2's bug reads the
    B's code 00010 as digits.
    """
    packed = isil_compact("A1B")
    assert packed == bytes.fromhex("0F C4 5F")  # 00001 11111 0001 00010 + fill 11111
    assert isil_expand(packed) == "A1B"


def test_trailing_shift_code_is_fill() -> None:
    # "A" = 00001 + fill 111 ; "AB" = 00001 00010 + fill 111111 (a shift code, then 1 bit)
    assert isil_expand(bytes.fromhex("0F")) == "A"
    assert isil_expand(bytes.fromhex("08 BF")) == "AB"


@given(st.text(alphabet=ISIL_ALPHABET, max_size=40))
def test_isil_round_trip_for_any_text_over_its_characters(text: str) -> None:
    assert isil_expand(isil_compact(text)) == text


@given(st.text(alphabet=ISIL_ALPHABET, max_size=40))
def test_isil_compaction_is_never_longer_than_five_bits_a_character(text: str) -> None:
    # latch/shift overhead is bounded: at most one switch code per character
    assert len(isil_compact(text)) <= (10 * len(text) + 7) // 8


@given(st.binary(max_size=30))
def test_isil_expand_any_bytes_returns_text_or_tagdataerror(raw: bytes) -> None:
    try:
        text = isil_expand(raw)
    except TagDataError as exc:
        assert "shift followed by another switch code" in exc.reason
        assert exc.offset is not None and 0 <= exc.offset < len(raw)
    else:
        assert set(text) <= set(ISIL_ALPHABET)


def test_shift_followed_by_a_switch_code_is_an_error() -> None:
    # upper: shift-lower 11101, then (in lower) latch-upper 11100
    with pytest.raises(TagDataError, match="shift followed by another switch code") as info:
        isil_expand(bytes.fromhex("EF 00"))
    assert info.value.offset == 0


def test_isil_compact_refuses_other_characters() -> None:
    with pytest.raises(TagDataError, match=r"'\.' at position 2 cannot be ISIL-compacted"):
        isil_compact("CN.1")


@pytest.mark.parametrize(
    "value",
    ["CN-440100-1-0001", "US-InU-Mu", "DE-Heu1", "ZDB-1", "O-x", "OCLC-ABC", "GB-UkOxU:a/b",
     "CN-120104-C-YBL"],
)
def test_valid_isils(value: str) -> None:
    assert isil_problem(value) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("CN-440100-1-00012", "at most 16"),
        ("CN-4401 00", "only A-Z a-z 0-9 - / : are allowed"),
        ("SM361001", "needs a prefix, '-' and an identifier"),
        ("CN-", "needs a prefix, '-' and an identifier"),
        ("cn-1", "upper-case country code"),
        ("AB/C-1", "1, 3 or 4 letters/digits"),
        ("ABCDE-1", "1, 3 or 4 letters/digits"),
        ("-1", "1, 3 or 4 letters/digits"),
    ],
)
def test_invalid_isils(value: str, fragment: str) -> None:
    problem = isil_problem(value)
    assert problem is not None and fragment in problem


SHAPE = re.compile(r"(?:[A-Z]{2}|[A-Za-z0-9]|[A-Za-z0-9]{3,4})-[A-Za-z0-9/:-]{1,}")


@given(st.text(alphabet=ISIL_ALPHABET + ".é ", max_size=20))
def test_isil_syntax_agrees_with_iso_15511_in_one_expression(value: str) -> None:
    expected = len(value) <= 16 and SHAPE.fullmatch(value) is not None
    assert (isil_problem(value) is None) == expected
