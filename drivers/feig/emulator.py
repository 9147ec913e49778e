"""A FEIG ISO Host reader emulator in front of a :class:`~drivers.virtual.pad.VirtualPad`.

:meth:`FeigEmulator.handle` takes one frame as the host sent it and returns the reader's answer
frame byte for byte, or ``None`` when a real reader would stay silent: a bad CRC or length, a
COM-ADR that is neither its own nor 0xFF (any reader; the answer carries the real address), the
pad unplugged, or an injected reader timeout. Everything between the host and the tags goes the
real bytes path: each ISO 15693 command becomes an air frame for the pad, and the tags' answer
frames are re-packed the way the reader does it (UIDs MSB first, data blocks byte-reversed).

Behaviour worth knowing:

- Inventory (``[0xB0][0x01]``): the pad's anticollision run; the data sets go out in answers of
  at most ``sets_per_answer`` (default: as many as fit a 255-byte frame) with status 0x94 while
  more are waiting, continued by requests with MODE.MORE. MODE bit 4 (0x10) means an AFI byte
  follows. ISO 14443A cards (:class:`~drivers.feig.mifare.MifareClassic`) appear with TR-TYPE
  0x04 when no AFI is asked for.
- MODE ADR=010 ("selected") addresses the tag or card chosen with ``[0xB0][0x25]``.
- ``[0xB0][0x24]`` is carried out as Write Single Block per block (SLIX has no native Write
  Multiple; FEIG readers split it the same way).
- No tag answer → 0x01; answers that collided → 0x02; a tag error → 0x95 + the tag's code;
  ``[0xB1]`` EAS ALARM → 0x00 when the EAS bit is set, 0x01 when the tag stays silent;
  MIFARE: wrong key or a block outside the authenticated sector → 0x08.
- With the pad's timing model in realtime mode, the pad sleeps the modelled air time inside each
  exchange, so answers come no sooner than the air would allow.

The servers that put this on a pty or a TCP port are in :mod:`drivers.feig.server`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping

from drivers.errors import ReaderProtocolError
from drivers.feig.frames import (
    ANY_READER,
    MAX_STANDARD_LENGTH,
    MODE_ADDRESSED,
    MODE_ADR_MASK,
    MODE_AFI,
    MODE_KEY_LOADED,
    MODE_MORE,
    MODE_NON_ADDRESSED,
    MODE_SECURITY,
    MODE_SELECTED,
    TR_ISO14443A,
    TR_ISO15693,
    Control,
    HostSub,
    MifareSub,
    Status,
    encode_response,
    parse_request,
)
from drivers.feig.mifare import BLOCK_SIZE, MifareClassic, sector_of, trailer_of
from drivers.feig.translate import OUTPUT_BITS, OutputMode
from drivers.iso15693 import Cmd, Command, Flag, Reply, build_request, parse_response, with_crc
from drivers.reader import parse_system_info
from drivers.virtual.pad import VirtualPad
from drivers.virtual.tag import TagState

__all__ = ["DEFAULT_VERSION", "FeigEmulator"]

#: ``[0x65]`` answer: firmware 03.10.00, HW-TYPE 0x71, SW-TYPE 0x4C, TR-TYPE bits ISO 15693 and
#: ISO 14443A (stand-in values: they only need to be stable).
DEFAULT_VERSION = bytes((0x03, 0x10, 0x00, 0x71, 0x4C, 0x00, 0x18))

_Result = tuple[int, bytes]
_OK: _Result = (Status.OK, b"")
_LENGTH: _Result = (Status.LENGTH_ERROR, b"")
_RANGE: _Result = (Status.PARAMETER_RANGE, b"")
_NO_TAG: _Result = (Status.NO_TRANSPONDER, b"")
_UNKNOWN: _Result = (Status.UNKNOWN_COMMAND, b"")
_MAX_READ_BYTES = 128
_ANSWER_OVERHEAD = 4 + 1 + 2  # LEN ADR CMD STATUS, DATA-SETS, CRC


def _status(code: int) -> _Result:
    return (code, b"")


class FeigEmulator:
    """A FEIG ISO Host reader whose antenna field is ``pad`` (see the module docstring)."""

    def __init__(
        self,
        pad: VirtualPad,
        *,
        address: int = 0x00,
        cards: Iterable[MifareClassic] = (),
        mifare_keys: Mapping[int, bytes] | None = None,
        sets_per_answer: int | None = None,
        version: bytes = DEFAULT_VERSION,
    ) -> None:
        if not 0 <= address <= 0xFE:
            raise ValueError(f"reader COM-ADR must be 0–254, got {address}")
        if sets_per_answer is not None and sets_per_answer < 1:
            raise ValueError(f"sets_per_answer must be ≥ 1, got {sets_per_answer}")
        self.pad = pad
        self.address = address
        self.sets_per_answer = sets_per_answer
        self.version = bytes(version)
        self.mifare_keys = dict(mifare_keys or {})  # KEY-ADR → key in the reader's EEPROM
        self.rf_on = True
        self.outputs: dict[str, OutputMode] = dict.fromkeys(OUTPUT_BITS, OutputMode.OFF)
        self.output_seconds = 0.0
        self.requests = 0  # frames answered
        self.ignored = 0  # frames not answered (bad frame, other address, unplugged…)
        self._lock = threading.RLock()
        self._cards: dict[bytes, MifareClassic] = {}
        self._pending: list[bytes] = []  # inventory data sets waiting for MODE.MORE
        self._selected: bytes | None = None  # 8-byte UID field as the host sent it
        self._authenticated: tuple[bytes, int] | None = None  # (card UID field, sector)
        for card in cards:
            self.place_card(card)

    @property
    def plugged(self) -> bool:
        """Whether the reader is plugged in (the pad's state; servers close the line if not)."""
        return self.pad.plugged

    # ----------------------------------------------------------------- cards in the field
    def place_card(self, card: MifareClassic) -> None:
        with self._lock:
            self._cards[_card_field(card.uid)] = card

    def remove_card(self, uid: bytes) -> MifareClassic | None:
        with self._lock:
            key = _card_field(uid)
            if self._selected == key:
                self._selected = self._authenticated = None
            return self._cards.pop(key, None)

    def cards(self) -> list[MifareClassic]:
        with self._lock:
            return list(self._cards.values())

    # ----------------------------------------------------------------- the host line
    def handle(self, frame: bytes) -> bytes | None:
        """The answer frame to one host frame, or ``None`` where a reader stays silent."""
        try:
            request = parse_request(bytes(frame))
        except ReaderProtocolError:
            self.ignored += 1
            return None
        if request.address not in (self.address, ANY_READER):
            self.ignored += 1
            return None
        if not self.pad.plugged or self.pad.take_reader_timeout():
            self.ignored += 1
            return None
        with self._lock:
            handler = _CONTROL.get(request.command)
            status, data = handler(self, request.data) if handler else _UNKNOWN
            self.requests += 1
        return encode_response(
            self.address, request.command, status, data, advanced=True if request.advanced else None
        )

    # ----------------------------------------------------------------- reader control
    def _software_version(self, data: bytes) -> _Result:
        return (Status.OK, self.version)

    def _rf_reset(self, data: bytes) -> _Result:
        with self.pad.lock:
            for tag in self.pad.tags():
                tag.state = TagState.READY
        self._selected = self._authenticated = None
        self._pending = []
        return _OK

    def _rf_on_off(self, data: bytes) -> _Result:
        if len(data) != 1:
            return _LENGTH
        self.rf_on = bool(data[0] & 0x01)
        if not self.rf_on:
            self._rf_reset(b"")
        return _OK

    def _set_outputs(self, data: bytes) -> _Result:
        if len(data) != 6:
            return _LENGTH
        state = int.from_bytes(data[:2], "big")
        for name, shift in OUTPUT_BITS.items():
            mode = OutputMode((state >> shift) & 0x03)
            if mode is not OutputMode.UNCHANGED:
                self.outputs[name] = mode
        self.output_seconds = int.from_bytes(data[4:6], "big") / 10
        return _OK

    # ----------------------------------------------------------------- [0xB0]
    def _host(self, data: bytes) -> _Result:
        if not data:
            return _LENGTH
        if data[0] == HostSub.INVENTORY:
            return self._inventory(data[1:])
        handler = _HOST.get(data[0])
        if handler is None:
            return _UNKNOWN
        if not data[1:]:
            return _LENGTH
        mode = data[1]
        adr = mode & MODE_ADR_MASK
        if adr == MODE_ADDRESSED:
            if len(data) < 10:
                return _LENGTH
            target: bytes | None = bytes(data[2:10])
            rest = bytes(data[10:])
        elif adr == MODE_SELECTED:
            if self._selected is None:
                return _NO_TAG
            target, rest = self._selected, bytes(data[2:])
        elif adr == MODE_NON_ADDRESSED:
            target, rest = None, bytes(data[2:])
        else:
            return _RANGE
        if not self.rf_on:
            return _NO_TAG
        if target is not None and target in self._cards:
            if data[0] == HostSub.SELECT:
                self._selected, self._authenticated = target, None
                return _OK if not rest else _LENGTH
            if data[0] == HostSub.READ_MULTIPLE:
                return self._card_read(self._cards[target], target, rest)
            return _status(Status.WRONG_TRANSPONDER_TYPE)
        return handler(self, mode, target, rest)

    def _inventory(self, data: bytes) -> _Result:
        if not data:
            return _LENGTH
        mode = data[0]
        if mode & MODE_MORE:
            return self._next_sets()
        afi: int | None = None
        if mode & MODE_AFI:
            if len(data) != 2:
                return _LENGTH
            afi = data[1]
        elif len(data) != 1:
            return _LENGTH
        self._pending = []
        if not self.rf_on:
            return _NO_TAG
        sets = [bytes((TR_ISO15693, dsfid)) + uid for uid, dsfid in self.pad.inventory(afi)]
        if afi is None:
            for key, card in self._cards.items():
                info = 0x01 if len(card.uid) == 7 else 0x00
                sets.append(bytes((TR_ISO14443A, info, card.sak)) + key)
        self._pending = sets
        return self._next_sets()

    def _next_sets(self) -> _Result:
        if not self._pending:
            return _NO_TAG
        limit = self.sets_per_answer or len(self._pending)
        chunk: list[bytes] = []
        size = _ANSWER_OVERHEAD
        while self._pending and len(chunk) < limit:
            if size + len(self._pending[0]) > MAX_STANDARD_LENGTH:
                break
            size += len(self._pending[0])
            chunk.append(self._pending.pop(0))
        status = Status.MORE_DATA if self._pending else Status.OK
        return (status, bytes((len(chunk),)) + b"".join(chunk))

    def _iso(self, code: int, uid: bytes | None, params: bytes = b"", option: bool = False) -> (
        Reply | _Result
    ):
        """One ISO 15693 exchange with the pad: the tag's reply, or the reader status for none."""
        return self._air(build_request(Command(code, uid, params, option)))

    def _air(self, frame: bytes) -> Reply | _Result:
        exchange = self.pad.exchange(frame)
        if exchange.answer is None:
            return _status(Status.DATA_FALSE) if exchange.collision else _NO_TAG
        try:
            return parse_response(exchange.answer)
        except ReaderProtocolError:
            return _status(Status.DATA_FALSE)

    @staticmethod
    def _answer(reply: Reply | _Result, data: Callable[[bytes], _Result] | None = None) -> _Result:
        """Reader answer for a tag reply: 0x95 + the tag's error, or OK (+ re-packed data)."""
        if isinstance(reply, tuple):
            return reply
        if reply.error is not None:
            return (Status.ISO15693_ERROR, bytes((reply.error,)))
        return data(reply.data) if data else _OK

    def _plain(self, code: int, mode: int, uid: bytes | None, rest: bytes, size: int) -> _Result:
        if len(rest) != size:
            return _LENGTH
        return self._answer(self._iso(code, uid, rest))

    def _stay_quiet(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        if uid is None or rest:
            return _LENGTH if rest else _RANGE
        self._iso(Cmd.STAY_QUIET, uid)  # a tag never answers Stay Quiet
        return _OK

    def _select(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        if uid is None or rest:
            return _LENGTH if rest else _RANGE
        result = self._answer(self._iso(Cmd.SELECT, uid))
        if result[0] == Status.OK:
            self._selected, self._authenticated = uid, None
        return result

    def _reset_to_ready(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        return self._plain(Cmd.RESET_TO_READY, mode, uid, rest, 0)

    def _write_afi(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        return self._plain(Cmd.WRITE_AFI, mode, uid, rest, 1)

    def _lock_afi(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        return self._plain(Cmd.LOCK_AFI, mode, uid, rest, 0)

    def _write_dsfid(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        return self._plain(Cmd.WRITE_DSFID, mode, uid, rest, 1)

    def _lock_dsfid(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        return self._plain(Cmd.LOCK_DSFID, mode, uid, rest, 0)

    def _read_multiple(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        if len(rest) != 2:
            return _LENGTH
        first, count = rest
        if count == 0:
            return _RANGE
        tag = self.pad.tag(uid) if uid is not None else None
        if tag is not None and count * tag.chip.block_size > _MAX_READ_BYTES:
            return _RANGE
        option = bool(mode & MODE_SECURITY)
        reply = self._iso(Cmd.READ_MULTIPLE, uid, bytes((first, count - 1)), option)

        def repack(data: bytes) -> _Result:
            stride, extra = divmod(len(data), count)
            size = stride - (1 if option else 0)
            if extra or size <= 0:
                return _status(Status.DATA_FALSE)
            out = bytearray((count, size))
            for i in range(count):
                block = data[i * stride : (i + 1) * stride]
                out.append(block[0] if option else 0)
                out += block[stride - size :][::-1]
            return (Status.OK, bytes(out))

        return self._answer(reply, repack)

    def _write_multiple(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        if len(rest) < 3:
            return _LENGTH
        first, count, size = rest[0], rest[1], rest[2]
        payload = rest[3:]
        if count == 0 or size == 0 or first + count > 0x100:
            return _RANGE
        if len(payload) != count * size:
            return _LENGTH
        for i in range(count):
            block = payload[i * size : (i + 1) * size][::-1]
            result = self._answer(self._iso(Cmd.WRITE_SINGLE, uid, bytes((first + i,)) + block))
            if result[0] != Status.OK:
                return result
        return _OK

    def _lock_multiple(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        if len(rest) != 2:
            return _LENGTH
        first, count = rest
        if count == 0 or first + count > 0x100:
            return _RANGE
        for block in range(first, first + count):
            result = self._answer(self._iso(Cmd.LOCK_BLOCK, uid, bytes((block,))))
            if result[0] != Status.OK:
                return result
        return _OK

    def _system_info(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        if rest:
            return _LENGTH

        def repack(data: bytes) -> _Result:
            try:
                info = parse_system_info(data)
            except ReaderProtocolError:
                return _status(Status.DATA_FALSE)
            mem = (
                bytes(((info.block_size or 1) - 1, (info.block_count or 1) - 1))
                if info.block_size
                else b"\x00\x00"
            )
            out = bytes((info.dsfid or 0,)) + info.uid + bytes((info.afi or 0,))
            return (Status.OK, out + mem + bytes((info.ic_reference or 0,)))

        return self._answer(self._iso(Cmd.GET_SYSTEM_INFO, uid), repack)

    def _security_status(self, mode: int, uid: bytes | None, rest: bytes) -> _Result:
        if len(rest) != 2:
            return _LENGTH
        first, count = rest
        if count == 0:
            return _RANGE
        reply = self._iso(Cmd.GET_SECURITY_STATUS, uid, bytes((first, count - 1)))
        return self._answer(reply, lambda data: (Status.OK, bytes((count,)) + data))

    # ----------------------------------------------------------------- [0xB1]
    def _custom(self, data: bytes) -> _Result:
        """``[MFR][code][MODE][UID]…``: the custom command as the tag's manufacturer defines it."""
        if len(data) < 3:
            return _LENGTH
        mfr, code, mode = data[0], data[1], data[2]
        adr = mode & MODE_ADR_MASK
        flags = Flag.HIGH_RATE
        rest = bytes(data[3:])
        uid: bytes | None = None
        if adr == MODE_ADDRESSED:
            if len(rest) < 8:
                return _LENGTH
            uid, rest = rest[:8], rest[8:]
        elif adr == MODE_SELECTED:
            uid = self._selected
            if uid is None:
                return _NO_TAG
        elif adr != MODE_NON_ADDRESSED:
            return _RANGE
        if not self.rf_on:
            return _NO_TAG
        frame = bytearray((int(flags | (Flag.ADDRESS if uid else 0)), code, mfr))
        if uid is not None:
            frame += uid[::-1]
        reply = self._air(with_crc(bytes(frame + rest)))
        if code == Cmd.NXP_EAS_ALARM:
            return self._answer(reply)
        return self._answer(reply, lambda answer: (Status.OK, answer))

    # ----------------------------------------------------------------- [0xB2] and cards
    def _iso14443(self, data: bytes) -> _Result:
        if not data:
            return _LENGTH
        if data[0] != MifareSub.AUTHENT_MIFARE:
            return _UNKNOWN
        if len(data) < 5:
            return _LENGTH
        mode, block, key_type = data[1], data[2], data[3]
        if mode & MODE_ADR_MASK != MODE_SELECTED:
            return _RANGE
        if mode & MODE_KEY_LOADED:
            if len(data) != 10:
                return _LENGTH
            key: bytes | None = bytes(data[4:10])
        else:
            if len(data) != 5:
                return _LENGTH
            key = self.mifare_keys.get(data[4])
        if key_type not in (0, 1) or key is None:
            return _RANGE
        selected = self._selected
        card = self._cards.get(selected) if selected is not None else None
        if not self.rf_on or selected is None or card is None:
            return _NO_TAG
        if not card.authenticate(block, key_type, key):
            self._authenticated = None
            return _status(Status.AUTHENTICATION_ERROR)
        self._authenticated = (selected, sector_of(block))
        return _OK

    def _card_read(self, card: MifareClassic, field: bytes, rest: bytes) -> _Result:
        if len(rest) != 2:
            return _LENGTH
        first, count = rest
        if count == 0 or count * BLOCK_SIZE > _MAX_READ_BYTES:
            return _RANGE
        if first + count > card.block_count:
            return _status(Status.ADDRESS_ERROR)
        out = bytearray((count, BLOCK_SIZE))
        for number in range(first, first + count):
            if self._authenticated != (field, sector_of(number)):
                return _status(Status.AUTHENTICATION_ERROR)
            block = card.read(number)
            if number == trailer_of(sector_of(number)):
                block = bytes(6) + block[6:]  # key A never reads back
            out.append(0)
            out += block[::-1]
        return (Status.OK, bytes(out))


def _card_field(uid: bytes) -> bytes:
    """A card UID as the 8-byte UID field of inventory and select (right-aligned)."""
    if len(uid) not in (4, 7):
        raise ValueError(f"MIFARE Classic UID must be 4 or 7 bytes, got {len(uid)}")
    return bytes(8 - len(uid)) + bytes(uid)


_Control = Callable[[FeigEmulator, bytes], _Result]
_Host = Callable[[FeigEmulator, int, "bytes | None", bytes], _Result]

_CONTROL: dict[int, _Control] = {
    Control.SOFTWARE_VERSION: FeigEmulator._software_version,
    Control.RF_RESET: FeigEmulator._rf_reset,
    Control.RF_ON_OFF: FeigEmulator._rf_on_off,
    Control.SET_OUTPUTS: FeigEmulator._set_outputs,
    Control.ISO_HOST: FeigEmulator._host,
    Control.ISO_CUSTOM: FeigEmulator._custom,
    Control.ISO14443: FeigEmulator._iso14443,
}

# Inventory is not here: it has no addressing and is dispatched first.
_HOST: dict[int, _Host] = {
    HostSub.STAY_QUIET: FeigEmulator._stay_quiet,
    HostSub.LOCK_MULTIPLE: FeigEmulator._lock_multiple,
    HostSub.READ_MULTIPLE: FeigEmulator._read_multiple,
    HostSub.WRITE_MULTIPLE: FeigEmulator._write_multiple,
    HostSub.SELECT: FeigEmulator._select,
    HostSub.RESET_TO_READY: FeigEmulator._reset_to_ready,
    HostSub.WRITE_AFI: FeigEmulator._write_afi,
    HostSub.LOCK_AFI: FeigEmulator._lock_afi,
    HostSub.WRITE_DSFID: FeigEmulator._write_dsfid,
    HostSub.LOCK_DSFID: FeigEmulator._lock_dsfid,
    HostSub.SYSTEM_INFO: FeigEmulator._system_info,
    HostSub.SECURITY_STATUS: FeigEmulator._security_status,
}
