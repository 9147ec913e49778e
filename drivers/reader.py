"""The RFID reader interface: one abstract base, small hooks per driver.

The base class owns everything drivers share — the ISO 15693 command set expressed as
:class:`~drivers.iso15693.Command` values, mapping tag error codes to exceptions, bounded retries
on timeouts, re-opening a reader that went away, chunked reads, verified security writes — so a
driver only says how to move bytes:

Must override
    ``_open()`` / ``_close()``      acquire / release the port or device
    ``_inventory(afi)``             anticollision: the tags in the field
    ``_transceive(command)``        one addressed ISO 15693 command → the tag's :class:`Reply`;
                                    raise :class:`NoTag` when the tag does not answer

May override
    ``_health()``                   reader-specific details for :meth:`Reader.health`
    ``max_read_bytes``              how many data bytes one read may return

UIDs are ``bytes`` in the shown order (``E004…``). Block data is in tag memory order.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self, TypeVar

from drivers.errors import (
    BlockLocked,
    NoTag,
    ReaderError,
    ReaderProtocolError,
    ReaderTimeout,
    ReaderUnavailable,
    WriteFailed,
)
from drivers.iso15693 import ERROR_TEXT, Cmd, Command, Reply, uid_hex

__all__ = [
    "AFI_IN_LIBRARY",
    "AFI_ON_LOAN",
    "BlockData",
    "Reader",
    "ReaderHealth",
    "SystemInfo",
    "TagSeen",
    "parse_system_info",
]

_T = TypeVar("_T")

AFI_IN_LIBRARY = 0x07  # secured: the gate alarms
AFI_ON_LOAN = 0xC2  # unsecured: checked out


@dataclass(frozen=True, slots=True)
class TagSeen:
    """One tag found by an inventory."""

    uid: bytes
    dsfid: int

    @property
    def uid_hex(self) -> str:
        return uid_hex(self.uid)


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """Answer to Get System Information; absent fields are ``None``."""

    uid: bytes
    dsfid: int | None
    afi: int | None
    block_size: int | None
    block_count: int | None
    ic_reference: int | None


@dataclass(frozen=True, slots=True)
class BlockData:
    """Blocks read from a tag: memory bytes and each block's lock status."""

    first_block: int
    block_size: int
    data: bytes
    locked: tuple[bool, ...]

    @property
    def locked_blocks(self) -> tuple[int, ...]:
        return tuple(self.first_block + i for i, lock in enumerate(self.locked) if lock)


@dataclass(frozen=True, slots=True)
class ReaderHealth:
    """Result of a health check: ``ok`` and free-form details for technicians."""

    ok: bool
    detail: str
    extra: dict[str, str] = field(default_factory=dict)


# Tag error code → exception class. Anything else is a protocol error.
_TAG_ERRORS: dict[int, type[ReaderError]] = {
    0x10: ReaderProtocolError,
    0x11: BlockLocked,
    0x12: BlockLocked,
    0x13: WriteFailed,
    0x14: WriteFailed,
}


class Reader(abc.ABC):
    """An ISO 15693 RFID reader (see the module docstring for the hooks)."""

    #: Largest number of data bytes one read-multiple-blocks request may return.
    max_read_bytes: int = 128

    def __init__(
        self,
        *,
        retries: int = 2,
        retry_delay: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.retry_delay = retry_delay
        self._sleep = sleep
        self._is_open = False

    # ----------------------------------------------------------------- lifecycle
    def open(self) -> None:
        if not self._is_open:
            self._open()
            self._is_open = True

    def close(self) -> None:
        if self._is_open:
            self._is_open = False
            self._close()

    @property
    def is_open(self) -> bool:
        return self._is_open

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- hooks
    @abc.abstractmethod
    def _open(self) -> None: ...

    @abc.abstractmethod
    def _close(self) -> None: ...

    @abc.abstractmethod
    def _inventory(self, afi: int | None) -> list[TagSeen]: ...

    @abc.abstractmethod
    def _transceive(self, command: Command) -> Reply: ...

    def _health(self) -> ReaderHealth:
        return ReaderHealth(ok=True, detail="reader answers")

    # ----------------------------------------------------------------- shared logic
    def _run(self, operation: Callable[[], _T]) -> _T:
        """Run ``operation`` with bounded retries on timeouts and one re-open on unavailability."""
        attempt = 0
        reopened = False
        while True:
            try:
                if not self._is_open:
                    self.open()
                return operation()
            except ReaderTimeout:
                if attempt >= self.retries:
                    raise
                attempt += 1
                self._sleep(self.retry_delay * attempt)
            except ReaderUnavailable:
                if reopened:
                    raise
                reopened = True
                self._force_close()
                self._sleep(self.retry_delay)

    def _force_close(self) -> None:
        try:
            self.close()
        except ReaderError:
            self._is_open = False

    def _command(self, command: Command, what: str) -> bytes:
        reply = self._run(lambda: self._transceive(command))
        if reply.error is not None:
            kind = _TAG_ERRORS.get(reply.error, ReaderProtocolError)
            text = ERROR_TEXT.get(reply.error, "custom error")
            raise kind(f"{what}: {text}", tag_error=reply.error)
        return reply.data

    def inventory(self, afi: int | None = None) -> list[TagSeen]:
        """Every tag in the field (only those with ``afi`` if given), each UID once."""
        found = self._run(lambda: self._inventory(afi))
        unique: dict[bytes, TagSeen] = {}
        for tag in found:
            unique.setdefault(tag.uid, tag)
        return list(unique.values())

    def system_info(self, uid: bytes) -> SystemInfo:
        data = self._command(Command(Cmd.GET_SYSTEM_INFO, uid), f"system info of {uid_hex(uid)}")
        return parse_system_info(data)

    def read_blocks(self, uid: bytes, first: int, count: int, *, block_size: int) -> BlockData:
        """Read ``count`` blocks from ``first`` with lock status, in as few requests as fit."""
        if count <= 0:
            raise ValueError("count must be positive")
        per_request = max(1, self.max_read_bytes // block_size)
        data = bytearray()
        locked: list[bool] = []
        block = first
        while block < first + count:
            n = min(per_request, first + count - block)
            raw = self._command(
                Command(Cmd.READ_MULTIPLE, uid, bytes((block, n - 1)), option=True),
                f"read blocks {block}–{block + n - 1} of {uid_hex(uid)}",
            )
            stride = block_size + 1
            if len(raw) != n * stride:
                raise ReaderProtocolError(
                    f"read of {n} blocks returned {len(raw)} bytes, expected {n * stride}"
                )
            for i in range(n):
                locked.append(bool(raw[i * stride] & 0x01))
                data += raw[i * stride + 1 : (i + 1) * stride]
            block += n
        return BlockData(first, block_size, bytes(data), tuple(locked))

    def write_blocks(self, uid: bytes, first: int, data: bytes, *, block_size: int) -> None:
        """Write whole blocks one at a time (every ISO 15693 tag supports single-block writes)."""
        if len(data) % block_size:
            raise ValueError(f"{len(data)} bytes is not a whole number of {block_size}-byte blocks")
        for i in range(len(data) // block_size):
            chunk = data[i * block_size : (i + 1) * block_size]
            self._command(
                Command(Cmd.WRITE_SINGLE, uid, bytes((first + i,)) + chunk),
                f"write block {first + i} of {uid_hex(uid)}",
            )

    def lock_blocks(self, uid: bytes, blocks: list[int] | tuple[int, ...]) -> None:
        """Lock blocks permanently (ISO 15693 Lock Block cannot be undone)."""
        for block in blocks:
            self._command(
                Command(Cmd.LOCK_BLOCK, uid, bytes((block,))),
                f"lock block {block} of {uid_hex(uid)}",
            )

    def write_afi(self, uid: bytes, afi: int) -> None:
        self._command(Command(Cmd.WRITE_AFI, uid, bytes((afi,))), f"write AFI of {uid_hex(uid)}")

    def lock_afi(self, uid: bytes) -> None:
        self._command(Command(Cmd.LOCK_AFI, uid), f"lock AFI of {uid_hex(uid)}")

    def write_dsfid(self, uid: bytes, dsfid: int) -> None:
        self._command(
            Command(Cmd.WRITE_DSFID, uid, bytes((dsfid,))), f"write DSFID of {uid_hex(uid)}"
        )

    def lock_dsfid(self, uid: bytes) -> None:
        self._command(Command(Cmd.LOCK_DSFID, uid), f"lock DSFID of {uid_hex(uid)}")

    def set_eas(self, uid: bytes, enabled: bool) -> None:
        """NXP SET EAS / RESET EAS."""
        code = Cmd.NXP_SET_EAS if enabled else Cmd.NXP_RESET_EAS
        self._command(Command(code, uid), f"{'set' if enabled else 'reset'} EAS of {uid_hex(uid)}")

    def lock_eas(self, uid: bytes) -> None:
        self._command(Command(Cmd.NXP_LOCK_EAS, uid), f"lock EAS of {uid_hex(uid)}")

    def eas_alarm(self, uid: bytes) -> bool:
        """NXP EAS ALARM: ``True`` when the tag's EAS bit is set (it answers), else ``False``."""
        try:
            self._command(Command(Cmd.NXP_EAS_ALARM, uid), f"EAS alarm of {uid_hex(uid)}")
        except NoTag:
            return False
        return True

    def health(self) -> ReaderHealth:
        """Open the reader if needed and report whether it answers."""
        try:
            return self._run(self._health)
        except ReaderError as exc:
            return ReaderHealth(ok=False, detail=str(exc))


def parse_system_info(data: bytes) -> SystemInfo:
    """Parse the data of a Get System Information answer (info flags, UID, optional fields)."""
    if len(data) < 9:
        raise ReaderProtocolError(f"system information of {len(data)} bytes, expected ≥ 9")
    info_flags = data[0]
    uid = data[1:9][::-1]
    rest = data[9:]
    dsfid = afi = block_count = block_size = ic_reference = None
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(rest):
            raise ReaderProtocolError("system information is shorter than its info flags say")
        chunk = rest[pos : pos + n]
        pos += n
        return chunk

    if info_flags & 0x01:
        dsfid = take(1)[0]
    if info_flags & 0x02:
        afi = take(1)[0]
    if info_flags & 0x04:
        mem = take(2)
        block_count = mem[0] + 1
        block_size = (mem[1] & 0x1F) + 1
    if info_flags & 0x08:
        ic_reference = take(1)[0]
    return SystemInfo(uid, dsfid, afi, block_size, block_count, ic_reference)
