"""Returns bound for other member libraries: per-destination bins, packages, transit lists and
the handover sheet (DB4401/T 96 §10, Annex F).

When central routes a return ``transit:{isil}`` the copy belongs to another member library and
goes into the machine's return bin to be shipped there. :class:`TransitBins` remembers each such
copy under its destination (its owner library). Emptying the bin (:meth:`TransitBins.empty`)
turns the contents into, per destination, a transit list in packages of at most 20 copies, and
one handover sheet for the courier; the bins then start again from zero.

Decisions:
- Package numbers are ``{YYYYMMDD}-{destination code}-{n}``; ``n`` counts from 1 per destination and
  day and carries on across several emptyings on the same day, so two packages never share a
  number. The destination code is the library's 4-digit code: by default the last part of a
  Guangzhou ISIL ``CN-440100-1-{code}``, or whatever ``code_of`` the caller supplies.
- Copies go into packages in the order they were returned (the order staff find them in the bin).
- Children's copies are counted apart on the handover sheet. The copy's own flag (``children``,
  from central's catalogue) decides when given; otherwise a children's ``collection`` name, and
  otherwise the call number: Chinese Library Classification class ``I287`` is Chinese children's
  literature. Libraries that shelve children's books under other marks configure
  :class:`ChildrenRule`.
- The same copy (owner + barcode) returned twice before the bin is emptied is counted once.

Pure: no clock (the day comes in as an argument), no I/O. The state is plain data
(:meth:`TransitBins.to_state` / :meth:`TransitBins.load_state`). A :class:`BinStore` given as
``store`` is told every change BEFORE the bins change in memory, so when it fails (a full disk)
the bins still match what it holds; :class:`kiosk.journal.logistics_store.SqliteBinStore` keeps
them in the journal database across restarts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from kiosk.errors import LogisticsError

__all__ = [
    "PACKAGE_SIZE",
    "BinStore",
    "ChildrenRule",
    "Dispatch",
    "HandoverRow",
    "HandoverSheet",
    "Package",
    "TransitBins",
    "TransitItem",
    "TransitList",
    "dispatch_detail",
    "library_code",
]

PACKAGE_SIZE = 20

_GZ_CODE = re.compile(r"CN-440100-1-([0-9]{4})")
_DISPLAY = ("title", "author", "isbn", "publisher", "price", "call_number")


def library_code(isil: str) -> str:
    """The 4-digit code of a Guangzhou member ISIL, else the last ``-`` part of the ISIL."""
    match = _GZ_CODE.fullmatch(isil)
    return match.group(1) if match else isil.rsplit("-", 1)[-1]


def _text(value: object, name: str, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LogisticsError(f"transit item {name}: {type(value).__name__}, expected text")
    if required and not value.strip():
        raise LogisticsError(f"transit item {name}: empty, expected text")
    return value


@dataclass(frozen=True, slots=True)
class TransitItem:
    """A returned copy bound for its owner library, with the display data for the lists."""

    barcode: str
    owner: str
    title: str = ""
    author: str = ""
    isbn: str = ""
    publisher: str = ""
    price: str = ""
    call_number: str = ""
    children: bool | None = None
    collection: str = ""

    def __post_init__(self) -> None:
        _text(self.barcode, "barcode", required=True)
        _text(self.owner, "owner", required=True)
        for name in (*_DISPLAY, "collection"):
            _text(getattr(self, name), name)
        if self.children is not None and not isinstance(self.children, bool):
            raise LogisticsError(f"transit item children: {self.children!r}, expected true/false")

    @classmethod
    def from_reply(
        cls,
        reply: Mapping[str, object],
        *,
        barcode: str,
        owner: str,
        children: bool | None = None,
        collection: str = "",
    ) -> TransitItem:
        """Build from central's reply map (the display keys it sends; missing ones stay empty)."""
        display = {name: _text(reply.get(name), name) for name in _DISPLAY}
        return cls(barcode, owner, children=children, collection=collection, **display)

    @property
    def key(self) -> tuple[str, str]:
        return (self.owner, self.barcode)


@dataclass(frozen=True, slots=True)
class ChildrenRule:
    """How a copy counts as a children's book when central did not say (see module docstring)."""

    call_number_prefixes: tuple[str, ...] = ("I287",)
    collections: frozenset[str] = frozenset({"children", "少儿", "儿童"})

    def is_children(self, item: TransitItem) -> bool:
        if item.children is not None:
            return item.children
        if item.collection.strip().lower() in self.collections:
            return True
        call = item.call_number.strip().upper()
        return any(call.startswith(prefix.upper()) for prefix in self.call_number_prefixes)


@dataclass(frozen=True, slots=True)
class Package:
    """Up to :data:`PACKAGE_SIZE` copies for one destination, under one package number."""

    number: str
    destination: str
    items: tuple[TransitItem, ...]
    children_flags: tuple[bool, ...]  # per copy, in ``items`` order: counted as a children's book

    @property
    def children(self) -> int:
        return sum(self.children_flags)

    @property
    def ordinary(self) -> int:
        return len(self.items) - self.children


@dataclass(frozen=True, slots=True)
class TransitList:
    """Everything sent to one destination in one emptying (the 物流清单)."""

    sending: str
    sending_name: str
    destination: str
    destination_code: str
    destination_name: str
    day: date
    packages: tuple[Package, ...]

    @property
    def items(self) -> tuple[TransitItem, ...]:
        return tuple(item for package in self.packages for item in package.items)

    @property
    def children(self) -> int:
        return sum(package.children for package in self.packages)

    @property
    def ordinary(self) -> int:
        return sum(package.ordinary for package in self.packages)


@dataclass(frozen=True, slots=True)
class HandoverRow:
    destination: str
    destination_code: str
    destination_name: str
    ordinary: int
    children: int
    packages: int

    @property
    def total(self) -> int:
        return self.ordinary + self.children


@dataclass(frozen=True, slots=True)
class HandoverSheet:
    """The data of the Annex F handover sheet (物流交接单): who sends, when, and how much."""

    sending: str
    sending_name: str
    day: date
    rows: tuple[HandoverRow, ...]

    @property
    def ordinary(self) -> int:
        return sum(row.ordinary for row in self.rows)

    @property
    def children(self) -> int:
        return sum(row.children for row in self.rows)

    @property
    def total(self) -> int:
        return self.ordinary + self.children

    @property
    def packages(self) -> int:
        return sum(row.packages for row in self.rows)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """What one emptying of the bin produced."""

    lists: tuple[TransitList, ...]
    handover: HandoverSheet


PackageCounters = Mapping[tuple[str, str], int]
"""(ISO day, destination ISIL) → the last package number used (what ``to_state`` calls
``packages``)."""


class BinStore(Protocol):
    """Where the bins' contents are kept; each call is one durable change."""

    def put(self, item: TransitItem) -> None:
        """A copy went into the bin (never called for one already in it)."""
        ...

    def take(self, keys: Sequence[tuple[str, str]], numbers: PackageCounters) -> None:
        """The copies ``keys`` (owner, barcode) left the bin; ``numbers`` are the package
        counters from now on (all of them, replacing the stored ones)."""
        ...


@dataclass
class TransitBins:
    """The return bin's contents for other libraries, kept per destination.

    ``names`` maps ISILs to display names for the lists; ``code_of`` gives a library's code for
    package numbers (default :func:`library_code`).
    """

    sending: str
    sending_name: str = ""
    names: Mapping[str, str] = field(default_factory=dict)
    package_size: int = PACKAGE_SIZE
    children_rule: ChildrenRule = field(default_factory=ChildrenRule)
    code_of: Callable[[str], str] = library_code
    store: BinStore | None = field(default=None, repr=False)
    _items: dict[tuple[str, str], TransitItem] = field(default_factory=dict, repr=False)
    _numbers: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.sending, str) or not self.sending.strip():
            raise LogisticsError(f"transit bins sending library: {self.sending!r}, expected ISIL")
        if isinstance(self.package_size, bool) or not isinstance(self.package_size, int):
            raise LogisticsError(f"package size: {self.package_size!r}, expected an integer ≥ 1")
        if self.package_size < 1:
            raise LogisticsError(f"package size: {self.package_size}, expected an integer ≥ 1")

    def add(self, item: TransitItem) -> int:
        """Put a copy in its destination's bin; returns that bin's count.

        A copy of the kiosk's own library does not belong in transit and is refused.
        """
        if not isinstance(item, TransitItem):
            raise LogisticsError(f"transit item: {type(item).__name__}, expected TransitItem")
        if item.owner == self.sending:
            raise LogisticsError(
                f"transit item {item.barcode}: owned by the sending library {self.sending}, "
                "expected another member library"
            )
        if item.key not in self._items:
            if self.store is not None:
                self.store.put(item)
            self._items[item.key] = item
        return self.count(item.owner)

    def remove(self, owner: str, barcode: str) -> bool:
        """Take a copy out again (staff pulled it); False when it was not in the bin."""
        key = (owner, barcode)
        if key not in self._items:
            return False
        if self.store is not None:
            self.store.take([key], dict(self._numbers))
        del self._items[key]
        return True

    def count(self, destination: str) -> int:
        return sum(1 for owner, _ in self._items if owner == destination)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for owner, _ in self._items:
            counts[owner] = counts.get(owner, 0) + 1
        return dict(sorted(counts.items()))

    def items(self, destination: str) -> tuple[TransitItem, ...]:
        return tuple(item for item in self._items.values() if item.owner == destination)

    def empty(self, day: date, destinations: Iterable[str] | None = None) -> Dispatch:
        """Produce the transit lists (per destination) and the handover sheet, and reset the
        emptied destinations' bins."""
        if not isinstance(day, date):
            raise LogisticsError(f"empty day: {day!r}, expected a date")
        chosen = sorted(self.counts()) if destinations is None else sorted(set(destinations))
        numbers = dict(self._numbers)
        lists = tuple(
            self._transit_list(dest, day, numbers) for dest in chosen if self.count(dest)
        )
        taken = [key for key in self._items if key[0] in chosen]
        if self.store is not None and (taken or numbers != self._numbers):
            self.store.take(taken, numbers)
        for key in taken:
            del self._items[key]
        self._numbers = numbers
        rows = tuple(
            HandoverRow(
                destination=tl.destination,
                destination_code=tl.destination_code,
                destination_name=tl.destination_name,
                ordinary=tl.ordinary,
                children=tl.children,
                packages=len(tl.packages),
            )
            for tl in lists
        )
        sheet = HandoverSheet(self.sending, self.sending_name, day, rows)
        return Dispatch(lists, sheet)

    def _transit_list(
        self, destination: str, day: date, numbers: dict[tuple[str, str], int]
    ) -> TransitList:
        code = self.code_of(destination)
        items = self.items(destination)
        packages = []
        for start in range(0, len(items), self.package_size):
            chunk = items[start : start + self.package_size]
            number = _next_number(numbers, day, destination, code)
            flags = tuple(self.children_rule.is_children(item) for item in chunk)
            packages.append(Package(number, destination, chunk, flags))
        return TransitList(
            sending=self.sending,
            sending_name=self.sending_name,
            destination=destination,
            destination_code=code,
            destination_name=self.names.get(destination, ""),
            day=day,
            packages=tuple(packages),
        )

    def note_package(self, destination: str, number: str) -> None:
        """Remember a package number already used (``YYYYMMDD-code-n``), so the next package
        for ``destination`` that day is numbered after it (a rebuild after a restart)."""
        day, _, rest = number.partition("-")
        n = rest.rpartition("-")[2]
        if len(day) != 8 or not day.isdigit() or not n.isdigit():
            raise LogisticsError(f"package number {number!r}: expected YYYYMMDD-code-n")
        key = (f"{day[:4]}-{day[4:6]}-{day[6:]}", destination)
        if self._numbers.get(key, 0) >= int(n):
            return
        numbers = {**self._numbers, key: int(n)}
        if self.store is not None:
            self.store.take([], numbers)
        self._numbers = numbers

    def to_state(self) -> dict[str, object]:
        """The bins' contents and today's package counters as JSON-ready data."""
        return {
            "items": [
                {
                    "barcode": item.barcode,
                    "owner": item.owner,
                    **{name: getattr(item, name) for name in _DISPLAY},
                    "children": item.children,
                    "collection": item.collection,
                }
                for item in self._items.values()
            ],
            "packages": [
                {"day": day, "destination": dest, "last": n}
                for (day, dest), n in sorted(self._numbers.items())
            ],
        }

    def load_state(self, state: Mapping[str, object]) -> None:
        """Replace the contents with ``state`` from :meth:`to_state` (checked field by field).

        The ``store`` is not told: this is how the bins are loaded from it.
        """
        rows = state.get("items", [])
        numbers = state.get("packages", [])
        if not isinstance(rows, list) or not isinstance(numbers, list):
            raise LogisticsError("bin state: expected lists under 'items' and 'packages'")
        items: dict[tuple[str, str], TransitItem] = {}
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise LogisticsError(f"bin state items[{index}]: expected an object")
            try:
                item = TransitItem(**row)
            except TypeError as err:
                raise LogisticsError(f"bin state items[{index}]: {err}") from None
            items.setdefault(item.key, item)
        counters: dict[tuple[str, str], int] = {}
        for index, row in enumerate(numbers):
            if not isinstance(row, Mapping) or not isinstance(row.get("last"), int):
                raise LogisticsError(
                    f"bin state packages[{index}]: expected day, destination, last"
                )
            counters[(str(row.get("day")), str(row.get("destination")))] = int(row["last"])
        self._items, self._numbers = items, counters


def _next_number(
    numbers: dict[tuple[str, str], int], day: date, destination: str, code: str
) -> str:
    """The next package number for ``destination`` on ``day``; counters of other days go."""
    key = (day.isoformat(), destination)
    n = numbers.get(key, 0) + 1
    for old in [k for k in numbers if k[0] != key[0]]:
        del numbers[old]
    numbers[key] = n
    return f"{day:%Y%m%d}-{code}-{n}"


def dispatch_detail(dispatch: Dispatch, destination: str | None) -> dict[str, object]:
    """What an emptying journals (staff action ``empty_bin``): the copies it took out and the
    package numbers it used, so the bins can be rebuilt from the journal exactly."""
    return {
        "destination": destination,
        "items": dispatch.handover.total,
        "taken": [f"{item.owner}/{item.barcode}" for tl in dispatch.lists for item in tl.items],
        "packages": {
            tl.destination: [package.number for package in tl.packages] for tl in dispatch.lists
        },
    }
