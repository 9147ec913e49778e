"""DB4401/T 96 Annex C library barcodes: parse, make, and convert to/from the tag's OID 1.

A barcode is 14 Code 39 characters::

    LLLL  SSSSSSSSS  C
    │     │          └ check character (scheme: see kiosk.gz.checkdigit; default Luhn, assumed)
    │     └ 9-digit serial; its first digit is the category (0 patron card, 1 Chinese material,
    │       4 periodicals, 7 foreign originals, 8 non-book media; 2 3 5 6 9 reserved)
    └ 4-digit library code from Table C.1 (see kiosk.gz.libraries)

The tag's OID 1 (primary item identifier) is the barcode without its check character (13 digits).
Disc-set packages are numbered ``LLLL89nnnnnnn`` with ``nnnnnnn`` not all zeros.

Where the line is drawn: :func:`parse_barcode` raises :class:`BarcodeError` only when the text
cannot be a barcode at all (wrong length, a character Code 39 cannot carry, a non-digit in the
library code or serial), naming the position. A wrong check character, a reserved category or a
library code missing from an authoritative table give ``valid=False`` with the reasons in
``problems``; an unknown code against the placeholder table is only a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from kiosk.errors import BarcodeError
from kiosk.gz.checkdigit import DEFAULT_CHECK, CheckDigitScheme, resolve_scheme
from kiosk.gz.code39 import DIGITS, describe_char, first_non_code39, is_ascii_digits
from kiosk.gz.libraries import DEFAULT_LIBRARIES, GZ_ISIL_PREFIX, Library, LibraryTable

__all__ = [
    "CATEGORY_BY_DIGIT",
    "CATEGORY_NAMES",
    "DISC_PACKAGE_MARK",
    "PII_LENGTH",
    "Barcode",
    "Category",
    "barcode_to_pii",
    "is_disc_package",
    "make_barcode",
    "parse_barcode",
    "pii_to_barcode",
]

LIBRARY_CODE_LENGTH: Final = 4
SERIAL_LENGTH: Final = 9
PII_LENGTH: Final = LIBRARY_CODE_LENGTH + SERIAL_LENGTH
DISC_PACKAGE_MARK: Final = "89"


class Category(StrEnum):
    """What a barcode labels, from the first digit of its serial (Annex C)."""

    PATRON_CARD = "patron_card"
    CHINESE = "chinese"
    PERIODICAL = "periodical"
    FOREIGN = "foreign"
    NON_BOOK = "non_book"
    RESERVED = "reserved"


CATEGORY_BY_DIGIT: Final = MappingProxyType(
    {
        "0": Category.PATRON_CARD,
        "1": Category.CHINESE,
        "2": Category.RESERVED,
        "3": Category.RESERVED,
        "4": Category.PERIODICAL,
        "5": Category.RESERVED,
        "6": Category.RESERVED,
        "7": Category.FOREIGN,
        "8": Category.NON_BOOK,
        "9": Category.RESERVED,
    }
)

CATEGORY_NAMES: Final = MappingProxyType(
    {
        Category.PATRON_CARD: ("读者证", "patron card"),
        Category.CHINESE: ("中文文献", "Chinese-language material"),
        Category.PERIODICAL: ("期刊", "periodical"),
        Category.FOREIGN: ("外文原版文献", "foreign-language original"),
        Category.NON_BOOK: ("非书资料", "non-book media"),
        Category.RESERVED: ("预留", "reserved"),
    }
)


@dataclass(frozen=True, slots=True)
class Barcode:
    """One parsed barcode and the verdict on it.

    ``check_digit`` is ``""`` under a scheme without a check character; ``check_ok`` is ``None``
    when the scheme cannot verify. ``valid`` means no ``problems``; ``notes`` never invalidate.
    """

    code: str
    library_code: str
    serial: str
    check_digit: str
    category: Category
    library: Library | None
    scheme: str
    check_ok: bool | None
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def pii(self) -> str:
        """What the tag stores as OID 1: library code + serial, no check character."""
        return self.library_code + self.serial

    @property
    def isil(self) -> str:
        return GZ_ISIL_PREFIX + self.library_code

    @property
    def library_name(self) -> str | None:
        """``"广州图书馆 / Guangzhou Library"``, or ``None`` for a code not in the table."""
        return self.library.name if self.library is not None else None

    @property
    def is_disc_package(self) -> bool:
        return is_disc_package(self.pii)

    def as_dict(self) -> dict[str, object]:
        """The JSON document ``kiosk barcode check CODE --json`` prints."""
        return {
            "valid": self.valid,
            "library_code": self.library_code,
            "library": self.library_name,
            "serial": self.serial,
            "category": self.category.value,
            "check_digit": self.check_digit or None,
            "isil": self.isil,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


def _expected_shape(scheme: CheckDigitScheme) -> str:
    shape = f"{PII_LENGTH + scheme.width} characters (4-digit library code + 9-digit serial"
    return shape + (f" + check character, scheme {scheme.name})" if scheme.width else ")")


def _expected_check(scheme: CheckDigitScheme, payload: str) -> str | None:
    """The check character the scheme wants, or ``None`` if it cannot (or need not) say."""
    return scheme.compute(payload) if scheme.compute is not None and scheme.width else None


def _require_shape(code: object, scheme: CheckDigitScheme) -> str:
    """Return ``code`` if it has the shape of a barcode, else raise naming the position."""
    if not isinstance(code, str):
        raise BarcodeError(f"barcode: expected text, got {type(code).__name__}")
    if not code:
        raise BarcodeError(f"barcode is empty; expected {_expected_shape(scheme)}")
    bad = first_non_code39(code)
    if bad is not None:
        raise BarcodeError(
            f"barcode {code!r}: position {bad + 1} holds {describe_char(code[bad])}, which Code 39"
            " cannot carry (allowed: 0-9 A-Z space - . $ / + %)"
        )
    if len(code) != PII_LENGTH + scheme.width:
        raise BarcodeError(
            f"barcode {code!r} has {len(code)} characters; expected {_expected_shape(scheme)}"
        )
    for index, ch in enumerate(code[:PII_LENGTH]):
        if ch not in DIGITS:
            part = "library code" if index < LIBRARY_CODE_LENGTH else "serial"
            raise BarcodeError(
                f"barcode {code!r}: position {index + 1} holds {describe_char(ch)}; positions 1-4"
                f" (library code) and 5-13 (serial) must be digits, here the {part}"
            )
    return code


def parse_barcode(
    code: str,
    *,
    libraries: LibraryTable = DEFAULT_LIBRARIES,
    check: str | CheckDigitScheme = DEFAULT_CHECK,
) -> Barcode:
    """Split and judge a scanned barcode (see the module docstring for what raises)."""
    scheme = resolve_scheme(check)
    _require_shape(code, scheme)
    library_code, serial = code[:LIBRARY_CODE_LENGTH], code[LIBRARY_CODE_LENGTH:PII_LENGTH]
    check_digit = code[PII_LENGTH:]
    category = CATEGORY_BY_DIGIT[serial[0]]
    library = libraries.get(library_code)
    problems: list[str] = []
    notes: list[str] = []
    expected = _expected_check(scheme, code[:PII_LENGTH])
    check_ok = None if expected is None else expected == check_digit
    if check_ok is False:
        problems.append(
            f"check character is {check_digit!r} but the {scheme.name} scheme gives {expected!r}"
        )
    if category is Category.RESERVED:
        problems.append(f"serial starts with {serial[0]}, a category Annex C reserves")
    if library is None:
        (notes if libraries.placeholder else problems).append(
            libraries.unknown_code_text(library_code)
        )
    return Barcode(
        code=code,
        library_code=library_code,
        serial=serial,
        check_digit=check_digit,
        category=category,
        library=library,
        scheme=scheme.name,
        check_ok=check_ok,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def make_barcode(
    library_code: str, serial: str, *, check: str | CheckDigitScheme = DEFAULT_CHECK
) -> str:
    """The printable barcode for a library code and serial (shape is checked, category is not)."""
    scheme = resolve_scheme(check)
    if not (isinstance(library_code, str) and len(library_code) == LIBRARY_CODE_LENGTH
            and is_ascii_digits(library_code)):
        raise BarcodeError(f"library code {library_code!r}: expected 4 digits 0-9")
    if not (isinstance(serial, str) and len(serial) == SERIAL_LENGTH and is_ascii_digits(serial)):
        raise BarcodeError(f"serial {serial!r}: expected 9 digits 0-9")
    payload = library_code + serial
    if scheme.width == 0:
        return payload
    if scheme.compute is None:
        raise BarcodeError(
            f"check-digit scheme {scheme.name!r} cannot compute a check character; configure one"
            " that can (e.g. luhn)"
        )
    return payload + scheme.compute(payload)


def barcode_to_pii(code: str, *, check: str | CheckDigitScheme = DEFAULT_CHECK) -> str:
    """OID 1 for a barcode: the barcode without its check character (which must be right)."""
    scheme = resolve_scheme(check)
    _require_shape(code, scheme)
    payload = code[:PII_LENGTH]
    expected = _expected_check(scheme, payload)
    if expected is not None and expected != code[PII_LENGTH:]:
        raise BarcodeError(
            f"barcode {code!r}: check character is {code[PII_LENGTH:]!r} but the {scheme.name}"
            f" scheme gives {expected!r}"
        )
    return payload


def pii_to_barcode(pii: str, *, check: str | CheckDigitScheme = DEFAULT_CHECK) -> str:
    """The printable barcode for a tag's OID 1 (13 digits)."""
    if not (isinstance(pii, str) and len(pii) == PII_LENGTH and is_ascii_digits(pii)):
        raise BarcodeError(
            f"primary item identifier {pii!r}: expected 13 digits (4-digit library code +"
            " 9-digit serial, no check character)"
        )
    return make_barcode(pii[:LIBRARY_CODE_LENGTH], pii[LIBRARY_CODE_LENGTH:], check=check)


def is_disc_package(pii: str) -> bool:
    """True for a disc-set package number ``LLLL89nnnnnnn`` (13 digits, ``nnnnnnn`` not 0000000).

    Takes the tag's OID 1 (no check character); pass ``barcode_to_pii(code)`` for a barcode.
    """
    return (
        isinstance(pii, str)
        and len(pii) == PII_LENGTH
        and is_ascii_digits(pii)
        and pii[4:6] == DISC_PACKAGE_MARK
        and pii[6:] != "0" * 7
    )
