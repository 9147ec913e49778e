"""Stored holds keep central's queue order; the offline snapshot gives the policy whole queues."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from kiosk.circulation.offline import Hold
from kiosk.journal import HoldRow, Journal, OfflineData
from kiosk.journal.schema import MIGRATIONS
from kiosk.runtime.offline_snapshot import offline_snapshot

NOW_MS = 1_790_000_000_000
A, B = "CN-440100-1-0001", "CN-440100-1-0002"


def _open(path: Path) -> Journal:
    return Journal.open(path, kiosk="k1", clock=lambda: NOW_MS / 1000)


def test_queues_keep_central_order_across_snapshots(tmp_path: Path) -> None:
    with _open(tmp_path / "j.db") as journal:
        stored = OfflineData(journal.db)
        # A owns the copy: its snapshot has the whole queue, head first (not alphabetical)
        stored.replace_holds(A, 3, [
            HoldRow("X1", A, "zed", B, NOW_MS + 86_400_000),  # on the shelf at B for zed
            HoldRow("X1", A, "mia", A),
            HoldRow("X1", A, "abe", B),
            HoldRow("X2", A, "old", A, NOW_MS - 1),  # lapsed on the shelf
            HoldRow("X2", A, "kim", A),
        ])
        # B's snapshot holds the same holds of B's pick-ups, in its own order
        stored.replace_holds(B, 3, [HoldRow("X1", A, "abe", B),
                                    HoldRow("X1", A, "zed", B, NOW_MS + 86_400_000)])
        queues = stored.hold_queues(now_ms=NOW_MS)
        assert [h.patron for h in queues[("X1", A)]] == ["zed", "mia", "abe"]
        assert [h.patron for h in queues[("X2", A)]] == ["kim"]
        assert [h.patron for h in stored.hold_queues()[("X2", A)]] == ["old", "kim"]

        snapshot = offline_snapshot(stored, now_ms=NOW_MS)
    shelf = datetime.fromtimestamp((NOW_MS + 86_400_000) / 1000, tz=UTC)
    assert snapshot.queues["X1"] == (Hold("zed", B, shelf), Hold("mia", A), Hold("abe", B))
    assert snapshot.holds["X1"] == Hold("zed", B, shelf)
    assert snapshot.queues["X2"] == (Hold("kim", A),)


def test_a_delta_keeps_the_queue_order_and_appends_new_holds(tmp_path: Path) -> None:
    with _open(tmp_path / "j.db") as journal:
        stored = OfflineData(journal.db)
        rows = [HoldRow("X1", A, p, A) for p in ("c", "a", "b")]
        stored.replace_holds(A, 1, rows)
        kept = [r for r in rows if r.patron != "a"]
        stored.replace_holds(A, 2, [*kept, HoldRow("X1", A, "0", A)])
        assert [h.patron for h in stored.hold_queues()[("X1", A)]] == ["c", "b", "0"]


def test_holds_stored_before_the_queue_order_was_kept_still_read(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO holds_version VALUES (?, 4, 0)", (A,))
    conn.executemany(
        "INSERT INTO holds (library, pii, owner, patron, pickup, expires_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(A, "X1", A, "b", A, None), (A, "X1", A, "a", A, NOW_MS + 5)],
    )
    conn.commit()
    conn.close()
    with Journal.open(path, kiosk="k1", clock=time.time) as journal:
        stored = OfflineData(journal.db)
        assert stored.holds_versions() == {A: 4}
        assert [h.patron for h in stored.hold_queues(now_ms=NOW_MS)[("X1", A)]] == ["a", "b"]
