"""Value rules of individual elements, shared by the encoder (refuse) and decoder (error/problem).

* OID 3/11 ISIL (ISO 15511): at most 16 characters from ``A-Z a-z 0-9 - / :``; a prefix (two
  upper-case letters = country code, or 1, 3 or 4 letters/digits), ``-``, a non-empty identifier.
  Checked only for ISIL-compacted values: some vendors write a local code such as ``SM361001``
  in OID 3 as an octet string, and decoders must accept it (reference §5, §7.2).
* OID 4 set information: 2, 4 or 6 digits, first half the number of parts, second half the part
  number, 1 ≤ part ≤ parts (``1203`` = part 3 of 12).
* OID 5/19/20 one-byte codes: two hex digits.
* OID 7 ONIX media format: an ONIX code list 7 code, two upper-case letters or ``00`` (undefined).
* OID 13 GS1 product identifier: GTIN-13 with a valid check digit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ._elements import element
from ._isil import ISIL_CHARACTERS
from ._types import Compaction

__all__ = ["RULES", "isil_problem", "label", "validate_value", "value_problem"]

_HEX = frozenset("0123456789ABCDEFabcdef")
_ISIL = frozenset({3, 11})
_ISIL_SHAPE = re.compile(r"(?:[A-Z]{2}|[A-Za-z0-9]|[A-Za-z0-9]{3,4})-[A-Za-z0-9/:-]+")


def isil_problem(value: str) -> str | None:
    """Why ``value`` is not an ISIL by ISO 15511 syntax, or None."""
    if len(value) <= 16 and _ISIL_SHAPE.fullmatch(value):
        return None
    if len(value) > 16:
        return f"ISIL {value!r} is {len(value)} characters, at most 16 allowed"
    bad = [c for c in value if c not in ISIL_CHARACTERS]
    if bad:
        return f"ISIL {value!r} has {bad[0]!r}; only A-Z a-z 0-9 - / : are allowed"
    prefix, dash, unit = value.partition("-")
    if not dash or not unit:
        return f"ISIL {value!r} needs a prefix, '-' and an identifier (e.g. CN-440100-1-0001)"
    if len(prefix) == 2:
        if not (prefix.isalpha() and prefix.isupper()):
            return f"ISIL {value!r}: a two-letter prefix is an upper-case country code"
    elif len(prefix) not in (1, 3, 4) or not prefix.isalnum():
        return f"ISIL {value!r}: the prefix must be a country code or 1, 3 or 4 letters/digits"
    return None


def _set_information(value: str) -> str | None:
    if not (value.isascii() and value.isdigit() and len(value) in (2, 4, 6)):
        return f"{value!r} is not 2, 4 or 6 digits (parts in the set, then part number)"
    half = len(value) // 2
    total, part = int(value[:half]), int(value[half:])
    if not 1 <= part <= total:
        return f"{value!r} says part {part} of {total}; need 1 <= part <= number of parts"
    return None


def _onix(value: str) -> str | None:
    if value == "00" or (len(value) == 2 and value.isascii() and value.isalpha()
                         and value.isupper()):
        return None
    return f"{value!r} is not an ONIX code list 7 code (two upper-case letters, or 00)"


def _gtin13(value: str) -> str | None:
    if not (len(value) == 13 and value.isascii() and value.isdigit()):
        return f"{value!r} is not a GTIN-13 (13 digits)"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(value[:12]))
    check = -total % 10
    if int(value[12]) != check:
        return f"GTIN-13 {value!r} has check digit {value[12]}, expected {check}"
    return None


def _one_byte(value: str) -> str | None:
    if len(value) == 2 and value[0] in _HEX and value[1] in _HEX:
        return None
    return f"{value!r} is not one byte written as two hex digits (e.g. '10')"


#: OID → rule for the elements other than the ISIL ones (whose rule depends on the compaction)
RULES: dict[int, Callable[[str], str | None]] = {
    4: _set_information,
    5: _one_byte,
    7: _onix,
    13: _gtin13,
    19: _one_byte,
    20: _one_byte,
}


def value_problem(oid: int, value: str, compaction: Compaction | None) -> str | None:
    """The rule check alone (no empty/reserved checks), without the OID label; None if fine."""
    if oid in _ISIL:
        if compaction is None or compaction is Compaction.APPLICATION_DEFINED:
            return isil_problem(value)
        return None
    rule = RULES.get(oid)
    return None if rule is None else rule(value)


def label(oid: int) -> str:
    """``OID 13 (GS1 product identifier)``: how messages name an element."""
    return f"OID {oid} ({element(oid).name})" if 1 <= oid <= 31 else f"OID {oid}"


def validate_value(oid: int, value: str, compaction: Compaction | None = None) -> str | None:
    """The problem with ``value`` for element ``oid`` (text naming the OID), or None if fine.

    ``compaction`` matters for OIDs 3 and 11 only: ISIL syntax is required when the value is (or
    will be) ISIL-compacted — ``None`` or ``APPLICATION_DEFINED`` — and not for a local code
    written with an ordinary scheme. Empty values are refused (leave the element out instead).
    """
    info = element(oid)
    if info.reserved:
        return f"{label(oid)} is reserved, not a defined element"
    if oid == 2:
        return f"{label(oid)} is computed by the encoder, not given"
    if not value:
        return f"{label(oid)}: empty value (leave the element out instead)"
    problem = value_problem(oid, value, compaction)
    return None if problem is None else f"{label(oid)}: {problem}"
