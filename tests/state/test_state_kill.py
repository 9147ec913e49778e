"""Kill test: a writer SIGKILLed at random moments never leaves a torn or half-written file.

The child rewrites one large document again and again, printing the counter after each write
returns. After each kill the file must parse and hold either the last document the child
reported (old) or the one after it (new, written but not yet reported) — never anything else,
never a mixture (the padding repeats one digit derived from the counter). Stale temp files are
cleaned when the storage is opened again. The next child continues from what is on disk.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.state import AtomicJSONStorage

CHILD = Path(__file__).with_name("state_kill_child.py")
PAD = 400_000


def _run_and_kill(path: Path, rng: random.Random) -> list[int]:
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), str(PAD)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    reported: list[int] = []
    try:
        for _ in range(rng.randint(1, 4)):
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"child ended early: {proc.stderr.read()}")
            reported.append(int(line))
        time.sleep(rng.uniform(0.0, 0.006))
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    reported += [int(x) for x in rest.splitlines() if x.strip().isdigit()]
    return reported


def test_sigkilled_writer_leaves_the_old_or_the_new_document(tmp_path: Path) -> None:
    rng = random.Random(7_2026)
    path = tmp_path / "state.json"
    last = 0
    outcomes = {"old": 0, "new": 0}
    for _ in range(30):
        reported = _run_and_kill(path, rng)
        assert reported[0] == last + 1, "the child continues from the document on disk"
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw)  # never torn: always a whole JSON document
        [doc] = data["t"].values()
        n = doc["n"]
        assert n in (reported[-1], reported[-1] + 1), f"file holds {n}, child said {reported}"
        assert doc["pad"] == str(n % 10) * PAD, "document is a mixture of two writes"
        outcomes["old" if n == reported[-1] else "new"] += 1
        storage = AtomicJSONStorage(path)  # opening cleans temp files of the killed writer
        assert storage.read() == data
        assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
        last = n
    assert outcomes["old"] > 0  # kills landed both before and after a rename
    assert outcomes["new"] > 0 or outcomes["old"] == 30
