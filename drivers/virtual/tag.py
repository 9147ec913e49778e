"""A simulated ISO 15693 tag that answers real request frames (flags … CRC) with real responses.

The tag is the unit the whole virtual stack stands on: the pad delivers every request frame to every
tag in the field, exactly as the air does, and each tag decides from the flags, its UID and its
state (ready / selected / quiet) whether the frame is meant for it (ISO/IEC 15693-3 §10.3):

- a frame with a bad CRC is ignored (no answer), as real tags do;
- *addressed* frames (flag 0x20) are processed only by the tag with that UID, in any state;
- *selected* frames (flag 0x10) only by the selected tag;
- other frames by every tag that is not quiet. Stay Quiet and Select must be addressed.

Commands are a table from command code to handler. Custom commands (0xA0–0xDF) carry the IC
manufacturer code first; a chip ignores custom commands of another manufacturer (so a Fujitsu
tag does not answer NXP EAS ALARM), and answers error 0x01 to its own custom codes it does not
implement.
EAS ALARM answers with a 32-byte sequence when the EAS bit is set and stays silent otherwise.

Mutate a tag that is on a :class:`~drivers.virtual.pad.VirtualPad` only while holding ``pad.lock``
(or through the pad's methods): the reader thread may be talking to it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from drivers.iso15693 import Cmd, Flag, crc16, uid_from_air, uid_hex, uid_to_air, with_crc
from drivers.virtual.chips import ChipModel, chip_model
from drivers.virtual.faults import TagFaults, WriteKind

__all__ = [
    "EAS_SEQUENCE",
    "Outcome",
    "TagState",
    "VirtualTag",
    "afi_matches",
    "inventory_frame",
    "make_uid",
]

#: Stand-in for the 256-bit EAS sequence an NXP tag sends on EAS ALARM (the real sequence is in
#: the NXP datasheet; readers only check that a well-formed answer arrived).
EAS_SEQUENCE = bytes.fromhex("A5A5A5A55A5A5A5AA5A5A5A55A5A5A5A0F0F0F0FF0F0F0F00F0F0F0FF0F0F0F0")

_CRC_RESIDUE = 0x0F47  # CRC-16/X-25 over a frame including its own correct CRC
_CUSTOM = range(0xA0, 0xE0)


class TagState(enum.Enum):
    """ISO 15693-3 tag states while powered (leaving the field resets to ``READY``)."""

    READY = "ready"
    SELECTED = "selected"
    QUIET = "quiet"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request frame did to one tag.

    ``accepted``: the frame was meant for this tag and it acted on it. ``answer``: the response
    frame with CRC, or ``None`` for silence. ``busy_s``: programming time before the answer
    (for the air-timing model).
    """

    accepted: bool
    answer: bytes | None = None
    busy_s: float = 0.0


_IGNORED = Outcome(accepted=False)
_SILENT = Outcome(accepted=True)


def _ok(data: bytes = b"", busy_s: float = 0.0) -> Outcome:
    return Outcome(True, with_crc(b"\x00" + data), busy_s)


def _error(code: int) -> Outcome:
    return Outcome(True, with_crc(bytes((0x01, code))))


def afi_matches(requested: int, tag_afi: int) -> bool:
    """ISO 15693-3 AFI selection: ``X0`` = every subfamily of family X, ``0Y`` = subfamily Y of
    every family, ``00`` = every tag; otherwise the value must be equal."""
    if requested == 0:
        return True
    family, subfamily = requested >> 4, requested & 0x0F
    if family == 0:
        return (tag_afi & 0x0F) == subfamily
    if subfamily == 0:
        return (tag_afi >> 4) == family
    return requested == tag_afi


def inventory_frame(
    afi: int | None = None, *, mask_len: int = 0, mask_value: int = 0, one_slot: bool = False
) -> bytes:
    """An inventory request with an anticollision mask (``mask_len`` bits of the UID's low end)."""
    limit = 64 if one_slot else 60
    if not 0 <= mask_len <= limit:
        raise ValueError(f"mask length must be 0–{limit} bits, got {mask_len}")
    if afi is not None and not 0 <= afi <= 0xFF:
        raise ValueError(f"AFI must be 0–255, got {afi}")
    flags = Flag.HIGH_RATE | Flag.INVENTORY
    if one_slot:
        flags |= Flag.ONE_SLOT
    if afi is not None:
        flags |= Flag.AFI
    body = bytearray((int(flags), Cmd.INVENTORY))
    if afi is not None:
        body.append(afi)
    body.append(mask_len)
    n_bytes = (mask_len + 7) // 8
    body += (mask_value & ((1 << mask_len) - 1)).to_bytes(n_bytes, "little")
    return with_crc(bytes(body))


def make_uid(chip: str | ChipModel, serial: int) -> bytes:
    """A plausible UID for ``chip``: ``E0 <mfr> 01 00`` and a 32-bit serial number."""
    if not 0 <= serial < 1 << 32:
        raise ValueError(f"serial must fit in 32 bits, got {serial}")
    return chip_model(chip).uid_prefix + b"\x01\x00" + serial.to_bytes(4, "big")


def _byte(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise ValueError(f"{name} must be an integer 0–255, got {value!r}")
    return value


class VirtualTag:
    """One simulated tag: chip model, UID (shown order), memory, AFI/DSFID/EAS, locks, state."""

    __slots__ = (
        "afi",
        "chip",
        "dsfid",
        "eas",
        "faults",
        "locked_afi",
        "locked_blocks",
        "locked_dsfid",
        "locked_eas",
        "memory",
        "state",
        "uid",
    )

    def __init__(
        self,
        chip: str | ChipModel,
        uid: bytes,
        memory: bytes | None = None,
        *,
        afi: int = 0,
        dsfid: int = 0,
        eas: bool = False,
        locked_blocks: Iterable[int] = (),
        locked_afi: bool = False,
        locked_dsfid: bool = False,
        locked_eas: bool = False,
    ) -> None:
        self.chip = chip_model(chip)
        if not isinstance(uid, bytes | bytearray) or len(uid) != 8:
            raise ValueError(f"UID must be 8 bytes, got {uid!r}")
        self.uid = bytes(uid)
        size = self.chip.memory_size
        if memory is None:
            memory = bytes(size)
        if len(memory) != size:
            raise ValueError(
                f"memory of chip {self.chip.name} must be {size} bytes, got {len(memory)}"
            )
        self.memory = bytearray(memory)
        self.afi = _byte("AFI", afi)
        self.dsfid = _byte("DSFID", dsfid)
        if eas and not self.chip.eas:
            raise ValueError(f"chip {self.chip.name} has no EAS bit")
        self.eas = bool(eas)
        self.locked_blocks: set[int] = set()
        for block in locked_blocks:
            if isinstance(block, bool) or not 0 <= block < self.chip.block_count:
                raise ValueError(f"locked block {block!r} is outside 0–{self.chip.block_count - 1}")
            self.locked_blocks.add(block)
        self.locked_afi = locked_afi
        self.locked_dsfid = locked_dsfid
        self.locked_eas = locked_eas
        self.state = TagState.READY
        self.faults = TagFaults()

    def __repr__(self) -> str:
        return (
            f"VirtualTag({self.chip.name!r}, {uid_hex(self.uid)}, afi=0x{self.afi:02X}, "
            f"dsfid=0x{self.dsfid:02X}, eas={self.eas}, state={self.state.value})"
        )

    # ------------------------------------------------------------------ memory helpers
    def block(self, number: int) -> bytes:
        size = self.chip.block_size
        return bytes(self.memory[number * size : (number + 1) * size])

    def _security(self, number: int) -> bytes:
        return b"\x01" if number in self.locked_blocks else b"\x00"

    # ------------------------------------------------------------------ the air interface
    def handle(self, frame: bytes) -> bytes | None:
        """Answer one request frame (with CRC): the response frame with CRC, or ``None``."""
        return self.process(frame).answer

    def process(self, frame: bytes) -> Outcome:
        """Like :meth:`handle`, with whether the frame was for this tag and its programming time."""
        if len(frame) < 4 or crc16(frame) != _CRC_RESIDUE:
            return _IGNORED
        body = bytes(frame[:-2])
        flags, code, params = body[0], body[1], body[2:]
        if flags & Flag.INVENTORY:
            outcome = self._inventory(flags, code, params)
        else:
            outcome = self._command(flags, code, params)
        if outcome.answer is not None and self.faults.drop.drops():
            return replace(outcome, answer=None)
        return outcome

    def _inventory(self, flags: int, code: int, params: bytes) -> Outcome:
        if code != Cmd.INVENTORY or self.state is TagState.QUIET:
            return _IGNORED
        pos = 0
        if flags & Flag.AFI:
            if not params or not afi_matches(params[0], self.afi):
                return _IGNORED
            pos = 1
        if len(params) <= pos:
            return _IGNORED
        mask_len = params[pos]
        mask_bytes = params[pos + 1 :]
        limit = 64 if flags & Flag.ONE_SLOT else 60
        if mask_len > limit or len(mask_bytes) != (mask_len + 7) // 8:
            return _IGNORED
        low_bits = (1 << mask_len) - 1
        mask_value = int.from_bytes(mask_bytes, "little") & low_bits
        if int.from_bytes(self.uid, "big") & low_bits != mask_value:
            return _IGNORED
        return _ok(bytes((self.dsfid,)) + uid_to_air(self.uid))

    def _command(self, flags: int, code: int, params: bytes) -> Outcome:
        if code in _CUSTOM:
            if not params or params[0] != self.chip.manufacturer:
                return _IGNORED  # another manufacturer's custom command: not for this chip
            params = params[1:]
        elif code >= 0xE0:
            return _IGNORED  # proprietary range: not understood, stay silent
        addressed = bool(flags & Flag.ADDRESS)
        selected_only = bool(flags & Flag.SELECT)
        if addressed and selected_only:
            return _IGNORED
        if addressed:
            if len(params) < 8:
                return _IGNORED
            if uid_from_air(params[:8]) != self.uid:
                if code == Cmd.SELECT and self.state is TagState.SELECTED:
                    self.state = TagState.READY  # another tag is being selected
                return _IGNORED
            params = params[8:]
        elif selected_only:
            if self.state is not TagState.SELECTED:
                return _IGNORED
        elif self.state is TagState.QUIET or code in _ADDRESSED_ONLY:
            return _IGNORED
        handler = _HANDLERS.get(code)
        if handler is None or (code in _CUSTOM and code not in self.chip.custom_commands):
            return _error(0x01)
        return handler(self, bool(flags & Flag.OPTION), params)

    # ------------------------------------------------------------------ fault gate for writes
    def _write_fault(self, kind: WriteKind) -> Outcome | None:
        """A failing or non-sticking write answer, or ``None`` to go ahead with the write."""
        if self.faults.fail_writes > 0:
            self.faults.fail_writes -= 1
            return _error(0x13)
        lost = self.faults.lose_writes.get(kind, 0)
        if lost > 0:
            self.faults.lose_writes[kind] = lost - 1
            return _ok(busy_s=self.chip.write_time_s)
        return None

    def _block_range(self, params: bytes) -> range | Outcome:
        if len(params) < 2:
            return _error(0x02)
        first, count = params[0], params[1] + 1
        if first + count > self.chip.block_count:
            return _error(0x10)
        return range(first, first + count)

    # ------------------------------------------------------------------ command handlers
    def _read_single(self, option: bool, params: bytes) -> Outcome:
        if len(params) != 1:
            return _error(0x02)
        number = params[0]
        if number >= self.chip.block_count:
            return _error(0x10)
        return _ok((self._security(number) if option else b"") + self.block(number))

    def _write_single(self, option: bool, params: bytes) -> Outcome:
        size = self.chip.block_size
        if len(params) != 1 + size:
            return _error(0x02)
        number = params[0]
        if number >= self.chip.block_count:
            return _error(0x10)
        if number in self.locked_blocks:
            return _error(0x12)
        fault = self._write_fault(WriteKind.BLOCK)
        if fault is not None:
            return fault
        self.memory[number * size : (number + 1) * size] = params[1:]
        return _ok(busy_s=self.chip.write_time_s)

    def _lock_block(self, option: bool, params: bytes) -> Outcome:
        if len(params) != 1:
            return _error(0x02)
        number = params[0]
        if number >= self.chip.block_count:
            return _error(0x10)
        if number in self.locked_blocks:
            return _error(0x11)
        self.locked_blocks.add(number)
        return _ok(busy_s=self.chip.write_time_s)

    def _read_multiple(self, option: bool, params: bytes) -> Outcome:
        if len(params) != 2:
            return _error(0x02)
        blocks = self._block_range(params)
        if isinstance(blocks, Outcome):
            return blocks
        data = b"".join((self._security(n) if option else b"") + self.block(n) for n in blocks)
        return _ok(data)

    def _write_multiple(self, option: bool, params: bytes) -> Outcome:
        if self.chip.write_multiple_max == 0:
            return _error(0x01)
        blocks = self._block_range(params)
        if isinstance(blocks, Outcome):
            return blocks
        size = self.chip.block_size
        if len(params) != 2 + len(blocks) * size:
            return _error(0x02)
        if len(blocks) > self.chip.write_multiple_max:
            return _error(0x0F)
        if any(n in self.locked_blocks for n in blocks):
            return _error(0x12)
        fault = self._write_fault(WriteKind.BLOCK)
        if fault is not None:
            return fault
        start = blocks.start * size
        self.memory[start : start + len(blocks) * size] = params[2:]
        return _ok(busy_s=self.chip.write_time_s * len(blocks))

    def _select(self, option: bool, params: bytes) -> Outcome:
        if params:
            return _error(0x02)
        self.state = TagState.SELECTED
        return _ok()

    def _reset_to_ready(self, option: bool, params: bytes) -> Outcome:
        if params:
            return _error(0x02)
        self.state = TagState.READY
        return _ok()

    def _stay_quiet(self, option: bool, params: bytes) -> Outcome:
        if not params:
            self.state = TagState.QUIET
        return _SILENT  # Stay Quiet never answers

    def _write_afi(self, option: bool, params: bytes) -> Outcome:
        if len(params) != 1:
            return _error(0x02)
        if self.locked_afi:
            return _error(0x12)
        fault = self._write_fault(WriteKind.AFI)
        if fault is not None:
            return fault
        self.afi = params[0]
        return _ok(busy_s=self.chip.write_time_s)

    def _lock_afi(self, option: bool, params: bytes) -> Outcome:
        if params:
            return _error(0x02)
        if self.locked_afi:
            return _error(0x11)
        self.locked_afi = True
        return _ok(busy_s=self.chip.write_time_s)

    def _write_dsfid(self, option: bool, params: bytes) -> Outcome:
        if len(params) != 1:
            return _error(0x02)
        if self.locked_dsfid:
            return _error(0x12)
        fault = self._write_fault(WriteKind.DSFID)
        if fault is not None:
            return fault
        self.dsfid = params[0]
        return _ok(busy_s=self.chip.write_time_s)

    def _lock_dsfid(self, option: bool, params: bytes) -> Outcome:
        if params:
            return _error(0x02)
        if self.locked_dsfid:
            return _error(0x11)
        self.locked_dsfid = True
        return _ok(busy_s=self.chip.write_time_s)

    def _system_info(self, option: bool, params: bytes) -> Outcome:
        if params:
            return _error(0x02)
        chip = self.chip
        info = bytes((0x0F,)) + uid_to_air(self.uid)
        info += bytes(
            (self.dsfid, self.afi, chip.block_count - 1, chip.block_size - 1, chip.ic_reference)
        )
        return _ok(info)

    def _security_status(self, option: bool, params: bytes) -> Outcome:
        if len(params) != 2:
            return _error(0x02)
        blocks = self._block_range(params)
        if isinstance(blocks, Outcome):
            return blocks
        return _ok(b"".join(self._security(n) for n in blocks))

    def _set_eas(self, option: bool, params: bytes) -> Outcome:
        return self._change_eas(params, True)

    def _reset_eas(self, option: bool, params: bytes) -> Outcome:
        return self._change_eas(params, False)

    def _change_eas(self, params: bytes, value: bool) -> Outcome:
        if params:
            return _error(0x02)
        if self.locked_eas:
            return _error(0x12)
        fault = self._write_fault(WriteKind.EAS)
        if fault is not None:
            return fault
        self.eas = value
        return _ok(busy_s=self.chip.write_time_s)

    def _lock_eas(self, option: bool, params: bytes) -> Outcome:
        if params:
            return _error(0x02)
        if self.locked_eas:
            return _error(0x11)
        self.locked_eas = True
        return _ok(busy_s=self.chip.write_time_s)

    def _eas_alarm(self, option: bool, params: bytes) -> Outcome:
        return _ok(EAS_SEQUENCE) if self.eas else _SILENT

    def _nxp_system_info(self, option: bool, params: bytes) -> Outcome:
        if params:
            return _error(0x02)
        lock_bits = (
            (0x01 if self.locked_afi else 0)
            | (0x02 if self.locked_eas else 0)
            | (0x04 if self.locked_dsfid else 0)
        )
        # protection pointer, protection condition, lock bits, 4 feature-flag bytes (stand-in)
        return _ok(bytes((0x00, 0x00, lock_bits)) + bytes(4))


_Handler = Callable[[VirtualTag, bool, bytes], Outcome]

_HANDLERS: dict[int, _Handler] = {
    Cmd.STAY_QUIET: VirtualTag._stay_quiet,
    Cmd.READ_SINGLE: VirtualTag._read_single,
    Cmd.WRITE_SINGLE: VirtualTag._write_single,
    Cmd.LOCK_BLOCK: VirtualTag._lock_block,
    Cmd.READ_MULTIPLE: VirtualTag._read_multiple,
    Cmd.WRITE_MULTIPLE: VirtualTag._write_multiple,
    Cmd.SELECT: VirtualTag._select,
    Cmd.RESET_TO_READY: VirtualTag._reset_to_ready,
    Cmd.WRITE_AFI: VirtualTag._write_afi,
    Cmd.LOCK_AFI: VirtualTag._lock_afi,
    Cmd.WRITE_DSFID: VirtualTag._write_dsfid,
    Cmd.LOCK_DSFID: VirtualTag._lock_dsfid,
    Cmd.GET_SYSTEM_INFO: VirtualTag._system_info,
    Cmd.GET_SECURITY_STATUS: VirtualTag._security_status,
    Cmd.NXP_SET_EAS: VirtualTag._set_eas,
    Cmd.NXP_RESET_EAS: VirtualTag._reset_eas,
    Cmd.NXP_LOCK_EAS: VirtualTag._lock_eas,
    Cmd.NXP_EAS_ALARM: VirtualTag._eas_alarm,
    Cmd.NXP_GET_SYSTEM_INFO: VirtualTag._nxp_system_info,
}

# Commands that make no sense without naming one tag.
_ADDRESSED_ONLY = frozenset({Cmd.STAY_QUIET, Cmd.SELECT})
