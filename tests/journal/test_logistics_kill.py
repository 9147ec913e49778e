"""SIGKILL while results are journalled and counted: after a restart the counters and the
return bin agree with the journal exactly — nothing lost, nothing counted twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from logistics_world import DAY, OFFSET, YUEXIU, open_machine

CHILD = Path(__file__).with_name("logistics_kill_child.py")


def _run_and_kill(db: Path, lines: int, delay: float) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        for _ in range(lines + 1):  # "ready" first
            if not proc.stdout.readline():
                raise AssertionError(f"child ended early: {proc.stderr.read()}")
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_while_feeding_loses_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    rnd = random.Random(4)
    for _ in range(8):
        _run_and_kill(db, rnd.randint(1, 25), rnd.choice([0.0, 0.0005, 0.002, 0.005]))

    m = open_machine(db)  # the next start
    for row in m.journal.recover().unfinished:
        m.journal.mark_reconcile(row.tx_id, "killed")
    m.store.catch_up(m.feed, utc_offset_minutes=OFFSET)
    rows = [r for r in m.journal.transactions_between(0, 2**62) if r.decision is not None]
    assert len(rows) > 8
    expected: dict[str, int] = {}
    for row in rows:
        expected[row.op] = expected.get(row.op, 0) + 1
    assert m.feed.statistics.day(DAY) == dict(sorted(expected.items()))
    transit = sorted(r.item.pii for r in rows if r.op == "checkin" and r.item.owner == YUEXIU)
    assert sorted(i.barcode for i in m.feed.bins.items(YUEXIU)) == transit
    assert m.feed.bins.counts() == {YUEXIU: len(transit)}
    m.close()
