"""Annex E reader card (MIFARE Classic 1K sector 2): byte vectors, round trips, every error."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import CardDataError
from kiosk.gz.card import (
    ACTIVATION_ADDRESS,
    BLOCK_SIZE,
    CARD_NUMBER_ADDRESS,
    SECTOR,
    SECTOR_DATA_ADDRESSES,
    SECTOR_TRAILER_ADDRESS,
    CardReading,
    CardRecord,
    block_address,
    card_to_hex,
    decode_activation,
    decode_card,
    decode_card_hex,
    decode_card_number,
    encode_activation,
    encode_card,
    encode_card_number,
    parse_hex_blocks,
)
from kiosk.gz.code39 import CODE39_CHARS

H = bytes.fromhex
DAY = date(2020, 3, 15)
BLOCK1 = H("20200315 00010F 000000000000000000")


def test_addresses() -> None:
    assert SECTOR == 2
    assert (CARD_NUMBER_ADDRESS, ACTIVATION_ADDRESS) == (8, 9)
    assert SECTOR_DATA_ADDRESSES == (8, 9, 10)
    assert SECTOR_TRAILER_ADDRESS == 11
    assert block_address(0, 0) == 0
    assert block_address(15, 3) == 63


@pytest.mark.parametrize(("sector", "block"), [(16, 0), (-1, 0), (2, 4), (2, -1)])
def test_block_address_out_of_range(sector: int, block: int) -> None:
    with pytest.raises(CardDataError, match=f"sector {sector} block {block}: expected sector 0-15"):
        block_address(sector, block)


@pytest.mark.parametrize(
    ("number", "block"),
    [
        ("12345", "12345FFFFFFFFFFFFFFFFFFFFFFFFFFF"),
        ("12345678901234567890", "12345678901234567890FFFFFFFFFFFF"),
        ("0", "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
        ("GZ-001", "475A2D30303100000000000000000000"),
        ("A B", "41204200000000000000000000000000"),
        ("ABCDEFGHIJKLMNOP", "4142434445464748494A4B4C4D4E4F50"),
    ],
)
def test_block0_vectors(number: str, block: str) -> None:
    assert encode_card_number(number) == H(block)
    assert decode_card_number(H(block)) == number


def test_block1_vector() -> None:
    assert encode_activation(DAY, "00010") == BLOCK1
    assert decode_activation(BLOCK1) == (DAY, "00010")
    assert encode_activation(date(999, 1, 2), "12345") == H("09990102 12345F 000000000000000000")


def test_record_round_trip_and_hex() -> None:
    record = CardRecord("440100123456", DAY, "00010")
    block0, block1 = encode_card(record)
    assert (len(block0), len(block1)) == (BLOCK_SIZE, BLOCK_SIZE)
    assert decode_card(block0, block1) == record
    text = card_to_hex(record)
    assert text == "440100123456FFFFFFFFFFFFFFFFFFFF2020031500010F000000000000000000"
    reading = decode_card_hex(text)
    assert reading == CardReading("440100123456", "bcd", DAY, "00010")
    assert reading.as_dict() == {
        "card_number": "440100123456",
        "card_number_layout": "bcd",
        "activation_date": "2020-03-15",
        "home_library": "00010",
    }


def test_hex_of_block0_only() -> None:
    reading = decode_card_hex("47 5A 2D 30 30 31 00 00 00 00 00 00 00 00 00 00")
    assert reading == CardReading("GZ-001", "ascii")
    assert reading.as_dict()["activation_date"] is None


def test_parse_hex_blocks_accepts_separators_and_case() -> None:
    blocks = parse_hex_blocks("12:34:5f:ff-FF FF\tFF FF FF FF FF FF FF FF FF FF\n" + "00" * 16)
    assert blocks == (H("12345FFFFFFFFFFFFFFFFFFFFFFFFFFF"), bytes(16))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("00" * 15, "has 30 hex digits; expected 32"),
        ("00" * 17, "has 34 hex digits"),
        ("00" * 48, "has 96 hex digits"),
        ("", "has 0 hex digits"),
        ("0G" + "00" * 15, r"character 2 is 'G' \(U\+0047\); expected hex digits"),
        ("0x" + "00" * 16, "character 2 is 'x'"),
    ],
)
def test_parse_hex_errors(text: str, message: str) -> None:
    with pytest.raises(CardDataError, match=message):
        parse_hex_blocks(text)


def test_parse_hex_non_text() -> None:
    with pytest.raises(CardDataError, match="expected text, got bytes"):
        parse_hex_blocks(b"00" * 16)  # type: ignore[arg-type]


# --- tolerant reading -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "number", "layout"),
    [
        ("30313233343536373839000000000000", "0123456789", "ascii"),  # ASCII digits, 00 padding
        ("30313233202020202020202020202020", "0123", "ascii"),  # space padding
        ("41424300FF20000000000000000000FF", "ABC", "ascii"),  # mixed padding
        ("303132333435363738393031323334FF", "012345678901234", "ascii"),  # FF tail, but > 10 chars
        ("3031324AFFFFFFFFFFFFFFFFFFFFFFFF", "012J", "ascii"),  # FF padding, not BCD (nibble A)
        ("12345FFFFFFFFFFFFFFF000000000000", "12345", "bcd"),  # BCD, 00 in bytes 10-15
        # The documented ambiguity: ASCII "012" with FF padding reads as BCD "303132".
        ("303132FFFFFFFFFFFFFFFFFFFFFFFFFF", "303132", "bcd"),
    ],
)
def test_block0_tolerant_reading(block: str, number: str, layout: str) -> None:
    reading = decode_card_hex(block)
    assert (reading.card_number, reading.layout) == (number, layout)


def test_block1_ascii_digits_are_tolerated() -> None:
    block = b"20200315" + b"00010" + b"\x00\x00\x00"
    assert decode_activation(block) == (DAY, "00010")


def test_block1_reserved_bytes_are_ignored() -> None:
    assert decode_activation(BLOCK1[:7] + b"\xff" * 9) == (DAY, "00010")


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 15, 17])
def test_block_size_errors(size: int) -> None:
    with pytest.raises(CardDataError, match=f"sector 2 block 0 \\(address 8\\) has {size} bytes;"
                                            " expected 16"):
        decode_card_number(bytes(size))
    with pytest.raises(CardDataError, match=f"sector 2 block 1 \\(address 9\\) has {size} bytes"):
        decode_activation(bytes(size))


def test_block_type_error() -> None:
    with pytest.raises(CardDataError, match="sector 2 block 0: expected bytes, got str"):
        decode_card_number("00" * 16)  # type: ignore[arg-type]
    assert decode_card_number(bytearray(H("12345FFFFFFFFFFFFFFFFFFFFFFFFFFF"))) == "12345"


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("FF" * 16, r"sector 2 block 0 \(address 8\) bytes 0-15: blank \(all FF\)"),
        ("00" * 16, r"bytes 0-15: blank \(padding only\)"),
        ("20" * 16, r"blank \(padding only\)"),
        ("12345FFFFFFFFFFFFFFFFFFFFF000000", "byte 0 is 0x12: expected an ASCII Code 39"),
        ("12345678901234567890000000000000", "byte 0 is 0x12"),  # 20 digits, 00 tail: refused
        ("12345FFFFF0000000000000000000000", "byte 0 is 0x12"),
        ("41420043000000000000000000000000", "byte 2 is 0x00: expected an ASCII Code 39"),
        ("61626300000000000000000000000000", "byte 0 is 0x61"),
        ("20414200000000000000000000000000", "byte 0 is a space"),
        ("1F345FFFFFFFFFFFFFFFFFFFFFFFFFFF", "byte 0 is 0x1F"),
        ("12F45FFFFFFFFFFFFFFFFFFFFFFFFFFF", "byte 0 is 0x12"),
    ],
)
def test_block0_errors(block: str, message: str) -> None:
    with pytest.raises(CardDataError, match=message):
        decode_card_number(H(block))


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("00" * 16, r"sector 2 block 1 \(address 9\) bytes 0-15: blank \(all 00\)"),
        ("FF" * 16, r"blank \(all FF\)"),
        ("2020A315 00010F 000000000000000000", "bytes 0-3 are 2020A315: expected the activation"
                                               r" date as 8 BCD digits \(YYYYMMDD\)"),
        ("20210230 00010F 000000000000000000", "bytes 0-3: activation date 20210230 is not a"
                                               r" calendar date \(expected YYYYMMDD\)"),
        ("20201301 00010F 000000000000000000", "20201301 is not a calendar date"),
        ("00000101 00010F 000000000000000000", "00000101 is not a calendar date"),
        ("20200315 000100 000000000000000000", "bytes 4-6 are 000100: expected the home library"
                                               " code as 5 BCD digits then an F nibble"),
        ("20200315 0001AF 000000000000000000", "bytes 4-6 are 0001AF"),
        ("20200315 FFFFFF 000000000000000000", "bytes 4-6 are FFFFFF"),
        ("3230323030323330 30303031 30 000000", "byte 8 is 0x30|bytes 0-7: activation date"),
    ],
)
def test_block1_errors(block: str, message: str) -> None:
    with pytest.raises(CardDataError, match=message):
        decode_activation(H(block))


def test_block1_ascii_errors() -> None:
    with pytest.raises(CardDataError, match=r"block 1 \(address 9\) byte 10 is 0x41: expected an"
                                            " ASCII digit of the home library code"):
        decode_activation(b"20200315" + b"00A10" + bytes(3))
    with pytest.raises(CardDataError, match="bytes 0-7: activation date 20200230 is not a"):
        decode_activation(b"20200230" + b"00010" + bytes(3))


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1" * 21, "has 21 digits; at most 20 fit in block 0 as BCD"),
        ("A" * 17, "has 17 characters; at most 16 fit in block 0 as ASCII"),
        ("gz-001", r"position 1 holds 'g' \(U\+0067\); expected Code 39 characters"),
        ("GZ_001", "position 3 holds '_'"),
        ("١٢٣", "position 1 holds '١'"),
        ("", "card number is empty"),
        ("   ", "card number is empty"),
        (" GZ", "leading or trailing spaces"),
        ("GZ ", "leading or trailing spaces"),
        (12345, "expected text, got int"),
    ],
)
def test_card_number_validation(number, message: str) -> None:
    with pytest.raises(CardDataError, match=message):
        encode_card_number(number)
    with pytest.raises(CardDataError, match=message):
        CardRecord(number, DAY, "00010")


@pytest.mark.parametrize("library", ["0001", "000100", "0001a", "٠٠٠١٠", 10, ""])
def test_home_library_validation(library) -> None:
    with pytest.raises(CardDataError, match=r"home library code .*: expected 5 digits 0-9"):
        CardRecord("123", DAY, library)
    with pytest.raises(CardDataError, match="expected 5 digits"):
        encode_activation(DAY, library)


@pytest.mark.parametrize("value", [datetime(2020, 3, 15, 12, 0), "2020-03-15", None])
def test_activation_date_must_be_a_date(value) -> None:
    with pytest.raises(CardDataError, match=r"activation date: expected a datetime\.date"):
        CardRecord("123", value, "00010")
    with pytest.raises(CardDataError, match=r"activation date: expected a datetime\.date"):
        encode_activation(value, "00010")


# --- properties ---------------------------------------------------------------------------------

digit_numbers = st.text(alphabet="0123456789", min_size=1, max_size=20)
code39_numbers = st.text(alphabet=sorted(CODE39_CHARS), min_size=1, max_size=16).filter(
    lambda s: s == s.strip(" ") and s.strip(" ") != ""
)
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
libraries = st.text(alphabet="0123456789", min_size=5, max_size=5)


@given(st.one_of(digit_numbers, code39_numbers), dates, libraries)
def test_round_trip(number: str, day: date, library: str) -> None:
    record = CardRecord(number, day, library)
    assert decode_card(*encode_card(record)) == record
    assert decode_card_hex(card_to_hex(record)).card_number == number


@given(st.binary(min_size=16, max_size=16), st.binary(min_size=16, max_size=16))
def test_arbitrary_blocks_decode_or_raise_card_data_error(block0: bytes, block1: bytes) -> None:
    try:
        record = decode_card(block0, block1)
    except CardDataError as error:
        assert "sector 2 block" in str(error)
        return
    assert decode_card(*encode_card(record)).card_number == record.card_number
