"""Placing compacted data sets in memory so that locked ones own whole blocks.

ISO 15693 locks whole blocks, permanently. A run of data sets to be locked must therefore start
and end on a block boundary, and so must the unlocked data set just before a locked run (ISO
28560-2 Annex D note). Consecutive locked data sets share blocks freely — they are locked together
(dp2's layout, vector C2). Alignment is reached with the offset mechanism: to add N ≥ 1 bytes the
precursor's offset flag is set, an offset byte N−1 follows, then N−1 pad bytes 0x00.

Order of a new tag (dp2's, reproducing ISO 28560-2 Annex D): primary item identifier, content
parameter, unlocked elements, elements to lock — each group in ascending OID order. With at most
one locked run after the content parameter, no unlocked data set is ever stranded between locks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._elements import element
from ._types import Compaction, DataSet, fast_constructor

__all__ = ["Piece", "lay_out", "new_piece"]


@dataclass(frozen=True, slots=True)
class Piece:
    """One data set to place: its compacted value, the text it decodes to, and whether to lock."""

    oid: int
    compaction: Compaction
    raw: bytes
    value: str
    locked: bool


new_piece = fast_constructor(Piece)
_new_dataset = fast_constructor(DataSet)
_NAMES = ("", *(element(oid).name for oid in range(1, 27)))


def lay_out(
    pieces: list[Piece], block_size: int
) -> tuple[bytes, tuple[DataSet, ...], tuple[int, ...]]:
    """Memory image, data sets as placed, and the blocks to lock, for ``pieces`` in order."""
    out = bytearray()
    placed: list[DataSet] = []
    lock: list[int] = []
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        oid, raw = piece.oid, piece.raw
        start = len(out)
        following_locked = i < last and pieces[i + 1].locked
        align = following_locked != piece.locked
        base = 2 + (oid >= 15) + len(raw)
        fill = -(start + base) % block_size if align else 0
        precursor = (int(piece.compaction) << 4) | (oid if oid < 15 else 15)
        if fill:
            precursor |= 0x80
        out.append(precursor)
        if oid >= 15:
            out.append(oid - 15)
        if fill:
            out.append(fill - 1)
        out.append(len(raw))
        out += raw
        if fill > 1:
            out += bytes(fill - 1)
        end = len(out)
        placed.append(
            _new_dataset(oid, _NAMES[oid], piece.compaction, start, len(raw), max(fill - 1, 0),
                         raw, piece.value, end, None)
        )
        if piece.locked:
            lock.extend(range(start // block_size, (end - 1) // block_size + 1))
    return bytes(out), tuple(placed), tuple(sorted(set(lock)))
