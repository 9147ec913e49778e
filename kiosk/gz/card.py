"""DB4401/T 96 Annex E reader card: sector 2 of a MIFARE Classic 1K, pure encode/decode.

Annex E puts the card number in sector 2 block 0 and the activation date plus home-library code in
sector 2 block 1. Its exact byte layout could not be consulted. The layout below is OUR READING,
chosen to be the most plausible for a 16-byte block and to be unambiguous to decode; the
assumptions are marked (A1)–(A4) so they can be checked against the standard and changed here.

Block 0 (linear address 8) — card number, up to 20 digits or 16 other characters:

* (A1) All-digit numbers are packed BCD, two digits per byte, high nibble first, left-aligned,
  then ``F`` nibbles to the end of the block. 20 digits fill bytes 0–9, so bytes 10–15 are always
  ``FF``: ``"12345"`` → ``12 34 5F FF FF FF FF FF FF FF FF FF FF FF FF FF``.
* (A2) Numbers with other Code 39 characters (``A–Z``, space, ``- . $ / + %``) are ASCII,
  left-aligned, padded with ``00``; 16 characters at most (no leading/trailing space).
* Decoding: BCD when bytes 10–15 are ``FF`` and the nibbles are digits followed only by ``F``;
  otherwise ASCII, tolerating ``00``, ``20`` or ``FF`` padding (cards written by other systems
  store digits as ASCII). The one ambiguity: a number of at most 10 characters from
  ``0–9``/``$``/``%``/space/``A–I``/``P–Y`` (optionally ending in ``/``) written as ASCII with
  ``FF`` padding reads as BCD — ``"012"`` as ``"303132"``; our encoder never writes that.
  As a last resort, when the block is not valid ASCII, a BCD number of fewer than 20 digits
  whose ``F`` padding stops at byte 9 (bytes 10–15 ``00``) is accepted; 20 digits with ``00``
  padding are refused, as they could be any binary block.

Block 1 (linear address 9) — activation date and home library:

* (A3) Bytes 0–3: activation date ``YYYYMMDD`` as 8 BCD digits (``2020-03-15`` →
  ``20 20 03 15``). Bytes 4–6: home-library code, 5 BCD digits left-aligned plus an ``F`` nibble
  (``"00010"`` → ``00 01 0F``). Bytes 7–15: reserved, written ``00``, ignored when read.
* (A4) Tolerated on reading: the same fields as ASCII digits (bytes 0–7 date, bytes 8–12
  library code). Unambiguous, because an ASCII date read as BCD would have a month of 30–39.

Block 2 (address 10) is unused; block 3 (address 11) is the sector trailer (keys, access bits).
Errors are :class:`CardDataError` naming the block, the byte(s) and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from kiosk.errors import CardDataError
from kiosk.gz.code39 import CODE39_CHARS, describe_char, first_non_code39, is_ascii_digits

__all__ = [
    "ACTIVATION_ADDRESS",
    "ACTIVATION_BLOCK",
    "BLOCKS_PER_SECTOR",
    "BLOCK_SIZE",
    "CARD_NUMBER_ADDRESS",
    "CARD_NUMBER_BLOCK",
    "CARD_NUMBER_MAX_CHARS",
    "CARD_NUMBER_MAX_DIGITS",
    "HOME_LIBRARY_DIGITS",
    "SECTOR",
    "SECTOR_DATA_ADDRESSES",
    "SECTOR_TRAILER_ADDRESS",
    "CardReading",
    "CardRecord",
    "block_address",
    "card_to_hex",
    "decode_activation",
    "decode_card",
    "decode_card_hex",
    "decode_card_number",
    "encode_activation",
    "encode_card",
    "encode_card_number",
    "parse_hex_blocks",
]

SECTOR: Final = 2
BLOCKS_PER_SECTOR: Final = 4
BLOCK_SIZE: Final = 16
SECTORS_1K: Final = 16
CARD_NUMBER_BLOCK: Final = 0
ACTIVATION_BLOCK: Final = 1
CARD_NUMBER_MAX_DIGITS: Final = 20
CARD_NUMBER_MAX_CHARS: Final = 16
HOME_LIBRARY_DIGITS: Final = 5

_BCD_NUMBER = re.compile(r"([0-9]*)F*")
_BCD_LIBRARY = re.compile(r"([0-9]{5})F")
_ASCII_PADDING = b"\x00\xff "


def block_address(sector: int, block: int) -> int:
    """Linear block address on a MIFARE Classic 1K (``sector * 4 + block``)."""
    if not (0 <= sector < SECTORS_1K and 0 <= block < BLOCKS_PER_SECTOR):
        raise CardDataError(
            f"sector {sector} block {block}: expected sector 0-{SECTORS_1K - 1}, block 0-3"
        )
    return sector * BLOCKS_PER_SECTOR + block


CARD_NUMBER_ADDRESS: Final = block_address(SECTOR, CARD_NUMBER_BLOCK)
ACTIVATION_ADDRESS: Final = block_address(SECTOR, ACTIVATION_BLOCK)
SECTOR_DATA_ADDRESSES: Final = tuple(block_address(SECTOR, block) for block in range(3))
SECTOR_TRAILER_ADDRESS: Final = block_address(SECTOR, 3)


def _where(block: int, first: int, last: int | None = None) -> str:
    place = f"sector {SECTOR} block {block} (address {block_address(SECTOR, block)})"
    if last is None or last == first:
        return f"{place} byte {first}"
    return f"{place} bytes {first}-{last}"


def _card_number_problem(card_number: object) -> str | None:
    """Why ``card_number`` cannot be stored in block 0, or ``None``."""
    if not isinstance(card_number, str):
        return f"card number: expected text, got {type(card_number).__name__}"
    if is_ascii_digits(card_number):
        if len(card_number) > CARD_NUMBER_MAX_DIGITS:
            return (
                f"card number {card_number!r} has {len(card_number)} digits; at most"
                f" {CARD_NUMBER_MAX_DIGITS} fit in block 0 as BCD"
            )
        return None
    bad = first_non_code39(card_number)
    if bad is not None:
        return (
            f"card number {card_number!r}: position {bad + 1} holds"
            f" {describe_char(card_number[bad])}; expected Code 39 characters"
            " (0-9 A-Z space - . $ / + %)"
        )
    if not card_number.strip(" "):
        return "card number is empty"
    if card_number != card_number.strip(" "):
        return f"card number {card_number!r} has leading or trailing spaces"
    if len(card_number) > CARD_NUMBER_MAX_CHARS:
        return (
            f"card number {card_number!r} has {len(card_number)} characters; at most"
            f" {CARD_NUMBER_MAX_CHARS} fit in block 0 as ASCII (only all-digit numbers, up to"
            f" {CARD_NUMBER_MAX_DIGITS}, are packed as BCD)"
        )
    return None


def _home_library_problem(home_library: object) -> str | None:
    if not (
        isinstance(home_library, str)
        and len(home_library) == HOME_LIBRARY_DIGITS
        and is_ascii_digits(home_library)
    ):
        return f"home library code {home_library!r}: expected {HOME_LIBRARY_DIGITS} digits 0-9"
    return None


@dataclass(frozen=True, slots=True)
class CardRecord:
    """What sector 2 of a reader card says; construction refuses what blocks 0–1 cannot hold."""

    card_number: str
    activation_date: date
    home_library: str

    def __post_init__(self) -> None:
        problem = _card_number_problem(self.card_number) or _home_library_problem(
            self.home_library
        )
        if problem is None and (
            isinstance(self.activation_date, datetime) or not isinstance(self.activation_date, date)
        ):
            problem = (
                f"activation date: expected a datetime.date, got"
                f" {type(self.activation_date).__name__}"
            )
        if problem is not None:
            raise CardDataError(problem)


def encode_card_number(card_number: str) -> bytes:
    """Block 0 for ``card_number`` (BCD if all digits, else ASCII; see (A1), (A2))."""
    problem = _card_number_problem(card_number)
    if problem is not None:
        raise CardDataError(problem)
    if is_ascii_digits(card_number):
        return bytes.fromhex(card_number.ljust(2 * BLOCK_SIZE, "F"))
    return card_number.encode("ascii").ljust(BLOCK_SIZE, b"\x00")


def encode_activation(activation_date: date, home_library: str) -> bytes:
    """Block 1: date as 8 BCD digits, library as 5 BCD digits + ``F``, then ``00`` (A3)."""
    problem = _home_library_problem(home_library)
    if problem is not None:
        raise CardDataError(problem)
    if isinstance(activation_date, datetime) or not isinstance(activation_date, date):
        raise CardDataError(
            f"activation date: expected a datetime.date, got {type(activation_date).__name__}"
        )
    day = activation_date
    digits = f"{day.year:04d}{day.month:02d}{day.day:02d}{home_library}F"
    return bytes.fromhex(digits).ljust(BLOCK_SIZE, b"\x00")


def encode_card(record: CardRecord) -> tuple[bytes, bytes]:
    """Blocks 0 and 1 of sector 2 (16 bytes each) for ``record``."""
    return (
        encode_card_number(record.card_number),
        encode_activation(record.activation_date, record.home_library),
    )


def _require_block(block: object, number: int) -> bytes:
    if not isinstance(block, bytes | bytearray | memoryview):
        raise CardDataError(
            f"sector {SECTOR} block {number}: expected bytes, got {type(block).__name__}"
        )
    data = bytes(block)
    if len(data) != BLOCK_SIZE:
        raise CardDataError(
            f"sector {SECTOR} block {number} (address {block_address(SECTOR, number)}) has"
            f" {len(data)} bytes; expected {BLOCK_SIZE}"
        )
    return data


def _bcd_number(data: bytes) -> str | None:
    """Digits of an F-padded BCD card number, or ``None`` if ``data`` is not one."""
    match = _BCD_NUMBER.fullmatch(data.hex().upper())
    return match.group(1) if match and match.group(1) else None


def _decode_number(data: bytes) -> tuple[str, str]:
    """(card number, layout) from block 0; raises naming the first offending byte."""
    if data[10:] == b"\xff" * 6:
        digits = _bcd_number(data)
        if digits is not None:
            return digits, "bcd"
        if data == b"\xff" * BLOCK_SIZE:
            raise CardDataError(f"{_where(0, 0, 15)}: blank (all FF); expected a card number")
    body = data.rstrip(_ASCII_PADDING)
    if not body:
        raise CardDataError(
            f"{_where(0, 0, 15)}: blank (padding only); expected a card number"
        )
    for index, byte in enumerate(body):
        if chr(byte) not in CODE39_CHARS:
            lenient = _bcd_number(data[:10]) if data[10:] == bytes(6) else None
            if lenient is not None and len(lenient) < CARD_NUMBER_MAX_DIGITS:
                return lenient, "bcd"
            raise CardDataError(
                f"{_where(0, index)} is 0x{byte:02X}: expected an ASCII Code 39 character (the"
                " number is not BCD either: digits then F nibbles, bytes 10-15 FF)"
            )
    text = body.decode("ascii")
    if text != text.lstrip(" "):
        raise CardDataError(f"{_where(0, 0)} is a space: the card number cannot start with one")
    return text, "ascii"


def decode_card_number(block0: bytes) -> str:
    """The card number in sector 2 block 0 (BCD or ASCII, see the module docstring)."""
    return _decode_number(_require_block(block0, CARD_NUMBER_BLOCK))[0]


def _calendar_date(digits: str, where: str) -> date:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise CardDataError(
            f"{where}: activation date {digits} is not a calendar date (expected YYYYMMDD)"
        ) from None


def decode_activation(block1: bytes) -> tuple[date, str]:
    """(activation date, home-library code) from sector 2 block 1 (BCD, or ASCII digits)."""
    data = _require_block(block1, ACTIVATION_BLOCK)
    if data in (bytes(BLOCK_SIZE), b"\xff" * BLOCK_SIZE):
        raise CardDataError(
            f"{_where(1, 0, 15)}: blank (all {data[0]:02X}); expected activation date and"
            " home library"
        )
    if all(0x30 <= byte <= 0x39 for byte in data[:8]):  # (A4) ASCII digits
        library = data[8:13]
        for index, byte in enumerate(library, start=8):
            if not 0x30 <= byte <= 0x39:
                raise CardDataError(
                    f"{_where(1, index)} is 0x{byte:02X}: expected an ASCII digit of the home"
                    " library code (bytes 8-12, since the date in bytes 0-7 is ASCII)"
                )
        return _calendar_date(data[:8].decode("ascii"), _where(1, 0, 7)), library.decode("ascii")
    date_digits = data[:4].hex().upper()
    if not is_ascii_digits(date_digits):
        raise CardDataError(
            f"{_where(1, 0, 3)} are {date_digits}: expected the activation date as 8 BCD digits"
            " (YYYYMMDD)"
        )
    library_match = _BCD_LIBRARY.fullmatch(data[4:7].hex().upper())
    if library_match is None:
        raise CardDataError(
            f"{_where(1, 4, 6)} are {data[4:7].hex().upper()}: expected the home library code as"
            f" {HOME_LIBRARY_DIGITS} BCD digits then an F nibble"
        )
    return _calendar_date(date_digits, _where(1, 0, 3)), library_match.group(1)


def decode_card(block0: bytes, block1: bytes) -> CardRecord:
    """The reader-card record in sector 2 blocks 0 and 1."""
    card_number = decode_card_number(block0)
    activation_date, home_library = decode_activation(block1)
    return CardRecord(card_number, activation_date, home_library)


def parse_hex_blocks(text: str) -> tuple[bytes, ...]:
    """32 hex digits → (block 0,), 64 → (block 0, block 1). Spaces, ``:`` and ``-`` are ignored."""
    if not isinstance(text, str):
        raise CardDataError(f"hex input: expected text, got {type(text).__name__}")
    digits: list[str] = []
    for index, ch in enumerate(text):
        if ch in " \t\r\n:-":
            continue
        if ch not in "0123456789abcdefABCDEF":
            raise CardDataError(
                f"hex input: character {index + 1} is {describe_char(ch)}; expected hex digits"
            )
        digits.append(ch)
    if len(digits) not in (2 * BLOCK_SIZE, 4 * BLOCK_SIZE):
        raise CardDataError(
            f"hex input has {len(digits)} hex digits; expected 32 (sector {SECTOR} block 0) or"
            f" 64 (blocks 0 and 1)"
        )
    raw = bytes.fromhex("".join(digits))
    return tuple(raw[i : i + BLOCK_SIZE] for i in range(0, len(raw), BLOCK_SIZE))


@dataclass(frozen=True, slots=True)
class CardReading:
    """What a hex dump of one or two blocks says; block-1 fields are ``None`` without block 1.

    ``layout`` tells how block 0 was read (``"bcd"`` or ``"ascii"``), for staff diagnosing a card.
    """

    card_number: str
    layout: str
    activation_date: date | None = None
    home_library: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "card_number": self.card_number,
            "card_number_layout": self.layout,
            "activation_date": (
                self.activation_date.isoformat() if self.activation_date is not None else None
            ),
            "home_library": self.home_library,
        }


def decode_card_hex(text: str) -> CardReading:
    """Decode a CLI hex argument: 32 hex digits (block 0) or 64 (blocks 0 and 1)."""
    blocks = parse_hex_blocks(text)
    card_number, layout = _decode_number(blocks[0])
    if len(blocks) == 1:
        return CardReading(card_number, layout)
    activation_date, home_library = decode_activation(blocks[1])
    return CardReading(card_number, layout, activation_date, home_library)


def card_to_hex(record: CardRecord) -> str:
    """The 64 upper-case hex digits of blocks 0 and 1 for ``record``."""
    block0, block1 = encode_card(record)
    return (block0 + block1).hex().upper()
