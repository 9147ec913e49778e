"""The seven general compaction schemes of ISO/IEC 15962 as used by ISO 28560-2.

Each scheme is a pair of functions (text → bytes, bytes → text) chosen from a table by the
compaction code. Packing, fill and stop rules (reference tagdata.md §2):

* Integer (1): decimal text → unsigned big-endian binary, minimal length.
* Numeric (2): two BCD digits a byte, high nibble first; an odd count ends in the nibble F.
* 5-bit (3): ``A``–``Z [ \\ ] ^ _`` as their low 5 bits; zero fill; a ``00000`` group ends
  the value.
* 6-bit (4): 0x20–0x5F as their low 6 bits; fill is the start of ``100000``; a whole ``100000``
  group at the very end is fill, so a value may not end in a space.
* 7-bit (5): 0x00–0x7E in 7 bits; fill is one bits; a whole ``1111111`` group at the end is fill.
* Octet (6): the bytes themselves (ISO/IEC 8859-1).  UTF-8 (7): UTF-8.

**Automatic choice** (:func:`choose_compaction`). The standard's order is integer → numeric →
5-bit → 6-bit → 7-bit → octet, with UTF-8 for text outside ISO/IEC 8859-1 (ISO 28560 clarification
6.17). We take the *first scheme in that order that can carry the value so that it decodes back to
the same text*. Because each alphabet contains the previous one and costs no more bits a
character, the first such scheme is also the shortest, and a tie goes to the earlier scheme
(``1203`` → integer, as the ISO Annex D example; ``BA`` → 5-bit). We do not copy dp2's minimum
lengths (5-bit ≥ 3 characters, 6-bit ≥ 4, 7-bit ≥ 8, else UTF-8): they never save a byte and
move values out of the schemes the standard prefers. Round-trip guards narrow the alphabets:

* integer only for 2–19 digits without a leading zero (``01`` would come back as ``1``; 19 digits
  fit the unsigned 64-bit integers other decoders such as dp2 use);
* 6-bit never for a value ending in a space, nor for ``! " # $ % & '`` (0x21–0x27), whose 6-bit
  meaning differs between published tables (EOT/FS/US/reserved vs. ASCII);
* 7-bit never for 0x7F; octet only when every character is printable ISO/IEC 8859-1 (a decoder
  shows other octet strings as hex); everything else is UTF-8.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from kiosk.errors import TagDataError

from ._bits import pack, unpack
from ._types import Compaction

__all__ = [
    "COMPACTORS",
    "EXPANDERS",
    "choose_compaction",
    "compact",
    "compaction_problem",
    "expand",
    "octet_text",
]

_FIVE = bytes(range(0x41, 0x60))
_SIX = bytes([0x20, *range(0x28, 0x60)])
_SIX_ANY = bytes(range(0x20, 0x60))
_SEVEN = bytes(range(0x7F))
_PRINTABLE = bytes([*range(0x20, 0x7F), *range(0xA0, 0x100)])

# The 5- and 6-bit codes are base32/base64 with other alphabets: the C codecs of the standard
# library split and join the bit groups, and a translate table swaps the alphabet.
_B32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ENC5 = bytes.maketrans(_FIVE, bytes(_B32[c & 0x1F] for c in _FIVE))
_ENC6 = bytes.maketrans(_SIX_ANY, bytes(_B64[c & 0x3F] for c in _SIX_ANY))
_DEC5 = bytes.maketrans(_B32, bytes([0x40, *range(0x41, 0x60)]))
_DEC6 = bytes.maketrans(_B64, bytes(g | 0x40 if g < 0x20 else g for g in range(64)))
_FIVE_END = _B32[0:1]  # group 00000
_SIX_FILL = _B64[32:33]  # group 100000

def octet_text(raw: bytes) -> str:
    """An octet string as text: ISO/IEC 8859-1 when every byte is printable, else uppercase hex."""
    if raw.translate(None, _PRINTABLE):
        return raw.hex().upper()
    return raw.decode("latin-1")


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _ascii_only(value: str, alphabet: bytes) -> bool:
    return value.isascii() and not value.encode("ascii").translate(None, alphabet)


def _integer_problem(value: str) -> str | None:
    ok = _is_digits(value) and 2 <= len(value) <= 19 and value[0] != "0"
    return None if ok else "integer compaction needs 2 to 19 digits without a leading zero"


def _numeric_problem(value: str) -> str | None:
    return None if _is_digits(value) or not value else "numeric compaction takes digits 0-9 only"


def _five_problem(value: str) -> str | None:
    return None if _ascii_only(value, _FIVE) else "5-bit compaction takes A-Z [ \\ ] ^ _ only"


def _six_problem(value: str) -> str | None:
    if not _ascii_only(value, _SIX):
        return "6-bit compaction takes space, ( to _ (0x20, 0x28-0x5F) only, no lower case"
    return "6-bit compaction cannot end in a space" if value.endswith(" ") else None


def _seven_problem(value: str) -> str | None:
    return None if _ascii_only(value, _SEVEN) else "7-bit compaction takes ASCII 0x00-0x7E only"


def _octet_problem(value: str) -> str | None:
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        return "octet compaction takes ISO/IEC 8859-1 text only"
    if raw.translate(None, _PRINTABLE):
        return "octet text must be printable ISO/IEC 8859-1 (control characters read as hex)"
    return None


def _utf8_problem(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text cannot be encoded in UTF-8 (lone surrogate)"
    return None


def _application_defined_problem(value: str) -> str | None:
    return "application-defined compaction (code 0) depends on the element"


_PROBLEMS: dict[Compaction, Callable[[str], str | None]] = {
    Compaction.APPLICATION_DEFINED: _application_defined_problem,
    Compaction.INTEGER: _integer_problem,
    Compaction.NUMERIC: _numeric_problem,
    Compaction.FIVE_BIT: _five_problem,
    Compaction.SIX_BIT: _six_problem,
    Compaction.SEVEN_BIT: _seven_problem,
    Compaction.OCTET: _octet_problem,
    Compaction.UTF8: _utf8_problem,
}


def compaction_problem(value: str, scheme: Compaction) -> str | None:
    """Why ``value`` cannot be written in ``scheme`` and decode to the same text; None if it can."""
    return _PROBLEMS[scheme](value)


def choose_compaction(value: str) -> Compaction:
    """The most compact scheme for ``value`` that reads back unchanged.

    The first of integer, numeric, 5-bit, 6-bit, 7-bit, octet that fits (with the round-trip
    guards of the module docstring), else UTF-8; ``""`` → octet.
    """
    if not value:
        return Compaction.OCTET
    if value.isascii():
        if value.isdigit():
            if len(value) >= 2 and len(value) <= 19 and value[0] != "0":
                return Compaction.INTEGER
            return Compaction.NUMERIC
        raw = value.encode("ascii")
        if not raw.translate(None, _FIVE):
            return Compaction.FIVE_BIT
        if not raw.translate(None, _SIX) and raw[-1] != 0x20:
            return Compaction.SIX_BIT
        if not raw.translate(None, _SEVEN):
            return Compaction.SEVEN_BIT
        return Compaction.UTF8
    if compaction_problem(value, Compaction.OCTET) is None:
        return Compaction.OCTET
    return Compaction.UTF8


def compact(value: str, scheme: Compaction) -> bytes:
    """``value`` compacted with ``scheme`` (1-7; code 0 is element-specific, see isil_compact).

    Raises TagDataError (offset None) when the scheme cannot carry ``value`` so that it expands
    to the same text, e.g. ``compact("01", Compaction.INTEGER)``.
    """
    scheme = Compaction(scheme)
    problem = compaction_problem(value, scheme)
    if problem is not None:
        raise TagDataError(f"{value!r}: {problem}")
    return COMPACTORS[scheme](value)


def expand(data: bytes, scheme: Compaction) -> str:
    """``data`` expanded from ``scheme`` (octets as text or hex, see :func:`octet_text`).

    Raises TagDataError (offset relative to ``data``) for bytes the scheme cannot produce.
    Code 0 is element-specific: use :func:`isil_expand` or decode the whole tag.
    """
    scheme = Compaction(scheme)
    if scheme is Compaction.APPLICATION_DEFINED:
        raise TagDataError("application-defined compaction (code 0) depends on the element", 0)
    return EXPANDERS[scheme](bytes(data))


# --- compactors (value already checked) ---------------------------------------------------------


def _compact_integer(value: str) -> bytes:
    number = int(value)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def _compact_numeric(value: str) -> bytes:
    return bytes.fromhex(value + "f" if len(value) % 2 else value)


def _compact_five(value: str) -> bytes:
    groups = value.encode("ascii").translate(_ENC5)
    groups += _FIVE_END * (-len(groups) % 8)  # zero fill
    return base64.b32decode(groups)[: (5 * len(value) + 7) // 8]


def _compact_six(value: str) -> bytes:
    groups = value.encode("ascii").translate(_ENC6) + _SIX_FILL  # fill = the start of 100000
    groups += b"A" * (-len(groups) % 4)
    return binascii.a2b_base64(groups)[: (6 * len(value) + 7) // 8]


def _compact_seven(value: str) -> bytes:
    return pack(value.encode("ascii"), 7, 0b1111111)


def _compact_octet(value: str) -> bytes:
    return value.encode("latin-1")


def _compact_utf8(value: str) -> bytes:
    return value.encode("utf-8")


#: scheme → compactor, for values already known to fit (see :func:`compaction_problem`)
COMPACTORS: dict[Compaction, Callable[[str], bytes]] = {
    Compaction.INTEGER: _compact_integer,
    Compaction.NUMERIC: _compact_numeric,
    Compaction.FIVE_BIT: _compact_five,
    Compaction.SIX_BIT: _compact_six,
    Compaction.SEVEN_BIT: _compact_seven,
    Compaction.OCTET: _compact_octet,
    Compaction.UTF8: _compact_utf8,
}


# --- expanders ----------------------------------------------------------------------------------


def _expand_integer(data: bytes) -> str:
    return str(int.from_bytes(data, "big")) if data else ""


def _expand_numeric(data: bytes) -> str:
    digits = data.hex()
    if digits.isdigit() or not digits:
        return digits
    if digits[-1] == "f" and digits[:-1].isdigit():
        return digits[:-1]
    bad = next(i for i, nibble in enumerate(digits) if not nibble.isdigit())
    if digits[bad] == "f":
        reason = "numeric value has the end nibble F before its last nibble"
    else:
        reason = f"numeric value has the invalid digit nibble {digits[bad].upper()}"
    raise TagDataError(reason, bad // 2)


def _expand_five(data: bytes) -> str:
    groups = base64.b32encode(data)[: len(data) * 8 // 5]
    end = groups.find(_FIVE_END)
    if end >= 0:
        tail = groups[end:]
        if tail.count(_FIVE_END) != len(tail):
            stray = end + len(tail) - len(tail.lstrip(_FIVE_END))
            raise TagDataError("5-bit value continues after its 00000 end mark", stray * 5 // 8)
        groups = groups[:end]
    return groups.translate(_DEC5).decode("ascii")


def _expand_six(data: bytes) -> str:
    groups = binascii.b2a_base64(data, newline=False)[: len(data) * 8 // 6]
    if len(data) % 3 == 0 and groups.endswith(_SIX_FILL):
        groups = groups[:-1]
    return groups.translate(_DEC6).decode("ascii")


def _expand_seven(data: bytes) -> str:
    groups = unpack(data, 7)
    if groups and groups[-1] == 0x7F and len(data) % 7 == 0:
        groups.pop()
    text = bytes(groups)
    stray = text.find(0x7F)
    if stray >= 0:
        raise TagDataError(
            "7-bit value holds the fill group 1111111 before its end", stray * 7 // 8
        )
    return text.decode("ascii")


def _expand_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TagDataError(f"invalid UTF-8 ({exc.reason})", exc.start) from None


EXPANDERS: dict[Compaction, Callable[[bytes], str]] = {
    Compaction.INTEGER: _expand_integer,
    Compaction.NUMERIC: _expand_numeric,
    Compaction.FIVE_BIT: _expand_five,
    Compaction.SIX_BIT: _expand_six,
    Compaction.SEVEN_BIT: _expand_seven,
    Compaction.OCTET: octet_text,
    Compaction.UTF8: _expand_utf8,
}
