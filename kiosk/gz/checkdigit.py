"""Check characters for DB4401/T 96 library barcodes (Annex C), as pluggable schemes.

Annex C ends each 14-character barcode with a check character "according to WH/T 74". The WH/T 74
text could not be consulted, so the scheme is configuration, not a constant:

``luhn`` (default)
    Right-anchored mod 10, the rule North-American 14-digit library barcodes use: starting with the
    rightmost payload digit, double every second digit (subtract 9 when the result exceeds 9), add
    everything, check = (10 − sum mod 10) mod 10. ``3023400051786`` → ``1``. Because it is
    anchored on the right it is the same routine for a 4 + 9 digit payload. This is OUR ASSUMPTION
    for DB4401, not a quotation of WH/T 74.
``gs1``
    Mod 10 with weights 3, 1, 3, … from the right (EAN/GTIN): ``400638133393`` → ``1``.
``mod11``
    ISO/IEC 7064 MOD 11-2 (pure system, radix 2, as used by ISNI/ORCID); the check is ``0``–``9`` or
    ``X`` (which Code 39 can print): ``000000021825009`` → ``7``, ``000000021694233`` → ``X``.
``unchecked``
    The barcode still ends in a check character (14 characters) but it is not verified and cannot
    be generated — for a library whose scheme is unknown.
``none``
    The barcode carries no check character at all: 13 characters, equal to the tag's OID 1.

A scheme is a value (:class:`CheckDigitScheme`); callers pass a name from
:data:`CHECK_DIGIT_SCHEMES` or their own scheme object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kiosk.errors import BarcodeError, ConfigError
from kiosk.gz.code39 import DIGITS, describe_char

__all__ = [
    "CHECK_DIGIT_SCHEMES",
    "DEFAULT_CHECK",
    "CheckDigitScheme",
    "gs1_check_digit",
    "luhn_check_digit",
    "mod11_check_digit",
    "resolve_scheme",
]

DEFAULT_CHECK = "luhn"


def _digits(payload: str) -> list[int]:
    """The payload as integers; every scheme here works on ASCII digits only."""
    if not payload:
        raise BarcodeError("check digit: empty payload; expected digits 0-9")
    for index, ch in enumerate(payload):
        if ch not in DIGITS:
            raise BarcodeError(
                f"check digit: payload {payload!r} position {index + 1} holds {describe_char(ch)};"
                " expected digits 0-9"
            )
    return [ord(ch) - 48 for ch in payload]


def luhn_check_digit(payload: str) -> str:
    """Right-anchored Luhn (mod 10, doubling from the rightmost payload digit)."""
    total = 0
    for index, digit in enumerate(reversed(_digits(payload))):
        doubled = digit * 2 if index % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return str((10 - total % 10) % 10)


def gs1_check_digit(payload: str) -> str:
    """GS1 mod 10: weights 3, 1, 3, … from the rightmost payload digit."""
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(_digits(payload))))
    return str((10 - total % 10) % 10)


def mod11_check_digit(payload: str) -> str:
    """ISO/IEC 7064 MOD 11-2; 10 is written ``X``."""
    remainder = 0
    for digit in _digits(payload):
        remainder = (remainder + digit) * 2 % 11
    check = (12 - remainder) % 11
    return "X" if check == 10 else str(check)


@dataclass(frozen=True, slots=True)
class CheckDigitScheme:
    """How the last character of a barcode is derived from the 13 before it.

    ``width`` is how many characters the check occupies at the end of a barcode (0 or 1);
    ``compute`` is ``None`` when the character is carried but cannot be computed or verified.
    """

    name: str
    description: str
    width: int
    compute: Callable[[str], str] | None

    def verify(self, payload: str, check: str) -> bool | None:
        """True/False when the scheme can tell, ``None`` when it cannot (``unchecked``/``none``)."""
        if self.compute is None or self.width == 0:
            return None
        return self.compute(payload) == check


CHECK_DIGIT_SCHEMES: Mapping[str, CheckDigitScheme] = MappingProxyType(
    {
        scheme.name: scheme
        for scheme in (
            CheckDigitScheme("luhn", "right-anchored mod 10 (Luhn); assumed default", 1,
                             luhn_check_digit),
            CheckDigitScheme("gs1", "mod 10, weights 3-1 from the right (EAN/GTIN)", 1,
                             gs1_check_digit),
            CheckDigitScheme("mod11", "ISO/IEC 7064 MOD 11-2 (0-9 or X)", 1, mod11_check_digit),
            CheckDigitScheme("unchecked", "check character carried, not verified", 1, None),
            CheckDigitScheme("none", "no check character (13-character barcodes)", 0, None),
        )
    }
)


def resolve_scheme(check: str | CheckDigitScheme) -> CheckDigitScheme:
    """A scheme from its configured name (or the scheme itself); unknown names are config errors."""
    if isinstance(check, CheckDigitScheme):
        return check
    scheme = CHECK_DIGIT_SCHEMES.get(check) if isinstance(check, str) else None
    if scheme is None:
        known = ", ".join(CHECK_DIGIT_SCHEMES)
        raise ConfigError(f"unknown check-digit scheme {check!r}; expected one of: {known}")
    return scheme
