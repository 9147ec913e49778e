"""Behaviour of the Journal: intents, steps, idempotency, outbox, acks, parking, statistics."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import cbor2
import pytest

from kiosk.errors import JournalError, KioskError, RecordError
from kiosk.journal import (
    Decision,
    Intent,
    ItemRef,
    Journal,
    Result,
    Security,
    Step,
    staff_op,
)
from kiosk.journal.records import OPEN_STEPS, TRANSITIONS
from kiosk.journal.recovery import ADVICE

T0 = 1_790_000_000.0  # seconds since the epoch


class Clock:
    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 0.001) -> None:
        self.now += seconds


def item(n: int = 1) -> ItemRef:
    return ItemRef(pii=f"310{n:05d}", owner="CN-440100-1", uid=f"E00401{n:010X}")


def intent(n: int = 1, op: str = "checkout", **kw: object) -> Intent:
    return Intent(f"s1:{n}:{op}", op, item(n), patron="P001", **kw)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journal(tmp_path: Path, clock: Clock) -> Journal:
    j = Journal.open(tmp_path / "j.db", kiosk="k1", clock=clock)
    yield j  # type: ignore[misc]
    j.close()


def drive(journal: Journal, tx_id: str, target: Step) -> None:
    """Walk a fresh intent along the happy path (or to a side exit) until ``target``."""
    path = {
        Step.INTENT: [],
        Step.DECIDED: [Step.DECIDED],
        Step.EFFECT_DONE: [Step.DECIDED, Step.EFFECT_DONE],
        Step.SHOWN: [Step.DECIDED, Step.EFFECT_DONE, Step.SHOWN],
        Step.CANCELLED: [Step.CANCELLED],
        Step.RECONCILE: [Step.RECONCILE],
    }[target]
    for step in path:
        apply_step(journal, tx_id, step)


def apply_step(journal: Journal, tx_id: str, step: Step) -> None:
    actions = {
        Step.DECIDED: lambda: journal.decide(tx_id, Decision(Result.ACCEPTED), offline=True),
        Step.EFFECT_DONE: lambda: journal.effect_done(tx_id, Security.UNSECURED),
        Step.SHOWN: lambda: journal.shown(tx_id),
        Step.CANCELLED: lambda: journal.cancel(tx_id, "item lifted"),
        Step.RECONCILE: lambda: journal.mark_reconcile(tx_id, "crash"),
    }
    actions[step]()


def test_begin_commits_an_intent_with_seq_tx_id_and_original_timestamp(
    journal: Journal, clock: Clock
) -> None:
    first = journal.begin(intent(1))
    clock.tick(5)
    second = journal.begin(intent(2, ts_ms=1_234))
    assert first.created and second.created
    assert (first.record.seq, first.record.tx_id) == (1, "k1:1")
    assert (second.record.seq, second.record.tx_id) == (2, "k1:2")
    assert first.record.ts_ms == int(T0 * 1000)
    assert second.record.ts_ms == 1_234  # the patron's time, not the clock's
    assert first.record.step is Step.INTENT and not first.record.finished
    assert journal.get("k1:1") == first.record


def test_retried_begin_with_the_same_key_returns_the_same_row(
    journal: Journal, clock: Clock
) -> None:
    first = journal.begin(intent(1))
    clock.tick(60)
    again = journal.begin(intent(1))
    assert not again.created
    assert again.record == first.record  # ts and step untouched
    assert journal.last_seq() == 1


def test_reusing_a_key_for_a_different_intent_is_refused(journal: Journal) -> None:
    journal.begin(intent(1))
    other = Intent("s1:1:checkout", "checkout", item(2), patron="P001")
    with pytest.raises(JournalError, match="already used by k1:1"):
        journal.begin(other)
    with pytest.raises(JournalError, match="different intent"):
        journal.begin(intent(1, ts_ms=5))
    assert journal.last_seq() == 1


def test_begin_many_is_one_transaction_and_deduplicates_within_the_batch(
    journal: Journal,
) -> None:
    results = journal.begin_many([intent(1), intent(2), intent(1), intent(3)])
    assert [r.record.seq for r in results] == [1, 2, 1, 3]
    assert [r.created for r in results] == [True, True, False, True]
    with pytest.raises(JournalError):
        journal.begin_many([intent(4), Intent("s1:2:checkout", "renew", item(2))])
    assert journal.find("s1:4:checkout") is None  # the whole batch rolled back
    assert journal.begin_many([]) == []


def test_full_online_path_records_every_step_with_its_time(
    journal: Journal, clock: Clock
) -> None:
    tx = journal.begin(intent(1)).record.tx_id
    clock.tick()
    reply = {"tx_id": tx, "result": "accepted", "due": 1_798_127_999_999, "title": "三体"}
    decided = journal.decide(tx, Decision(Result.ACCEPTED, due=1_798_127_999_999), offline=False,
                             reply=reply)
    assert decided.step is Step.DECIDED and not decided.offline
    assert decided.reply == reply and decided.answered_ms == int(clock() * 1000)
    assert not decided.in_outbox
    clock.tick()
    done = journal.effect_done(tx, Security.UNSECURED)
    assert done.security is Security.UNSECURED
    clock.tick()
    shown = journal.shown(tx)
    assert shown.finished
    times = [at for _, at in journal.steps(tx)]
    assert [s for s, _ in journal.steps(tx)] == [
        Step.INTENT, Step.DECIDED, Step.EFFECT_DONE, Step.SHOWN
    ]
    assert times == sorted(times) and len(set(times)) == 4


def test_offline_decision_stays_in_the_outbox_until_acknowledged(journal: Journal) -> None:
    tx = journal.begin(intent(1, op="checkin")).record.tx_id
    journal.decide(tx, Decision(Result.ACCEPTED, reason="ok"), offline=True)
    journal.effect_done(tx, Security.SECURED)
    journal.shown(tx)
    [queued] = journal.outbox()
    assert queued.offline and queued.decision == Decision(Result.ACCEPTED, "ok")
    event = queued.event()
    assert event["decision"] == {"result": "accepted", "reason": "ok"}
    assert journal.ack(tx, {"tx_id": tx, "result": "accepted", "route": "shelf"}) is True
    assert journal.ack(tx, {"tx_id": tx, "result": "refused"}) is False
    assert journal.outbox() == [] and journal.outbox_depth() == 0
    record = journal.get(tx)
    assert record is not None and record.reply is not None
    assert record.reply["result"] == "accepted"  # the first reply is kept


@pytest.mark.parametrize(
    ("current", "new"),
    [(c, n) for c in Step for n in Step if n not in TRANSITIONS[c] and n is not Step.INTENT],
)
def test_every_transition_outside_the_table_is_refused(
    journal: Journal, current: Step, new: Step
) -> None:
    tx = journal.begin(intent(1)).record.tx_id
    drive(journal, tx, current)
    with pytest.raises(JournalError, match=f"from step '{current}' to '{new}'"):
        apply_step(journal, tx, new)
    record = journal.get(tx)
    assert record is not None and record.step is current  # nothing half-written


@pytest.mark.parametrize(
    ("current", "new"), [(c, n) for c in Step for n in Step if n in TRANSITIONS[c]]
)
def test_every_transition_in_the_table_is_allowed(
    journal: Journal, current: Step, new: Step
) -> None:
    tx = journal.begin(intent(1)).record.tx_id
    drive(journal, tx, current)
    apply_step(journal, tx, new)
    record = journal.get(tx)
    assert record is not None and record.step is new


def test_the_step_table_has_open_and_final_steps_and_advice_for_each_open_one() -> None:
    assert {Step.INTENT, Step.DECIDED, Step.EFFECT_DONE} == OPEN_STEPS
    assert set(ADVICE) == OPEN_STEPS
    # every open step can reach reconciliation, so recovery can always close a transaction
    assert all(Step.RECONCILE in TRANSITIONS[s] for s in OPEN_STEPS)


def test_cancel_and_reconcile_keep_the_note_and_stay_in_the_outbox(journal: Journal) -> None:
    a = journal.begin(intent(1)).record.tx_id
    b = journal.begin(intent(2)).record.tx_id
    assert journal.cancel(a, "item lifted off the pad").note == "item lifted off the pad"
    assert journal.mark_reconcile(b, "power cut").step is Step.RECONCILE
    assert [r.tx_id for r in journal.outbox()] == [a, b]  # central must still see both seqs
    with pytest.raises(RecordError, match="note"):
        journal.cancel(journal.begin(intent(3)).record.tx_id, "")


def test_recover_lists_exactly_the_unfinished_by_step(journal: Journal) -> None:
    targets = [Step.SHOWN, Step.INTENT, Step.DECIDED, Step.EFFECT_DONE, Step.CANCELLED,
               Step.DECIDED, Step.RECONCILE]
    ids = []
    for n, target in enumerate(targets):
        tx = journal.begin(intent(n)).record.tx_id
        drive(journal, tx, target)
        ids.append(tx)
    report = journal.recover()
    assert report.tx_ids == (ids[1], ids[2], ids[3], ids[5])
    grouped = report.by_step()
    assert [r.tx_id for r in grouped[Step.DECIDED]] == [ids[2], ids[5]]
    assert [r.tx_id for r in grouped[Step.INTENT]] == [ids[1]]
    assert report.outbox_depth == len(targets) and report.last_seq == len(targets)
    assert not report.clean


def test_park_takes_a_row_out_of_the_drain_without_losing_it(journal: Journal) -> None:
    ids = [journal.begin(intent(n)).record.tx_id for n in range(3)]
    assert journal.park(ids[1], "publish refused: 0x87 not authorized") is True
    assert journal.park(ids[1], "again") is False
    assert [r.tx_id for r in journal.outbox()] == [ids[0], ids[2]]
    assert journal.outbox_depth() == 2
    [parked] = journal.parked()
    assert parked.parked == "publish refused: 0x87 not authorized"
    assert journal.recover().parked == 1
    assert journal.unpark(ids[1]) is True and journal.unpark(ids[1]) is False
    assert [r.tx_id for r in journal.outbox()] == ids
    journal.ack(ids[0], {"result": "accepted"})
    assert journal.park(ids[0], "answered rows cannot be parked") is False


def test_outbox_pages_in_seq_order(journal: Journal) -> None:
    journal.begin_many([intent(n) for n in range(10)])
    journal.ack("k1:4", {"result": "accepted"})
    first = journal.outbox(3)
    assert [r.seq for r in first] == [1, 2, 3]
    rest = journal.outbox(100, after_seq=first[-1].seq)
    assert [r.seq for r in rest] == [5, 6, 7, 8, 9, 10]
    with pytest.raises(RecordError, match="limit"):
        journal.outbox(0)
    with pytest.raises(RecordError, match="after_seq"):
        journal.outbox(5, after_seq=-1)


def test_unknown_foreign_and_malformed_tx_ids(journal: Journal) -> None:
    journal.begin(intent(1))
    with pytest.raises(JournalError, match="k1:99 is not in the journal"):
        journal.ack("k1:99", {"result": "accepted"})
    with pytest.raises(JournalError, match="not in the journal"):
        journal.shown("k1:99")
    with pytest.raises(JournalError, match="not from this kiosk"):
        journal.ack("k2:1", {"result": "accepted"})
    for bad in ("k1", "k1:", ":1", "k1:x", "k1:-1", 7, None, "k/1:1"):
        with pytest.raises(RecordError, match="tx_id") as info:
            journal.get(bad)  # type: ignore[arg-type]
        assert isinstance(info.value, ValueError) and isinstance(info.value, KioskError)
    assert journal.get("k1:2") is None
    with pytest.raises(RecordError, match="reply"):
        journal.ack("k1:1", ["not", "a", "map"])  # type: ignore[arg-type]


def test_seq_is_never_reused_even_after_rows_are_deleted_and_the_file_reopened(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "j.db"
    with Journal.open(path, kiosk="k1", clock=clock) as journal:
        journal.begin_many([intent(n) for n in range(5)])
        with journal.db.write("test deletes the newest rows") as conn:
            conn.execute("DELETE FROM tx_step WHERE seq > 2")
            conn.execute("DELETE FROM tx WHERE seq > 2")
        assert journal.begin(intent(10)).record.seq == 6
    with Journal.open(path, kiosk="k1", clock=clock) as journal:
        assert journal.last_seq() == 6
        assert journal.begin(intent(11)).record.seq == 7


def test_a_journal_belongs_to_one_kiosk(tmp_path: Path, clock: Clock) -> None:
    Journal.open(tmp_path / "j.db", kiosk="k1", clock=clock).close()
    with pytest.raises(JournalError, match="belongs to kiosk 'k1', not 'k2'"):
        Journal.open(tmp_path / "j.db", kiosk="k2", clock=clock)
    with pytest.raises(RecordError, match="kiosk id"):
        Journal.open(tmp_path / "x.db", kiosk="bad/id", clock=clock)


def test_staff_actions_are_recorded_done_and_published(journal: Journal) -> None:
    action = Intent("staff:1", staff_op("empty_bin"), staff="S07", detail={"bin": "A", "n": 41})
    result = journal.record_staff(action)
    assert result.created and result.record.step is Step.SHOWN
    assert journal.record_staff(action).created is False
    event = journal.outbox()[0].event()
    assert event["op"] == "staff:empty_bin" and event["staff"] == "S07"
    assert event["detail"] == {"bin": "A", "n": 41} and "item" not in event
    with pytest.raises(RecordError, match="goes through record_staff"):
        journal.begin(action)
    with pytest.raises(RecordError, match="goes through begin"):
        journal.record_staff(intent(1))
    with pytest.raises(RecordError, match="staff id"):
        Intent("staff:2", staff_op("open_door"))
    with pytest.raises(RecordError, match="staff action"):
        staff_op("Open Door")


def test_an_offline_due_date_is_journalled_and_sent_as_integer_milliseconds(
    journal: Journal, tmp_path: Path
) -> None:
    tx = journal.begin(intent(1)).record.tx_id
    journal.decide(tx, Decision(Result.ACCEPTED, "ok", 1_798_127_999_999), offline=True)
    (queued,) = journal.outbox()
    assert queued.event()["decision"] == {"result": "accepted", "reason": "ok",
                                          "due": 1_798_127_999_999}
    journal.close()
    with sqlite3.connect(tmp_path / "j.db") as conn:  # a row as an older kiosk wrote it
        old = cbor2.dumps({"result": "accepted", "reason": "ok", "due": "1798127999999"})
        conn.execute("UPDATE tx SET decision = ? WHERE seq = 1", (old,))
    conn.close()
    again = Journal.open(tmp_path / "j.db", kiosk="k1", clock=Clock())
    try:
        (row,) = again.outbox()
        assert row.decision == Decision(Result.ACCEPTED, "ok", 1_798_127_999_999)
        assert row.event()["decision"]["due"] == 1_798_127_999_999
    finally:
        again.close()


def test_event_is_the_contract_map(journal: Journal) -> None:
    it = ItemRef("31000001", "CN-440100-1", "E004010012345678", set_info="1203")
    tx = journal.begin(Intent("k", "checkout", it, patron="P9", ts_ms=1_700_000_000_123))
    event = tx.record.event()
    assert event == {
        "v": 1,
        "tx_id": "k1:1",
        "seq": 1,
        "ts": 1_700_000_000_123,
        "op": "checkout",
        "item": {"pii": "31000001", "owner": "CN-440100-1", "uid": "E004010012345678",
                 "set": "1203"},
        "patron": "P9",
        "offline": False,
    }


def test_transactions_between_is_half_open_and_ordered_by_time(journal: Journal) -> None:
    for n, ts in enumerate([3_000, 1_000, 2_000, 4_000]):
        journal.begin(intent(n, ts_ms=ts))
    assert [r.ts_ms for r in journal.transactions_between(1_000, 4_000)] == [1_000, 2_000, 3_000]
    assert journal.transactions_between(5_000, 5_000) == []
    with pytest.raises(RecordError, match="before"):
        journal.transactions_between(10, 5)


def test_bad_values_are_refused_before_reaching_the_database(journal: Journal) -> None:
    tx = journal.begin(intent(1)).record.tx_id
    journal.decide(tx, Decision(Result.ACCEPTED), offline=True)
    with pytest.raises(RecordError, match="security: expected one of secured"):
        journal.effect_done(tx, "painted")  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="offline"):
        journal.decide(tx, Decision(Result.ACCEPTED), offline="yes")  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="decision"):
        journal.decide(tx, {"result": "accepted"}, offline=True)  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="CBOR"):
        journal.record_staff(Intent("s", staff_op("x"), staff="S", detail={"f": object()}))
    with pytest.raises(RecordError, match="intent"):
        journal.begin("checkout")  # type: ignore[arg-type]


def test_damaged_stored_data_is_a_journal_error_naming_the_row(journal: Journal) -> None:
    tx = journal.begin(intent(1)).record.tx_id
    with journal.db.write("test damages a blob") as conn:
        conn.execute("UPDATE tx SET item = x'ff00' WHERE seq = 1")
    with pytest.raises(JournalError, match=f"{tx}: stored item is not valid CBOR"):
        journal.get(tx)
    with journal.db.write("test damages a step") as conn:
        conn.execute("UPDATE tx SET item = NULL, step = 'flying' WHERE seq = 1")
    with pytest.raises(JournalError, match="stored step 'flying' is unknown"):
        journal.get(tx)


def test_the_connection_belongs_to_the_thread_that_opened_it(journal: Journal) -> None:
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            journal.begin(intent(1))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], JournalError)
    assert "thread" in str(errors[0])
    assert journal.begin(intent(1)).created  # the owner thread is unaffected
