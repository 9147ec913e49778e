"""Returns from any member library (通借通还): routing, reserved copies, ILL, non-members."""

from __future__ import annotations

import pytest
from central_world import LIB_A, LIB_B, LIB_UNKNOWN, LIB_X, Desk

from central.domain import CentralDomain, ItemStatus, Result
from kiosk.circulation.reasons import REASONS, Reason


def test_own_library_goes_to_shelf(desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001")
    reply = desk.checkin("k-a1", "A001")
    assert (reply.result, reply.reason, reply.route) == (Result.ACCEPTED, Reason.OK, "shelf")
    assert reply.title == "书名 A001" and reply.due is None
    assert desk.domain.loans() == []
    assert desk.domain.item("A001", LIB_A).status is ItemStatus.AVAILABLE


def test_other_member_library_goes_to_transit(desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "B001", LIB_B)
    reply = desk.checkin("k-a1", "B001", LIB_B)
    assert (reply.result, reply.route) == (Result.ACCEPTED, f"transit:{LIB_B}")
    looked = desk.domain.item("B001", LIB_B)
    assert (looked.status, looked.transit_to) == (ItemStatus.IN_TRANSIT, LIB_B)
    # arriving home clears the transit
    home = desk.checkin("k-b1", "B001", LIB_B)
    assert (home.route, home.reason) == ("shelf", Reason.NOT_ON_LOAN)
    assert desk.domain.item("B001", LIB_B).status is ItemStatus.AVAILABLE


def test_not_on_loan_is_accepted_with_an_informational_reason(desk: Desk) -> None:
    reply = desk.checkin("k-b1", "A002")
    assert (reply.result, reply.reason) == (Result.ACCEPTED, Reason.NOT_ON_LOAN)
    assert reply.route == f"transit:{LIB_A}"
    assert reply.message == REASONS[Reason.NOT_ON_LOAN]


def test_reserved_copy_is_refused_at_a_machine_without_staff_bin(
    domain: CentralDomain, desk: Desk
) -> None:
    desk.checkout("k-a1", "P1", "A001")
    domain.place_hold(LIB_A, "A001", "P2", LIB_A, 0)
    reply = desk.checkin("k-a1", "A001")
    assert (reply.result, reply.reason, reply.route) == (Result.REFUSED, Reason.RESERVED, None)
    assert reply.message == REASONS[Reason.RESERVED]
    assert [loan.patron for loan in domain.loans()] == ["P1"]  # nothing happened


def test_reserved_copy_goes_to_the_staff_bin_where_configured(
    domain: CentralDomain, desk: Desk
) -> None:
    desk.checkout("k-a1", "P1", "A001")
    domain.place_hold(LIB_A, "A001", "P2", LIB_A, 0)
    reply = desk.checkin("k-a2", "A001")
    assert (reply.result, reply.reason, reply.route) == (
        Result.ACCEPTED,
        Reason.RESERVED_TO_STAFF,
        "staff",
    )
    assert domain.loans() == []
    looked = domain.item("A001", LIB_A)
    assert (looked.status, looked.reserved, looked.hold_patron) == (ItemStatus.AT_STAFF, True, "P2")


@pytest.mark.parametrize(
    ("pii", "tag_ill"),
    [("A-ILL", False), ("A002", True)],
    ids=["central-record", "tag-flag"],
)
def test_interlibrary_loan_goes_to_staff(desk: Desk, pii: str, tag_ill: bool) -> None:
    desk.checkout("k-a1", "P1", pii)
    reply = desk.checkin("k-b1", pii, ill=tag_ill)
    assert (reply.result, reply.reason, reply.route) == (
        Result.ACCEPTED,
        Reason.ILL_TO_STAFF,
        "staff",
    )
    assert desk.domain.loans() == []


def test_ill_institution_on_the_tag_goes_to_staff(domain: CentralDomain, desk: Desk) -> None:
    from central.domain import Op, Transaction, TxItem

    tx = desk.tx("k-a1", Op.CHECKIN, "A003")
    tx = Transaction(
        tx.tx_id, tx.seq, tx.kiosk, tx.ts, tx.op, TxItem("A003", LIB_A, ill_institution=LIB_UNKNOWN)
    )
    assert desk.send(tx).route == "staff"


@pytest.mark.parametrize("owner", [LIB_X, LIB_UNKNOWN])
def test_non_member_owner_is_refused(desk: Desk, owner: str) -> None:
    reply = desk.checkin("k-a1", "X001", owner)
    assert (reply.result, reply.reason) == (Result.REFUSED, Reason.NOT_MEMBER_LIBRARY)
    assert reply.message == REASONS[Reason.NOT_MEMBER_LIBRARY]


def test_unknown_copy_of_a_member_is_refused(desk: Desk) -> None:
    reply = desk.checkin("k-a1", "NOPE", LIB_A)
    assert (reply.result, reply.reason, reply.title) == (Result.REFUSED, Reason.ITEM_UNKNOWN, None)
