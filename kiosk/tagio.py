"""Whole-tag operations over a reader: read and decode a tag, write a tag, verified.

These are the steps a technician's command and the circulation runtime share. They use only the
reader interface (:class:`drivers.reader.Reader`), never a particular driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drivers.errors import NoTag, ReaderError
from drivers.reader import Reader, SystemInfo
from kiosk import tagdata
from kiosk.errors import TagDataError

__all__ = ["DSFID_ISO28560_2", "TagReading", "read_tag", "write_tag"]

DSFID_ISO28560_2 = 0x06  # access method 0 (no directory), data format 6 (ISO 28560-2)


@dataclass(frozen=True, slots=True)
class TagReading:
    """Everything read from one tag: system information, memory, locks, EAS and the decoding."""

    uid: bytes
    info: SystemInfo
    memory: bytes
    locked_blocks: tuple[int, ...]
    eas: bool | None
    data: tagdata.TagData

    @property
    def block_size(self) -> int:
        return self.info.block_size or 4


def read_tag(reader: Reader, uid: bytes, *, relax: bool = True, eas: bool = True) -> TagReading:
    """Read system information and all user memory, then decode it.

    ``relax`` keeps going on malformed data (the problems are in ``data.problems``); the EAS state
    is read with EAS ALARM when ``eas`` (``None`` when the chip has no NXP EAS).
    """
    info = reader.system_info(uid)
    block_size = info.block_size or 4
    block_count = info.block_count or 28
    blocks = reader.read_blocks(uid, 0, block_count, block_size=block_size)
    eas_state: bool | None = None
    if eas:
        try:
            eas_state = reader.eas_alarm(uid)
        except ReaderError:
            eas_state = None
    decoded = tagdata.decode(
        blocks.data, block_size=block_size, errors="relax" if relax else "strict"
    )
    return TagReading(uid, info, blocks.data, blocks.locked_blocks, eas_state, decoded)


def write_tag(
    reader: Reader,
    uid: bytes,
    elements: Mapping[int, str],
    *,
    lock: tuple[int, ...] = (),
    compaction: Mapping[int, tagdata.Compaction] | None = None,
) -> tuple[tagdata.Encoded, TagReading]:
    """Encode ``elements`` for this tag's memory, write, verify by reading back, then lock.

    Refuses (``TagDataError``) data that does not fit or that would change a locked block, before
    writing anything. Locks only after the read-back matches, since locking cannot be undone.
    Sets the DSFID to 0x06 when it differs and the tag allows it.
    """
    before = read_tag(reader, uid, eas=False)
    block_size = before.block_size
    capacity = len(before.memory)
    encoded = tagdata.encode(
        elements, lock=lock, block_size=block_size, capacity=capacity, compaction=compaction
    )
    new_blocks = encoded.blocks
    locked = set(before.locked_blocks)
    for number, content in enumerate(new_blocks):
        if number in locked:
            old = before.memory[number * block_size : (number + 1) * block_size]
            if old != content:
                raise TagDataError(
                    f"block {number} is locked and holds different data; "
                    "this tag cannot take these elements",
                    number * block_size,
                )
    for number, content in enumerate(new_blocks):
        if number not in locked:
            reader.write_blocks(uid, number, content, block_size=block_size)
    after = read_tag(reader, uid, relax=True, eas=False)
    if after.memory[: len(encoded.data)] != encoded.data[: len(after.memory)]:
        raise TagDataError("read-back after writing differs from what was written; tag not locked")
    to_lock = [block for block in encoded.lock_blocks if block not in locked]
    if to_lock:
        reader.lock_blocks(uid, to_lock)
    if before.info.dsfid != DSFID_ISO28560_2:
        try:
            reader.write_dsfid(uid, DSFID_ISO28560_2)
        except NoTag:
            raise
        except ReaderError:
            pass  # a locked DSFID is not a reason to fail: the data is written and verified
    return encoded, read_tag(reader, uid)
