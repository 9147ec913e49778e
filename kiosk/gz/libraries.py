"""Member libraries of the Guangzhou network (DB4401/T 96 Table C.1) and their ISILs.

Every barcode starts with a 4-digit library code from Table C.1, and every tag names its owner as
the ISIL ``CN-440100-1-{library code}`` (440100 is Guangzhou's administrative-division code).

The normative Table C.1 could not be consulted. The built-in table (``libraries.json``, loaded once
at import) lists Guangzhou Library and the eleven district libraries under codes 0001–0012 that
WE ASSIGNED: it is PLACEHOLDER numbering, flagged ``placeholder=True``, so that checks report an
unknown code as a note rather than a failure. A library supplies the real table through
configuration with :meth:`LibraryTable.from_mapping`; such a table is authoritative and an
unlisted code then makes a barcode or tag non-conforming.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

from kiosk.errors import BarcodeError, ConfigError
from kiosk.gz.code39 import is_ascii_digits

__all__ = [
    "DEFAULT_LIBRARIES",
    "GZ_ISIL_PREFIX",
    "Library",
    "LibraryTable",
    "isil_library_code",
    "library_isil",
    "load_default_libraries",
]

GZ_ISIL_PREFIX = "CN-440100-1-"
_ISIL = re.compile(r"CN-440100-1-([0-9]{4})")


def library_isil(code: str) -> str:
    """The owner ISIL a tag carries for library ``code`` (4 digits)."""
    if not (isinstance(code, str) and len(code) == 4 and is_ascii_digits(code)):
        raise BarcodeError(f"library code {code!r}: expected 4 digits 0-9")
    return GZ_ISIL_PREFIX + code


def isil_library_code(isil: object) -> str | None:
    """The 4-digit library code inside a Guangzhou member ISIL, or ``None`` for any other text."""
    if not isinstance(isil, str):
        return None
    match = _ISIL.fullmatch(isil)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class Library:
    """One member library: its Table C.1 code and its names."""

    code: str
    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        """Both names, as the CLI and receipts print them: ``广州图书馆 / Guangzhou Library``."""
        if self.name_zh and self.name_en:
            return f"{self.name_zh} / {self.name_en}"
        return self.name_zh or self.name_en

    @property
    def isil(self) -> str:
        return GZ_ISIL_PREFIX + self.code


@dataclass(frozen=True, slots=True)
class LibraryTable(Mapping[str, Library]):
    """Table C.1 as a read-only mapping ``code → Library``.

    ``placeholder`` marks a table whose numbering is not authoritative (the built-in one): an
    unknown code is then only noted, never held against a barcode or tag.
    """

    libraries: tuple[Library, ...]
    placeholder: bool = False
    _by_code: Mapping[str, Library] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_code: dict[str, Library] = {}
        for library in self.libraries:
            if not (len(library.code) == 4 and is_ascii_digits(library.code)):
                raise ConfigError(f"library table: code {library.code!r} is not 4 digits 0-9")
            if library.code in by_code:
                raise ConfigError(f"library table: code {library.code} is listed twice")
            by_code[library.code] = library
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))

    @classmethod
    def from_mapping(
        cls, table: Mapping[str, object], *, placeholder: bool = False
    ) -> LibraryTable:
        """Build from configuration: ``{"0001": {"zh": "…", "en": "…"}}`` or ``{"0001": "…"}``.

        A plain string is taken as the Chinese name. Bad entries raise :class:`ConfigError`
        naming the code and what was expected.
        """
        if not isinstance(table, Mapping):
            raise ConfigError(
                f"library table: expected a mapping of codes, got {type(table).__name__}"
            )
        libraries = []
        for code, entry in table.items():
            if not isinstance(code, str):
                raise ConfigError(f"library table: code {code!r} is not text")
            if isinstance(entry, str):
                zh, en = entry, ""
            elif isinstance(entry, Mapping):
                zh, en = entry.get("zh", ""), entry.get("en", "")
                unknown = sorted(str(key) for key in entry if key not in ("zh", "en"))
                if unknown:
                    raise ConfigError(
                        f"library table: code {code}: unknown key(s) {', '.join(unknown)};"
                        " expected zh and/or en"
                    )
            else:
                raise ConfigError(
                    f"library table: code {code}: expected a name or {{zh, en}}, got"
                    f" {type(entry).__name__}"
                )
            if not (isinstance(zh, str) and isinstance(en, str)) or not (zh or en):
                raise ConfigError(f"library table: code {code}: expected a non-empty zh or en name")
            libraries.append(Library(code, zh, en))
        return cls(tuple(sorted(libraries, key=lambda lib: lib.code)), placeholder)

    def __getitem__(self, code: str) -> Library:
        return self._by_code[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def unknown_code_text(self, code: str) -> str:
        """Why ``code`` is not found, worded for whether this table is authoritative."""
        text = f"library code {code} is not in the library table (Table C.1)"
        if self.placeholder:
            text += "; the built-in table is PLACEHOLDER numbering, configure the real one"
        return text


def load_default_libraries() -> LibraryTable:
    """Read the packaged placeholder table (``kiosk/gz/libraries.json``)."""
    text = resources.files("kiosk.gz").joinpath("libraries.json").read_text(encoding="utf-8")
    document = json.loads(text)
    return LibraryTable.from_mapping(
        document["libraries"], placeholder=bool(document.get("placeholder", True))
    )


DEFAULT_LIBRARIES: LibraryTable = load_default_libraries()
