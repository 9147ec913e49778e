"""Exactly-once processing by tx_id and per-kiosk seq order with gap holding."""

from __future__ import annotations

from dataclasses import replace

import pytest
from central_world import LIB_A, NOW, Desk

from central.domain import (
    CentralDomain,
    ConflictKind,
    Held,
    Op,
    Result,
    UnknownRecordError,
)
from kiosk.circulation.reasons import Reason


def test_repeat_returns_the_first_reply_and_changes_nothing(desk: Desk) -> None:
    tx = desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1")
    first = desk.send(tx)
    repeat = desk.domain.apply(tx, NOW + 5000)
    assert repeat is first or repeat == first
    assert repeat.to_wire() == first.to_wire()  # type: ignore[union-attr]
    assert len(desk.domain.loans()) == 1
    assert desk.domain.fleet()[0].processed == 1


def test_repeat_of_a_refusal_stays_a_refusal_after_state_changes(desk: Desk) -> None:
    tx = desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P3")  # blocked
    assert desk.send(tx).reason is Reason.PATRON_BLOCKED
    desk.domain.unblock_patron("P3")
    assert desk.send(tx).reason is Reason.PATRON_BLOCKED
    assert desk.domain.loans() == []


def test_repeat_checkin_does_not_return_twice(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001")
    tx = desk.tx("k-a1", Op.CHECKIN, "A001")
    first = desk.send(tx)
    desk.checkout("k-a1", "P2", "A001")
    assert desk.send(tx) == first
    assert [loan.patron for loan in domain.loans()] == ["P2"]


def test_gap_holds_until_the_missing_seq_arrives(domain: CentralDomain, desk: Desk) -> None:
    t1 = desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1)
    t2 = desk.tx("k-a1", Op.CHECKOUT, "A002", patron="P1", seq=2)
    t3 = desk.tx("k-a1", Op.CHECKIN, "A001", seq=3)
    assert desk.send(t1).result is Result.ACCEPTED
    held = domain.apply(t3, NOW)
    assert held == Held("k-a1:3", "k-a1", 3, expected=2)
    assert domain.apply(t3, NOW + 1) == held  # a re-send while held is still held
    assert [loan.pii for loan in domain.loans()] == ["A001"]  # seq 3 not applied yet
    assert domain.fleet()[0].held == 1
    reply2 = desk.send(t2)
    assert reply2.tx_id == "k-a1:2"
    released = domain.take_released()
    assert [r.tx_id for r in released] == ["k-a1:3"]
    assert released[0].route == "shelf"
    assert domain.take_released() == []
    assert [loan.pii for loan in domain.loans()] == ["A002"]
    assert domain.apply(t3, NOW) == released[0]  # and the kiosk's re-send gets the same reply
    assert domain.gap_log() == []


def test_release_after_reorder_timeout_logs_the_gap(domain: CentralDomain, desk: Desk) -> None:
    timeout = domain.config.reorder_timeout_ms
    t1 = desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1)
    t4 = desk.tx("k-a1", Op.CHECKOUT, "A002", patron="P1", seq=4)
    t5 = desk.tx("k-a1", Op.CHECKOUT, "A003", patron="P1", seq=5)
    desk.send(t1)
    assert isinstance(domain.apply(t4, NOW), Held)
    assert isinstance(domain.apply(t5, NOW + 10), Held)
    assert domain.release_gaps(NOW + timeout - 1) == []  # not yet
    replies = domain.release_gaps(NOW + timeout)
    assert [r.tx_id for r in replies] == ["k-a1:4", "k-a1:5"]
    assert all(r.result is Result.ACCEPTED for r in replies)
    gaps = domain.gap_log()
    assert [(g.kind, g.kiosk, g.first, g.last) for g in gaps] == [("skipped", "k-a1", 2, 3)]
    assert domain.take_released() == []
    fleet = {f.kiosk: f for f in domain.fleet()}
    assert (fleet["k-a1"].last_seq, fleet["k-a1"].held, fleet["k-a1"].gaps) == (5, 0, 1)


def test_release_stops_at_a_younger_gap(domain: CentralDomain, desk: Desk) -> None:
    timeout = domain.config.reorder_timeout_ms
    desk.send(desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1))
    domain.apply(desk.tx("k-a1", Op.CHECKOUT, "A002", patron="P1", seq=3), NOW)
    domain.apply(desk.tx("k-a1", Op.CHECKOUT, "A003", patron="P1", seq=5), NOW + timeout)
    replies = domain.release_gaps(NOW + timeout)
    assert [r.tx_id for r in replies] == ["k-a1:3"]  # seq 5 has waited 0 ms for seq 4
    assert domain.fleet()[0].held == 1


def test_late_arrival_of_a_skipped_seq_is_applied_and_logged(
    domain: CentralDomain, desk: Desk
) -> None:
    timeout = domain.config.reorder_timeout_ms
    t2 = desk.tx("k-a1", Op.CHECKOUT, "A002", patron="P1", seq=2)
    domain.apply(t2, NOW)
    domain.release_gaps(NOW + timeout)
    late = desk.send(desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1))
    assert late.result is Result.ACCEPTED
    assert [(g.kind, g.first, g.last) for g in domain.gap_log()] == [
        ("skipped", 1, 1),
        ("late", 1, 1),
    ]
    assert sorted(loan.pii for loan in domain.loans()) == ["A001", "A002"]


def test_seq_reused_by_another_tx_id_is_a_conflict(domain: CentralDomain, desk: Desk) -> None:
    desk.send(desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1))
    clash = replace(desk.tx("k-a1", Op.CHECKOUT, "A002", patron="P1", seq=1), tx_id="k-a1:1b")
    reply = desk.send(clash)
    assert (reply.result, reply.reason) == (Result.EXCEPTION, Reason.CENTRAL_EXCEPTION)
    [entry] = domain.exceptions()
    assert (entry.kind, entry.tx_id, entry.kiosk) == (ConflictKind.SEQ_CONFLICT, "k-a1:1b", "k-a1")
    assert "k-a1:1" in entry.detail and "A002" in entry.detail
    assert [loan.pii for loan in domain.loans()] == ["A001"]
    assert desk.send(clash) == reply  # exactly once, even for conflicts
    assert len(domain.exceptions()) == 1


def test_seq_clash_among_held_transactions(domain: CentralDomain, desk: Desk) -> None:
    domain.apply(desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=3), NOW)
    clash = replace(desk.tx("k-a1", Op.CHECKOUT, "A002", patron="P1", seq=3), tx_id="other")
    reply = domain.apply(clash, NOW)
    assert not isinstance(reply, Held) and reply.result is Result.EXCEPTION


def test_kiosks_are_ordered_independently(domain: CentralDomain, desk: Desk) -> None:
    assert isinstance(domain.apply(desk.tx("k-a1", Op.CHECKIN, "A001", seq=2), NOW), Held)
    assert desk.checkin("k-b1", "A002").result is Result.ACCEPTED


def test_unknown_kiosk_records_nothing(domain: CentralDomain, desk: Desk) -> None:
    tx = desk.tx("k-zz", Op.CHECKOUT, "A001", patron="P1")
    with pytest.raises(UnknownRecordError, match="k-zz"):
        domain.apply(tx, NOW)
    assert domain.repo.get_processed(tx.tx_id) is None
    assert domain.loans() == []


def test_fleet_view(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001", ts=NOW - 60_000)
    desk.checkin("k-a1", "A001", ts=NOW - 30_000)
    fleet = {f.kiosk: f for f in domain.fleet()}
    assert set(fleet) == {"k-a1", "k-a2", "k-b1"}
    a1 = fleet["k-a1"]
    assert (a1.library, a1.last_seq, a1.last_ts, a1.last_seen_ms, a1.processed) == (
        LIB_A,
        2,
        NOW - 30_000,
        NOW,
        2,
    )
    assert (fleet["k-b1"].last_seq, fleet["k-b1"].last_ts) == (0, None)
