"""Counters per day and month, event keys, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from kiosk.circulation.reasons import Reason
from kiosk.errors import LogisticsError
from kiosk.logistics import (
    CSV_HEADER,
    InMemoryCounterStore,
    Statistics,
    events_for,
    offline_event,
    refusal_event,
    validate_event,
)


def _stats() -> Statistics:
    stats = Statistics()
    stats.record("checkout", date(2026, 2, 28), 3)
    stats.record("checkout", date(2026, 3, 1))
    stats.record("checkout", date(2026, 3, 1))
    stats.record("checkin", date(2026, 3, 1), 4)
    stats.record(refusal_event(Reason.RESERVED), date(2026, 3, 1))
    stats.record(refusal_event("patron_blocked"), date(2026, 3, 31), 2)
    stats.record(offline_event("checkout"), date(2026, 3, 31))
    stats.record("security_failure", date(2026, 3, 31))
    stats.record("renew", date(2026, 4, 1))
    return stats


def test_day_counts() -> None:
    stats = _stats()
    assert stats.day(date(2026, 3, 1)) == {"checkin": 4, "checkout": 2, "refusal:reserved": 1}
    assert stats.day(date(2026, 3, 2)) == {}


def test_month_counts_stay_within_the_month() -> None:
    stats = _stats()
    assert stats.month(2026, 3) == {
        "checkin": 4,
        "checkout": 2,
        "offline:checkout": 1,
        "refusal:patron_blocked": 2,
        "refusal:reserved": 1,
        "security_failure": 1,
    }
    assert stats.month(2026, 2) == {"checkout": 3}
    assert stats.month(2026, 4) == {"renew": 1}
    assert stats.month(2025, 12) == {}


def test_daily_csv() -> None:
    text = _stats().to_csv(date(2026, 3, 1), date(2026, 3, 31))
    assert text.startswith("period,event,count\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1:] == [
        ["2026-03-01", "checkin", "4"],
        ["2026-03-01", "checkout", "2"],
        ["2026-03-01", "refusal:reserved", "1"],
        ["2026-03-31", "offline:checkout", "1"],
        ["2026-03-31", "refusal:patron_blocked", "2"],
        ["2026-03-31", "security_failure", "1"],
    ]


def test_monthly_csv() -> None:
    rows = list(
        csv.reader(io.StringIO(_stats().to_csv(date(2026, 2, 1), date(2026, 4, 30), monthly=True)))
    )
    assert ["2026-02", "checkout", "3"] in rows
    assert ["2026-03", "checkout", "2"] in rows
    assert ["2026-04", "renew", "1"] in rows
    assert len(rows) == 1 + 1 + 6 + 1


def test_events_for_outcomes() -> None:
    assert events_for("checkout", "accepted", None, offline=False) == ["checkout"]
    assert events_for("checkin", "exception", "not_on_loan", offline=True) == [
        "checkin",
        "offline:checkin",
    ]
    assert events_for("renew", "refused", Reason.RENEW_LIMIT, offline=False) == [
        "refusal:renew_limit"
    ]
    assert events_for("checkout", "refused", None, offline=True) == [
        "refusal:central_refused",
        "offline:checkout",
    ]


@pytest.mark.parametrize(
    "event",
    ["checkout", "checkin", "renew", "security_failure", "refusal:reserved", "offline:renew"],
)
def test_valid_events(event: str) -> None:
    assert validate_event(event) == event


@pytest.mark.parametrize("event", ["loan", "refusal:nope", "refusal:", "offline:lend", "", 3, None])
def test_invalid_events(event: object) -> None:
    with pytest.raises(LogisticsError, match="statistics event"):
        validate_event(event)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s: s.record("checkout", "2026-03-01"),
            "statistics day: '2026-03-01', expected a date",
        ),
        (
            lambda s: s.record("checkout", date(2026, 3, 1), 0),
            "statistics count: 0, expected an integer ≥ 1",
        ),
        (lambda s: s.record("checkout", date(2026, 3, 1), True), "statistics count: True"),
        (lambda s: s.month(2026, 13), "statistics month: 13, expected 1..12"),
        (lambda s: s.month(0, 1), "statistics year: 0"),
        (lambda s: s.to_csv(date(2026, 3, 2), date(2026, 3, 1)), "last day before first"),
        (lambda s: events_for("lend", "accepted", None, offline=False), "statistics op 'lend'"),
        (lambda s: events_for("renew", "maybe", None, offline=False), "statistics result 'maybe'"),
    ],
)
def test_bad_arguments(call: object, message: str) -> None:
    with pytest.raises(LogisticsError) as caught:
        call(Statistics())  # type: ignore[operator]
    assert message in str(caught.value)


def test_a_shared_store_sees_all_writers() -> None:
    store = InMemoryCounterStore()
    Statistics(store).record("checkout", date(2026, 3, 1))
    Statistics(store).record("checkout", date(2026, 3, 1))
    assert Statistics(store).day(date(2026, 3, 1)) == {"checkout": 2}
    assert store.get(date(2026, 3, 1)) == {"checkout": 2}
