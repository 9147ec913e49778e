"""Kill tests: SIGKILL a process writing the journal at every step position and at random moments.

The child (``journal_kill_child.py``) prints one line after each committed step. The parent kills
it — exactly between two commits (stepped rounds, every step position of online and offline
transactions) or at a random moment (free rounds, often inside a commit) — then reopens the same
journal file and checks, against a model built from the printed lines:

- every step the child reported as committed is there, with the seq it reported;
- at most one more step than printed happened, and only the very next one the child would do;
- seq values are unique, strictly increasing with the intent order, never reused after restart;
- one row per intent key, also when the next child re-begins the key that was in flight;
- ``recover()`` lists exactly the unfinished transactions; the outbox is exactly the unanswered;
- ``PRAGMA integrity_check`` is ok.

The parent then marks the unfinished ones for reconciliation (as the circulation layer would) and
the next child continues appending to the same file.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.journal import Journal, Step

CHILD = Path(__file__).with_name("journal_kill_child.py")
KIOSK = "kill-kiosk"
STEP_OF_EVENT = {
    "begin": Step.INTENT,
    "decided": Step.DECIDED,
    "effect": Step.EFFECT_DONE,
    "shown": Step.SHOWN,
}
ORDER = [Step.INTENT, Step.DECIDED, Step.EFFECT_DONE, Step.SHOWN]


@dataclass
class ModelTx:
    i: int
    seq: int
    events: set[str] = field(default_factory=set)
    reconciled: bool = False

    @property
    def online(self) -> bool:
        return self.i % 2 == 0

    def step(self) -> Step:
        if self.reconciled:
            return Step.RECONCILE
        reached = [STEP_OF_EVENT[e] for e in self.events if e in STEP_OF_EVENT]
        return max(reached, key=ORDER.index)

    def answered(self) -> bool:
        return "ack" in self.events or (self.online and "decided" in self.events)


def _next_event(lines: list[list[str]], start: int) -> tuple[str, int]:
    """The one operation the child would have done after its last printed line."""
    if not lines:
        return "begin", start
    event, i = lines[-1][0], int(lines[-1][1])
    if event == "begin":
        return ("decided", i) if lines[-1][4] == Step.INTENT.value else ("begin", i + 1)
    follow = {"decided": "effect", "effect": "shown"}
    if event in follow:
        return follow[event], i
    if event == "shown" and i % 2 == 1:
        return "ack", i
    return "begin", i + 1


def _run_child(db: Path, start: int, stepped: bool, kill_after: int, delay: float) -> list[str]:
    mode = "stepped" if stepped else "free"
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), KIOSK, str(start), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    try:
        while len(lines) < kill_after:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"child ended early: {proc.stderr.read()}")
            lines.append(line)
            if stepped and len(lines) < kill_after:
                proc.stdin.write("go\n")
                proc.stdin.flush()
        if delay:
            time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    assert proc.returncode == -signal.SIGKILL
    lines.extend(rest.splitlines(keepends=True))
    return [line for line in lines if line.endswith("\n")]  # a torn last line counts as unsaid


def _check_round(
    db: Path, model: dict[int, ModelTx], printed: list[list[str]], start: int, max_seq: int
) -> tuple[int, int]:
    """Verify the reopened journal against the model; returns (next start, highest seq)."""
    for words in printed:
        event, i, seq = words[0], int(words[1]), int(words[2])
        if event == "begin":
            if i in model:
                assert words[3] == "0" and model[i].seq == seq, f"re-begin of key-{i}: {words}"
            else:
                assert words[3] == "1", f"new key-{i} reported as existing: {words}"
                assert seq > max_seq, f"seq {seq} reused or out of order (max so far {max_seq})"
                max_seq = seq
                model[i] = ModelTx(i, seq)
        assert model[i].seq == seq
        model[i].events.add(event)
    next_event, next_i = _next_event(printed, start)

    journal = Journal.open(db, kiosk=KIOSK, clock=time.time)
    try:
        assert journal.db.integrity_check() == ["ok"]
        rows = journal.db.query("SELECT seq, intent_key FROM tx ORDER BY seq")
        keys = [int(key.removeprefix("key-")) for _, key in rows]
        assert keys == sorted(set(keys)), "one row per intent, in intent order"
        for seq, key in rows:
            i = int(key.removeprefix("key-"))
            if i not in model:  # only the begin in flight may have committed unreported
                assert (next_event, next_i) == ("begin", i), f"unexpected row {key} seq {seq}"
                assert seq > max_seq
                max_seq = seq
                model[i] = ModelTx(i, seq, {"begin"})
            assert model[i].seq == seq
        assert len(rows) == len(model)

        for tx in model.values():
            record = journal.get(f"{KIOSK}:{tx.seq}")
            assert record is not None
            expected = tx.step()
            if record.step is not expected:
                assert (next_event, next_i) == (
                    next((e for e, s in STEP_OF_EVENT.items() if s is record.step), "?"),
                    tx.i,
                ), f"key-{tx.i}: journal at {record.step}, model at {expected}"
                tx.events.add(next_event)
            if record.in_outbox is tx.answered():
                assert (next_event, next_i) in {("ack", tx.i), ("decided", tx.i)}
                assert record.answered_ms is not None
                tx.events.add(next_event)
            committed = [step for step, _ in journal.steps(record.tx_id)]
            printed_steps = {STEP_OF_EVENT[e] for e in tx.events if e in STEP_OF_EVENT}
            assert printed_steps <= set(committed), f"key-{tx.i}: reported step missing"
            walked = [step for step in committed if step is not Step.RECONCILE]
            assert walked == ORDER[: len(walked)], f"key-{tx.i}: steps {committed}"
            assert (Step.RECONCILE in committed) is tx.reconciled
        report = journal.recover()
        unfinished = {f"{KIOSK}:{t.seq}" for t in model.values() if t.step() not in _FINAL}
        assert set(report.tx_ids) == unfinished
        assert list(report.tx_ids) == sorted(report.tx_ids, key=lambda t: int(t.split(":")[1]))
        outbox = [r.seq for r in journal.outbox(100_000)]
        assert outbox == sorted(t.seq for t in model.values() if not t.answered())
        assert journal.outbox_depth() == len(outbox)
        assert journal.last_seq() >= max_seq

        for record in report.unfinished:
            journal.mark_reconcile(record.tx_id, "killed mid-transaction (kill test)")
            model[int(record.intent_key.removeprefix("key-"))].reconciled = True
        assert journal.recover().clean
    finally:
        journal.close()
    return max(model) + 1 if model else start, max_seq


_FINAL = {Step.SHOWN, Step.RECONCILE, Step.CANCELLED}


def test_sigkill_at_every_step_and_at_random_never_loses_or_duplicates(tmp_path: Path) -> None:
    rng = random.Random(20261124)
    db = tmp_path / "journal.db"
    model: dict[int, ModelTx] = {}
    start, max_seq = 0, 0
    positions: set[tuple[str, bool]] = set()
    rounds = [(True, k, 0.0) for k in list(range(1, 11)) * 2]
    rounds += [(False, rng.randint(1, 10), rng.uniform(0.0, 0.004)) for _ in range(20)]
    for stepped, kill_after, delay in rounds:
        lines = _run_child(db, start, stepped, kill_after, delay)
        printed = [line.split() for line in lines]
        if stepped:
            assert len(printed) == kill_after, "a stepped child cannot run past the kill"
            last = printed[-1]
            positions.add((last[0], int(last[1]) % 2 == 0))
        start, max_seq = _check_round(db, model, printed, start, max_seq)
    # every step position was hit exactly between commits, for online and offline transactions
    expected = {(e, online) for e in STEP_OF_EVENT for online in (True, False)} | {("ack", False)}
    assert expected <= positions, f"positions never hit: {expected - positions}"
    assert len(model) >= 20
