"""Patron and item look-ups."""

from __future__ import annotations

from dataclasses import replace

import pytest
from central_world import DAY, LIB_A, LIB_B, LIB_UNKNOWN, LIB_X, NOW, Desk

from central.domain import CentralDomain, ItemStatus, Result, UnknownRecordError
from kiosk.circulation.reasons import REASONS, Reason


def test_known_patron_with_the_right_pin(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001", ts=NOW - 40 * DAY)
    desk.checkout("k-a1", "P1", "A002")
    reply = domain.patron("P1", "1234", NOW, kiosk="k-a1")
    assert (reply.result, reply.reason, reply.known) == (Result.ACCEPTED, Reason.OK, True)
    assert (reply.name, reply.name_masked, reply.card_masked) == ("读者P1", "读***", "*1")
    assert (reply.loans, reply.limit, reply.overdue) == (2, 10, 1)
    assert reply.pin_required and reply.may_borrow
    wire = reply.to_wire()
    assert wire["message"] == {"zh": "操作成功。", "en": "Done."}
    assert wire["loans"] == 2


def test_unknown_patron_reveals_nothing(domain: CentralDomain) -> None:
    reply = domain.patron("0001000123456", "1234", NOW)
    assert (reply.result, reply.reason, reply.known) == (
        Result.REFUSED,
        Reason.PATRON_UNKNOWN,
        False,
    )
    assert (reply.name, reply.card_masked) == (None, "*********3456")


def test_pin_required_wrong_and_lock_out(domain: CentralDomain) -> None:
    assert domain.patron("P2", None, NOW).reason is Reason.PIN_REQUIRED
    wrong = domain.patron("P2", "0000", NOW)
    assert (wrong.reason, wrong.name, wrong.known) == (Reason.PIN_WRONG, None, True)
    assert wrong.message == REASONS[Reason.PIN_WRONG]
    assert domain.patron("P2", "0000", NOW).reason is Reason.PIN_WRONG
    assert domain.patron("P2", "0000", NOW).reason is Reason.PIN_LOCKED  # third of max 3
    assert domain.patron("P2", "1234", NOW).reason is Reason.PIN_LOCKED  # even the right PIN
    domain.unlock_pin("P2")
    assert domain.patron("P2", "1234", NOW).result is Result.ACCEPTED


def test_right_pin_resets_the_failure_count(domain: CentralDomain) -> None:
    domain.patron("P2", "0000", NOW)
    domain.patron("P2", "0000", NOW)
    assert domain.patron("P2", "1234", NOW).result is Result.ACCEPTED
    assert domain.repo.get_patron("P2").pin_failures == 0  # type: ignore[union-attr]
    assert domain.patron("P2", "0000", NOW).reason is Reason.PIN_WRONG


def test_pin_not_required_by_the_kiosks_library(domain: CentralDomain) -> None:
    domain.add_library(replace(domain.library(LIB_B), pin_required=False))
    reply = domain.patron("P1", None, NOW, kiosk="k-b1")
    assert reply.result is Result.ACCEPTED and not reply.pin_required
    assert domain.patron("P1", None, NOW, kiosk="k-a1").reason is Reason.PIN_REQUIRED
    assert (
        domain.patron("P1", "9999", NOW, kiosk="k-b1").reason is Reason.PIN_WRONG
    )  # given: checked


def test_patron_without_a_pin_on_record(domain: CentralDomain) -> None:
    domain.add_patron(replace(domain.repo.get_patron("P2"), pin_hash=None))  # type: ignore[type-var]
    assert domain.patron("P2", "1234", NOW).reason is Reason.PIN_WRONG
    assert domain.repo.get_patron("P2").pin_failures == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("card", "reason", "blocked", "expired"),
    [("P3", Reason.PATRON_BLOCKED, True, False), ("P4", Reason.PATRON_EXPIRED, False, True)],
)
def test_blocked_and_expired(
    domain: CentralDomain, card: str, reason: Reason, blocked: bool, expired: bool
) -> None:
    reply = domain.patron(card, "1234", NOW)
    assert (reply.result, reply.reason, reply.blocked, reply.expired) == (
        Result.REFUSED,
        reason,
        blocked,
        expired,
    )
    assert reply.name == f"读者{card}"  # the PIN was right: the reader may see their own state
    assert not reply.may_borrow


def test_holds_ready_for_pickup(domain: CentralDomain) -> None:
    domain.place_hold(LIB_A, "A001", "P1", LIB_A, NOW)
    assert domain.patron("P1", "1234", NOW).holds_ready == 0
    domain.hold_arrived(LIB_A, "A001", NOW)
    assert domain.patron("P1", "1234", NOW).holds_ready == 1


def test_unknown_kiosk_in_a_look_up(domain: CentralDomain) -> None:
    with pytest.raises(UnknownRecordError):
        domain.patron("P1", "1234", NOW, kiosk="nope")


def test_item_available(domain: CentralDomain) -> None:
    reply = domain.item("A001", LIB_A)
    assert (reply.status, reply.reason, reply.known, reply.member) == (
        ItemStatus.AVAILABLE,
        Reason.OK,
        True,
        True,
    )
    assert (reply.title, reply.price, reply.reserved, reply.ill) == (
        "书名 A001",
        "45.00",
        False,
        False,
    )


def test_item_on_loan(domain: CentralDomain, desk: Desk) -> None:
    loan = desk.checkout("k-a1", "P1", "A001")
    reply = domain.item("A001", LIB_A)
    assert (reply.status, reply.on_loan_to, reply.due) == (ItemStatus.ON_LOAN, "P1", loan.due)


def test_item_on_hold_shelf(domain: CentralDomain) -> None:
    domain.place_hold(LIB_A, "A001", "P2", LIB_B, NOW)
    waiting = domain.item("A001", LIB_A)
    assert (waiting.status, waiting.reserved, waiting.hold_patron) == (
        ItemStatus.AVAILABLE,
        True,
        "P2",
    )
    shelved = domain.hold_arrived(LIB_A, "A001", NOW)
    reply = domain.item("A001", LIB_A)
    assert (reply.status, reply.hold_pickup, reply.hold_expires) == (
        ItemStatus.ON_HOLD_SHELF,
        LIB_B,
        shelved.expires_ms,
    )


@pytest.mark.parametrize(
    ("pii", "owner", "status", "reason"),
    [
        ("NOPE", LIB_A, ItemStatus.UNKNOWN, Reason.ITEM_UNKNOWN),
        ("NOPE", LIB_UNKNOWN, ItemStatus.UNKNOWN, Reason.NOT_MEMBER_LIBRARY),
        ("X001", LIB_X, ItemStatus.AVAILABLE, Reason.NOT_MEMBER_LIBRARY),
        ("A-REF", LIB_A, ItemStatus.AVAILABLE, Reason.NOT_FOR_CIRCULATION),
        ("A-DIS", LIB_A, ItemStatus.AVAILABLE, Reason.DISCARDED),
    ],
)
def test_item_informational_reasons(
    domain: CentralDomain, pii: str, owner: str, status: ItemStatus, reason: Reason
) -> None:
    reply = domain.item(pii, owner)
    assert (reply.status, reply.reason) == (status, reason)
    assert reply.to_wire()["message"] == {"zh": REASONS[reason].zh, "en": REASONS[reason].en}


def test_item_ill_flag_and_lookup_without_owner(domain: CentralDomain) -> None:
    assert domain.item("A-ILL", None).ill
    assert domain.item("A-ILL", "").owner == LIB_A
