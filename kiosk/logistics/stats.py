"""Usage counters per day and month (DB4401/T 96 §11): loans, returns, renewals, refusals by
reason, offline decisions and tag-security failures.

An event is a text key, so a store needs no schema change when a reason code is added:

=========================  =====================================================
``checkout``               an item lent (accepted)
``checkin``                an item taken back (accepted)
``renew``                  a loan renewed (accepted)
``refusal:{reason}``       a refusal, by reason code (:class:`~kiosk.circulation.reasons.Reason`)
``offline:{op}``           a decision the kiosk took offline, by operation
``security_failure``       a tag whose AFI/EAS write could not be verified
=========================  =====================================================

:func:`events_for` turns one circulation outcome into its keys. Counts live in a
:class:`CounterStore` (in memory here; TinyDB or SQLite later behind the same three methods).

CSV export (``\\r\\n`` line ends) has the header ``period,event,count``; ``period`` is
``YYYY-MM-DD`` for daily rows and ``YYYY-MM`` for monthly ones; rows are sorted by period, then
event, and zero counts are left out.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from kiosk.circulation.reasons import Reason
from kiosk.errors import LogisticsError

__all__ = [
    "CSV_HEADER",
    "OPS",
    "CounterStore",
    "Day",
    "InMemoryCounterStore",
    "Statistics",
    "events_for",
    "offline_event",
    "refusal_event",
    "validate_event",
]

OPS = ("checkout", "checkin", "renew")
_PLAIN = frozenset({*OPS, "security_failure"})
_REASON_CODES = frozenset(reason.value for reason in Reason)
CSV_HEADER = ("period", "event", "count")

Day = date
"""A local calendar day. Named here so storage code may use the type without importing
``datetime`` (the journal package takes all time from an injected clock and imports no time
module at all; see tests/journal/test_journal_layering.py)."""


def refusal_event(reason: Reason | str) -> str:
    return validate_event(f"refusal:{reason}")


def offline_event(op: str) -> str:
    return validate_event(f"offline:{op}")


def validate_event(event: object) -> str:
    """``event`` itself when it is a known key; :class:`LogisticsError` otherwise."""
    if not isinstance(event, str):
        raise LogisticsError(f"statistics event: {type(event).__name__}, expected text")
    if event in _PLAIN:
        return event
    kind, _, detail = event.partition(":")
    if kind == "refusal" and detail in _REASON_CODES:
        return event
    if kind == "offline" and detail in OPS:
        return event
    raise LogisticsError(
        f"statistics event {event!r}: expected checkout, checkin, renew, security_failure, "
        "refusal:<reason code> or offline:<checkout|checkin|renew>"
    )


def events_for(op: str, result: str, reason: Reason | str | None, *, offline: bool) -> list[str]:
    """The keys one transaction outcome counts under (``exception`` counts as accepted: the act
    happened at the machine)."""
    if op not in OPS:
        raise LogisticsError(f"statistics op {op!r}: expected one of {', '.join(OPS)}")
    keys = []
    if result in ("accepted", "exception"):
        keys.append(op)
    elif result == "refused":
        keys.append(refusal_event(reason or Reason.CENTRAL_REFUSED))
    else:
        raise LogisticsError(f"statistics result {result!r}: expected accepted/refused/exception")
    if offline:
        keys.append(offline_event(op))
    return keys


class CounterStore(Protocol):
    """Where the counts live."""

    def add(self, day: date, event: str, count: int) -> None: ...

    def get(self, day: date) -> Mapping[str, int]: ...

    def days(self, first: date, last: date) -> Iterable[tuple[date, Mapping[str, int]]]:
        """Days in ``first..last`` (inclusive) that have counts, in order."""
        ...


@dataclass
class InMemoryCounterStore:
    _days: dict[date, dict[str, int]] = field(default_factory=dict)

    def add(self, day: date, event: str, count: int) -> None:
        counts = self._days.setdefault(day, {})
        counts[event] = counts.get(event, 0) + count

    def get(self, day: date) -> Mapping[str, int]:
        return dict(self._days.get(day, {}))

    def days(self, first: date, last: date) -> Iterable[tuple[date, Mapping[str, int]]]:
        return [(d, dict(c)) for d, c in sorted(self._days.items()) if first <= d <= last]


def _day(value: object, what: str) -> date:
    if not isinstance(value, date):
        raise LogisticsError(f"{what}: {value!r}, expected a date")
    return value


class Statistics:
    """Counting and reporting over a :class:`CounterStore`."""

    def __init__(self, store: CounterStore | None = None) -> None:
        self._store: CounterStore = store if store is not None else InMemoryCounterStore()

    def record(self, event: str, day: date, count: int = 1) -> None:
        event = validate_event(event)
        day = _day(day, "statistics day")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise LogisticsError(f"statistics count: {count!r}, expected an integer ≥ 1")
        self._store.add(day, event, count)

    def day(self, day: date) -> dict[str, int]:
        counts = self._store.get(_day(day, "statistics day"))
        return {event: n for event, n in sorted(counts.items()) if n}

    def month(self, year: int, month: int) -> dict[str, int]:
        first, last = _month_range(year, month)
        total: dict[str, int] = {}
        for _, counts in self._store.days(first, last):
            for event, n in counts.items():
                total[event] = total.get(event, 0) + n
        return {event: n for event, n in sorted(total.items()) if n}

    def to_csv(self, first: date, last: date, *, monthly: bool = False) -> str:
        """Counts from ``first`` to ``last`` (inclusive), per day or per calendar month."""
        first, last = _day(first, "first day"), _day(last, "last day")
        if last < first:
            raise LogisticsError(f"statistics range {first}..{last}: last day before first")
        rows: dict[tuple[str, str], int] = {}
        for day, counts in self._store.days(first, last):
            period = f"{day:%Y-%m}" if monthly else day.isoformat()
            for event, n in counts.items():
                rows[(period, event)] = rows.get((period, event), 0) + n
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for (period, event), n in sorted(rows.items()):
            if n:
                writer.writerow((period, event, n))
        return out.getvalue()


def _month_range(year: int, month: int) -> tuple[date, date]:
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise LogisticsError(f"statistics year: {year!r}, expected 1..9999")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise LogisticsError(f"statistics month: {month!r}, expected 1..12")
    first = date(year, month, 1)
    return first, first + timedelta(days=calendar.monthrange(year, month)[1] - 1)
