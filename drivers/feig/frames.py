"""FEIG ISO Host frames: pure encode/decode, CRC, code tables and an incremental decoder.

Wire format (FEIG manual H20800 §3.1; ``hardware.md`` §2.1)::

    standard  host → reader  [LEN][COM-ADR][CMD][DATA…][CRC lo][CRC hi]           LEN = 5…255
              reader → host  [LEN][COM-ADR][CMD][STATUS][DATA…][CRC lo][CRC hi]   LEN = 6…255
    advanced  [0x02][ALEN hi][ALEN lo][COM-ADR][CMD]([STATUS])[DATA…][CRC lo][CRC hi]

LEN/ALEN count every byte of the frame. The CRC is CRC-16/MCRF4XX (reflected 0x8408, preset
0xFFFF, no final XOR) over everything before it, least significant byte first, so the CRC over a
whole valid frame is 0. A standard LEN is never 0x02, which is how an advanced frame is told apart.

Nothing here does I/O. :class:`FrameReader` is a sans-IO decoder: feed it bytes as they arrive and
it hands back complete frames with a valid CRC, skipping garbage and frames with a bad CRC one byte
at a time until it finds a valid frame again (the reader itself never answers a bad frame).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drivers.errors import ReaderProtocolError
from drivers.iso15693 import crc16

__all__ = [
    "ANY_READER",
    "MAX_STANDARD_LENGTH",
    "MODE_ADDRESSED",
    "MODE_ADR_MASK",
    "MODE_AFI",
    "MODE_KEY_LOADED",
    "MODE_MORE",
    "MODE_NON_ADDRESSED",
    "MODE_SECURITY",
    "MODE_SELECTED",
    "NXP_MFR",
    "STATUS_HINT",
    "STATUS_TEXT",
    "STX",
    "TR_ISO14443A",
    "TR_ISO15693",
    "Control",
    "FrameReader",
    "HostSub",
    "MifareSub",
    "Request",
    "Response",
    "Status",
    "crc",
    "encode_request",
    "encode_response",
    "parse_request",
    "parse_response",
    "with_crc",
]

STX = 0x02  # first byte of an advanced frame
ANY_READER = 0xFF  # COM-ADR that every reader answers (with its own address in the reply)
MAX_STANDARD_LENGTH = 255
MAX_ADVANCED_LENGTH = 0xFFFF

# MODE byte of the [0xB0]/[0xB1]/[0xB2] requests.
MODE_NON_ADDRESSED = 0x00
MODE_ADDRESSED = 0x01  # ADR bits 0–2 = 001: the UID follows MODE
MODE_SELECTED = 0x02  # ADR = 010: the tag selected with [0xB0][0x25]
MODE_ADR_MASK = 0x07
MODE_SECURITY = 0x08  # read multiple blocks: return each block's security status (SEC)
MODE_KEY_LOADED = 0x08  # [0xB2][0xB0]: the 6-byte key is in the request (KL)
MODE_AFI = 0x10  # inventory: an AFI byte follows MODE (newer readers; see the package docstring)
MODE_MORE = 0x80  # inventory: continue after status 0x94 (more data)

NXP_MFR = 0x04  # [0xB1] manufacturer byte for NXP ICODE custom commands

TR_ISO15693 = 0x03  # TR-TYPE in inventory data sets
TR_ISO14443A = 0x04


class Control(enum.IntEnum):
    """Command bytes (CMD) the driver and the emulator use."""

    BAUD_DETECT = 0x52
    CPU_RESET = 0x63
    SOFTWARE_VERSION = 0x65
    READER_INFO = 0x66
    RF_RESET = 0x69
    RF_ON_OFF = 0x6A
    SET_OUTPUTS = 0x71
    ISO_HOST = 0xB0  # ISO standard host commands (first data byte = sub-command)
    ISO_CUSTOM = 0xB1  # ISO 15693 manufacturer commands: [MFR][custom code][MODE][UID]…
    ISO14443 = 0xB2  # ISO 14443 special commands (MIFARE authentication)


class HostSub(enum.IntEnum):
    """Sub-commands of ``[0xB0]``."""

    INVENTORY = 0x01
    STAY_QUIET = 0x02
    LOCK_MULTIPLE = 0x22
    READ_MULTIPLE = 0x23
    WRITE_MULTIPLE = 0x24
    SELECT = 0x25
    RESET_TO_READY = 0x26
    WRITE_AFI = 0x27
    LOCK_AFI = 0x28
    WRITE_DSFID = 0x29
    LOCK_DSFID = 0x2A
    SYSTEM_INFO = 0x2B
    SECURITY_STATUS = 0x2C
    HALT = 0xC0


class MifareSub(enum.IntEnum):
    """Sub-commands of ``[0xB2]``."""

    AUTHENT_MIFARE = 0xB0


class Status(enum.IntEnum):
    """The reader's STATUS byte (manual Annex C)."""

    OK = 0x00
    NO_TRANSPONDER = 0x01
    DATA_FALSE = 0x02
    WRITE_ERROR = 0x03
    ADDRESS_ERROR = 0x04
    WRONG_TRANSPONDER_TYPE = 0x05
    AUTHENTICATION_ERROR = 0x08
    GENERAL_ERROR = 0x0E
    EEPROM_FAILURE = 0x10
    PARAMETER_RANGE = 0x11
    UNKNOWN_COMMAND = 0x80
    LENGTH_ERROR = 0x81
    NOT_AVAILABLE = 0x82
    RF_COMMUNICATION_ERROR = 0x83
    RF_WARNING = 0x84
    BUFFER_OVERFLOW = 0x93
    MORE_DATA = 0x94
    ISO15693_ERROR = 0x95
    ISO14443_ERROR = 0x96
    FIRMWARE_MISMATCH = 0xF1


STATUS_TEXT: dict[int, str] = {
    0x00: "OK",
    0x01: "no transponder",
    0x02: "data false (CRC, parity or framing error in the transponder's answer)",
    0x03: "write error",
    0x04: "address error (block outside the transponder's memory)",
    0x05: "wrong transponder type for this command",
    0x08: "authentication error",
    0x0E: "general error",
    0x10: "reader EEPROM failure",
    0x11: "parameter out of range",
    0x80: "unknown command",
    0x81: "length error",
    0x82: "command not available",
    0x83: "RF communication error",
    0x84: "RF warning",
    0x93: "data buffer overflow (too many transponders)",
    0x94: "more data",
    0x95: "ISO 15693 transponder error",
    0x96: "ISO 14443 transponder error",
    0xF1: "firmware does not match the hardware",
}

# What a technician should do about a status (only where there is something to do).
STATUS_HINT: dict[int, str] = {
    0x10: "the reader's configuration memory is failing: replace or service the reader",
    0x80: "this reader model or firmware lacks the command",
    0x81: "the request length is wrong for this firmware",
    0x82: "the reader is in Scan or Buffered-Read mode: set CFG1 to ISO Host mode",
    0x84: "check the antenna and nearby interference",
    0x93: "too many tags on the pad: remove some and try again",
    0xF1: "install firmware that matches the reader hardware",
}


def crc(data: bytes) -> int:
    """CRC-16/MCRF4XX of ``data``; ``crc(b"123456789") == 0x6F91``."""
    return crc16(data, xorout=0)


def with_crc(body: bytes) -> bytes:
    """``body`` followed by its CRC, least significant byte first."""
    value = crc(body)
    return body + bytes((value & 0xFF, value >> 8))


def _frame(body: bytes, advanced: bool | None) -> bytes:
    """Wrap ``body`` (COM-ADR onwards) in a standard or advanced frame with CRC.

    ``advanced=None`` picks the standard frame when it fits in 255 bytes.
    """
    standard_length = len(body) + 3
    if advanced is None:
        advanced = standard_length > MAX_STANDARD_LENGTH
    if not advanced:
        if standard_length > MAX_STANDARD_LENGTH:
            raise ValueError(
                f"frame of {standard_length} bytes does not fit a standard frame (≤ 255); "
                "use an advanced frame"
            )
        return with_crc(bytes((standard_length,)) + body)
    length = len(body) + 5
    if length > MAX_ADVANCED_LENGTH:
        raise ValueError(f"frame of {length} bytes exceeds the advanced limit of 65535")
    return with_crc(bytes((STX, length >> 8, length & 0xFF)) + body)


def _byte(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"{what} must be a byte (0…255), got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Request:
    """A host → reader frame: COM-ADR, CMD and the data bytes after CMD."""

    address: int
    command: int
    data: bytes = b""
    advanced: bool = False

    def encode(self) -> bytes:
        return encode_request(self.address, self.command, self.data, advanced=self.advanced)


@dataclass(frozen=True, slots=True)
class Response:
    """A reader → host frame: COM-ADR, CMD, STATUS and the data bytes after STATUS."""

    address: int
    command: int
    status: int
    data: bytes = b""
    advanced: bool = False

    def encode(self) -> bytes:
        return encode_response(
            self.address, self.command, self.status, self.data, advanced=self.advanced
        )


def encode_request(
    address: int, command: int, data: bytes = b"", *, advanced: bool | None = False
) -> bytes:
    """A complete host → reader frame with CRC."""
    body = bytes((_byte(address, "COM-ADR"), _byte(command, "CMD"))) + data
    return _frame(body, advanced)


def encode_response(
    address: int, command: int, status: int, data: bytes = b"", *, advanced: bool | None = None
) -> bytes:
    """A complete reader → host frame with CRC (advanced only when it does not fit, by default)."""
    body = bytes((_byte(address, "COM-ADR"), _byte(command, "CMD"), _byte(status, "STATUS")))
    return _frame(body + data, advanced)


def _unwrap(raw: bytes, minimum: int, what: str) -> tuple[bytes, bool]:
    """Check length fields and CRC of a whole frame; return (body from COM-ADR, advanced)."""
    shown = raw.hex(" ").upper()
    if not raw:
        raise ReaderProtocolError(f"{what}: empty frame")
    advanced = raw[0] == STX
    header = 3 if advanced else 1
    if advanced:
        if len(raw) < 3:
            raise ReaderProtocolError(f"{what} {shown}: advanced frame cut off in its length field")
        declared = raw[1] << 8 | raw[2]
    else:
        declared = raw[0]
    if declared != len(raw):
        raise ReaderProtocolError(
            f"{what} {shown}: length byte says {declared} bytes, frame has {len(raw)}"
        )
    if len(raw) < minimum + header - 1:
        raise ReaderProtocolError(
            f"{what} {shown}: {len(raw)} bytes is too short (at least {minimum + header - 1})"
        )
    if crc(raw) != 0:
        expected = crc(raw[:-2])
        raise ReaderProtocolError(
            f"{what} {shown}: CRC error, expected {expected & 0xFF:02X} {expected >> 8:02X} "
            f"at bytes {len(raw) - 1}–{len(raw)}"
        )
    return raw[header:-2], advanced


def parse_request(raw: bytes) -> Request:
    """Parse a whole host → reader frame (length and CRC checked)."""
    body, advanced = _unwrap(raw, 5, "request")
    return Request(body[0], body[1], bytes(body[2:]), advanced)


def parse_response(raw: bytes) -> Response:
    """Parse a whole reader → host frame (length and CRC checked)."""
    body, advanced = _unwrap(raw, 6, "response")
    return Response(body[0], body[1], body[2], bytes(body[3:]), advanced)


class FrameReader:
    """Incremental frame decoder for one direction of the line (sans-IO).

    ``feed()`` returns every complete frame with a valid CRC. A head byte that cannot start a
    frame, or a complete candidate whose CRC is wrong, is dropped and decoding resumes one byte
    later — so after garbage the first valid frame is found again. A candidate that is still
    incomplete is waited for; when the line has gone quiet, ``expire()`` gives up on it and looks
    for a complete valid frame further on (a stray byte may have looked like a long length).
    """

    def __init__(self, *, responses: bool, max_length: int = 4096) -> None:
        self._min_standard = 6 if responses else 5
        self._min_advanced = self._min_standard + 2
        self._max_length = max(MAX_STANDARD_LENGTH, min(max_length, MAX_ADVANCED_LENGTH))
        self._buffer = bytearray()
        self.discarded = 0  # bytes dropped while resynchronising (for diagnostics)

    @property
    def pending(self) -> bytes:
        """Bytes received but not yet part of a complete frame."""
        return bytes(self._buffer)

    def clear(self) -> None:
        """Forget everything pending (before a new request)."""
        self._buffer.clear()

    def _head_length(self) -> int | None:
        """Length of the frame starting at the head; None = unknown yet; 0 = cannot be a frame."""
        buffer = self._buffer
        first = buffer[0]
        if first == STX:
            if len(buffer) < 3:
                return None
            length = buffer[1] << 8 | buffer[2]
            return length if self._min_advanced <= length <= self._max_length else 0
        return first if first >= self._min_standard else 0

    def needed(self) -> int:
        """How many more bytes the head frame needs at least (1 when nothing is pending)."""
        if not self._buffer:
            return 1
        length = self._head_length()
        if length is None:
            return 3 - len(self._buffer)
        return max(1, length - len(self._buffer))

    def _drop(self) -> None:
        del self._buffer[0]
        self.discarded += 1

    def _drain(self) -> list[bytes]:
        frames: list[bytes] = []
        buffer = self._buffer
        while buffer:
            length = self._head_length()
            if length == 0:
                self._drop()
                continue
            if length is None or len(buffer) < length:
                break
            candidate = bytes(buffer[:length])
            if crc(candidate) == 0:
                del buffer[:length]
                frames.append(candidate)
            else:
                self._drop()
        return frames

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the complete valid frames now available, in order."""
        self._buffer += data
        return self._drain()

    def expire(self) -> list[bytes]:
        """The line went quiet mid-frame: resynchronise on whatever complete frame follows."""
        frames: list[bytes] = []
        while self._buffer:
            self._drop()
            frames += self._drain()
        return frames
