"""Value and consistency checks the DB4401/T 96 tag profiles (Annex D) are built from.

Each check looks at element text as the tag codec hands it over (one-byte codes such as type of
usage as two upper-case hex digits, e.g. ``"10"``) and returns findings: a ``problem`` makes the
tag non-conforming, a ``note`` is worth showing but is not held against it.

OID 22 on a disc-set tag lists the barcodes of the parts. The standard's separator could not be
consulted; we use a comma (``,``), which Code 39 cannot carry and so can never be part of a
barcode. Readers tolerate spaces around the commas; :func:`join_original_barcodes` writes none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from kiosk.errors import ProfileError
from kiosk.gz.barcode import (
    CATEGORY_BY_DIGIT,
    CATEGORY_NAMES,
    DISC_PACKAGE_MARK,
    Category,
    is_disc_package,
)
from kiosk.gz.code39 import DIGITS, describe_char, first_non_code39, is_ascii_digits
from kiosk.gz.libraries import LibraryTable, isil_library_code
from kiosk.gz.oids import TYPE_OF_USAGE_CLASSES

__all__ = [
    "ORIGINAL_BARCODE_SEPARATOR",
    "CheckContext",
    "CrossCheck",
    "Finding",
    "ValueCheck",
    "join_original_barcodes",
    "split_original_barcodes",
    "split_set_information",
]

ORIGINAL_BARCODE_SEPARATOR = ","
CARD_NUMBER_MAX = 20

Severity = Literal["problem", "note"]


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    text: str


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What checks may consult besides the value: the library table and the profile's names."""

    libraries: LibraryTable
    label: Callable[[int], str]


ValueCheck = Callable[[str, CheckContext], list[Finding]]
CrossCheck = Callable[[Mapping[int, str], CheckContext], list[Finding]]


def _problem(text: str) -> list[Finding]:
    return [Finding("problem", text)]


def _library_finding(code: str, ctx: CheckContext) -> list[Finding]:
    """Unknown library code: a problem against a real table, a note against the placeholder."""
    if code in ctx.libraries:
        return []
    return [Finding("note" if ctx.libraries.placeholder else "problem",
                    ctx.libraries.unknown_code_text(code))]


def _pii_shape(value: str) -> list[Finding]:
    """13 digits, with a pointed message for the usual mistake of storing the check character."""
    if len(value) == 14 and is_ascii_digits(value[:13]):
        return _problem(
            f"{value!r} has 14 characters; OID 1 holds the barcode WITHOUT its check character"
            " (13 digits)"
        )
    for index, ch in enumerate(value):
        if ch not in DIGITS:
            return _problem(
                f"{value!r}: position {index + 1} holds {describe_char(ch)}; expected 13 digits"
                " (4-digit library code + 9-digit serial)"
            )
    if len(value) != 13:
        return _problem(
            f"{value!r} has {len(value)} digits; expected 13 (4-digit library code + 9-digit"
            " serial, no check character)"
        )
    return []


def item_identifier(value: str, ctx: CheckContext) -> list[Finding]:
    """OID 1 of an item tag: 13 digits whose serial is an item category (1, 4, 7 or 8).

    Package numbers (``{code}89nnnnnnn``) are kept for disc-set tags, so they are refused here:
    that keeps the profiles apart, and a broken disc-set tag is not mistaken for an item.
    """
    shape = _pii_shape(value)
    if shape:
        return shape
    if is_disc_package(value):
        return _problem(
            f"{value!r} is a disc package number ({value[:4]}89nnnnnnn), which belongs on a"
            " gz-disc tag"
        ) + _library_finding(value[:4], ctx)
    category = CATEGORY_BY_DIGIT[value[4]]
    if category in (Category.PATRON_CARD, Category.RESERVED):
        zh, en = CATEGORY_NAMES[category]
        return _problem(
            f"serial {value[4:]} starts with {value[4]} ({zh} / {en}); an item tag needs category"
            " 1, 4, 7 or 8"
        ) + _library_finding(value[:4], ctx)
    return _library_finding(value[:4], ctx)


def disc_package_number(value: str, ctx: CheckContext) -> list[Finding]:
    """OID 1 of a disc-set tag: ``{code}890000001`` … ``{code}899999999``."""
    shape = _pii_shape(value)
    if shape:
        return shape
    code = value[:4]
    range_text = f"{code}890000001-{code}899999999"
    if value[4:6] != DISC_PACKAGE_MARK:
        return _problem(
            f"{value!r} is not a disc package number: positions 5-6 are {value[4:6]!r}, expected"
            f" '89' (range {range_text})"
        ) + _library_finding(code, ctx)
    if value[6:] == "0" * 7:
        return _problem(f"{value!r} is below the package range {range_text}") + _library_finding(
            code, ctx
        )
    return _library_finding(code, ctx)


def owner_isil(value: str, ctx: CheckContext) -> list[Finding]:
    """OID 3: ``CN-440100-1-`` followed by a member library's 4-digit code."""
    code = isil_library_code(value)
    if code is None:
        return _problem(
            f"{value!r} is not a Guangzhou member-library ISIL; expected CN-440100-1- followed by"
            " the 4-digit library code"
        )
    return _library_finding(code, ctx)


def split_set_information(value: str) -> tuple[int, int] | None:
    """``"1203"`` → ``(12, 3)``: total parts then ordinal part, 1, 2 or 3 digits each."""
    if len(value) not in (2, 4, 6) or not is_ascii_digits(value):
        return None
    half = len(value) // 2
    return int(value[:half]), int(value[half:])


def set_information(min_total: int) -> ValueCheck:
    """OID 4: 2, 4 or 6 digits, total ≥ ``min_total``, 1 ≤ ordinal ≤ total."""

    def check(value: str, ctx: CheckContext) -> list[Finding]:
        parts = split_set_information(value)
        if parts is None:
            return _problem(
                f"{value!r}: expected 2, 4 or 6 digits (number of parts, then ordinal part;"
                " e.g. 1203 = part 3 of 12)"
            )
        total, ordinal = parts
        if total < min_total:
            return _problem(f"{value!r} gives {total} part(s); expected at least {min_total}")
        if not 1 <= ordinal <= total:
            return _problem(f"{value!r}: ordinal part {ordinal} is outside 1-{total}")
        return []

    return check


def type_of_usage(usage_class: str, max_sub: int) -> ValueCheck:
    """OID 5: class ``usage_class`` with sub-qualifier 0 … ``max_sub`` (e.g. ``"10"``-``"15"``)."""
    zh, en = TYPE_OF_USAGE_CLASSES[usage_class]
    allowed = f"{usage_class}0-{usage_class}{max_sub:X}"

    def check(value: str, ctx: CheckContext) -> list[Finding]:
        code = value.upper()
        if len(code) != 2 or any(ch not in "0123456789ABCDEF" for ch in code):
            return _problem(f"{value!r}: expected one byte as two hex digits, {allowed}")
        if code[0] != usage_class:
            got_zh, got_en = TYPE_OF_USAGE_CLASSES[code[0]]
            return _problem(
                f"{code} is class {code[0]} ({got_zh} / {got_en}); expected class {usage_class}"
                f" ({zh} / {en}), {allowed}"
            )
        if int(code[1], 16) > max_sub:
            return _problem(f"{code}: sub-qualifier {code[1]} is not defined; expected {allowed}")
        return []

    return check


def media_type(expected: str) -> ValueCheck:
    """OID 7: one fixed ONIX code (``DA`` for disc sets)."""

    def check(value: str, ctx: CheckContext) -> list[Finding]:
        return [] if value == expected else _problem(f"{value!r}: expected {expected!r}")

    return check


def split_original_barcodes(value: str) -> tuple[str, ...]:
    """OID 22 → the part barcodes (comma-separated; spaces around commas are tolerated)."""
    return tuple(part.strip(" ") for part in value.split(ORIGINAL_BARCODE_SEPARATOR))


def join_original_barcodes(codes: Iterable[str]) -> str:
    """The OID 22 text for the part barcodes; refuses entries that would not read back."""
    parts = list(codes)
    for index, code in enumerate(parts):
        if not code or code != code.strip(" ") or first_non_code39(code) is not None:
            raise ProfileError(
                f"original barcode #{index + 1} {code!r}: expected Code 39 characters without"
                " leading or trailing spaces"
            )
    if not parts:
        raise ProfileError("original barcodes: expected at least one barcode")
    return ORIGINAL_BARCODE_SEPARATOR.join(parts)


def original_barcodes(value: str, ctx: CheckContext) -> list[Finding]:
    """OID 22: part barcodes, each 13 digits (no check) or 13 digits + a check character."""
    findings: list[Finding] = []
    seen: set[str] = set()
    for index, code in enumerate(split_original_barcodes(value), start=1):
        bad = first_non_code39(code)
        if not code:
            findings += _problem(f"entry #{index} is empty (separator is ',')")
        elif bad is not None:
            findings += _problem(
                f"entry #{index} {code!r}: position {bad + 1} holds {describe_char(code[bad])},"
                " which Code 39 cannot carry"
            )
        elif len(code) not in (13, 14) or not is_ascii_digits(code[:13]):
            findings += _problem(
                f"entry #{index} {code!r}: expected a barcode of 13 digits, optionally followed by"
                " its check character"
            )
        elif code[:13] in seen:
            findings += _problem(f"entry #{index} {code!r} is listed twice")
        else:
            seen.add(code[:13])
    return findings


def card_number(value: str, ctx: CheckContext) -> list[Finding]:
    """OID 1 of a reader-card tag: 1-20 Code 39 characters, no leading/trailing space."""
    bad = first_non_code39(value)
    if bad is not None:
        return _problem(
            f"{value!r}: position {bad + 1} holds {describe_char(value[bad])}, which Code 39"
            " cannot carry"
        )
    if not 1 <= len(value) <= CARD_NUMBER_MAX or value != value.strip(" "):
        return _problem(
            f"{value!r}: expected 1-{CARD_NUMBER_MAX} characters without leading or trailing"
            " spaces"
        )
    return []


def free_text(value: str, ctx: CheckContext) -> list[Finding]:
    """Shelf position, collection location, circulation type: local text, any value."""
    return []


# --- consistency across elements -------------------------------------------------------------


def _text(elements: Mapping[int, str], oid: int) -> str | None:
    value = elements.get(oid)
    return value if isinstance(value, str) else None


def pii_library_matches_owner(elements: Mapping[int, str], ctx: CheckContext) -> list[Finding]:
    """The library code at the start of OID 1 must be the one in the owner ISIL (OID 3)."""
    pii, isil = _text(elements, 1), _text(elements, 3)
    if pii is None or isil is None:
        return []
    owner = isil_library_code(isil)
    if owner is None or len(pii) < 4 or not is_ascii_digits(pii[:4]) or pii[:4] == owner:
        return []
    return _problem(
        f"{ctx.label(1)} starts with library code {pii[:4]} but {ctx.label(3)} is {isil}"
        f" (library code {owner})"
    )


def disc_parts_agree(elements: Mapping[int, str], ctx: CheckContext) -> list[Finding]:
    """OID 22 should list one barcode per volume except the case, from the owner library."""
    listed, volumes, isil = _text(elements, 22), _text(elements, 4), _text(elements, 3)
    if listed is None:
        return []
    parts = [code for code in split_original_barcodes(listed) if code]
    findings: list[Finding] = []
    split = split_set_information(volumes) if volumes is not None else None
    if split is not None and len(parts) != split[0] - 1:
        findings.append(Finding(
            "note",
            f"{ctx.label(22)} lists {len(parts)} barcode(s) but {ctx.label(4)} gives {split[0]}"
            f" volumes including the case (expected {split[0] - 1})",
        ))
    owner = isil_library_code(isil) if isil is not None else None
    if owner is not None:
        foreign = [code for code in parts if code[:4] != owner]
        if foreign:
            findings.append(Finding(
                "note",
                f"{ctx.label(22)}: {', '.join(foreign)} not from the owner library {owner}",
            ))
    return findings


def card_library_agrees(elements: Mapping[int, str], ctx: CheckContext) -> list[Finding]:
    """A card number shaped like a patron barcode should carry the owner library's code."""
    number, isil = _text(elements, 1), _text(elements, 3)
    if number is None or isil is None:
        return []
    owner = isil_library_code(isil)
    looks_like_barcode = (
        len(number) in (13, 14) and is_ascii_digits(number[:13]) and number[4] == "0"
    )
    if owner is None or not looks_like_barcode or number[:4] == owner:
        return []
    return [Finding(
        "note",
        f"{ctx.label(1)} {number} looks like a patron barcode of library {number[:4]} but"
        f" {ctx.label(3)} is {isil}",
    )]
