"""Offline replays: original timestamps, conflicts into the exception queue, resolution."""

from __future__ import annotations

from datetime import date

import pytest
from central_world import DAY, LIB_A, LIB_B, LIB_X, NOW, OFFLINE_OK, Desk, local

from central.domain import (
    CentralDomain,
    ConflictError,
    ConflictKind,
    ItemStatus,
    OfflineDecision,
    Result,
    UnknownRecordError,
)
from kiosk.circulation.reasons import REASONS, Reason

THEN = NOW - 3 * DAY  # when the patron acted, offline


def _offline(**kw: object) -> dict[str, object]:
    return {"ts": THEN, "offline": True, "decision": OFFLINE_OK, **kw}


def test_offline_checkout_uses_the_original_timestamp(desk: Desk) -> None:
    reply = desk.checkout("k-a1", "P1", "A001", **_offline())
    assert reply.result is Result.ACCEPTED
    assert reply.due is not None and local(reply.due).date() == date(2026, 3, 29)
    [loan] = desk.domain.loans()
    assert (loan.start_ms, loan.offline, loan.exception_id) == (THEN, True, None)
    assert desk.domain.exceptions() == []


def test_offline_refusal_is_recorded_without_effect(desk: Desk) -> None:
    refused = OfflineDecision(Result.REFUSED, "offline_limit", None)
    reply = desk.checkout("k-a1", "P1", "A001", ts=THEN, offline=True, decision=refused)
    assert (reply.result, reply.reason) == (Result.REFUSED, Reason.OFFLINE_LIMIT)
    assert desk.domain.loans() == [] and desk.domain.exceptions() == []


def test_offline_refusal_with_an_unknown_code(desk: Desk) -> None:
    odd = OfflineDecision(Result.REFUSED, "made_up", None)
    reply = desk.checkout("k-a1", "P1", "A001", ts=THEN, offline=True, decision=odd)
    assert reply.reason is Reason.OFFLINE_NOT_ALLOWED


@pytest.mark.parametrize(
    ("card", "pii", "owner", "kind", "lent"),
    [
        ("NOBODY", "A001", LIB_A, ConflictKind.CHECKOUT_PATRON_UNKNOWN, False),
        ("P3", "A001", LIB_A, ConflictKind.CHECKOUT_PATRON_BLOCKED, True),
        ("P4", "A001", LIB_A, ConflictKind.CHECKOUT_PATRON_EXPIRED, True),
        ("P1", "NOPE", LIB_A, ConflictKind.CHECKOUT_ITEM_UNKNOWN, False),
        ("P1", "X001", LIB_X, ConflictKind.CHECKOUT_NOT_MEMBER, False),
        ("P1", "A-REF", LIB_A, ConflictKind.CHECKOUT_NOT_FOR_CIRCULATION, True),
        ("P1", "A-DIS", LIB_A, ConflictKind.CHECKOUT_NOT_FOR_CIRCULATION, True),
    ],
)
def test_offline_checkout_conflicts(
    desk: Desk, *, card: str, pii: str, owner: str, kind: ConflictKind, lent: bool
) -> None:
    reply = desk.checkout("k-a1", card, pii, owner, **_offline())
    assert reply.result is Result.EXCEPTION
    assert reply.message == REASONS[Reason.CENTRAL_EXCEPTION]
    [entry] = desk.domain.exceptions()
    assert (entry.kind, entry.tx_id, entry.kiosk, entry.created_ms) == (
        kind,
        reply.tx_id,
        "k-a1",
        NOW,
    )
    assert not entry.resolved
    loans = desk.domain.loans()
    if lent:
        assert [(loan.patron, loan.exception_id, loan.start_ms) for loan in loans] == [
            (card, entry.exception_id, THEN)
        ]
        assert reply.due == loans[0].due_ms
    else:
        assert loans == [] and reply.due is None


def test_offline_checkout_over_limit_creates_a_flagged_loan(desk: Desk) -> None:
    desk.checkout("k-a1", "P5", "A001")
    reply = desk.checkout("k-a1", "P5", "A002", **_offline())
    assert (reply.result, reply.reason) == (Result.EXCEPTION, Reason.PATRON_OVER_LIMIT)
    assert desk.domain.exceptions()[0].kind is ConflictKind.CHECKOUT_OVER_LIMIT
    assert len(desk.domain.loans("P5")) == 2


def test_offline_checkout_of_a_copy_reserved_meanwhile(domain: CentralDomain, desk: Desk) -> None:
    domain.place_hold(LIB_A, "A001", "P2", LIB_A, NOW - DAY)
    reply = desk.checkout("k-a1", "P1", "A001", **_offline())
    assert (reply.result, reply.reason) == (Result.EXCEPTION, Reason.ON_HOLD_FOR_OTHER)
    [entry] = domain.exceptions()
    assert entry.kind is ConflictKind.CHECKOUT_RESERVED and "P2" in entry.detail
    assert [loan.patron for loan in domain.loans()] == ["P1"]
    assert [hold.patron for hold in domain.holds()] == ["P2"]  # the hold stays


def test_offline_checkout_of_a_copy_still_on_loan_moves_the_loan(
    domain: CentralDomain, desk: Desk
) -> None:
    desk.checkout("k-a1", "P2", "A001", ts=THEN - DAY)
    reply = desk.checkout("k-b1", "P1", "A001", **_offline())
    assert (reply.result, reply.reason) == (Result.EXCEPTION, Reason.ON_LOAN_TO_OTHER)
    [entry] = domain.exceptions()
    assert entry.kind is ConflictKind.CHECKOUT_ON_LOAN_TO_OTHER and "P2" in entry.detail
    assert [(loan.patron, loan.start_ms) for loan in domain.loans()] == [("P1", THEN)]


def test_offline_checkout_superseded_by_a_later_loan(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P2", "A001", ts=THEN + DAY)
    reply = desk.checkout("k-b1", "P1", "A001", **_offline())
    assert reply.result is Result.EXCEPTION
    assert domain.exceptions()[0].kind is ConflictKind.CHECKOUT_SUPERSEDED
    assert [loan.patron for loan in domain.loans()] == ["P2"]


def test_return_then_borrow_again_offline_on_two_machines(
    domain: CentralDomain, desk: Desk
) -> None:
    """P1 returns offline at A (t1), borrows again offline at B (t2); B's replay arrives first."""
    desk.checkout("k-a1", "P1", "A001", ts=THEN - 10 * DAY)
    t1, t2 = THEN, THEN + 3_600_000
    borrow = desk.checkout("k-b1", "P1", "A001", ts=t2, offline=True, decision=OFFLINE_OK)
    assert borrow.result is Result.ACCEPTED
    [loan] = domain.loans()
    assert loan.start_ms == t2
    stale = desk.checkin("k-a1", "A001", ts=t1, offline=True, decision=OFFLINE_OK)
    assert stale.result is Result.EXCEPTION
    assert domain.exceptions()[0].kind is ConflictKind.RETURN_STALE
    assert domain.loans() == [loan]  # P1 really has it


def test_offline_return_of_a_copy_already_returned(domain: CentralDomain, desk: Desk) -> None:
    reply = desk.checkin("k-b1", "A001", **_offline())
    assert (reply.result, reply.reason, reply.route) == (
        Result.EXCEPTION,
        Reason.NOT_ON_LOAN,
        f"transit:{LIB_A}",
    )
    assert domain.exceptions()[0].kind is ConflictKind.RETURN_NOT_ON_LOAN
    assert domain.item("A001", LIB_A).status is ItemStatus.IN_TRANSIT


def test_offline_return_of_a_reserved_copy_ends_the_loan_for_staff(
    domain: CentralDomain, desk: Desk
) -> None:
    desk.checkout("k-a1", "P1", "A001", ts=THEN - DAY)
    domain.place_hold(LIB_A, "A001", "P2", LIB_A, NOW - DAY)
    reply = desk.checkin("k-a1", "A001", **_offline())
    assert (reply.result, reply.reason, reply.route) == (
        Result.EXCEPTION,
        Reason.RESERVED,
        "staff",
    )
    assert domain.exceptions()[0].kind is ConflictKind.RETURN_RESERVED
    assert domain.loans() == []
    assert domain.item("A001", LIB_A).status is ItemStatus.AT_STAFF


def test_offline_return_of_an_ill_copy(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A-ILL", ts=THEN - DAY)
    reply = desk.checkin("k-b1", "A-ILL", **_offline())
    assert (reply.result, reply.route) == (Result.EXCEPTION, "staff")
    assert domain.exceptions()[0].kind is ConflictKind.RETURN_ILL
    assert domain.loans() == []


@pytest.mark.parametrize(
    ("pii", "owner", "kind"),
    [
        ("X001", LIB_X, ConflictKind.RETURN_NOT_MEMBER),
        ("NOPE", LIB_A, ConflictKind.RETURN_ITEM_UNKNOWN),
    ],
)
def test_offline_return_refused_by_central(
    domain: CentralDomain, desk: Desk, pii: str, owner: str, kind: ConflictKind
) -> None:
    reply = desk.checkin("k-a1", pii, owner, **_offline())
    assert reply.result is Result.EXCEPTION
    assert domain.exceptions()[0].kind is kind


def test_offline_return_without_conflict(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "B001", LIB_B, ts=THEN - DAY)
    reply = desk.checkin("k-a1", "B001", LIB_B, **_offline())
    assert (reply.result, reply.route) == (Result.ACCEPTED, f"transit:{LIB_B}")
    assert domain.exceptions() == [] and domain.loans() == []


def test_offline_renewal_refused_keeps_the_due_date(domain: CentralDomain, desk: Desk) -> None:
    first = desk.checkout("k-a1", "P1", "A001", ts=THEN - DAY)
    domain.place_hold(LIB_A, "A001", "P2", LIB_A, THEN - DAY)
    reply = desk.renew("k-a1", "P1", "A001", **_offline())
    assert (reply.result, reply.reason) == (Result.EXCEPTION, Reason.RENEW_RESERVED)
    assert domain.exceptions()[0].kind is ConflictKind.RENEW_REFUSED
    assert domain.loans()[0].due_ms == first.due


def test_offline_renewal_accepted_counts_from_ts(desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001", ts=THEN - 20 * DAY)
    reply = desk.renew("k-a1", "P1", "A001", **_offline())
    assert reply.result is Result.ACCEPTED
    assert reply.due is not None and local(reply.due).date() == date(2026, 3, 29)


def test_missing_decision_counts_as_an_offline_acceptance(desk: Desk) -> None:
    reply = desk.checkout("k-a1", "P3", "A001", ts=THEN, offline=True)
    assert reply.result is Result.EXCEPTION


def test_resolving_exceptions(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P3", "A001", **_offline())
    desk.checkout("k-a1", "P4", "A002", **_offline())
    first, second = domain.exceptions()
    done = domain.resolve_exception(first.exception_id, "patron contacted", "staff-7", NOW + DAY)
    assert (done.resolved, done.resolution, done.staff, done.resolved_ms) == (
        True,
        "patron contacted",
        "staff-7",
        NOW + DAY,
    )
    assert domain.exceptions() == [second]
    assert domain.exceptions(open_only=False) == [done, second]
    with pytest.raises(ConflictError, match="already resolved by staff-7"):
        domain.resolve_exception(first.exception_id, "again", "staff-8", NOW)
    with pytest.raises(ConflictError, match="must not be empty"):
        domain.resolve_exception(second.exception_id, " ", "staff-8", NOW)
    with pytest.raises(UnknownRecordError, match="exception 99"):
        domain.resolve_exception(99, "x", "y", NOW)
