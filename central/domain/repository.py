"""Where the central domain keeps its records: a small interface and an in-memory implementation.

The domain talks only to :class:`Repository`. Every method reads or writes whole frozen records
keyed the way a SQLite table would be, so a SQLite implementation is one more class with the same
methods. :meth:`Repository.atomic` brackets everything one operation changes (a loan, a hold, the
stored reply, the kiosk's progress): all of it happens, or none of it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from central.domain.model import (
    AuditEntry,
    ExceptionEntry,
    GapRecord,
    Hold,
    Item,
    ItemKey,
    KioskProgress,
    KioskRegistration,
    Library,
    Loan,
    Patron,
    PendingTx,
    ProcessedTx,
)

__all__ = ["InMemoryRepository", "Repository"]


class Repository(Protocol):
    """Record storage for :class:`~central.domain.service.CentralDomain`."""

    def atomic(self) -> AbstractContextManager[None]: ...

    # libraries and kiosks
    def get_library(self, isil: str) -> Library | None: ...
    def put_library(self, library: Library) -> None: ...
    def libraries(self) -> list[Library]: ...
    def get_kiosk(self, kiosk: str) -> KioskRegistration | None: ...
    def put_kiosk(self, registration: KioskRegistration) -> None: ...
    def kiosks(self) -> list[KioskRegistration]: ...

    # catalogue and patrons
    def get_item(self, key: ItemKey) -> Item | None: ...
    def items_by_pii(self, pii: str) -> list[Item]: ...
    def put_item(self, item: Item) -> None: ...
    def items(self) -> list[Item]: ...
    def get_patron(self, card: str) -> Patron | None: ...
    def put_patron(self, patron: Patron) -> None: ...
    def patrons(self) -> list[Patron]: ...

    # loans
    def get_loan(self, key: ItemKey) -> Loan | None: ...
    def put_loan(self, loan: Loan) -> None: ...
    def delete_loan(self, key: ItemKey) -> None: ...
    def loans_of(self, card: str) -> list[Loan]: ...
    def loans(self) -> list[Loan]: ...

    # holds (all states; the domain filters active ones)
    def get_hold(self, hold_id: int) -> Hold | None: ...
    def put_hold(self, hold: Hold) -> None: ...
    def holds_on(self, key: ItemKey) -> list[Hold]: ...
    def holds(self) -> list[Hold]: ...

    # exception queue
    def get_exception(self, exception_id: int) -> ExceptionEntry | None: ...
    def put_exception(self, entry: ExceptionEntry) -> None: ...
    def exceptions(self) -> list[ExceptionEntry]: ...

    # staff actions (audit list), one entry per tx_id; oldest ``ts`` first, then kiosk and seq
    def put_audit(self, entry: AuditEntry) -> None: ...
    def audit(self, kiosk: str | None = None) -> list[AuditEntry]: ...

    # transaction bookkeeping
    def get_processed(self, tx_id: str) -> ProcessedTx | None: ...
    def processed_at(self, kiosk: str, seq: int) -> ProcessedTx | None: ...
    def put_processed(self, processed: ProcessedTx) -> None: ...
    def pending(self, kiosk: str) -> list[PendingTx]: ...
    def pending_kiosks(self) -> list[str]: ...
    def put_pending(self, pending: PendingTx) -> None: ...
    def delete_pending(self, kiosk: str, seq: int) -> None: ...
    def get_progress(self, kiosk: str) -> KioskProgress | None: ...
    def put_progress(self, progress: KioskProgress) -> None: ...
    def progress(self) -> list[KioskProgress]: ...
    def add_gap(self, gap: GapRecord) -> None: ...
    def gaps(self) -> list[GapRecord]: ...

    # counters: ids and snapshot versions
    def next_id(self, name: str) -> int: ...
    def version(self, name: str) -> int: ...
    def bump_version(self, name: str) -> int: ...


_MISSING = object()


@dataclass
class InMemoryRepository:
    """Dicts in memory. Inside :meth:`atomic` every write first notes the value it replaces, so a
    block that raises is undone exactly; the cost is per write, not per stored record."""

    _libraries: dict[str, Library] = field(default_factory=dict)
    _kiosks: dict[str, KioskRegistration] = field(default_factory=dict)
    _items: dict[ItemKey, Item] = field(default_factory=dict)
    _patrons: dict[str, Patron] = field(default_factory=dict)
    _loans: dict[ItemKey, Loan] = field(default_factory=dict)
    _holds: dict[int, Hold] = field(default_factory=dict)
    _exceptions: dict[int, ExceptionEntry] = field(default_factory=dict)
    _audit: dict[str, AuditEntry] = field(default_factory=dict)
    _processed: dict[str, ProcessedTx] = field(default_factory=dict)
    _by_seq: dict[tuple[str, int], str] = field(default_factory=dict)
    _pending: dict[str, dict[int, PendingTx]] = field(default_factory=dict)
    _progress: dict[str, KioskProgress] = field(default_factory=dict)
    _gaps: list[GapRecord] = field(default_factory=list)
    _counters: dict[str, int] = field(default_factory=dict)
    _versions: dict[str, int] = field(default_factory=dict)
    _undo: list[tuple[dict[Any, Any], Any, object]] | None = None
    _gaps_mark: int = 0

    @contextmanager
    def atomic(self) -> Iterator[None]:
        if self._undo is not None:  # nested: the outer block owns the undo log
            yield
            return
        self._undo, self._gaps_mark = [], len(self._gaps)
        try:
            yield
        except BaseException:
            for table, key, old in reversed(self._undo):
                if old is _MISSING:
                    table.pop(key, None)
                else:
                    table[key] = old
            del self._gaps[self._gaps_mark :]
            raise
        finally:
            self._undo = None

    def _set(self, table: dict[Any, Any], key: Any, value: object) -> None:
        if self._undo is not None:
            self._undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def _del(self, table: dict[Any, Any], key: Any) -> None:
        if key in table:
            if self._undo is not None:
                self._undo.append((table, key, table[key]))
            del table[key]

    def get_library(self, isil: str) -> Library | None:
        return self._libraries.get(isil)

    def put_library(self, library: Library) -> None:
        self._set(self._libraries, library.isil, library)

    def libraries(self) -> list[Library]:
        return list(self._libraries.values())

    def get_kiosk(self, kiosk: str) -> KioskRegistration | None:
        return self._kiosks.get(kiosk)

    def put_kiosk(self, registration: KioskRegistration) -> None:
        self._set(self._kiosks, registration.kiosk, registration)

    def kiosks(self) -> list[KioskRegistration]:
        return list(self._kiosks.values())

    def get_item(self, key: ItemKey) -> Item | None:
        return self._items.get(key)

    def items_by_pii(self, pii: str) -> list[Item]:
        return [item for item in self._items.values() if item.pii == pii]

    def put_item(self, item: Item) -> None:
        self._set(self._items, item.key, item)

    def items(self) -> list[Item]:
        return list(self._items.values())

    def get_patron(self, card: str) -> Patron | None:
        return self._patrons.get(card)

    def put_patron(self, patron: Patron) -> None:
        self._set(self._patrons, patron.card, patron)

    def patrons(self) -> list[Patron]:
        return list(self._patrons.values())

    def get_loan(self, key: ItemKey) -> Loan | None:
        return self._loans.get(key)

    def put_loan(self, loan: Loan) -> None:
        self._set(self._loans, loan.key, loan)

    def delete_loan(self, key: ItemKey) -> None:
        self._del(self._loans, key)

    def loans_of(self, card: str) -> list[Loan]:
        return [loan for loan in self._loans.values() if loan.patron == card]

    def loans(self) -> list[Loan]:
        return list(self._loans.values())

    def get_hold(self, hold_id: int) -> Hold | None:
        return self._holds.get(hold_id)

    def put_hold(self, hold: Hold) -> None:
        self._set(self._holds, hold.hold_id, hold)

    def holds_on(self, key: ItemKey) -> list[Hold]:
        return sorted((h for h in self._holds.values() if h.key == key), key=lambda h: h.hold_id)

    def holds(self) -> list[Hold]:
        return sorted(self._holds.values(), key=lambda h: h.hold_id)

    def get_exception(self, exception_id: int) -> ExceptionEntry | None:
        return self._exceptions.get(exception_id)

    def put_exception(self, entry: ExceptionEntry) -> None:
        self._set(self._exceptions, entry.exception_id, entry)

    def exceptions(self) -> list[ExceptionEntry]:
        return sorted(self._exceptions.values(), key=lambda e: e.exception_id)

    def put_audit(self, entry: AuditEntry) -> None:
        self._set(self._audit, entry.tx_id, entry)

    def audit(self, kiosk: str | None = None) -> list[AuditEntry]:
        found = (e for e in self._audit.values() if kiosk is None or e.kiosk == kiosk)
        return sorted(found, key=lambda e: (e.ts, e.kiosk, e.seq))

    def get_processed(self, tx_id: str) -> ProcessedTx | None:
        return self._processed.get(tx_id)

    def processed_at(self, kiosk: str, seq: int) -> ProcessedTx | None:
        tx_id = self._by_seq.get((kiosk, seq))
        return None if tx_id is None else self._processed.get(tx_id)

    def put_processed(self, processed: ProcessedTx) -> None:
        self._set(self._processed, processed.tx_id, processed)
        if (processed.kiosk, processed.seq) not in self._by_seq:  # the first user of a seq
            self._set(self._by_seq, (processed.kiosk, processed.seq), processed.tx_id)

    def pending(self, kiosk: str) -> list[PendingTx]:
        return [p for _, p in sorted(self._pending.get(kiosk, {}).items())]

    def pending_kiosks(self) -> list[str]:
        return sorted(k for k, rows in self._pending.items() if rows)

    def put_pending(self, pending: PendingTx) -> None:
        self._set(self._pending.setdefault(pending.tx.kiosk, {}), pending.tx.seq, pending)

    def delete_pending(self, kiosk: str, seq: int) -> None:
        self._del(self._pending.get(kiosk, {}), seq)

    def get_progress(self, kiosk: str) -> KioskProgress | None:
        return self._progress.get(kiosk)

    def put_progress(self, progress: KioskProgress) -> None:
        self._set(self._progress, progress.kiosk, progress)

    def progress(self) -> list[KioskProgress]:
        return sorted(self._progress.values(), key=lambda p: p.kiosk)

    def add_gap(self, gap: GapRecord) -> None:
        self._gaps.append(gap)

    def gaps(self) -> list[GapRecord]:
        return list(self._gaps)

    def next_id(self, name: str) -> int:
        self._set(self._counters, name, self._counters.get(name, 0) + 1)
        return self._counters[name]

    def version(self, name: str) -> int:
        return self._versions.get(name, 0)

    def bump_version(self, name: str) -> int:
        self._set(self._versions, name, self._versions.get(name, 0) + 1)
        return self._versions[name]
