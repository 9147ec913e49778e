"""Driver side of the FEIG ISO Host protocol: ISO 15693 commands in, FEIG requests out (pure).

One table, keyed by the ISO 15693 command code, says how a :class:`~drivers.iso15693.Command`
becomes the data of a ``[0xB0]``/``[0xB1]`` request and how the reader's answer becomes the reply
data an ISO 15693 tag would have sent — so :class:`drivers.reader.Reader` keeps every ISO
semantic (block counts, lock bits, error codes) and this module only re-packs bytes.

Byte order (manual: "data will be sent always as MSB first"): the reader sends UIDs in the shown
order (``E0 04 …``), and every data block byte-reversed relative to tag memory. The translation
reverses each block (its size comes from DB-SIZE) both ways, and turns the UID of Get System
Information back into air order, so callers only ever see tag-memory order.

Counts: ISO 15693 carries "number of blocks − 1"; FEIG's DB-N is the number of blocks.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from drivers.errors import (
    AuthenticationFailed,
    NoTag,
    ReaderError,
    ReaderProtocolError,
    ReaderTimeout,
    ReaderUnavailable,
    WriteFailed,
)
from drivers.feig.frames import (
    MODE_ADDRESSED,
    MODE_AFI,
    MODE_KEY_LOADED,
    MODE_MORE,
    MODE_NON_ADDRESSED,
    MODE_SECURITY,
    MODE_SELECTED,
    NXP_MFR,
    STATUS_HINT,
    STATUS_TEXT,
    TR_ISO14443A,
    TR_ISO15693,
    Control,
    HostSub,
    MifareSub,
    Status,
)
from drivers.iso15693 import Cmd, Command
from drivers.reader import TagSeen

__all__ = [
    "ROUTES",
    "STATUS_ERRORS",
    "CardSeen",
    "OutputMode",
    "Route",
    "SoftwareVersion",
    "encode_outputs",
    "inventory_request",
    "mifare_auth_request",
    "mifare_blocks",
    "mifare_read_request",
    "mifare_select_request",
    "parse_blocks",
    "parse_inventory",
    "parse_software_version",
    "reverse_blocks",
    "route_for",
    "status_error",
]

# ---------------------------------------------------------------------------------- statuses
#: Reader status → exception. 0x02 (data false) and 0x83 (RF communication error) are garbled
#: air exchanges, not facts about the tag: they map to ReaderTimeout so that the base class
#: retries them like a lost answer. 0x10 and 0xF1 say the reader itself is broken.
#: 0x95 (ISO 15693 error) is not here: it becomes ``Reply(error=code)``.
STATUS_ERRORS: dict[int, type[ReaderError]] = {
    Status.NO_TRANSPONDER: NoTag,
    Status.DATA_FALSE: ReaderTimeout,
    Status.WRITE_ERROR: WriteFailed,
    Status.ADDRESS_ERROR: ReaderProtocolError,
    Status.WRONG_TRANSPONDER_TYPE: ReaderProtocolError,
    Status.AUTHENTICATION_ERROR: AuthenticationFailed,
    Status.GENERAL_ERROR: ReaderProtocolError,
    Status.EEPROM_FAILURE: ReaderUnavailable,
    Status.PARAMETER_RANGE: ReaderProtocolError,
    Status.UNKNOWN_COMMAND: ReaderProtocolError,
    Status.LENGTH_ERROR: ReaderProtocolError,
    Status.NOT_AVAILABLE: ReaderProtocolError,
    Status.RF_COMMUNICATION_ERROR: ReaderTimeout,
    Status.RF_WARNING: ReaderProtocolError,
    Status.BUFFER_OVERFLOW: ReaderProtocolError,
    Status.MORE_DATA: ReaderProtocolError,  # only meaningful for inventory, handled there
    Status.ISO14443_ERROR: ReaderProtocolError,
    Status.FIRMWARE_MISMATCH: ReaderUnavailable,
}


def status_error(status: int, what: str, data: bytes = b"") -> ReaderError:
    """The exception for a non-OK reader status, with the reader's code and a hint."""
    kind = STATUS_ERRORS.get(status, ReaderProtocolError)
    text = STATUS_TEXT.get(status, "undocumented status")
    if status == Status.WRITE_ERROR and data:
        text += f" at block {data[0]}"
    hint = STATUS_HINT.get(status)
    message = f"{what}: {text}" + (f" — {hint}" if hint else "")
    return kind(message, status=status)


# ---------------------------------------------------------------------------------- blocks
def reverse_blocks(data: bytes, size: int) -> bytes:
    """Reverse the bytes of every ``size``-byte block (the reader's order ⇄ tag memory order)."""
    if size <= 0 or len(data) % size:
        raise ReaderProtocolError(f"{len(data)} bytes is not a whole number of {size}-byte blocks")
    if size == 1:
        return data
    return b"".join(data[i : i + size][::-1] for i in range(0, len(data), size))


def parse_blocks(data: bytes, expected: int | None = None) -> tuple[int, list[tuple[int, bytes]]]:
    """Parse ``DB-N DB-SIZE (SEC-STATUS DB)×N`` into (block size, [(security, memory-order)])."""
    if len(data) < 2:
        raise ReaderProtocolError(f"read answer of {len(data)} bytes lacks DB-N and DB-SIZE")
    count, size = data[0], data[1]
    if expected is not None and count != expected:
        raise ReaderProtocolError(f"read answer has {count} blocks, {expected} were requested")
    if size == 0 or len(data) != 2 + count * (size + 1):
        raise ReaderProtocolError(
            f"read answer of {len(data)} bytes does not hold {count} blocks of {size} bytes "
            f"with a security byte each (expected {2 + count * (size + 1)})"
        )
    blocks = []
    for i in range(count):
        start = 2 + i * (size + 1)
        blocks.append((data[start], data[start + size : start : -1]))
    return size, blocks


# ---------------------------------------------------------------------------------- routes
@dataclass(frozen=True, slots=True)
class Route:
    """How one ISO 15693 command travels through the reader: request data and answer data."""

    command: int  # FEIG CMD byte
    request: Callable[[Command], bytes]  # data bytes after CMD
    reply: Callable[[Command, bytes], bytes]  # OK answer data → ISO 15693 reply data


def _target(command: Command, extra_mode: int = 0) -> bytes:
    """MODE (non-addressed or addressed) and the UID when addressed."""
    if command.uid is None:
        return bytes((MODE_NON_ADDRESSED | extra_mode,))
    if len(command.uid) != 8:
        raise ValueError(f"UID must be 8 bytes, got {len(command.uid)}")
    return bytes((MODE_ADDRESSED | extra_mode,)) + command.uid


def _params(command: Command, size: int, layout: str) -> bytes:
    if len(command.params) != size:
        raise ValueError(
            f"ISO 15693 command 0x{command.code:02X} needs {size} parameter byte(s) "
            f"({layout}), got {len(command.params)}"
        )
    return command.params


def _host(sub: HostSub, params: Callable[[Command], bytes] | None = None) -> Callable[
    [Command], bytes
]:
    def build(command: Command) -> bytes:
        extra = params(command) if params else _params(command, 0, "none")
        return bytes((sub,)) + _target(command) + extra

    return build


def _read_request(command: Command) -> bytes:
    if command.code == Cmd.READ_SINGLE:
        first, count = _params(command, 1, "block number")[0], 1
    else:
        params = _params(command, 2, "first block, count − 1")
        first, count = params[0], params[1] + 1
    mode = MODE_SECURITY if command.option else 0
    return bytes((HostSub.READ_MULTIPLE,)) + _target(command, mode) + bytes((first, count))


def _read_reply(command: Command, data: bytes) -> bytes:
    expected = 1 if command.code == Cmd.READ_SINGLE else command.params[1] + 1
    _, blocks = parse_blocks(data, expected)
    if command.option:
        return b"".join(bytes((security,)) + block for security, block in blocks)
    return b"".join(block for _, block in blocks)


def _write_request(command: Command) -> bytes:
    params = command.params
    if command.code == Cmd.WRITE_SINGLE:
        if len(params) < 2:
            raise ValueError("Write Single Block needs a block number and data")
        first, count, payload = params[0], 1, params[1:]
    else:
        if len(params) < 3:
            raise ValueError("Write Multiple Blocks needs first block, count − 1 and data")
        first, count, payload = params[0], params[1] + 1, params[2:]
    if len(payload) % count or len(payload) // count > 0xFF:
        raise ValueError(f"{len(payload)} data bytes cannot be split into {count} equal blocks")
    size = len(payload) // count
    head = bytes((HostSub.WRITE_MULTIPLE,)) + _target(command) + bytes((first, count, size))
    return head + reverse_blocks(payload, size)


def _lock_block_request(command: Command) -> bytes:
    block = _params(command, 1, "block number")[0]
    return bytes((HostSub.LOCK_MULTIPLE,)) + _target(command) + bytes((block, 1))


def _security_request(command: Command) -> bytes:
    params = _params(command, 2, "first block, count − 1")
    return (
        bytes((HostSub.SECURITY_STATUS,)) + _target(command) + bytes((params[0], params[1] + 1))
    )


def _security_reply(command: Command, data: bytes) -> bytes:
    expected = command.params[1] + 1
    if len(data) != 1 + expected or data[0] != expected:
        raise ReaderProtocolError(
            f"security status answer {data.hex(' ').upper()}: expected DB-N {expected} "
            f"and {expected} status bytes"
        )
    return data[1:]


def _system_info_reply(command: Command, data: bytes) -> bytes:
    """FEIG ``DSFID UID(MSB first) AFI MEM-SIZE(size−1, count−1) IC-REF`` → ISO layout."""
    if len(data) != 13:
        raise ReaderProtocolError(
            f"system information answer of {len(data)} bytes, expected 13 "
            "(DSFID, UID, AFI, MEM-SIZE, IC-REF)"
        )
    dsfid, uid, afi = data[0], data[1:9], data[9]
    size_minus_1, count_minus_1, ic_reference = data[10], data[11], data[12]
    return (
        bytes((0x0F,))
        + uid[::-1]
        + bytes((dsfid, afi, count_minus_1, size_minus_1 & 0x1F, ic_reference))
    )


def _value(command: Command) -> bytes:
    return _params(command, 1, "value")


def _empty(command: Command, data: bytes) -> bytes:
    return b""


def _raw(command: Command, data: bytes) -> bytes:
    return data


def _custom_request(command: Command) -> bytes:
    """``[0xB1]``: manufacturer, custom code, MODE, [UID], parameters (NXP only here)."""
    return bytes((NXP_MFR, command.code)) + _target(command) + command.params


_B0 = Control.ISO_HOST
_B1 = Control.ISO_CUSTOM

#: ISO 15693 command code → route through the reader.
ROUTES: dict[int, Route] = {
    Cmd.STAY_QUIET: Route(_B0, _host(HostSub.STAY_QUIET), _empty),
    Cmd.READ_SINGLE: Route(_B0, _read_request, _read_reply),
    Cmd.WRITE_SINGLE: Route(_B0, _write_request, _empty),
    Cmd.LOCK_BLOCK: Route(_B0, _lock_block_request, _empty),
    Cmd.READ_MULTIPLE: Route(_B0, _read_request, _read_reply),
    Cmd.WRITE_MULTIPLE: Route(_B0, _write_request, _empty),
    Cmd.SELECT: Route(_B0, _host(HostSub.SELECT), _empty),
    Cmd.RESET_TO_READY: Route(_B0, _host(HostSub.RESET_TO_READY), _empty),
    Cmd.WRITE_AFI: Route(_B0, _host(HostSub.WRITE_AFI, _value), _empty),
    Cmd.LOCK_AFI: Route(_B0, _host(HostSub.LOCK_AFI), _empty),
    Cmd.WRITE_DSFID: Route(_B0, _host(HostSub.WRITE_DSFID, _value), _empty),
    Cmd.LOCK_DSFID: Route(_B0, _host(HostSub.LOCK_DSFID), _empty),
    Cmd.GET_SYSTEM_INFO: Route(_B0, _host(HostSub.SYSTEM_INFO), _system_info_reply),
    Cmd.GET_SECURITY_STATUS: Route(_B0, _security_request, _security_reply),
    Cmd.NXP_SET_EAS: Route(_B1, _custom_request, _empty),
    Cmd.NXP_RESET_EAS: Route(_B1, _custom_request, _empty),
    Cmd.NXP_LOCK_EAS: Route(_B1, _custom_request, _empty),
    Cmd.NXP_EAS_ALARM: Route(_B1, _custom_request, _raw),
}

_CUSTOM_ROUTE = Route(_B1, _custom_request, _raw)


def route_for(command: Command) -> Route:
    """The route for ``command``; other NXP custom codes go through ``[0xB1]`` unchanged."""
    route = ROUTES.get(command.code)
    if route is not None:
        return route
    if command.is_custom:
        return _CUSTOM_ROUTE
    raise ReaderProtocolError(
        f"ISO 15693 command 0x{command.code:02X} has no FEIG ISO Host equivalent in this driver"
    )


# ---------------------------------------------------------------------------------- inventory
@dataclass(frozen=True, slots=True)
class CardSeen:
    """An ISO 14443A card (MIFARE Classic patron card) found by an inventory."""

    uid: bytes  # 4 or 7 bytes, as the card sends them (UID0 first)
    sak: int


def inventory_request(afi: int | None, *, more: bool = False) -> bytes:
    """``[0xB0][0x01]`` data: MODE (MORE, AFI) and the AFI byte when filtering."""
    mode = MODE_MORE if more else 0
    if afi is None:
        return bytes((HostSub.INVENTORY, mode))
    if not 0 <= afi <= 0xFF:
        raise ValueError(f"AFI must be 0–255, got {afi}")
    return bytes((HostSub.INVENTORY, mode | MODE_AFI, afi))


def _iso15693_set(chunk: bytes) -> TagSeen:
    return TagSeen(uid=bytes(chunk[2:10]), dsfid=chunk[1])


def _iso14443a_set(chunk: bytes) -> CardSeen:
    uid_length = 7 if chunk[1] & 0x01 else 4
    return CardSeen(uid=bytes(chunk[11 - uid_length : 11]), sak=chunk[2])


# TR-TYPE → (data-set length, parser). ISO 15693: TR-TYPE DSFID UID(8). ISO 14443A (see the
# package docstring, unverified on hardware): TR-TYPE TR-INFO(bit 0: 7-byte UID) SAK UID(8,
# right-aligned, zero-padded).
_DATA_SETS: dict[int, tuple[int, Callable[[bytes], TagSeen | CardSeen]]] = {
    TR_ISO15693: (10, _iso15693_set),
    TR_ISO14443A: (11, _iso14443a_set),
}


def parse_inventory(data: bytes) -> list[TagSeen | CardSeen]:
    """Parse ``DATA-SETS`` and the data sets of an inventory answer."""
    if not data:
        raise ReaderProtocolError("inventory answer lacks the DATA-SETS byte")
    count, pos, found = data[0], 1, []
    for index in range(count):
        if pos >= len(data):
            raise ReaderProtocolError(
                f"inventory answer announces {count} data sets, holds only {index}"
            )
        tr_type = data[pos]
        layout = _DATA_SETS.get(tr_type)
        if layout is None:
            raise ReaderProtocolError(
                f"inventory data set {index + 1} at byte {pos}: TR-TYPE 0x{tr_type:02X} is not "
                "ISO 15693 (0x03) or ISO 14443A (0x04); restrict the reader's transponder types"
            )
        length, parse = layout
        if pos + length > len(data):
            raise ReaderProtocolError(
                f"inventory data set {index + 1} at byte {pos} is cut off "
                f"({len(data) - pos} of {length} bytes)"
            )
        found.append(parse(data[pos : pos + length]))
        pos += length
    if pos != len(data):
        raise ReaderProtocolError(f"inventory answer has {len(data) - pos} bytes after its sets")
    return found


# ---------------------------------------------------------------------------------- MIFARE
def mifare_blocks(sector: int) -> tuple[int, int]:
    """(first block, data blocks) of a MIFARE Classic sector, trailer excluded (1K and 4K)."""
    if not 0 <= sector <= 39:
        raise ValueError(f"MIFARE Classic sector must be 0–39, got {sector}")
    if sector < 32:
        return sector * 4, 3
    return 128 + (sector - 32) * 16, 15


def _card_uid(uid: bytes) -> bytes:
    if len(uid) not in (4, 7):
        raise ValueError(f"MIFARE Classic UID must be 4 or 7 bytes, got {len(uid)}")
    return bytes(8 - len(uid)) + uid


def mifare_select_request(uid: bytes) -> bytes:
    """``[0xB0][0x25]`` data selecting an ISO 14443A card (UID padded to 8 bytes)."""
    return bytes((HostSub.SELECT, MODE_ADDRESSED)) + _card_uid(uid)


def mifare_auth_request(block: int, key: bytes, key_type: str) -> bytes:
    """``[0xB2][0xB0]`` data: authenticate the selected card with a key sent in the request."""
    types = {"A": 0x00, "B": 0x01}
    if key_type not in types:
        raise ValueError(f"key type must be 'A' or 'B', got {key_type!r}")
    if len(key) != 6:
        raise ValueError(f"MIFARE key must be 6 bytes, got {len(key)}")
    mode = MODE_SELECTED | MODE_KEY_LOADED
    return bytes((MifareSub.AUTHENT_MIFARE, mode, block, types[key_type])) + key


def mifare_read_request(first: int, count: int) -> bytes:
    """``[0xB0][0x23]`` data reading blocks of the selected card."""
    return bytes((HostSub.READ_MULTIPLE, MODE_SELECTED, first, count))


# ---------------------------------------------------------------------------------- reader control
@dataclass(frozen=True, slots=True)
class SoftwareVersion:
    """Answer to ``[0x65]``: firmware revision, hardware and firmware type, transponder types."""

    major: int
    minor: int
    development: int
    hardware_type: int
    software_type: int
    transponders: int  # TR-TYPE bit field

    @property
    def firmware(self) -> str:
        return f"{self.major:02X}.{self.minor:02X}.{self.development:02X}"


def parse_software_version(data: bytes) -> SoftwareVersion:
    """``SW-REV(2) D-REV HW-TYPE SW-TYPE TR-TYPE(2)``."""
    if len(data) < 7:
        raise ReaderProtocolError(
            f"software version answer of {len(data)} bytes, expected 7 "
            "(SW-REV, D-REV, HW-TYPE, SW-TYPE, TR-TYPE)"
        )
    return SoftwareVersion(data[0], data[1], data[2], data[3], data[4], data[5] << 8 | data[6])


class OutputMode(enum.IntEnum):
    """What ``[0x71]`` does with one output (2 bits per output)."""

    UNCHANGED = 0
    ON = 1
    OFF = 2
    FLASH = 3


#: Output name → bit position of its 2-bit mode in OS (and of its flash rate in OSF).
OUTPUT_BITS: dict[str, int] = {"green": 0, "red": 2, "beeper": 4, "relay": 6}


def encode_outputs(modes: dict[str, OutputMode], seconds: float) -> bytes:
    """``[0x71]`` data: OS (2 bytes), OSF (2 bytes, fastest flash), OS-TIME (100 ms units)."""
    state = 0
    for name, mode in modes.items():
        if name not in OUTPUT_BITS:
            raise ValueError(f"unknown output {name!r}: expected one of {', '.join(OUTPUT_BITS)}")
        state |= int(mode) << OUTPUT_BITS[name]
    ticks = round(seconds * 10)
    if not 0 <= ticks <= 0xFFFF:
        raise ValueError(f"output time must be 0–6553.5 s, got {seconds}")
    return state.to_bytes(2, "big") + b"\x00\x00" + ticks.to_bytes(2, "big")
