"""Decoding user memory (No-Directory access method) into data sets and element values.

Memory is a run of data sets from byte 0 — precursor, [OID extension], [offset], length, data,
[pad] — ended by a 0x00 where a precursor would be, or by the end of memory; what follows the
terminator is ignored. Every read is bounds-checked before it happens and each step consumes at
least one byte, so any input decodes or fails with :class:`TagDataError` in linear time.

``errors="strict"`` raises at the first problem (with its byte offset). ``errors="relax"`` records
it as ``"<reason> at byte <offset>"``, keeps going where the structure still allows, and leaves
data sets whose value cannot be read out of ``elements`` (they stay in ``datasets`` with
``problem`` set and the raw bytes in hex as ``value``).

Lenient on purpose (real tags, reference §7.2): any ordinary compaction for any element; OID 3
written as a local code in an ordinary scheme; one-byte codes as octet, code 0 or digits; empty
values and all-zero octet strings (vendors' "not set") skip the element's value rule; non-minimal
integers; the fill bits of 5/6/7-bit and ISIL values are not inspected.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from kiosk.errors import TagDataError

from ._checks import RULES, isil_problem, label
from ._compaction import EXPANDERS, octet_text
from ._elements import element
from ._isil import isil_expand
from ._types import Compaction, DataSet, TagData, fast_constructor

__all__ = ["check_block_size", "decode"]

_CODES = tuple(Compaction)
_NAMES = ("OID 0", *(element(oid).name for oid in range(1, 32)))
_HEX = frozenset("0123456789ABCDEFabcdef")
_MAX_BLOCK = 32
_NOT_DECLARABLE = frozenset({0, 1, 2})
_new_dataset = fast_constructor(DataSet)
_new_tagdata = fast_constructor(TagData)

Expander = Callable[[bytes], str]


def check_block_size(block_size: int) -> None:
    """ISO 15693 blocks are 1–32 bytes (system information carries size − 1 in 5 bits)."""
    if isinstance(block_size, bool) or not isinstance(block_size, int) or not (
        1 <= block_size <= _MAX_BLOCK
    ):
        raise TagDataError(f"block size must be an int from 1 to {_MAX_BLOCK}, not {block_size!r}")


# content parameter: for each byte value, the bit positions set (MSB = 0)
_BITS = tuple(tuple(i for i in range(8) if byte & (0x80 >> i)) for byte in range(256))


def _content_parameter(raw: bytes) -> list[int]:
    """OIDs declared by a content parameter bitmap, ascending (MSB of byte 0 = OID 3)."""
    return [3 + (index << 3) + bit for index, byte in enumerate(raw) if byte
            for bit in _BITS[byte]]


def _no_application_form(raw: bytes) -> str:
    raise TagDataError("compaction 0 (application-defined) has no meaning for this element", 0)


def _one_byte_raw(raw: bytes) -> str:
    if len(raw) != 1:
        raise TagDataError(f"a one-byte code element holds {len(raw)} bytes", 0)
    return raw.hex().upper()


def _one_byte_text(expander: Expander) -> Expander:
    """A one-byte code written as text (e.g. numeric ``10``): must be two hex digits."""

    def expand(raw: bytes) -> str:
        text = expander(raw)
        if len(text) != 2 or text[0] not in _HEX or text[1] not in _HEX:
            raise TagDataError(f"{text!r} is not a one-byte code written as two hex digits", 0)
        return text.upper()

    return expand


def _expander_row(oid: int) -> tuple[Expander, ...]:
    """Per compaction code, how to read the value of element ``oid``."""
    info = element(oid)
    row = [_no_application_form, *(EXPANDERS[code] for code in _CODES[1:])]
    if info.isil:
        row[0] = isil_expand
    elif info.one_byte_code:
        row = [_one_byte_text(expander) for expander in row]
        row[Compaction.APPLICATION_DEFINED] = row[Compaction.OCTET] = _one_byte_raw
    return tuple(row)


_EXPAND = (_expander_row(1), _expander_row(1), *(_expander_row(oid) for oid in range(2, 27)))
_ISIL_RULE = (isil_problem, *([None] * 7))
_RULE: tuple[tuple[Callable[[str], str | None] | None, ...], ...] = tuple(
    _ISIL_RULE if oid in (3, 11) else (RULES.get(oid),) * 8 for oid in range(27)
)


def decode(data: bytes, *, block_size: int = 4, errors: str = "strict") -> TagData:
    """Decode ISO 28560-2 / GB/T 35660.2 user memory read from block 0.

    ``data``: the bytes of user memory (bytes, bytearray or memoryview), as many blocks as read.
    ``block_size``: bytes per block (1-32), used for ``TagData.blocks_used``.
    ``errors``: ``"strict"`` raises :class:`TagDataError` (reason + byte offset) at the first
    structural or value problem; ``"relax"`` never raises for bad memory and lists the problems
    in ``TagData.problems`` as ``"<reason> at byte <offset>"`` (the first is the strict error).
    Data sets after a 0x00 terminator are not read; all-zero memory decodes to nothing.
    """
    if errors == "strict":
        strict = True
    elif errors == "relax":
        strict = False
    else:
        raise ValueError(f"errors must be 'strict' or 'relax', not {errors!r}")
    check_block_size(block_size)
    if type(data) is not bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        data = bytes(data)

    problems: list[str] = []

    def fail(reason: str, offset: int) -> None:
        if strict:
            raise TagDataError(reason, offset)
        problems.append(f"{reason} at byte {offset}")

    size = len(data)
    used = size
    pos = 0
    datasets: list[DataSet] = []
    elements: dict[int, str] = {}
    first_at: dict[int, int] = {}
    declared: frozenset[int] | None = None
    cp_offset = 0
    reported_missing_cp = False

    while pos < size:
        precursor = data[pos]
        if precursor == 0:
            used = pos + 1
            break
        start = pos
        relative = precursor & 0x0F
        cursor = pos + 1
        if cursor + (relative == 15) + (precursor >> 7) >= size:
            fail(f"data set header cut off by the end of memory ({size} bytes)", start)
            break
        if relative == 15:
            oid = 15 + data[cursor]
            cursor += 1
        else:
            oid = relative
        pad = 0
        if precursor & 0x80:
            pad = data[cursor]
            cursor += 1
        length = data[cursor]
        if length & 0x80:
            fail(f"length byte {length:02X} is over 127 (multi-byte lengths are not supported)",
                 cursor)
        cursor += 1
        data_end = cursor + length
        if data_end > size:
            fail(f"{label(oid)} needs {length} bytes of data, memory has {size - cursor} left",
                 start)
            break
        end = data_end + pad
        if end > size:
            fail(f"{label(oid)}: {pad} pad bytes run past the end of memory", data_end)
            end = size
        elif pad and data.count(0, data_end, end) != pad:
            nonzero = next(i for i in range(data_end, end) if data[i])
            fail(f"{label(oid)}: pad byte is {data[nonzero]:02X}, not 00", nonzero)
        raw = data[cursor:data_end]
        code = (precursor >> 4) & 7
        problem: str | None = None

        if 3 <= oid <= 26 or oid == 1:
            if oid == 1:
                if datasets:
                    fail("OID 1 (Primary item identifier) must be the first data set", start)
            elif declared is None and not reported_missing_cp:
                reported_missing_cp = True
                fail(f"{label(oid)} comes before any content parameter (OID 2)", start)
            try:
                value = _EXPAND[oid][code](raw) if raw else ""
            except TagDataError as exc:
                where = cursor + (exc.offset or 0)
                problem = f"{label(oid)}, compaction {code}: {exc.reason}"
                fail(problem, where)
                problem = f"{problem} at byte {where}"
                value = raw.hex().upper()
            else:
                rule = _RULE[oid][code]
                if rule is not None and value and (code != 6 or raw.count(0) != len(raw)):
                    broken = rule(value)
                    if broken is not None:
                        fail(f"{label(oid)}: {broken}", start)
        elif oid == 2:
            if datasets and (len(datasets) > 1 or datasets[0].oid != 1):
                fail("the content parameter (OID 2) must be the first data set or follow OID 1",
                     start)
            if code:
                fail(f"the content parameter (OID 2) uses compaction {code}, "
                     "must be 0 (application-defined)", start)
            listed = _content_parameter(raw)
            value = ",".join(map(str, listed))
            if declared is None and oid not in first_at:
                declared, cp_offset = frozenset(listed), start
                if listed and listed[-1] > 26:
                    strange = next(o for o in listed if o > 26)
                    fail(f"the content parameter declares {label(strange)}, "
                         "which is not a defined element", start)
        else:
            kind = "reserved" if 27 <= oid <= 31 else "not defined"
            problem = f"{label(oid)} is {kind} (ISO 28560-1 defines OIDs 1-26)"
            fail(problem, start)
            problem = f"{problem} at byte {start}"
            value = octet_text(raw)

        first = first_at.get(oid)
        if first is not None:
            fail(f"duplicate {label(oid)} (first at byte {first})", start)
        else:
            first_at[oid] = start
            if problem is None and oid != 2:
                elements[oid] = value
        name = _NAMES[oid] if oid <= 31 else f"OID {oid}"
        datasets.append(
            _new_dataset(oid, name, _CODES[code], start, length, pad, raw, value, end, problem)
        )
        pos = end

    if declared is not None:
        present = first_at.keys() - _NOT_DECLARABLE
        if present != declared:
            for oid, offset in sorted(first_at.items(), key=lambda item: item[1]):
                if oid not in declared and oid not in _NOT_DECLARABLE:
                    fail(f"{label(oid)} is not declared in the content parameter", offset)
            for oid in sorted(declared - present):
                if oid <= 26:
                    fail(f"the content parameter declares {label(oid)} but the tag has no data "
                         "set for it", cp_offset)

    return _new_tagdata(
        MappingProxyType(elements),
        tuple(datasets),
        tuple(problems),
        declared,
        used,
        -(-used // block_size),
    )
