"""Encoding element values into ISO 28560-2 user memory.

Every value is checked (element rules, compaction, one-byte length) before anything is laid out,
and the encoder only writes what :func:`decode` reads back unchanged in strict mode: the same
text for text values; for ``bytes`` values the text decode shows (ISO/IEC 8859-1 if printable,
else hex). The content parameter (OID 2) is computed here: the OIDs ≥ 3 present as a bitmap, MSB
of the first byte ↔ OID 3, trailing zero bytes trimmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from kiosk.errors import TagDataError

from ._checks import label, validate_value
from ._compaction import COMPACTORS, choose_compaction, compaction_problem, octet_text
from ._decode import check_block_size
from ._isil import isil_compact
from ._layout import Piece, lay_out, new_piece
from ._types import Compaction, Encoded

__all__ = ["CHIP_CAPACITY", "MAX_VALUE_LENGTH", "encode"]

#: user memory in bytes of common library chips (NXP ICODE SLIX: 28 blocks, SLIX2: 79 blocks)
CHIP_CAPACITY: Mapping[str, int] = MappingProxyType({"slix": 112, "slix2": 316})
#: longest compacted value we write: one length byte, and 128+ may be read as a multi-byte length
MAX_VALUE_LENGTH = 127

_ONE_BYTE = frozenset({5, 19, 20})
_ISIL = frozenset({3, 11})
_HEX = frozenset("0123456789ABCDEFabcdef")


def _scheme(oid: int, override: object) -> Compaction:
    try:
        return Compaction(override)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise TagDataError(f"{label(oid)}: compaction {override!r} is not a code 0-7") from None


Written = tuple[Compaction, bytes, str]  # scheme, compacted bytes, text decode will show


def _one_byte(oid: int, value: str | bytes, override: Compaction | None) -> Written:
    if isinstance(value, bytes):
        if len(value) != 1:
            raise TagDataError(f"{label(oid)}: a one-byte code needs 1 byte, got {len(value)}")
        byte = value[0]
    elif len(value) == 2 and value[0] in _HEX and value[1] in _HEX:
        byte = int(value, 16)
    else:
        raise TagDataError(f"{label(oid)}: {value!r} is not one byte written as two hex digits")
    text = f"{byte:02X}"
    if override is None or override is Compaction.OCTET:
        return Compaction.OCTET, bytes((byte,)), text
    if override is Compaction.APPLICATION_DEFINED:
        return override, bytes((byte,)), text
    problem = compaction_problem(text, override)
    if problem is not None:
        raise TagDataError(
            f"{label(oid)}: {text!r} cannot be written in {override.name}: {problem}"
        )
    return override, COMPACTORS[override](text), text


def _text(oid: int, value: str, override: Compaction | None) -> Written:
    problem = validate_value(oid, value, override)
    if problem is not None:
        if oid in _ISIL and override is None and value:
            problem += " (to write a local code, give compaction OCTET for this OID)"
        raise TagDataError(problem)
    if oid in _ISIL and override in (None, Compaction.APPLICATION_DEFINED):
        return Compaction.APPLICATION_DEFINED, isil_compact(value), value
    if override is None:
        scheme = choose_compaction(value)
    elif override is Compaction.APPLICATION_DEFINED:
        raise TagDataError(f"{label(oid)} has no application-defined form (compaction 0)")
    else:
        scheme = override
        problem = compaction_problem(value, scheme)
        if problem is not None:
            raise TagDataError(f"{label(oid)}: {value!r} cannot be written in {scheme.name}: "
                               f"{problem}")
    return scheme, COMPACTORS[scheme](value), value


def _octets(oid: int, value: bytes, override: Compaction | None) -> Written:
    if override is not None and override is not Compaction.OCTET:
        raise TagDataError(f"{label(oid)}: a bytes value is written as an octet string; "
                           f"give text to use {override.name}")
    if not value:
        raise TagDataError(f"{label(oid)}: empty value (leave the element out instead)")
    text = octet_text(value)
    if value.count(0) != len(value):  # all-zero octets are a vendor "not set", no value rule
        problem = validate_value(oid, text, Compaction.OCTET)
        if problem is not None:
            raise TagDataError(problem)
    return Compaction.OCTET, value, text


def _content_parameter(oids: Iterable[int]) -> bytes:
    """Bitmap of OIDs ≥ 3: bit i (MSB of byte 0 first) ↔ OID 3+i, no trailing zero bytes."""
    bitmap = bytearray()
    for oid in oids:
        index = oid - 3
        if index >= 0:
            byte = index >> 3
            if byte >= len(bitmap):
                bitmap += bytes(byte + 1 - len(bitmap))
            bitmap[byte] |= 0x80 >> (index & 7)
    return bytes(bitmap)


def encode(
    elements: Mapping[int, str | bytes],
    *,
    lock: Iterable[int] = (),
    block_size: int = 4,
    capacity: int | None = None,
    compaction: Mapping[int, Compaction] | None = None,
) -> Encoded:
    """Encode ``elements`` (OID → value) as ISO 28560-2 user memory from block 0.

    Text values are compacted automatically (see :mod:`._compaction`) unless ``compaction`` names a
    scheme for the OID; OIDs 3/11 are ISIL-compacted; OIDs 5/19/20 take one byte as ``bytes`` or
    two hex digits and are written as an octet; other ``bytes`` values as octet strings.
    ``lock`` names OIDs whose data sets must own whole blocks (listed in ``lock_blocks``).
    ``capacity`` is the chip's user memory in bytes (see ``CHIP_CAPACITY``): the data must fit,
    and a 0x00 terminator follows when there is room. Raises TagDataError naming the OID.
    """
    check_block_size(block_size)
    if not isinstance(elements, Mapping):
        raise TypeError(f"elements must be a mapping OID -> value, not {type(elements).__name__}")
    if capacity is not None and (
        isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0
    ):
        raise TagDataError(f"capacity must be a byte count (int >= 0) or None, not {capacity!r}")
    overrides = compaction or {}
    locked = set(lock)
    pieces: dict[int, Piece] = {}
    for oid, value in elements.items():
        if isinstance(oid, bool) or not isinstance(oid, int) or not 1 <= oid <= 26:
            raise TagDataError(f"element key {oid!r} is not a defined OID (1, 3-26)")
        if oid == 2:
            raise TagDataError("OID 2 (Content parameter) is computed by the encoder; leave it out")
        if not isinstance(value, (str, bytes)):
            raise TagDataError(f"{label(oid)}: value must be str or bytes, not "
                               f"{type(value).__name__}")
        raw_override = overrides.get(oid)
        override = None if raw_override is None else _scheme(oid, raw_override)
        if oid in _ONE_BYTE:
            scheme, raw, text = _one_byte(oid, value, override)
        elif isinstance(value, bytes):
            scheme, raw, text = _octets(oid, value, override)
        else:
            scheme, raw, text = _text(oid, value, override)
        if len(raw) > MAX_VALUE_LENGTH:
            raise TagDataError(f"{label(oid)}: compacted value is {len(raw)} bytes, at most "
                               f"{MAX_VALUE_LENGTH} fit in a one-byte length")
        pieces[oid] = new_piece(oid, scheme, raw, text, oid in locked)
    for oid in locked:
        if oid == 2:
            raise TagDataError("OID 2 (Content parameter) cannot be locked: it changes whenever "
                               "an element is added")
        if oid not in pieces:
            raise TagDataError(f"{label(oid) if isinstance(oid, int) else repr(oid)} is in lock "
                               "but not in elements")
    for oid in overrides:
        if oid not in pieces:
            raise TagDataError(f"compaction names OID {oid!r}, which is not in elements")

    order: list[Piece] = []
    if 1 in pieces:
        order.append(pieces[1])
    others = sorted(oid for oid in pieces if oid != 1)
    if others:
        bitmap = _content_parameter(others)
        order.append(new_piece(2, Compaction.APPLICATION_DEFINED, bitmap,
                               ",".join(map(str, others)), False))
        order += [pieces[oid] for oid in others if not pieces[oid].locked]
        order += [pieces[oid] for oid in others if pieces[oid].locked]

    data, layout, lock_blocks = lay_out(order, block_size)
    if capacity is not None:
        if len(data) > capacity:
            raise TagDataError(f"tag data needs {len(data)} bytes, {len(data) - capacity} over "
                               f"the {capacity}-byte capacity")
        if len(data) < capacity:
            data += b"\x00"
    return Encoded(data=data, lock_blocks=lock_blocks, block_size=block_size, layout=layout)
