"""Compaction schemes: every vector of reference tagdata.md §7.3 both ways, and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.tagdata import (
    Compaction,
    TagDataError,
    choose_compaction,
    compact,
    compaction_problem,
    expand,
)

C = Compaction

VECTORS: list[tuple[Compaction, str, str]] = [
    # integer (dp2 TestRfid.cs / TestRfid2.cs)
    (C.INTEGER, "10", "0A"),
    (C.INTEGER, "256", "01 00"),
    (C.INTEGER, "1203", "04 B3"),
    (C.INTEGER, "65536", "01 00 00"),
    (C.INTEGER, "4294967296", "01 00 00 00 00"),
    (C.INTEGER, "123456789012", "1C BE 99 1A 14"),
    (C.INTEGER, "9223372036854775807", "7F FF FF FF FF FF FF FF"),
    (C.INTEGER, "9999999999999999999", "8A C7 23 04 89 E7 FF FF"),
    # numeric
    (C.NUMERIC, "00", "00"),
    (C.NUMERIC, "01", "01"),
    (C.NUMERIC, "010", "01 0F"),
    (C.NUMERIC, "99", "99"),
    (C.NUMERIC, "091", "09 1F"),
    (C.NUMERIC, "256", "25 6F"),
    (C.NUMERIC, "1203", "12 03"),
    (C.NUMERIC, "65536", "65 53 6F"),
    (C.NUMERIC, "1234567", "12 34 56 7F"),
    (C.NUMERIC, "10000000000000000000", "10 00 00 00 00 00 00 00 00 00"),
    (C.NUMERIC, "100000000000000000001", "10 00 00 00 00 00 00 00 00 00 1F"),
    (C.NUMERIC, "8999999999999999999999", "89 99 99 99 99 99 99 99 99 99 99"),
    # 5-bit
    (C.FIVE_BIT, "ABC", "08 86"),
    (C.FIVE_BIT, "]^_", "EF BE"),
    (C.FIVE_BIT, "AHQZ", "0A 23 A0"),
    (C.FIVE_BIT, "ZYXWV", "D6 71 7B 00"),
    (C.FIVE_BIT, "UTSRQPO", "AD 27 28 C1 E0"),
    (C.FIVE_BIT, "[\\]^_", "DF 3B EF 80"),
    (C.FIVE_BIT, "C_D", "1F C8"),
    (C.FIVE_BIT, "E_F^", "2F CD E0"),
    (C.FIVE_BIT, "_G]H^", "F9 FA 8F 00"),
    # 6-bit
    (C.SIX_BIT, "ABC123456", "04 20 F1 CB 3D 35 DA"),
    (C.SIX_BIT, "ABC1234", "04 20 F1 CB 3D 20"),
    (C.SIX_BIT, "QA268.L55", "44 1C B6 E2 E3 35 D6"),
    (C.SIX_BIT, "ABC12345", "04 20 F1 CB 3D 35"),
    (C.SIX_BIT, "TP393/H637", "51 0C F9 CE F2 36 CF 78"),
    (C.SIX_BIT, "K825.6=76/Z780", "2F 8C B5 BB 6F 77 DA F6 B7 E3 08"),
    (C.SIX_BIT, "I563.85/H022", "27 5D B3 BB 8D 6F 23 0C B2"),
    (C.SIX_BIT, "I17(198.4)/Y498", "27 1D E8 C7 9E 2E D2 9B D9 D3 9E 20"),
    (C.SIX_BIT, "J205.1/F933", "2B 2C 35 BB 1B C6 E7 3C E0"),
    (C.SIX_BIT, "B822.9-49/K170", "0B 8C B2 BB 9B 74 E6 F2 F1 DF 08"),
    # 7-bit
    (C.SEVEN_BIT, "12345678", "62 C9 9B 46 AD 9B B8"),
    (C.SEVEN_BIT, "123456781234567", "62 C9 9B 46 AD 9B B8 62 C9 9B 46 AD 9B FF"),
    (C.SEVEN_BIT, "abcdefgh", "C3 8B 1E 4C B9 B3 E8"),
    (C.SEVEN_BIT, "abcdefgh123", "C3 8B 1E 4C B9 B3 E8 62 C9 9F"),
    (C.SEVEN_BIT, "hijk9876{/?}~", "D1 A7 56 B7 2E 1B B6 F6 BD FF DF DF"),
    # octet and UTF-8
    (C.OCTET, "SM361001", "53 4D 33 36 31 30 30 31"),
    (C.OCTET, "café", "63 61 66 E9"),
    (C.UTF8, "test", "74 65 73 74"),
    (C.UTF8, "题名", "E9 A2 98 E5 90 8D"),
]


@pytest.mark.parametrize(("scheme", "text", "hexbytes"), VECTORS)
def test_vector_compacts_to_the_published_bytes(scheme: Compaction, text: str,
                                                hexbytes: str) -> None:
    assert compact(text, scheme) == bytes.fromhex(hexbytes)


@pytest.mark.parametrize(("scheme", "text", "hexbytes"), VECTORS)
def test_vector_expands_to_the_published_text(scheme: Compaction, text: str, hexbytes: str) -> None:
    assert expand(bytes.fromhex(hexbytes), scheme) == text


@pytest.mark.parametrize("text", ["1", "01", "12345678901234567890", "-1", "A", "", "１２"])
def test_invalid_for_integer(text: str) -> None:
    """dp2's list (plus empty and full-width digits): integer needs 2-19 digits, no leading 0."""
    with pytest.raises(TagDataError, match="integer compaction needs 2 to 19 digits"):
        compact(text, C.INTEGER)


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("123456789012", C.INTEGER),  # asserted by dp2 and ISO Annex D
        ("1203", C.INTEGER),  # ties with numeric (2 bytes): the earlier scheme wins
        ("QA268.L55", C.SIX_BIT),
        ("a bcde", C.SEVEN_BIT),  # dp2: UTF-8; the standard's order: 7-bit comes before octet
        # dp2 answers UTF-8 for "BA" (its 5-bit needs >= 3 characters); the standard's order
        # picks 5-bit, which is no longer (2 bytes either way) and what vendors write (§2).
        ("BA", C.FIVE_BIT),
        ("0001100012345", C.NUMERIC),  # leading zero: never integer
        ("12345678901234567890", C.NUMERIC),  # 20 digits: beyond integer's 19
        ("7", C.NUMERIC),
        ("I247.5/1234", C.SIX_BIT),
        ("ABC ", C.SEVEN_BIT),  # 6-bit cannot end in a space
        ("A!B", C.SEVEN_BIT),  # 0x21-0x27 are not 6-bit
        ("Lib01", C.SEVEN_BIT),
        ("café", C.OCTET),
        ("a\x7fb", C.UTF8),  # DEL: not 7-bit, and octet would read back as hex
        ("é\tx", C.UTF8),  # a control character: octet would read back as hex
        ("哈利波特", C.UTF8),
        ("", C.OCTET),
    ],
)
def test_automatic_choice(text: str, scheme: Compaction) -> None:
    assert choose_compaction(text) is scheme
    assert expand(compact(text, scheme), scheme) == text


ORDER = [C.INTEGER, C.NUMERIC, C.FIVE_BIT, C.SIX_BIT, C.SEVEN_BIT, C.OCTET, C.UTF8]


@given(st.text(max_size=40))
def test_choice_is_the_first_fitting_scheme_and_the_shortest(text: str) -> None:
    chosen = choose_compaction(text)
    if text:
        fitting = [s for s in ORDER if compaction_problem(text, s) is None]
        assert chosen == fitting[0]
        shortest = min(len(compact(text, s)) for s in fitting)
        assert len(compact(text, chosen)) == shortest
    assert expand(compact(text, chosen), chosen) == text


ALPHABETS = {
    C.NUMERIC: "0123456789",
    C.FIVE_BIT: "".join(map(chr, range(0x41, 0x60))),
    C.SIX_BIT: " " + "".join(map(chr, range(0x28, 0x60))),
    C.SEVEN_BIT: "".join(map(chr, range(0x7F))),
    C.OCTET: "".join(map(chr, [*range(0x20, 0x7F), *range(0xA0, 0x100)])),
}


@pytest.mark.parametrize("scheme", list(ALPHABETS))
@given(data=st.data())
def test_round_trip_within_each_alphabet(scheme: Compaction, data: st.DataObject) -> None:
    text = data.draw(st.text(alphabet=ALPHABETS[scheme], max_size=60))
    if scheme is C.SIX_BIT:
        text = text.rstrip(" ")
    assert expand(compact(text, scheme), scheme) == text


@given(st.integers(min_value=10, max_value=10**19 - 1))
def test_integer_round_trip(number: int) -> None:
    packed = compact(str(number), C.INTEGER)
    assert packed == number.to_bytes(len(packed), "big") and packed[0] != 0
    assert expand(packed, C.INTEGER) == str(number)


@given(st.text(max_size=40))
def test_utf8_round_trip(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(TagDataError, match="UTF-8"):
            compact(text, C.UTF8)
        return
    assert expand(compact(text, C.UTF8), C.UTF8) == text


@given(st.binary(max_size=40), st.sampled_from(list(Compaction)))
def test_expand_any_bytes_returns_text_or_tagdataerror(raw: bytes, scheme: Compaction) -> None:
    try:
        assert isinstance(expand(raw, scheme), str)
    except TagDataError as exc:
        assert exc.offset is not None and 0 <= exc.offset <= len(raw)


def test_six_bit_fill_rules() -> None:
    """7 characters = 42 bits: the whole fill group 100000 is written and dropped on reading."""
    assert compact("ABC1234", C.SIX_BIT)[-1] & 0x3F == 0b100000
    # a value ending in a space would be lost exactly in that position, so it is refused
    with pytest.raises(TagDataError, match="cannot end in a space"):
        compact("ABC123 ", C.SIX_BIT)
    # fill bits after the groups are the start of 100000: 9 chars = 54 bits + "10"
    assert compact("QA268.L55", C.SIX_BIT)[-1] & 0b11 == 0b10


def test_seven_bit_fill_is_ones_and_a_whole_fill_group_is_dropped() -> None:
    assert compact("abcdefgh123", C.SEVEN_BIT)[-1] & 0b11 == 0b11
    assert expand(bytes.fromhex("62C99B46AD9BB862C99B46AD9BFF"), C.SEVEN_BIT) == "123456781234567"


def test_five_bit_stops_at_the_zero_group_and_ignores_short_fill() -> None:
    assert expand(bytes.fromhex("0886"), C.FIVE_BIT) == "ABC"  # 15 bits + 1 fill bit
    assert expand(bytes.fromhex("D6717B00"), C.FIVE_BIT) == "ZYXWV"  # a 00000 group ends it


def test_numeric_odd_count_ends_in_nibble_f() -> None:
    assert compact("1", C.NUMERIC) == b"\x1f"
    assert expand(b"\x1f", C.NUMERIC) == "1"


def test_octet_shows_unprintable_bytes_as_hex() -> None:
    assert expand(b"\x00", C.OCTET) == "00"
    assert expand(b"\x01\xab", C.OCTET) == "01AB"
    assert expand(b"Lib 1", C.OCTET) == "Lib 1"


@pytest.mark.parametrize(
    ("text", "scheme", "fragment"),
    [
        ("12a", C.NUMERIC, "digits 0-9 only"),
        ("AB1", C.FIVE_BIT, "5-bit compaction takes"),
        ("ab", C.SIX_BIT, "no lower case"),
        ("A'", C.SIX_BIT, "0x20, 0x28-0x5F"),
        ("é", C.SEVEN_BIT, "ASCII 0x00-0x7E"),
        ("\x7f", C.SEVEN_BIT, "ASCII 0x00-0x7E"),
        ("题", C.OCTET, "ISO/IEC 8859-1 text only"),
        ("a\tb", C.OCTET, "printable"),
        ("\ud800", C.UTF8, "lone surrogate"),
        ("X", C.APPLICATION_DEFINED, "depends on the element"),
    ],
)
def test_compact_refuses_what_would_not_read_back(text: str, scheme: Compaction,
                                                  fragment: str) -> None:
    with pytest.raises(TagDataError) as info:
        compact(text, scheme)
    assert fragment in info.value.reason
    assert info.value.offset is None


@pytest.mark.parametrize(
    ("hexbytes", "scheme", "offset", "fragment"),
    [
        ("12 3A", C.NUMERIC, 1, "invalid digit nibble A"),
        ("1F 23", C.NUMERIC, 0, "end nibble F before its last nibble"),
        ("08 00 10", C.FIVE_BIT, 1, "continues after its 00000 end mark"),
        ("FE 12 34 56 78 9A BC", C.SEVEN_BIT, 0, "fill group 1111111 before its end"),
        ("41 C3 28", C.UTF8, 1, "invalid UTF-8"),
        ("00", C.APPLICATION_DEFINED, 0, "depends on the element"),
    ],
)
def test_expand_errors_carry_the_offset(hexbytes: str, scheme: Compaction, offset: int,
                                        fragment: str) -> None:
    with pytest.raises(TagDataError) as info:
        expand(bytes.fromhex(hexbytes), scheme)
    assert info.value.offset == offset
    assert fragment in info.value.reason
