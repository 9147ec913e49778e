"""Importing members, kiosks, catalogue, patrons and holds from JSON or CSV.

Column names are the record field names, the same in CSV headers and JSON objects. Required
columns are marked ``*``; every other column may be left out or left empty (default in brackets).

members    isil*, code* (4 digits), name_zh*, name_en, member [true], utc_offset_minutes [480],
           loan_days [30], category_loan_days ("child=60;adult=30"), renew_days [30],
           max_renewals [1], renew_when_overdue [true], hold_shelf_days [7], pin_required [true],
           closed_weekdays ("0;6", 0 = Monday), closed_dates ("2026-10-01;2026-10-02")
kiosks     kiosk*, library* (ISIL of a member), accepts_reserved_to_staff_bin [false]
catalogue  pii*, owner* (ISIL of a known library), title*, author, isbn, publisher,
           price ("45.00"), call_number, circulates [true], discarded [false], ill [false],
           ill_from (ISIL), children [false], collection
patrons    card*, name*, home* (ISIL), category [adult], limit [10], blocked [false],
           block_reason, expires (YYYY-MM-DD, last valid day), pin_hash (scrypt string) or
           pin (plain text, hashed on import; needs ``DomainConfig.pin_salt``)
holds      owner*, pii*, patron*, pickup* (ISIL of a member), state [waiting | on_shelf],
           expires (epoch ms or YYYY-MM-DD; required for on_shelf), placed (epoch ms) [0]

Booleans: true/false, 1/0, yes/no, y/n, 是/否. Lists in CSV cells are separated by ``;`` (JSON may
use arrays, and an object for ``category_loan_days``). A JSON document is an object with any of the
keys ``members``, ``kiosks``, ``catalogue``, ``patrons``, ``holds`` (loaded in that order, so later
sections may refer to earlier ones), each a list of objects.

A bad row stops the whole import and nothing of it is kept (one repository transaction); the
:class:`~central.domain.errors.DataImportError` names the source, the row (CSV: line number, the
header being line 1; JSON: 1-based position in its list) and the column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from central.domain.calendar import end_of_day_ms
from central.domain.errors import DataImportError
from central.domain.model import Hold, HoldState, Item, KioskRegistration, Library, Patron
from central.domain.pins import hash_pin, parse_pin_hash

if TYPE_CHECKING:
    from central.domain.service import CentralDomain

__all__ = ["COLUMNS", "KINDS", "load_csv", "load_json"]

KINDS = ("members", "kiosks", "catalogue", "patrons", "holds")

_ISIL = re.compile(r"[A-Za-z]{1,4}-[A-Za-z0-9:/\-]{1,15}")
_TRUE = {"true", "1", "yes", "y", "是"}
_FALSE = {"false", "0", "no", "n", "否"}


class _CellError(Exception):
    """A cell that cannot be used (turned into a DataImportError with its position)."""

    def __init__(self, problem: str, column: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.column = column


# ------------------------------------------------------------------ cell converters


def _text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    raise _CellError(f"{type(value).__name__} {value!r}, expected text")


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _CellError(f"{value!r}, expected true/false, yes/no or 1/0")


def _int(low: int, high: int) -> Callable[[object], int]:
    def convert(value: object) -> int:
        if isinstance(value, bool):
            raise _CellError(f"{value!r}, expected a whole number {low}..{high}")
        number: int
        if isinstance(value, int):
            number = value
        else:
            raw = _text(value)
            if not re.fullmatch(r"[+-]?[0-9]+", raw):
                raise _CellError(f"{raw!r}, expected a whole number {low}..{high}")
            number = int(raw)
        if not low <= number <= high:
            raise _CellError(f"{number}, expected a whole number {low}..{high}")
        return number

    return convert


def _isil(value: object) -> str:
    raw = _text(value)
    if len(raw) > 16 or not _ISIL.fullmatch(raw):
        raise _CellError(f"{raw!r}, expected an ISIL like CN-440100-1-0001 (≤ 16 characters)")
    return raw


def _code(value: object) -> str:
    raw = _text(value)
    if not re.fullmatch(r"[0-9]{4}", raw):
        raise _CellError(f"{raw!r}, expected a 4-digit library code")
    return raw


def _date(value: object) -> date:
    raw = _text(value)
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise _CellError(f"{raw!r}, expected a date YYYY-MM-DD") from None


def _price(value: object) -> str:
    raw = value if isinstance(value, int) and not isinstance(value, bool) else _text(value)
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise _CellError(f"{raw!r}, expected an amount like 45.00") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise _CellError(f"{raw!r}, expected an amount ≥ 0 with at most 2 decimals")
    return f"{amount:.2f}"


def _list(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    return [part for part in _text(value).split(";") if part.strip()]


def _weekdays(value: object) -> frozenset[int]:
    return frozenset(_int(0, 6)(part) for part in _list(value))


def _dates(value: object) -> frozenset[date]:
    return frozenset(_date(part) for part in _list(value))


def _category_days(value: object) -> dict[str, int]:
    pairs: list[tuple[object, object]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = []
        for part in _list(value):
            name, eq, days = _text(part).partition("=")
            if not eq or not name.strip():
                raise _CellError(f"{part!r}, expected category=days, e.g. child=60;adult=30")
            pairs.append((name.strip(), days))
    return {_text(name): _int(1, 3650)(days) for name, days in pairs}


def _pin_hash(value: object) -> str:
    raw = _text(value)
    try:
        parse_pin_hash(raw)
    except ValueError as err:
        raise _CellError(str(err)) from None
    return raw


def _hold_state(value: object) -> HoldState:
    raw = _text(value)
    if raw not in (HoldState.WAITING, HoldState.ON_SHELF):
        raise _CellError(f"{raw!r}, expected waiting or on_shelf")
    return HoldState(raw)


def _ms_or_date(value: object) -> int | date:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raw = _text(value)
    if raw.isdigit():
        return int(raw)
    try:
        return _date(raw)
    except _CellError:
        raise _CellError(f"{raw!r}, expected epoch milliseconds or a date YYYY-MM-DD") from None


_Spec = dict[str, tuple[bool, Callable[[object], object]]]

COLUMNS: dict[str, _Spec] = {
    "members": {
        "isil": (True, _isil),
        "code": (True, _code),
        "name_zh": (True, _text),
        "name_en": (False, _text),
        "member": (False, _bool),
        "utc_offset_minutes": (False, _int(-720, 840)),
        "loan_days": (False, _int(1, 3650)),
        "category_loan_days": (False, _category_days),
        "renew_days": (False, _int(1, 3650)),
        "max_renewals": (False, _int(0, 99)),
        "renew_when_overdue": (False, _bool),
        "hold_shelf_days": (False, _int(0, 365)),
        "pin_required": (False, _bool),
        "closed_weekdays": (False, _weekdays),
        "closed_dates": (False, _dates),
    },
    "kiosks": {
        "kiosk": (True, _text),
        "library": (True, _isil),
        "accepts_reserved_to_staff_bin": (False, _bool),
    },
    "catalogue": {
        "pii": (True, _text),
        "owner": (True, _isil),
        "title": (True, _text),
        "author": (False, _text),
        "isbn": (False, _text),
        "publisher": (False, _text),
        "price": (False, _price),
        "call_number": (False, _text),
        "circulates": (False, _bool),
        "discarded": (False, _bool),
        "ill": (False, _bool),
        "ill_from": (False, _isil),
        "children": (False, _bool),
        "collection": (False, _text),
    },
    "patrons": {
        "card": (True, _text),
        "name": (True, _text),
        "home": (True, _isil),
        "category": (False, _text),
        "limit": (False, _int(0, 1000)),
        "blocked": (False, _bool),
        "block_reason": (False, _text),
        "expires": (False, _date),
        "pin_hash": (False, _pin_hash),
        "pin": (False, _text),
    },
    "holds": {
        "owner": (True, _isil),
        "pii": (True, _text),
        "patron": (True, _text),
        "pickup": (True, _isil),
        "state": (False, _hold_state),
        "expires": (False, _ms_or_date),
        "placed": (False, _int(0, 2**53)),
    },
}
"""Per kind: column → (required, converter)."""


def _convert(kind: str, raw: Mapping[str, object]) -> dict[str, object]:
    """Check one row's cells; empty optional cells are left out (the record default applies)."""
    spec = COLUMNS[kind]
    values: dict[str, object] = {}
    for column, (required, convert) in spec.items():
        cell = raw.get(column)
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if required:
                raise _CellError("empty, a value is required", column)
            continue
        try:
            values[column] = convert(cell)
        except _CellError as bad:
            raise _CellError(bad.problem, column) from None
    return values


# ------------------------------------------------------------------ building records


class _Loader:
    """Turns checked rows into records, checking references against what is already stored."""

    def __init__(self, domain: CentralDomain) -> None:
        self.domain = domain
        self.repo = domain.repo
        self.seen: dict[str, dict[object, int]] = {kind: {} for kind in KINDS}
        self.holds_changed = False

    def _once(self, kind: str, key: object, row: int, column: str) -> None:
        first = self.seen[kind].setdefault(key, row)
        if first != row:
            raise _CellError(f"duplicate {key!r}, first in row {first}", column)

    def _library(self, isil: str, column: str, *, member: bool = False) -> Library:
        library = self.repo.get_library(isil)
        if library is None:
            raise _CellError(f"library {isil!r} is not among the members loaded", column)
        if member and not library.member:
            raise _CellError(f"library {isil!r} is not a member of the network", column)
        return library

    def members(self, v: dict[str, object], row: int) -> None:
        self._once("members", v["isil"], row, "isil")
        for other in self.repo.libraries():
            if other.code == v["code"] and other.isil != v["isil"]:
                raise _CellError(f"code {v['code']} already belongs to {other.isil}", "code")
        self.repo.put_library(Library(**v))  # type: ignore[arg-type]

    def kiosks(self, v: dict[str, object], row: int) -> None:
        self._once("kiosks", v["kiosk"], row, "kiosk")
        self._library(str(v["library"]), "library", member=True)
        self.repo.put_kiosk(KioskRegistration(**v))  # type: ignore[arg-type]

    def catalogue(self, v: dict[str, object], row: int) -> None:
        self._once("catalogue", (v["owner"], v["pii"]), row, "pii")
        self._library(str(v["owner"]), "owner")
        self.repo.put_item(Item(**v))  # type: ignore[arg-type]

    def patrons(self, v: dict[str, object], row: int) -> None:
        self._once("patrons", v["card"], row, "card")
        self._library(str(v["home"]), "home")
        pin = v.pop("pin", None)
        if pin is not None:
            if "pin_hash" in v:
                raise _CellError("give either pin or pin_hash, not both", "pin")
            salt = self.domain.config.pin_salt
            if salt is None:
                raise _CellError("plain PINs need a salt source (DomainConfig.pin_salt)", "pin")
            v["pin_hash"] = hash_pin(str(pin), salt(), cost=self.domain.config.pin_cost)
        self.domain.add_patron(Patron(**v))  # type: ignore[arg-type]

    def holds(self, v: dict[str, object], row: int) -> None:
        owner, pii, card = str(v["owner"]), str(v["pii"]), str(v["patron"])
        self._once("holds", (owner, pii, card), row, "patron")
        if self.repo.get_item((owner, pii)) is None:
            raise _CellError(f"item {owner}/{pii} is not in the catalogue", "pii")
        if self.repo.get_patron(card) is None:
            raise _CellError(f"patron {card!r} is not among the patrons loaded", "patron")
        pickup = self._library(str(v["pickup"]), "pickup", member=True)
        state = v.get("state", HoldState.WAITING)
        active = [h for h in self.repo.holds_on((owner, pii)) if h.state.active]
        if any(h.patron == card for h in active):
            raise _CellError(f"patron {card!r} already holds {owner}/{pii}", "patron")
        expires = v.get("expires")
        if isinstance(expires, date):
            expires = end_of_day_ms(expires, pickup.utc_offset_minutes)
        if state is HoldState.ON_SHELF:
            if expires is None:
                raise _CellError("required when state is on_shelf", "expires")
            if any(h.state is HoldState.ON_SHELF for h in active):
                raise _CellError(f"{owner}/{pii} is already on the hold shelf", "state")
            item = self.repo.get_item((owner, pii))
            if item is not None:
                self.repo.put_item(replace(item, whereabouts=f"hold:{pickup.isil}"))
        hold = Hold(
            hold_id=self.repo.next_id("hold"),
            owner=owner,
            pii=pii,
            patron=card,
            pickup=pickup.isil,
            placed_ms=int(v.get("placed", 0)),  # type: ignore[call-overload]
            state=HoldState(state),  # type: ignore[arg-type]
            expires_ms=expires,  # type: ignore[arg-type]
        )
        self.repo.put_hold(hold)
        self.holds_changed = True

    def load(self, kind: str, rows: Iterator[tuple[int, Mapping[str, object]]], where: str) -> int:
        build = getattr(self, kind)
        count = 0
        for row, raw in rows:
            try:
                build(_convert(kind, raw), row)
            except _CellError as bad:
                raise DataImportError(where, row, bad.column, bad.problem) from None
            count += 1
        return count


def _check_header(kind: str, columns: list[str], source: str) -> None:
    spec = COLUMNS[kind]
    for column in columns:
        if column not in spec:
            raise DataImportError(
                source, 1, column, f"unknown column, expected some of {', '.join(spec)}"
            )
    for column, (required, _) in spec.items():
        if required and column not in columns:
            raise DataImportError(source, 1, column, "required column missing from the header")


def load_csv(domain: CentralDomain, kind: str, text: str, source: str | None = None) -> int:
    """Import one CSV file of ``kind`` (see the module docstring); returns the row count."""
    where = source or f"{kind}.csv"
    if kind not in COLUMNS:
        raise DataImportError(
            where, None, None, f"kind {kind!r}, expected one of {', '.join(KINDS)}"
        )
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise DataImportError(where, 1, None, "empty file, expected a header row") from None
    except csv.Error as err:
        raise DataImportError(where, 1, None, f"not valid CSV ({err})") from None
    _check_header(kind, header, where)

    def rows() -> Iterator[tuple[int, Mapping[str, object]]]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                raise DataImportError(
                    where, reader.line_num, None, f"not valid CSV ({err})"
                ) from None
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise DataImportError(
                    where,
                    reader.line_num,
                    None,
                    f"{len(cells)} cells, the header has {len(header)}",
                )
            yield reader.line_num, dict(zip(header, cells, strict=False))

    loader = _Loader(domain)
    with domain.repo.atomic():
        count = loader.load(kind, rows(), where)
        if loader.holds_changed:
            domain.bump_holds_version()
    return count


def load_json(
    domain: CentralDomain, document: str | bytes | Mapping[str, object], source: str = "document"
) -> dict[str, int]:
    """Import a JSON document (text, bytes or an already parsed object); counts per section."""
    if isinstance(document, str | bytes):
        try:
            parsed: object = json.loads(document)
        except (ValueError, UnicodeDecodeError) as err:
            raise DataImportError(source, None, None, f"not valid JSON ({err})") from None
    else:
        parsed = document
    if not isinstance(parsed, Mapping):
        raise DataImportError(source, None, None, "expected a JSON object with lists per kind")
    unknown = [key for key in parsed if key not in KINDS]
    if unknown:
        raise DataImportError(
            source, None, None, f"unknown section {unknown[0]!r}, expected {', '.join(KINDS)}"
        )
    counts: dict[str, int] = {}
    loader = _Loader(domain)
    with domain.repo.atomic():
        for kind in KINDS:
            section = parsed.get(kind)
            if section is None:
                continue
            where = f"{source} {kind}"
            if not isinstance(section, list):
                raise DataImportError(where, None, None, "expected a list of objects")
            counts[kind] = loader.load(kind, _json_rows(section, kind, where), where)
        if loader.holds_changed:
            domain.bump_holds_version()
    return counts


def _json_rows(
    section: list[object], kind: str, where: str
) -> Iterator[tuple[int, Mapping[str, object]]]:
    for index, entry in enumerate(section, start=1):
        if not isinstance(entry, Mapping):
            raise DataImportError(where, index, None, f"{type(entry).__name__}, expected an object")
        for key in entry:
            if key not in COLUMNS[kind]:
                raise DataImportError(
                    where,
                    index,
                    str(key),
                    f"unknown field, expected some of {', '.join(COLUMNS[kind])}",
                )
        yield index, entry
