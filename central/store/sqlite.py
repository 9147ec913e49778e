"""The domain's :class:`~central.domain.repository.Repository` on SQLite, so
:class:`~central.domain.CentralDomain` runs unchanged against a file that survives restarts and
that several central instances can share.

Each table keeps its keys as real columns (indexed for the look-ups the domain makes) and the
whole record as JSON (:mod:`central.store.codec`). :meth:`SqliteRepository.atomic` is a real
``BEGIN IMMEDIATE`` transaction; a write made outside one is its own transaction, and writes that
take two statements (counters, the first owner of a ``seq``) open one themselves.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

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
from central.store.codec import decode, encode
from central.store.database import Database

__all__ = ["SqliteRepository"]

T = TypeVar("T")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"stored record: {type(value).__name__}, expected JSON text")
    return value


class SqliteRepository:
    """Record storage in one SQLite :class:`Database` (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, path: str | Path, *, busy_timeout_s: float = 30.0) -> SqliteRepository:
        return cls(Database(path, busy_timeout_s=busy_timeout_s))

    def close(self) -> None:
        self.db.close()

    def atomic(self) -> AbstractContextManager[None]:
        return self.db.atomic()

    def _one(self, cls: type[T], sql: str, params: tuple[object, ...]) -> T | None:
        value = self.db.scalar(sql, params)
        return None if value is None else decode(cls, _text(value))

    def _all(self, cls: type[T], sql: str, params: tuple[object, ...] = ()) -> list[T]:
        return [decode(cls, _text(row[0])) for row in self.db.rows(sql, params)]

    def _put(self, sql: str, params: tuple[object, ...]) -> None:
        self.db.execute(sql, params)

    # libraries and kiosks

    def get_library(self, isil: str) -> Library | None:
        return self._one(Library, "SELECT data FROM libraries WHERE isil=?", (isil,))

    def put_library(self, library: Library) -> None:
        self._put("REPLACE INTO libraries VALUES (?, ?)", (library.isil, encode(library)))

    def libraries(self) -> list[Library]:
        return self._all(Library, "SELECT data FROM libraries ORDER BY isil")

    def get_kiosk(self, kiosk: str) -> KioskRegistration | None:
        return self._one(KioskRegistration, "SELECT data FROM kiosks WHERE kiosk=?", (kiosk,))

    def put_kiosk(self, registration: KioskRegistration) -> None:
        self._put("REPLACE INTO kiosks VALUES (?, ?)", (registration.kiosk, encode(registration)))

    def kiosks(self) -> list[KioskRegistration]:
        return self._all(KioskRegistration, "SELECT data FROM kiosks ORDER BY kiosk")

    # catalogue and patrons

    def get_item(self, key: ItemKey) -> Item | None:
        return self._one(Item, "SELECT data FROM items WHERE owner=? AND pii=?", key)

    def items_by_pii(self, pii: str) -> list[Item]:
        return self._all(Item, "SELECT data FROM items WHERE pii=? ORDER BY owner", (pii,))

    def put_item(self, item: Item) -> None:
        self._put("REPLACE INTO items VALUES (?, ?, ?)", (item.owner, item.pii, encode(item)))

    def items(self) -> list[Item]:
        return self._all(Item, "SELECT data FROM items ORDER BY owner, pii")

    def get_patron(self, card: str) -> Patron | None:
        return self._one(Patron, "SELECT data FROM patrons WHERE card=?", (card,))

    def put_patron(self, patron: Patron) -> None:
        self._put("REPLACE INTO patrons VALUES (?, ?)", (patron.card, encode(patron)))

    def patrons(self) -> list[Patron]:
        return self._all(Patron, "SELECT data FROM patrons ORDER BY card")

    # loans

    def get_loan(self, key: ItemKey) -> Loan | None:
        return self._one(Loan, "SELECT data FROM loans WHERE owner=? AND pii=?", key)

    def put_loan(self, loan: Loan) -> None:
        self._put(
            "REPLACE INTO loans VALUES (?, ?, ?, ?)",
            (loan.owner, loan.pii, loan.patron, encode(loan)),
        )

    def delete_loan(self, key: ItemKey) -> None:
        self._put("DELETE FROM loans WHERE owner=? AND pii=?", key)

    def loans_of(self, card: str) -> list[Loan]:
        return self._all(Loan, "SELECT data FROM loans WHERE patron=? ORDER BY owner, pii", (card,))

    def loans(self) -> list[Loan]:
        return self._all(Loan, "SELECT data FROM loans ORDER BY owner, pii")

    # holds

    def get_hold(self, hold_id: int) -> Hold | None:
        return self._one(Hold, "SELECT data FROM holds WHERE hold_id=?", (hold_id,))

    def put_hold(self, hold: Hold) -> None:
        self._put(
            "REPLACE INTO holds VALUES (?, ?, ?, ?)",
            (hold.hold_id, hold.owner, hold.pii, encode(hold)),
        )

    def holds_on(self, key: ItemKey) -> list[Hold]:
        sql = "SELECT data FROM holds WHERE owner=? AND pii=? ORDER BY hold_id"
        return self._all(Hold, sql, key)

    def holds(self) -> list[Hold]:
        return self._all(Hold, "SELECT data FROM holds ORDER BY hold_id")

    # exception queue

    def get_exception(self, exception_id: int) -> ExceptionEntry | None:
        sql = "SELECT data FROM exceptions WHERE exception_id=?"
        return self._one(ExceptionEntry, sql, (exception_id,))

    def put_exception(self, entry: ExceptionEntry) -> None:
        self._put("REPLACE INTO exceptions VALUES (?, ?)", (entry.exception_id, encode(entry)))

    def exceptions(self) -> list[ExceptionEntry]:
        return self._all(ExceptionEntry, "SELECT data FROM exceptions ORDER BY exception_id")

    # staff actions (audit list)

    def put_audit(self, entry: AuditEntry) -> None:
        self._put(
            "REPLACE INTO audit VALUES (?, ?, ?, ?, ?)",
            (entry.tx_id, entry.kiosk, entry.seq, entry.ts, encode(entry)),
        )

    def audit(self, kiosk: str | None = None) -> list[AuditEntry]:
        sql = "SELECT data FROM audit WHERE (?1 IS NULL OR kiosk = ?1) ORDER BY ts, kiosk, seq"
        return self._all(AuditEntry, sql, (kiosk,))

    # transaction bookkeeping

    def get_processed(self, tx_id: str) -> ProcessedTx | None:
        return self._one(ProcessedTx, "SELECT data FROM processed WHERE tx_id=?", (tx_id,))

    def processed_at(self, kiosk: str, seq: int) -> ProcessedTx | None:
        sql = (
            "SELECT p.data FROM seq_owners s JOIN processed p ON p.tx_id = s.tx_id "
            "WHERE s.kiosk=? AND s.seq=?"
        )
        return self._one(ProcessedTx, sql, (kiosk, seq))

    def put_processed(self, processed: ProcessedTx) -> None:
        with self.atomic():
            self._put(
                "REPLACE INTO processed VALUES (?, ?, ?, ?)",
                (processed.tx_id, processed.kiosk, processed.seq, encode(processed)),
            )
            self._put(  # the first user of a seq keeps it
                "INSERT OR IGNORE INTO seq_owners VALUES (?, ?, ?)",
                (processed.kiosk, processed.seq, processed.tx_id),
            )

    def pending(self, kiosk: str) -> list[PendingTx]:
        sql = "SELECT data FROM pending WHERE kiosk=? ORDER BY seq"
        return self._all(PendingTx, sql, (kiosk,))

    def pending_kiosks(self) -> list[str]:
        return [_text(r[0]) for r in self.db.rows("SELECT DISTINCT kiosk FROM pending ORDER BY 1")]

    def put_pending(self, pending: PendingTx) -> None:
        self._put(
            "REPLACE INTO pending VALUES (?, ?, ?)",
            (pending.tx.kiosk, pending.tx.seq, encode(pending)),
        )

    def delete_pending(self, kiosk: str, seq: int) -> None:
        self._put("DELETE FROM pending WHERE kiosk=? AND seq=?", (kiosk, seq))

    def get_progress(self, kiosk: str) -> KioskProgress | None:
        return self._one(KioskProgress, "SELECT data FROM progress WHERE kiosk=?", (kiosk,))

    def put_progress(self, progress: KioskProgress) -> None:
        self._put("REPLACE INTO progress VALUES (?, ?)", (progress.kiosk, encode(progress)))

    def progress(self) -> list[KioskProgress]:
        return self._all(KioskProgress, "SELECT data FROM progress ORDER BY kiosk")

    def add_gap(self, gap: GapRecord) -> None:
        self._put("INSERT INTO gaps (data) VALUES (?)", (encode(gap),))

    def gaps(self) -> list[GapRecord]:
        return self._all(GapRecord, "SELECT data FROM gaps ORDER BY gap_id")

    # counters

    def next_id(self, name: str) -> int:
        return self._bump("counters", name)

    def version(self, name: str) -> int:
        value = self.db.scalar("SELECT value FROM versions WHERE name=?", (name,))
        return 0 if value is None else int(str(value))

    def bump_version(self, name: str) -> int:
        return self._bump("versions", name)

    def _bump(self, table: str, name: str) -> int:
        with self.atomic():
            self._put(
                f"INSERT INTO {table} VALUES (?, 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1",
                (name,),
            )
            value = self.db.scalar(f"SELECT value FROM {table} WHERE name=?", (name,))
        return int(str(value))
