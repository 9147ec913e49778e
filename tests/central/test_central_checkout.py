"""Checkout rules: every refusal reason, due dates, hold pick-ups."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from central_world import DAY, LIB_A, LIB_B, LIB_UNKNOWN, LIB_X, NOW, Desk, local, ms

from central.domain import CentralDomain, Library, Result
from kiosk.circulation.reasons import REASONS, Reason


def test_accepted_checkout_creates_the_loan_with_display_data(desk: Desk) -> None:
    reply = desk.checkout("k-a1", "P1", "A001")
    assert reply.result is Result.ACCEPTED and reply.reason is Reason.OK
    assert reply.message == REASONS[Reason.OK]
    assert (reply.title, reply.author, reply.isbn) == ("书名 A001", "鲁迅", "9787020002207")
    assert (reply.price, reply.publisher, reply.call_number) == (
        "45.00",
        "人民文学出版社",
        "I210.4/12",
    )
    assert reply.route is None
    loans = desk.domain.loans("P1")
    assert [(loan.pii, loan.owner, loan.start_ms) for loan in loans] == [("A001", LIB_A, NOW)]
    assert loans[0].due_ms == reply.due


def test_due_date_is_end_of_local_day_thirty_days_later(desk: Desk) -> None:
    reply = desk.checkout("k-a1", "P1", "A001")
    assert reply.due is not None
    due = local(reply.due)
    assert due.date() == date(2026, 4, 1)
    assert (due.hour, due.minute, due.second, due.microsecond) == (23, 59, 59, 999000)


def test_late_evening_checkout_counts_from_the_local_day(desk: Desk) -> None:
    # 2026-03-02 23:30 in Guangzhou is still 2 March there (15:30 UTC)
    reply = desk.checkout("k-a1", "P1", "A001", ts=ms(2026, 3, 2, 23, 30))
    assert reply.due is not None and local(reply.due).date() == date(2026, 4, 1)


def test_loan_period_by_patron_category(desk: Desk) -> None:
    reply = desk.checkout("k-a1", "C1", "A001")
    assert reply.due is not None and local(reply.due).date() == date(2026, 5, 1)


def test_due_date_moves_off_closed_days(domain: CentralDomain, desk: Desk) -> None:
    lib = domain.library(LIB_A)
    # 2026-04-01 is a Wednesday: close Wednesdays and Thursday 2 April
    domain.add_library(
        replace(lib, closed_weekdays=frozenset({2}), closed_dates=frozenset({date(2026, 4, 2)}))
    )
    reply = desk.checkout("k-a1", "P1", "A001")
    assert reply.due is not None and local(reply.due).date() == date(2026, 4, 3)


def test_rules_of_the_kiosks_library_apply(domain: CentralDomain, desk: Desk) -> None:
    domain.add_library(replace(domain.library(LIB_B), loan_days=14))
    reply = desk.checkout("k-b1", "P1", "A001")  # an A copy lent at a B machine
    assert reply.due is not None and local(reply.due).date() == date(2026, 3, 16)


@pytest.mark.parametrize(
    ("patron", "pii", "owner", "reason"),
    [
        ("NOBODY", "A001", LIB_A, Reason.PATRON_UNKNOWN),
        ("P3", "A001", LIB_A, Reason.PATRON_BLOCKED),
        ("P4", "A001", LIB_A, Reason.PATRON_EXPIRED),
        ("P1", "X001", LIB_X, Reason.NOT_MEMBER_LIBRARY),
        ("P1", "Z999", LIB_UNKNOWN, Reason.NOT_MEMBER_LIBRARY),
        ("P1", "Z999", LIB_A, Reason.ITEM_UNKNOWN),
        ("P1", "A-DIS", LIB_A, Reason.DISCARDED),
        ("P1", "A-REF", LIB_A, Reason.NOT_FOR_CIRCULATION),
    ],
)
def test_refusals(desk: Desk, patron: str, pii: str, owner: str, reason: Reason) -> None:
    reply = desk.checkout("k-a1", patron, pii, owner)
    assert (reply.result, reply.reason) == (Result.REFUSED, reason)
    assert reply.message == REASONS[reason]
    assert reply.due is None
    assert desk.domain.loans() == []


def test_on_loan_to_other_and_to_self(desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001")
    other = desk.checkout("k-a1", "P2", "A001")
    again = desk.checkout("k-a1", "P1", "A001")
    assert (other.result, other.reason) == (Result.REFUSED, Reason.ON_LOAN_TO_OTHER)
    assert (again.result, again.reason) == (Result.REFUSED, Reason.ALREADY_ON_LOAN_TO_PATRON)
    assert [loan.patron for loan in desk.domain.loans()] == ["P1"]


def test_over_limit(desk: Desk) -> None:
    assert desk.checkout("k-a1", "P5", "A001").result is Result.ACCEPTED
    reply = desk.checkout("k-a1", "P5", "A002")
    assert (reply.result, reply.reason) == (Result.REFUSED, Reason.PATRON_OVER_LIMIT)


def test_expiry_is_inclusive_of_the_last_day(domain: CentralDomain, desk: Desk) -> None:
    domain.add_patron(replace(domain.repo.get_patron("P2"), expires=date(2026, 3, 2)))  # type: ignore[type-var]
    assert desk.checkout("k-a1", "P2", "A001").result is Result.ACCEPTED
    reply = desk.checkout("k-a1", "P2", "A002", ts=NOW + DAY)
    assert reply.reason is Reason.PATRON_EXPIRED


def test_hold_shelf_copy_only_for_its_patron_and_checkout_fulfils_it(
    domain: CentralDomain, desk: Desk
) -> None:
    hold = domain.place_hold(LIB_A, "A001", "P2", LIB_A, NOW)
    domain.hold_arrived(LIB_A, "A001", NOW)
    refused = desk.checkout("k-a1", "P1", "A001")
    assert (refused.result, refused.reason) == (Result.REFUSED, Reason.ON_HOLD_FOR_OTHER)
    accepted = desk.checkout("k-b1", "P2", "A001")
    assert accepted.result is Result.ACCEPTED
    assert domain.holds() == []
    ended = domain.repo.get_hold(hold.hold_id)
    assert ended is not None and ended.state == "fulfilled"


def test_waiting_hold_blocks_other_patrons_but_not_its_own(
    domain: CentralDomain, desk: Desk
) -> None:
    domain.place_hold(LIB_A, "A002", "P2", LIB_B, NOW)
    assert desk.checkout("k-a1", "P1", "A002").reason is Reason.ON_HOLD_FOR_OTHER
    assert desk.checkout("k-a1", "P2", "A002").result is Result.ACCEPTED
    assert domain.holds() == []


def test_second_in_queue_cannot_jump_the_queue(domain: CentralDomain, desk: Desk) -> None:
    domain.place_hold(LIB_A, "A002", "P2", LIB_A, NOW)
    domain.place_hold(LIB_A, "A002", "P1", LIB_A, NOW)
    assert desk.checkout("k-a1", "P1", "A002").reason is Reason.ON_HOLD_FOR_OTHER


def test_checkout_by_pii_alone_when_unambiguous(desk: Desk) -> None:
    assert desk.checkout("k-a1", "P1", "B001", "").result is Result.ACCEPTED


def test_non_member_library_record_is_refused_even_if_catalogued(domain: CentralDomain) -> None:
    assert isinstance(domain.library(LIB_X), Library)
    assert not domain.library(LIB_X).member
