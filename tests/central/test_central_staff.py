"""Staff actions (``op`` = ``staff:<action>``): audited, no circulation effect, and they take
their kiosk's ``seq`` like any transaction, exactly once and in order."""

from __future__ import annotations

from central_world import LIB_A, NOW, Desk

from central.domain import (
    AuditEntry,
    CentralDomain,
    Held,
    Op,
    Result,
    Transaction,
    TxItem,
)
from kiosk.circulation.reasons import Reason


def staff_tx(
    desk: Desk,
    kiosk: str,
    action: str = "empty_bin",
    *,
    seq: int | None = None,
    ts: int = NOW,
    item: TxItem | None = None,
) -> Transaction:
    """The next transaction of ``kiosk`` as a staff action, numbered like the Desk's others."""
    if seq is None:
        seq = desk.seqs.get(kiosk, 0) + 1
    desk.seqs[kiosk] = max(seq, desk.seqs.get(kiosk, 0))
    return Transaction(
        f"{kiosk}:{seq}",
        seq,
        kiosk,
        ts,
        Op.STAFF,
        item,
        staff="S07",
        action=action,
        detail={"bin": "A", "n": 41},
    )


def test_a_staff_action_is_accepted_audited_and_changes_nothing(
    domain: CentralDomain, desk: Desk
) -> None:
    desk.checkout("k-a1", "P1", "A001")
    before = (domain.loans(), domain.holds(active_only=False), domain.repo.items())
    reply = desk.send(staff_tx(desk, "k-a1"))
    assert (reply.tx_id, reply.result, reply.reason) == ("k-a1:2", Result.ACCEPTED, Reason.OK)
    assert (reply.due, reply.route, reply.title) == (None, None, None)
    assert (domain.loans(), domain.holds(active_only=False), domain.repo.items()) == before
    assert domain.audit() == [
        AuditEntry(
            "k-a1", 2, "k-a1:2", NOW, "S07", "empty_bin", {"bin": "A", "n": 41}, recorded_ms=NOW
        )
    ]
    (entry,) = [f for f in domain.fleet() if f.kiosk == "k-a1"]
    assert (entry.last_seq, entry.processed, entry.held, entry.gaps) == (2, 2, 0, 0)
    assert domain.exceptions(open_only=False) == []


def test_a_repeated_staff_action_gets_the_first_reply_and_one_audit_entry(
    domain: CentralDomain, desk: Desk
) -> None:
    tx = staff_tx(desk, "k-a1")
    first = desk.send(tx)
    assert desk.send(tx, NOW + 5000) == first
    assert len(domain.audit()) == 1 and domain.audit()[0].recorded_ms == NOW
    assert domain.fleet()[0].processed == 1


def test_a_staff_action_fills_its_seq_so_later_transactions_are_not_held(
    domain: CentralDomain, desk: Desk
) -> None:
    first = desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1)
    staff = staff_tx(desk, "k-a1", "open_door", seq=2)
    third = desk.tx("k-a1", Op.CHECKIN, "A001", seq=3)
    assert desk.send(first).result is Result.ACCEPTED
    assert domain.apply(third, NOW) == Held("k-a1:3", "k-a1", 3, expected=2)
    assert len(domain.loans()) == 1  # the return waits for seq 2
    assert desk.send(staff).result is Result.ACCEPTED
    (released,) = domain.take_released()
    assert (released.tx_id, released.result) == ("k-a1:3", Result.ACCEPTED)
    assert domain.loans() == [] and domain.gap_log() == []
    assert [e.seq for e in domain.audit()] == [2]


def test_a_held_staff_action_runs_when_its_gap_closes(domain: CentralDomain, desk: Desk) -> None:
    staff = staff_tx(desk, "k-a1", seq=2)
    assert isinstance(domain.apply(staff, NOW), Held)
    assert domain.audit() == []
    desk.send(desk.tx("k-a1", Op.CHECKOUT, "A001", patron="P1", seq=1))
    (released,) = domain.take_released()
    assert (released.tx_id, released.reason) == ("k-a1:2", Reason.OK)
    assert [e.tx_id for e in domain.audit()] == ["k-a1:2"]


def test_the_audit_list_is_in_time_order_and_filters_by_kiosk(
    domain: CentralDomain, desk: Desk
) -> None:
    item = TxItem("A001", LIB_A)
    desk.send(staff_tx(desk, "k-a1", "empty_bin", ts=NOW + 20))
    desk.send(staff_tx(desk, "k-b1", "reset_reader", ts=NOW + 10, item=item))
    desk.send(staff_tx(desk, "k-a1", "open_door", ts=NOW + 30))
    assert [(e.kiosk, e.action) for e in domain.audit()] == [
        ("k-b1", "reset_reader"),
        ("k-a1", "empty_bin"),
        ("k-a1", "open_door"),
    ]
    assert [e.seq for e in domain.audit("k-a1")] == [1, 2]
    assert domain.audit("k-b1")[0].item == item
    assert domain.audit("k-a2") == []


def test_a_staff_action_reusing_a_seq_is_a_seq_conflict(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001")
    clash = Transaction("k-a1:1b", 1, "k-a1", NOW, Op.STAFF, None, staff="S07", action="empty_bin")
    reply = desk.send(clash)
    assert reply.result is Result.EXCEPTION and domain.audit() == []
    assert "staff:empty_bin" in domain.exceptions()[0].detail
