"""The return bin and the usage counters, kept in the journal database (schema version 2).

The journal already commits every transaction before its result is shown; the counts and the
bin's contents live in the same SQLite file with the same settings (WAL, ``synchronous=FULL``),
so after a restart or a SIGKILL they are there without replaying history:

- :class:`SqliteCounterStore` — a :class:`~kiosk.logistics.stats.CounterStore`
  (``logistics_counts``: local day, event key, count).
- :class:`SqliteBinStore` — a :class:`~kiosk.logistics.transit.BinStore` (``logistics_bin``:
  the copies in the bin in the order they went in; ``logistics_packages``: package counters).
- :class:`LogisticsStore` — the two, and the :class:`~kiosk.logistics.feed.ResultGuard` of a
  :class:`~kiosk.logistics.feed.LogisticsFeed`: one commit per observed result, holding the
  counts, the copy put into the bin, and the journal ``seq`` of the result's row
  (``logistics_seen``).

Counted exactly once, crash or not:

- A live result is tied to its journal row — the newest ``shown`` row for its PII and op (the
  runtime commits ``shown`` before anyone sees the result). A row already counted is not
  counted again when the result is the same tag's (a result seen twice); a result with no row
  (decided at the kiosk, e.g. an unreadable tag) is counted as it is.
- :meth:`LogisticsStore.catch_up` counts the finished rows nobody counted: those whose result a
  SIGKILL kept from being observed, and those that were never shown (recovered after a crash,
  or left for staff when a session ended early: step ``reconcile``). Call it once at start,
  after crash recovery and before the first patron; ``shown=False`` (only ``reconcile`` rows)
  is safe at any time, e.g. after each session.
- The first catch-up on a journal (one that has never been counted) counts its whole history
  and applies the journalled emptyings of the bin (``staff:empty_bin``), so an existing kiosk
  starts with the counts and the bin contents its journal says.
- ``meta.logistics_low`` is a watermark: every row at or below it is counted or needs no
  counting, so a catch-up reads only the rows after it and ``logistics_seen`` stays small.

Threading: like :class:`~kiosk.journal.db.Database`, a store belongs to the thread that opened
its connection. The daemon opens a second connection to the journal file for it on the event
loop's thread, where the session's results and the staff pages are (each observed result then
costs one fsync there, as each journal step does in the journal thread).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from kiosk.errors import JournalError, KioskError
from kiosk.journal.codec import decode
from kiosk.journal.db import Database
from kiosk.journal.journal import Journal
from kiosk.journal.records import STAFF_PREFIX, TERMINAL_STEPS, TxRecord, make_tx_id
from kiosk.logistics.feed import Claim, Observation, local_day, observation_from_row
from kiosk.logistics.stats import Day
from kiosk.logistics.transit import TransitItem

__all__ = ["CatchUpTarget", "LogisticsStore", "SqliteBinStore", "SqliteCounterStore"]

_LOW = "logistics_low"
_EMPTY_BIN = f"{STAFF_PREFIX}empty_bin"
_COUNTED_OPS = ("checkout", "checkin", "renew")
_ITEM_FIELDS = (
    "title",
    "author",
    "isbn",
    "publisher",
    "price",
    "call_number",
    "children",
    "collection",
)


class CatchUpTarget(Protocol):
    """What :meth:`LogisticsStore.catch_up` feeds (a :class:`~kiosk.logistics.LogisticsFeed`)."""

    @property
    def home(self) -> str:
        """The machine's library (its own copies never go into transit)."""
        ...

    def apply(self, observation: Observation, display: Mapping[str, Any]) -> None: ...

    def replay_empty(self, detail: Mapping[str, Any]) -> None: ...


class LogisticsStore:
    """Counters, bin contents and counted journal rows in one journal database connection."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._open: sqlite3.Connection | None = None  # the unit in progress, if any
        self._journal: Journal | None = None  # reads journal rows for the catch-up
        self.counters = SqliteCounterStore(self)
        self.bin_store = SqliteBinStore(self)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, clock: Callable[[], float]) -> LogisticsStore:
        """Open its own connection to the journal file (migrating it if needed); the journal's
        own open already checks the file's integrity, so this one does not."""
        return cls(Database.open(path, clock=clock, check_integrity=False))

    @property
    def db(self) -> Database:
        return self._db

    def close(self) -> None:
        self._db.close()

    # -- units -----------------------------------------------------------------------------

    @contextmanager
    def writing(self, what: str) -> Iterator[sqlite3.Connection]:
        """One durable transaction, or the unit already in progress (then its commit counts)."""
        if self._open is not None:
            yield self._open
            return
        with self._db.write(what) as conn:
            self._open = conn
            try:
                yield conn
            finally:
                self._open = None

    @contextmanager
    def claim(self, observation: Observation) -> Iterator[Claim]:
        """The :class:`~kiosk.logistics.feed.ResultGuard`: everything the feed writes inside
        commits together with the journal row it is tied to."""
        what = f"count of {observation.op} {observation.pii or observation.uid}"
        with self.writing(what) as conn:
            yield self._link(conn, observation)

    def _link(self, conn: sqlite3.Connection, observation: Observation) -> Claim:
        if not observation.pii:
            return Claim(True)
        row = conn.execute(
            "SELECT seq, uid, reply FROM tx WHERE pii = ? AND op = ? AND step = 'shown' "
            "ORDER BY seq DESC LIMIT 1",
            (observation.pii, observation.op),
        ).fetchone()
        if row is None:
            return Claim(True)  # decided at the kiosk: no journal row
        seq, uid, reply = int(row[0]), row[1], row[2]
        if self._seen(conn, seq):
            # the same tag's result again (seen twice), or another tag with this PII
            return Claim(uid != observation.uid)
        conn.execute("INSERT INTO logistics_seen (seq) VALUES (?)", (seq,))
        return Claim(True, _display(reply, seq))

    def _seen(self, conn: sqlite3.Connection, seq: int) -> bool:
        low = _low(conn)
        if low is not None and seq <= low:
            return True
        found = conn.execute("SELECT 1 FROM logistics_seen WHERE seq = ?", (seq,)).fetchone()
        return found is not None

    # -- catch-up --------------------------------------------------------------------------

    def catch_up(
        self, target: CatchUpTarget, *, utc_offset_minutes: int, shown: bool = True
    ) -> int:
        """Count the finished journal rows nobody counted yet (see the module docstring);
        returns how many counted. One commit for all of them."""
        reader = self._reader()
        if reader is None:
            return 0  # no journal has been written in this file yet
        steps = {"shown", "reconcile"} if shown else {"reconcile"}
        counted = 0
        with self.writing("catch-up of the counters and the return bin") as conn:
            low = _low(conn)
            first = low is None  # never counted: the whole history, emptyings included
            start = 0 if low is None else low
            seen = {int(r[0]) for r in conn.execute(
                "SELECT seq FROM logistics_seen WHERE seq > ?", (start,)
            )}
            rows = conn.execute(
                "SELECT seq, op, step FROM tx WHERE seq > ? ORDER BY seq", (start,)
            ).fetchall()
            blocked: int | None = None  # the first row that is neither counted nor settled
            for raw_seq, op, step in rows:
                seq = int(raw_seq)
                settled = step in TERMINAL_STEPS
                if op == _EMPTY_BIN and first:
                    target.replay_empty(self._get(reader, seq).detail or {})
                elif op in _COUNTED_OPS and settled and seq not in seen and step != "cancelled":
                    if step in steps or first:
                        record = self._get(reader, seq)
                        counted += self._count_row(conn, target, record, utc_offset_minutes)
                    else:
                        settled = False  # shown: its live result may still be on its way
                if not settled and blocked is None:
                    blocked = seq
            last = int(rows[-1][0]) if rows else start
            new_low = last if blocked is None else blocked - 1
            new_low = max(new_low, start)
            if new_low != low:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (_LOW, str(new_low)),
                )
                conn.execute("DELETE FROM logistics_seen WHERE seq <= ?", (new_low,))
        return counted

    def _reader(self) -> Journal | None:
        """The journal rows, read through this connection (None before any journal exists)."""
        if self._journal is None:
            kiosk = self._db.query("SELECT value FROM meta WHERE key = 'kiosk'")
            if kiosk:
                self._journal = Journal(self._db, kiosk=str(kiosk[0][0]))
        return self._journal

    @staticmethod
    def _count_row(
        conn: sqlite3.Connection, target: CatchUpTarget, record: TxRecord, offset: int
    ) -> int:
        day = local_day(record.ts_ms, offset)
        observation = observation_from_row(record, day=day, home=target.home)
        if observation is not None:
            target.apply(observation, record.reply or {})
        conn.execute("INSERT INTO logistics_seen (seq) VALUES (?)", (record.seq,))
        return 0 if observation is None else 1

    @staticmethod
    def _get(reader: Journal, seq: int) -> TxRecord:
        record = reader.get(make_tx_id(reader.kiosk, seq))
        if record is None:  # read inside the same transaction: cannot vanish
            raise JournalError(f"journal row {seq} disappeared during the catch-up")
        return record


class SqliteCounterStore:
    """Daily counts per event key (:class:`~kiosk.logistics.stats.CounterStore`)."""

    def __init__(self, store: LogisticsStore) -> None:
        self._store = store

    def add(self, day: Day, event: str, count: int) -> None:
        with self._store.writing(f"count {event} on {day}") as conn:
            conn.execute(
                "INSERT INTO logistics_counts (day, event, count) VALUES (?, ?, ?) "
                "ON CONFLICT (day, event) DO UPDATE SET count = count + excluded.count",
                (day.isoformat(), event, count),
            )

    def get(self, day: Day) -> Mapping[str, int]:
        rows = self._store.db.query(
            "SELECT event, count FROM logistics_counts WHERE day = ?", (day.isoformat(),)
        )
        return {str(event): int(n) for event, n in rows}

    def days(self, first: Day, last: Day) -> Iterable[tuple[Day, Mapping[str, int]]]:
        rows = self._store.db.query(
            "SELECT day, event, count FROM logistics_counts WHERE day BETWEEN ? AND ? "
            "ORDER BY day, event",
            (first.isoformat(), last.isoformat()),
        )
        out: dict[Day, dict[str, int]] = {}
        for day, event, n in rows:
            out.setdefault(Day.fromisoformat(day), {})[str(event)] = int(n)
        return list(out.items())


class SqliteBinStore:
    """The transit bin's copies and package counters (a :class:`~kiosk.logistics.BinStore`)."""

    def __init__(self, store: LogisticsStore) -> None:
        self._store = store

    def put(self, item: TransitItem) -> None:
        children = None if item.children is None else int(item.children)
        with self._store.writing(f"bin: {item.owner}/{item.barcode} in") as conn:
            conn.execute(
                "INSERT OR IGNORE INTO logistics_bin (owner, barcode, title, author, isbn, "
                "publisher, price, call_number, children, collection) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.owner,
                    item.barcode,
                    item.title,
                    item.author,
                    item.isbn,
                    item.publisher,
                    item.price,
                    item.call_number,
                    children,
                    item.collection,
                ),
            )

    def take(
        self, keys: Sequence[tuple[str, str]], numbers: Mapping[tuple[str, str], int]
    ) -> None:
        with self._store.writing(f"bin: {len(keys)} copies out") as conn:
            conn.executemany(
                "DELETE FROM logistics_bin WHERE owner = ? AND barcode = ?", list(keys)
            )
            conn.execute("DELETE FROM logistics_packages")
            conn.executemany(
                "INSERT INTO logistics_packages (day, destination, last) VALUES (?, ?, ?)",
                [(day, dest, n) for (day, dest), n in sorted(numbers.items())],
            )

    def state(self) -> dict[str, object]:
        """The stored contents in :meth:`~kiosk.logistics.transit.TransitBins.to_state` form
        (give it to ``load_state``)."""
        db = self._store.db
        items = [
            {
                "barcode": barcode,
                "owner": owner,
                **dict(zip(_ITEM_FIELDS, rest, strict=True)),
            }
            for owner, barcode, *rest in db.query(
                f"SELECT owner, barcode, {', '.join(_ITEM_FIELDS)} FROM logistics_bin "
                "ORDER BY pos"
            )
        ]
        for item in items:
            if item["children"] is not None:
                item["children"] = bool(item["children"])
        packages = [
            {"day": day, "destination": dest, "last": int(n)}
            for day, dest, n in db.query(
                "SELECT day, destination, last FROM logistics_packages ORDER BY day, destination"
            )
        ]
        return {"items": items, "packages": packages}


def _low(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_LOW,)).fetchone()
    return None if row is None else int(row[0])


def _display(reply: bytes | None, seq: int) -> Mapping[str, Any]:
    if reply is None:
        return {}
    try:
        value = decode("reply", reply, f"journal row {seq}")
    except KioskError:
        return {}  # display data only: a damaged reply costs the title, not the count
    return value if isinstance(value, Mapping) else {}
