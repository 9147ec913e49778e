"""ISO/IEC 15693-3 at the frame level: pure, no I/O.

What lives here: request flags, command codes (with the NXP ICODE custom commands, which carry the
IC manufacturer code 0x04 as their first parameter), CRC-16/X-25, request building and response
parsing, the tag error codes, and UID byte-order helpers.

Byte order: a UID is *shown* most significant byte first (``E004…`` for NXP) but travels over the
air least significant byte first. :class:`Command` and everything else in this package hold UIDs in
the shown order; only :func:`build_request` / :func:`parse_inventory_response` reverse them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drivers.errors import ReaderProtocolError

__all__ = [
    "ERROR_TEXT",
    "NXP",
    "Cmd",
    "Command",
    "Flag",
    "Reply",
    "build_request",
    "crc16",
    "inventory_request",
    "parse_inventory_response",
    "parse_response",
    "uid_from_air",
    "uid_from_hex",
    "uid_hex",
    "uid_to_air",
    "with_crc",
]

NXP = 0x04  # IC manufacturer code of NXP (ISO/IEC 7816-6)


class Flag(enum.IntFlag):
    """Request flags (bits 1–4 always; 5–8 depend on the inventory flag)."""

    SUBCARRIERS = 0x01
    HIGH_RATE = 0x02
    INVENTORY = 0x04
    PROTOCOL_EXT = 0x08
    SELECT = 0x10  # inventory = 0
    ADDRESS = 0x20  # inventory = 0
    OPTION = 0x40  # both
    AFI = 0x10  # inventory = 1
    ONE_SLOT = 0x20  # inventory = 1


class Cmd(enum.IntEnum):
    """Command codes: mandatory/optional (0x01–0x2C) and NXP ICODE custom (0xA0–0xBD)."""

    INVENTORY = 0x01
    STAY_QUIET = 0x02
    READ_SINGLE = 0x20
    WRITE_SINGLE = 0x21
    LOCK_BLOCK = 0x22
    READ_MULTIPLE = 0x23
    WRITE_MULTIPLE = 0x24
    SELECT = 0x25
    RESET_TO_READY = 0x26
    WRITE_AFI = 0x27
    LOCK_AFI = 0x28
    WRITE_DSFID = 0x29
    LOCK_DSFID = 0x2A
    GET_SYSTEM_INFO = 0x2B
    GET_SECURITY_STATUS = 0x2C
    NXP_SET_EAS = 0xA2
    NXP_RESET_EAS = 0xA3
    NXP_LOCK_EAS = 0xA4
    NXP_EAS_ALARM = 0xA5
    NXP_GET_SYSTEM_INFO = 0xAB


# Tag error codes (response flag bit 0 set, one error byte follows).
ERROR_TEXT: dict[int, str] = {
    0x01: "command not supported",
    0x02: "command not recognised (format error)",
    0x03: "option not supported",
    0x0F: "unknown error",
    0x10: "block not available",
    0x11: "block already locked",
    0x12: "block locked, content cannot be changed",
    0x13: "block not successfully programmed",
    0x14: "block not successfully locked",
}

_CRC_POLY_REFLECTED = 0x8408


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC_POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(data: bytes, *, preset: int = 0xFFFF, xorout: int = 0xFFFF) -> int:
    """CRC-16/X-25 (ISO/IEC 13239), as ISO 15693 uses it; ``check(b"123456789") == 0x906E``.

    With ``xorout=0`` the same routine is CRC-16/MCRF4XX, the FEIG ISO Host frame CRC.
    """
    crc = preset
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc ^ xorout


def with_crc(frame: bytes) -> bytes:
    """``frame`` followed by its CRC-16/X-25, least significant byte first."""
    crc = crc16(frame)
    return frame + bytes((crc & 0xFF, crc >> 8))


def uid_from_hex(text: str) -> bytes:
    """Parse a shown-order UID (``E004010012345678``, spaces and colons allowed)."""
    cleaned = text.replace(" ", "").replace(":", "")
    try:
        uid = bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError(f"UID {text!r}: expected 16 hexadecimal digits") from None
    if len(uid) != 8:
        raise ValueError(f"UID {text!r}: expected 8 bytes (16 hex digits), got {len(uid)}")
    return uid


def uid_hex(uid: bytes) -> str:
    """The shown form of a UID: uppercase hex, most significant byte first."""
    return uid.hex().upper()


def uid_to_air(uid: bytes) -> bytes:
    """Shown order → air order (least significant byte first)."""
    return uid[::-1]


def uid_from_air(uid: bytes) -> bytes:
    """Air order → shown order."""
    return uid[::-1]


@dataclass(frozen=True, slots=True)
class Command:
    """One ISO 15693 request, independent of how a reader carries it.

    ``uid`` is ``None`` for a non-addressed request. ``params`` are the bytes after the command
    code (after the manufacturer code for custom commands) and the UID, e.g. the block number.
    """

    code: int
    uid: bytes | None = None
    params: bytes = b""
    option: bool = False

    @property
    def is_custom(self) -> bool:
        return 0xA0 <= self.code <= 0xDF


@dataclass(frozen=True, slots=True)
class Reply:
    """A tag's answer: ``error`` is the ISO 15693 error code or ``None``; ``data`` follows flags."""

    data: bytes = b""
    error: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def build_request(command: Command, *, high_rate: bool = True) -> bytes:
    """Encode ``command`` as an air frame with CRC (no SOF/EOF)."""
    flags = Flag.HIGH_RATE if high_rate else Flag(0)
    if command.uid is not None:
        flags |= Flag.ADDRESS
    if command.option:
        flags |= Flag.OPTION
    frame = bytearray((int(flags), command.code))
    if command.is_custom:
        frame.append(NXP)
    if command.uid is not None:
        if len(command.uid) != 8:
            raise ValueError(f"UID must be 8 bytes, got {len(command.uid)}")
        frame += uid_to_air(command.uid)
    frame += command.params
    return with_crc(bytes(frame))


def inventory_request(afi: int | None = None, *, one_slot: bool = False) -> bytes:
    """An inventory request (16 slots unless ``one_slot``), optionally restricted to one AFI."""
    flags = Flag.HIGH_RATE | Flag.INVENTORY
    if one_slot:
        flags |= Flag.ONE_SLOT
    body = bytearray((int(flags), Cmd.INVENTORY))
    if afi is not None:
        body[0] |= Flag.AFI
        body.append(afi)
    body.append(0)  # mask length
    return with_crc(bytes(body))


def _check_crc(frame: bytes) -> bytes:
    if len(frame) < 3:
        raise ReaderProtocolError(f"response of {len(frame)} bytes is too short for flags and CRC")
    if crc16(frame) != 0x0F47:  # residue of a frame with a correct CRC, after xorout
        raise ReaderProtocolError(f"response CRC error in {frame.hex(' ').upper()}")
    return frame[:-2]


def parse_response(frame: bytes) -> Reply:
    """Parse a response frame (flags … CRC) into a :class:`Reply`."""
    body = _check_crc(frame)
    flags = body[0]
    if flags & 0x01:
        if len(body) < 2:
            raise ReaderProtocolError("error response without an error code")
        return Reply(error=body[1])
    return Reply(data=bytes(body[1:]))


def parse_inventory_response(frame: bytes) -> tuple[bytes, int]:
    """Parse an inventory response: return ``(uid in shown order, dsfid)``."""
    body = _check_crc(frame)
    if len(body) != 10 or body[0] & 0x01:
        raise ReaderProtocolError(f"inventory response of {len(body)} bytes, expected 10")
    return uid_from_air(bytes(body[2:10])), body[1]
