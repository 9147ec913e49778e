"""The journal's one SQLite connection: durability settings, integrity check, migrations, writes.

Settings and why (facts in reference/mqtt-edge.md §5.1):

- ``journal_mode=WAL``: appends do not rewrite the database, readers do not block the writer, and
  a failed sync costs durability, not integrity.
- ``synchronous=FULL``: the WAL is fsynced at every COMMIT, so a committed row survives a power
  cut (NORMAL would survive only an application crash). A loan is a legal record.
- ``foreign_keys=ON``, a busy timeout, and explicit ``BEGIN IMMEDIATE`` transactions
  (``isolation_level=None``): the write lock is taken at the start, never upgraded mid-way.
- ``PRAGMA quick_check`` at open: a damaged file is refused with a clear :class:`JournalError`
  (see :func:`kiosk.journal.recovery.quarantine` to move it aside and start afresh).

Threading: the connection is created with ``check_same_thread=True`` and belongs to the thread
that opened it; using it from another thread raises :class:`JournalError`. The asyncio app owns
the journal through one dedicated worker thread — ``ThreadPoolExecutor(max_workers=1)`` — opening
it there (``await loop.run_in_executor(pool, Journal.open, ...)``) and sending every call through
the same pool, so fsyncs never block the event loop and calls are serialised in order.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kiosk.errors import JournalError
from kiosk.journal.schema import MIGRATIONS

__all__ = ["Database"]

_SYNCHRONOUS_FULL = 2
_JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024  # bytes the WAL is truncated to after a checkpoint
_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")  # extended codes start with these names


class Database:
    """One connection to a journal file, with its clock; build it with :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], float]) -> None:
        self._conn = conn
        self._path = path
        self._clock = clock

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], float],
        busy_timeout_s: float = 5.0,
        check_integrity: bool = True,
        migrations: Sequence[Sequence[str]] = MIGRATIONS,
    ) -> Database:
        """Open (creating if needed) and migrate; ``clock`` returns seconds since the epoch."""
        file = Path(path)
        if not file.parent.is_dir():
            raise JournalError(f"journal {file}: directory {file.parent} does not exist")
        try:
            conn = sqlite3.connect(
                str(file), timeout=busy_timeout_s, isolation_level=None, check_same_thread=True
            )
        except sqlite3.Error as exc:
            raise JournalError(f"journal {file}: cannot open: {exc}") from None
        try:
            _configure(conn, file, busy_timeout_s, check_integrity)
            _migrate(conn, file, migrations)
        except BaseException:
            conn.close()
            raise
        return cls(conn, file, clock)

    @property
    def path(self) -> Path:
        return self._path

    def now_ms(self) -> int:
        """The injected clock, in whole milliseconds since the epoch."""
        return round(self._clock() * 1000)

    @contextmanager
    def write(self, what: str) -> Iterator[sqlite3.Connection]:
        """One durable transaction: BEGIN IMMEDIATE … COMMIT (fsynced), rolled back on error.

        SQLite errors inside become JournalError naming ``what``; our own errors pass through.
        """
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self._path}: cannot start {what}: {exc}") from None
        try:
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise JournalError(f"journal {self._path}: {what} failed: {exc}") from None
        except BaseException:
            self._rollback()
            raise

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A read outside any write transaction (it sees every committed row)."""
        try:
            return list(self._conn.execute(sql, params))
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self._path}: read failed: {exc}") from None

    def integrity_check(self) -> list[str]:
        """Full ``PRAGMA integrity_check``: ``["ok"]`` for a healthy file (slow on big files)."""
        return [str(row[0]) for row in self.query("PRAGMA integrity_check")]

    def file_bytes(self) -> int:
        """Bytes on disk (database + WAL), for the disk-space alarm long before disk full."""
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += self._path.with_name(self._path.name + suffix).stat().st_size
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise JournalError(f"journal {self._path}: cannot stat: {exc}") from None
        return total

    def close(self) -> None:
        try:
            self._conn.close()
        except sqlite3.Error as exc:
            raise JournalError(f"journal {self._path}: close failed: {exc}") from None

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is unusable; the original error is what matters


def _pragma(conn: sqlite3.Connection, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return None if row is None else row[0]


def _configure(conn: sqlite3.Connection, file: Path, busy_s: float, check: bool) -> None:
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_s * 1000)}")
        if check:
            problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise JournalError(_corrupt(file, "; ".join(problems[:3])))
        mode = _pragma(conn, "PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA journal_size_limit = {_JOURNAL_SIZE_LIMIT}")
        synchronous = _pragma(conn, "PRAGMA synchronous")
        foreign = _pragma(conn, "PRAGMA foreign_keys")
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(_DAMAGED):
            raise JournalError(_corrupt(file, str(exc))) from None
        raise JournalError(f"journal {file}: cannot open: {exc}") from None
    if str(mode).lower() != "wal":
        raise JournalError(f"journal {file}: cannot switch to WAL mode (got {mode!r})")
    if synchronous != _SYNCHRONOUS_FULL or foreign != 1:
        raise JournalError(
            f"journal {file}: durability settings not applied "
            f"(synchronous={synchronous!r}, foreign_keys={foreign!r})"
        )


def _corrupt(file: Path, detail: str) -> str:
    return (
        f"journal {file} is damaged or not a journal ({detail}); keep it for forensics: "
        "move it aside (kiosk.journal.recovery.quarantine) and start a new journal"
    )


def _migrate(conn: sqlite3.Connection, file: Path, migrations: Sequence[Sequence[str]]) -> None:
    """Bring ``user_version`` up to ``len(migrations)``, one transaction per step."""
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            version = int(_pragma(conn, "PRAGMA user_version"))
            if version > len(migrations):
                conn.execute("ROLLBACK")
                raise JournalError(
                    f"journal {file}: schema version {version} is newer than this software "
                    f"understands ({len(migrations)}); install the newer kiosk software"
                )
            if version == len(migrations):
                conn.execute("COMMIT")
                return
            for statement in migrations[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise JournalError(f"journal {file}: schema migration failed: {exc}") from None
