"""Renewal rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from central_world import DAY, LIB_A, LIB_B, NOW, Desk, local

from central.domain import CentralDomain, Result
from kiosk.circulation.reasons import Reason


def test_renewal_extends_from_the_renewal_day(desk: Desk) -> None:
    first = desk.checkout("k-a1", "P1", "A001")
    reply = desk.renew("k-a1", "P1", "A001", ts=NOW + 20 * DAY)
    assert (reply.result, reply.reason) == (Result.ACCEPTED, Reason.OK)
    assert reply.due is not None and first.due is not None and reply.due > first.due
    assert local(reply.due).date() == date(2026, 4, 21)
    assert desk.domain.loans()[0].renewals == 1
    assert desk.domain.loans()[0].due_ms == reply.due


def test_renewal_never_shortens_a_loan(desk: Desk) -> None:
    first = desk.checkout("k-a1", "C1", "A001")  # child: 60 days
    reply = desk.renew("k-a1", "C1", "A001")  # 30 days from today would be earlier
    assert reply.result is Result.ACCEPTED and reply.due == first.due


def test_renewal_limit(desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001")
    assert desk.renew("k-a1", "P1", "A001").result is Result.ACCEPTED
    reply = desk.renew("k-a1", "P1", "A001")
    assert (reply.result, reply.reason) == (Result.REFUSED, Reason.RENEW_LIMIT)


def test_renewal_limit_of_the_kiosks_library(desk: Desk) -> None:
    desk.checkout("k-b1", "P1", "A001")
    assert desk.renew("k-b1", "P1", "A001").result is Result.ACCEPTED
    assert desk.renew("k-b1", "P1", "A001").result is Result.ACCEPTED  # library B allows 2
    assert desk.renew("k-b1", "P1", "A001").reason is Reason.RENEW_LIMIT


def test_reserved_by_another_patron(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001")
    domain.place_hold(LIB_A, "A001", "P2", LIB_B, NOW)
    reply = desk.renew("k-a1", "P1", "A001")
    assert (reply.result, reply.reason) == (Result.REFUSED, Reason.RENEW_RESERVED)


@pytest.mark.parametrize(("card", "pii"), [("P2", "A001"), ("P1", "A002")])
def test_not_your_loan(desk: Desk, card: str, pii: str) -> None:
    desk.checkout("k-a1", "P1", "A001")
    reply = desk.renew("k-a1", card, pii)
    assert (reply.result, reply.reason) == (Result.REFUSED, Reason.NOT_YOUR_LOAN)


def test_overdue_renewal_when_the_library_forbids_it(domain: CentralDomain, desk: Desk) -> None:
    desk.checkout("k-a1", "P1", "A001")
    late = NOW + 40 * DAY
    assert desk.renew("k-a1", "P1", "A001", ts=late).result is Result.ACCEPTED  # allowed by default
    domain.add_library(replace(domain.library(LIB_A), renew_when_overdue=False, max_renewals=5))
    reply = desk.renew("k-a1", "P1", "A001", ts=late + 40 * DAY)
    assert reply.reason is Reason.RENEW_OVERDUE


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("P3", Reason.PATRON_BLOCKED),
        ("P4", Reason.PATRON_EXPIRED),
        ("NOBODY", Reason.PATRON_UNKNOWN),
    ],
)
def test_patron_checks_apply(domain: CentralDomain, desk: Desk, card: str, reason: Reason) -> None:
    assert desk.renew("k-a1", card, "A001").reason is reason


def test_renewal_of_unknown_item(desk: Desk) -> None:
    assert desk.renew("k-a1", "P1", "NOPE").reason is Reason.ITEM_UNKNOWN
