"""The runtime's conversions keep due dates as epoch milliseconds from machine to wire."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.circulation import Decision, Verdict
from kiosk.circulation.reasons import Reason
from kiosk.journal import Decision as JournalDecision
from kiosk.journal import ItemRef, Result, Step, TxRecord
from kiosk.runtime.convert import decided_from_reply, journal_decision, ms_to_datetime, wire_event

DUE = datetime(2026, 12, 24, 15, 59, 59, 999000, tzinfo=UTC)
DUE_MS = 1_798_127_999_999


def test_an_offline_due_date_is_journalled_as_integer_milliseconds() -> None:
    decision = Decision(Verdict.ACCEPTED, Reason.OK, due=DUE, offline=True)
    assert journal_decision(decision) == JournalDecision(Result.ACCEPTED, "ok", DUE_MS)
    assert ms_to_datetime(DUE_MS) == DUE


def test_centrals_due_is_kept_as_milliseconds_and_shown_as_a_datetime() -> None:
    reply = {"tx_id": "k1:1", "result": "accepted", "reason": "ok", "due": DUE_MS}
    decided = decided_from_reply(reply, 3, "e004")
    assert decided is not None
    event, record = decided
    assert (event.due, record.due, record.reason) == (DUE, DUE_MS, "ok")
    for bad in ("2026-12-24", -5, True, None):
        decided = decided_from_reply({**reply, "due": bad}, 3, "e004")
        assert decided is not None and decided[0].due is None and decided[1].due is None


def test_the_wire_event_is_the_journal_rows_own_event() -> None:
    record = TxRecord(
        seq=4, tx_id="k1:4", intent_key="s:4", ts_ms=1_790_000_000_000, op="checkout",
        item=ItemRef("31000004", "CN-440100-1", "E004000000000004"), patron="P1", staff=None,
        detail=None, step=Step.SHOWN, step_ms=1, offline=True,
        decision=JournalDecision(Result.ACCEPTED, "ok", DUE_MS), security=None, reply=None,
        answered_ms=None, parked=None, note=None,
    )
    event = wire_event(record)
    assert event == record.event()
    assert event["decision"] == {"result": "accepted", "reason": "ok", "due": DUE_MS}
