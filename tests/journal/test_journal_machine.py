"""The journal against a plain model, under random sequences of calls and reopenings (Hypothesis).

Invariants after every call: the outbox is exactly the unanswered, unparked rows in seq order;
``recover()`` lists exactly the rows on an open step; seqs are handed out 1, 2, 3… never twice;
one row per intent key; an illegal step changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.errors import JournalError
from kiosk.journal import Decision, Intent, ItemRef, Journal, Result, Security, Step
from kiosk.journal.records import OPEN_STEPS, TRANSITIONS


@dataclass
class Row:
    key: str
    step: Step = Step.INTENT
    answered: bool = False
    parked: bool = False


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


class JournalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="journal-machine-"))
        self.clock = Clock()
        self.journal = Journal.open(self.dir / "j.db", kiosk="m1", clock=self.clock)
        self.rows: dict[int, Row] = {}
        self.by_key: dict[str, int] = {}

    def teardown(self) -> None:
        self.journal.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def tx(self, seq: int) -> str:
        return f"m1:{seq}"

    @rule(n=st.integers(0, 12), op=st.sampled_from(["checkout", "checkin", "renew"]))
    def begin(self, n: int, op: str) -> None:
        key = f"key-{n}-{op}"
        result = self.journal.begin(Intent(key, op, ItemRef(f"P{n}", "CN-1", f"E0{n:02X}")))
        if key in self.by_key:
            assert not result.created and result.record.seq == self.by_key[key]
        else:
            assert result.created and result.record.seq == len(self.rows) + 1
            self.by_key[key] = result.record.seq
            self.rows[result.record.seq] = Row(key)

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), step=st.sampled_from([s for s in Step if s is not Step.INTENT]),
          with_reply=st.booleans())
    def advance(self, data: st.DataObject, step: Step, with_reply: bool) -> None:
        seq = data.draw(st.sampled_from(sorted(self.rows)))
        row = self.rows[seq]
        tx = self.tx(seq)
        calls = {
            Step.DECIDED: lambda: self.journal.decide(
                tx, Decision(Result.ACCEPTED), offline=not with_reply,
                reply={"result": "accepted"} if with_reply else None,
            ),
            Step.EFFECT_DONE: lambda: self.journal.effect_done(tx, Security.NOT_NEEDED),
            Step.SHOWN: lambda: self.journal.shown(tx),
            Step.CANCELLED: lambda: self.journal.cancel(tx, "lifted"),
            Step.RECONCILE: lambda: self.journal.mark_reconcile(tx, "check"),
        }
        if step in TRANSITIONS[row.step]:
            record = calls[step]()
            row.step = step
            if step is Step.DECIDED and with_reply:
                row.answered = True
            assert record.step is step
            assert (record.answered_ms is not None) is row.answered
        else:
            try:
                calls[step]()
            except JournalError:
                pass
            else:
                raise AssertionError(f"{row.step} -> {step} should have been refused")

    @precondition(lambda self: self.rows)
    @rule(data=st.data())
    def ack(self, data: st.DataObject) -> None:
        seq = data.draw(st.sampled_from(sorted(self.rows)))
        assert self.journal.ack(self.tx(seq), {"result": "accepted"}) is not self.rows[seq].answered
        self.rows[seq].answered = True

    @precondition(lambda self: self.rows)
    @rule(data=st.data(), park=st.booleans())
    def park_or_unpark(self, data: st.DataObject, park: bool) -> None:
        seq = data.draw(st.sampled_from(sorted(self.rows)))
        row = self.rows[seq]
        if park:
            expected = not row.parked and not row.answered
            assert self.journal.park(self.tx(seq), "refused by broker") is expected
            row.parked = row.parked or expected
        else:
            assert self.journal.unpark(self.tx(seq)) is row.parked
            row.parked = False

    @rule()
    def reopen(self) -> None:
        self.journal.close()
        self.journal = Journal.open(self.dir / "j.db", kiosk="m1", clock=self.clock)

    @invariant()
    def outbox_is_the_unanswered_unparked_rows(self) -> None:
        expected = [s for s, r in sorted(self.rows.items()) if not r.answered and not r.parked]
        assert [r.seq for r in self.journal.outbox(1000)] == expected
        assert self.journal.outbox_depth() == len(expected)

    @invariant()
    def recover_lists_the_open_rows(self) -> None:
        report = self.journal.recover()
        expected = [s for s, r in sorted(self.rows.items()) if r.step in OPEN_STEPS]
        assert [r.seq for r in report.unfinished] == expected
        assert report.last_seq == len(self.rows)
        assert report.parked == sum(r.parked and not r.answered for r in self.rows.values())


JournalMachine.TestCase.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None
)
test_journal_machine = JournalMachine.TestCase
