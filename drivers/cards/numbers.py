"""Turning a card UID into the card number the library system knows.

Libraries register patron cards under numbers derived from the UID, and readers disagree on how:
some print the UID bytes as hex in the order they came over the air, others read the bytes
backwards (least significant first) and print a zero-padded decimal. The common Chinese library
practice for 4-byte MIFARE UIDs is the latter, ten digits ("8H10D")::

    UID over the air   DE AD BE EF
    hex, msb           DEADBEEF
    hex, lsb           EFBEADDE
    decimal, msb       3735928559
    decimal, lsb, 10   4022250974   (0xEFBEADDE)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drivers.errors import DriverConfigError

__all__ = ["LSB_DECIMAL_10", "UID_HEX", "ByteOrder", "CardNumberRule", "NumberFormat"]

NumberFormat = Literal["hex", "decimal"]
ByteOrder = Literal["msb", "lsb"]

_FORMATS: dict[str, str] = {"hex": "X", "decimal": "d"}
_ORDERS: dict[str, Literal["big", "little"]] = {"msb": "big", "lsb": "little"}
_MAX_WIDTH = 64


@dataclass(frozen=True, slots=True)
class CardNumberRule:
    """How a UID becomes a card number.

    ``byte_order="msb"`` makes the first UID byte (UID0, first over the air) the most significant;
    ``"lsb"`` the least significant. ``width`` zero-pads to at least that many characters; it
    never truncates (a 7-byte UID keeps all its digits). Without a width, hex keeps two digits
    per byte and decimal is unpadded.
    """

    format: NumberFormat = "hex"
    byte_order: ByteOrder = "msb"
    width: int | None = None

    def __post_init__(self) -> None:
        if self.format not in _FORMATS:
            raise DriverConfigError(
                f"card number rule: format {self.format!r} is not one of 'hex', 'decimal'"
            )
        if self.byte_order not in _ORDERS:
            raise DriverConfigError(
                f"card number rule: byte_order {self.byte_order!r} is not one of 'msb', 'lsb'"
            )
        if self.width is not None and (
            isinstance(self.width, bool)
            or not isinstance(self.width, int)
            or not 1 <= self.width <= _MAX_WIDTH
        ):
            raise DriverConfigError(
                f"card number rule: width {self.width!r} is not None or an integer 1..{_MAX_WIDTH}"
            )

    def number(self, uid: bytes) -> str:
        """The card number for ``uid`` (bytes in over-the-air order)."""
        if not uid:
            raise DriverConfigError("card number rule: the UID is empty; expected 1 or more bytes")
        value = int.from_bytes(uid, _ORDERS[self.byte_order])
        width = self.width
        if width is None:
            width = 2 * len(uid) if self.format == "hex" else 1
        return format(value, f"0{width}{_FORMATS[self.format]}")


UID_HEX = CardNumberRule()
"""The UID as upper-case hex, first byte first (what nfcpy and most tools print)."""

LSB_DECIMAL_10 = CardNumberRule(format="decimal", byte_order="lsb", width=10)
"""The 4-byte UID read least significant byte first, as a ten-digit decimal."""
