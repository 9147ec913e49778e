"""The database file: durability settings, migrations, damaged files, query plans."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from kiosk.errors import JournalError
from kiosk.journal import Database, Intent, ItemRef, Journal, quarantine
from kiosk.journal import journal as journal_module
from kiosk.journal.records import OPEN_STEPS
from kiosk.journal.schema import MIGRATIONS, SCHEMA_VERSION


def clock() -> float:
    return 1_790_000_000.0


def fill(journal: Journal, n: int) -> None:
    journal.begin_many(
        [
            Intent(f"key-{i}", "checkout", ItemRef(f"P{i:08d}", "CN-1", f"E0{i:014X}"), "pat")
            for i in range(n)
        ]
    )


def test_durability_settings_are_applied(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.db", kiosk="k1", clock=clock) as journal:
        query = journal.db.query
        assert query("PRAGMA journal_mode") == [("wal",)]
        assert query("PRAGMA synchronous") == [(2,)]  # FULL
        assert query("PRAGMA foreign_keys") == [(1,)]
        assert query("PRAGMA busy_timeout")[0][0] == 5000
        assert query("PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert journal.db.integrity_check() == ["ok"]
        empty = journal.db.file_bytes()
        fill(journal, 200)
        assert journal.db.file_bytes() > empty > 0


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    path.write_bytes(b"this is a shopping list, not a journal\n" * 200)
    with pytest.raises(JournalError, match=r"damaged or not a journal .*quarantine") as info:
        Journal.open(path, kiosk="k1", clock=clock)
    assert isinstance(info.value, RuntimeError)


def test_a_damaged_page_is_found_by_the_check_at_open(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal.open(path, kiosk="k1", clock=clock) as journal:
        fill(journal, 2000)
        journal.db.query("PRAGMA wal_checkpoint(TRUNCATE)")
    page = 4096
    data = bytearray(path.read_bytes())
    assert len(data) > 20 * page
    for n in range(5, 15):  # scribble over b-tree pages in the middle of the file
        data[n * page + 8 : n * page + 400] = bytes([0xA5]) * 392
    path.write_bytes(bytes(data))
    with pytest.raises(JournalError, match="damaged or not a journal"):
        Journal.open(path, kiosk="k1", clock=clock)


def test_quarantine_moves_the_file_and_its_wal_aside_and_a_new_journal_starts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.db"
    path.write_bytes(b"\x00garbage" * 500)
    (tmp_path / "j.db-wal").write_bytes(b"wal bytes")
    moved = quarantine(path, now_ms=1234)
    assert moved == tmp_path / "j.db.corrupt-1234"
    assert moved.read_bytes().startswith(b"\x00garbage")
    assert (tmp_path / "j.db.corrupt-1234-wal").read_bytes() == b"wal bytes"
    assert not path.exists() and not (tmp_path / "j.db-wal").exists()
    with Journal.open(path, kiosk="k1", clock=clock) as journal:
        assert journal.begin(Intent("a", "renew", ItemRef("1", "CN-1", "E0"))).record.seq == 1
    with pytest.raises(JournalError, match="already exists"):
        quarantine(path, now_ms=1234)


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="does not exist"):
        Journal.open(tmp_path / "nope" / "j.db", kiosk="k1", clock=clock)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    Journal.open(path, kiosk="k1", clock=clock).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(JournalError, match="newer than this software"):
        Journal.open(path, kiosk="k1", clock=clock)


def test_a_later_migration_is_applied_once_and_keeps_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal.open(path, kiosk="k1", clock=clock) as journal:
        fill(journal, 3)
    counters = ("CREATE TABLE counters (day TEXT, op TEXT, result TEXT, n INTEGER)",)
    later = (*MIGRATIONS, counters)
    for _ in range(2):  # the second open finds nothing to do
        db = Database.open(path, clock=clock, migrations=later)
        assert db.query("PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
        assert db.query("SELECT count(*) FROM tx") == [(3,)]
        assert db.query("SELECT count(*) FROM counters") == [(0,)]
        db.close()


def test_a_failing_migration_leaves_the_old_schema_intact(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    Journal.open(path, kiosk="k1", clock=clock).close()
    broken = (*MIGRATIONS, ("CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL"))
    with pytest.raises(JournalError, match="schema migration failed"):
        Database.open(path, clock=clock, migrations=broken)
    db = Database.open(path, clock=clock)
    assert db.query("PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert db.query("SELECT name FROM sqlite_master WHERE name = 'extra'") == []
    db.close()


def test_open_step_filter_matches_the_partial_index_and_the_step_table() -> None:
    index_sql = next(s for s in MIGRATIONS[0] if "INDEX tx_open" in s)
    in_index = set(re.findall(r"'(\w+)'", index_sql))
    assert in_index == {s.value for s in OPEN_STEPS}
    assert journal_module._OPEN in index_sql  # same text, so the planner can use the index


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (f"SELECT seq FROM tx WHERE {journal_module._OUTBOX} AND seq > 9 ORDER BY seq",
         "tx_outbox"),
        (f"SELECT count(*) FROM tx WHERE {journal_module._OUTBOX}", "tx_outbox"),
        (f"SELECT seq FROM tx WHERE {journal_module._OPEN} ORDER BY seq", "tx_open"),
        ("SELECT seq FROM tx WHERE ts_ms >= 0 AND ts_ms < 9 ORDER BY ts_ms, seq", "tx_ts"),
    ],
)
def test_hot_queries_use_their_index(tmp_path: Path, sql: str, index: str) -> None:
    """Outbox and recovery cost must follow the outbox size, not the whole history."""
    with Journal.open(tmp_path / "j.db", kiosk="k1", clock=clock) as journal:
        fill(journal, 50)
        plan = " ".join(str(row[-1]) for row in journal.db.query(f"EXPLAIN QUERY PLAN {sql}"))
        assert f"INDEX {index}" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
