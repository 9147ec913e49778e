"""One SQLite database file for the central service: durable settings, schema migrations, and
real transactions.

Every connection gets WAL (readers never block the single writer; several central instances can
share one file on one host) and ``synchronous=FULL`` (a reply sent to a kiosk is an
acknowledgement, so what it acknowledges must already be on disk). :meth:`Database.atomic` is
``BEGIN IMMEDIATE … COMMIT``: the write lock is taken before the first read, so two instances
deciding the same transaction are serialised instead of both reading "not processed yet".
The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` moves a file forward,
one step per transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from central.domain.errors import CentralError

__all__ = ["MIGRATIONS", "Database", "StoreError"]


class StoreError(CentralError, OSError):
    """The database file cannot be opened or is newer than this program."""


MIGRATIONS: tuple[str, ...] = (
    # 1: the domain's records (one JSON column per record, keys as real columns) and the
    #    service's own tables (live kiosk status, desired configs, commands).
    """
    CREATE TABLE libraries (isil TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE kiosks (kiosk TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE items (owner TEXT NOT NULL, pii TEXT NOT NULL, data TEXT NOT NULL,
                        PRIMARY KEY (owner, pii));
    CREATE INDEX items_by_pii ON items (pii);
    CREATE TABLE patrons (card TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE loans (owner TEXT NOT NULL, pii TEXT NOT NULL, patron TEXT NOT NULL,
                        data TEXT NOT NULL, PRIMARY KEY (owner, pii));
    CREATE INDEX loans_by_patron ON loans (patron);
    CREATE TABLE holds (hold_id INTEGER PRIMARY KEY, owner TEXT NOT NULL, pii TEXT NOT NULL,
                        data TEXT NOT NULL);
    CREATE INDEX holds_by_item ON holds (owner, pii);
    CREATE TABLE exceptions (exception_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE processed (tx_id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, seq INTEGER NOT NULL,
                            data TEXT NOT NULL);
    CREATE TABLE seq_owners (kiosk TEXT NOT NULL, seq INTEGER NOT NULL, tx_id TEXT NOT NULL,
                             PRIMARY KEY (kiosk, seq));
    CREATE TABLE pending (kiosk TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
                          PRIMARY KEY (kiosk, seq));
    CREATE TABLE progress (kiosk TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE gaps (gap_id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE versions (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE kiosk_status (kiosk TEXT PRIMARY KEY, online INTEGER, status_ms INTEGER,
                               info BLOB, info_ms INTEGER, last_seen_ms INTEGER);
    CREATE TABLE configs (kiosk TEXT PRIMARY KEY, version INTEGER NOT NULL,
                          document TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE commands (cmd_id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, name TEXT NOT NULL,
                           args TEXT NOT NULL, created_ms INTEGER NOT NULL,
                           expires_ms INTEGER NOT NULL, state TEXT NOT NULL,
                           sent_ms INTEGER, result BLOB, result_ms INTEGER);
    CREATE INDEX commands_by_state ON commands (state);
    """,
    # 2: the audit list of staff actions (op staff:<action>), one row per tx_id.
    """
    CREATE TABLE audit (tx_id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, seq INTEGER NOT NULL,
                        ts INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE INDEX audit_by_kiosk ON audit (kiosk, seq);
    CREATE INDEX audit_by_ts ON audit (ts, kiosk, seq);
    """,
)


class Database:
    """A connection with the central settings applied and the schema brought up to date.

    ``busy_timeout_s`` is how long a writer waits for another instance's transaction to end.
    The connection is used by one thread at a time (the service's worker thread), which is why
    ``check_same_thread`` is off: the thread that opens the file need not be the one using it.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_s: float = 30.0,
        migrations: Sequence[str] = MIGRATIONS,
    ) -> None:
        self.path = str(path)
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._depth = 0
            self._migrate(migrations)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the central database ({exc})") from exc

    def _migrate(self, migrations: Sequence[str]) -> None:
        with self.atomic():  # the write lock first, so two instances never migrate at once
            current = self.schema_version
            if current > len(migrations):
                raise StoreError(
                    f"{self.path}: schema version {current}, this program knows up to "
                    f"{len(migrations)} (a newer kiosk-central wrote it)"
                )
            for number, script in enumerate(migrations[current:], start=current + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version={number}")

    @property
    def schema_version(self) -> int:
        row = self._conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One SQLite transaction; a nested block joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        return [tuple(row) for row in self._conn.execute(sql, params).fetchall()]

    def scalar(self, sql: str, params: Sequence[object] = ()) -> object:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self._conn.close()
