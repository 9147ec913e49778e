"""Due dates and hold-shelf expiry: end of a day in the library's own time zone.

A library's zone is a fixed UTC offset (China has no daylight saving), so no zone database is
needed. A due date is the last millisecond of the local day ``days`` after the transaction, moved
forward past closed weekdays and closed dates so nothing falls due on a day the patron cannot
return it at that library.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from central.domain.model import Library

__all__ = ["MS_PER_DAY", "due_ms", "end_of_day_ms", "local_date", "next_open_day"]

MS_PER_DAY = 86_400_000
_MAX_CLOSED_RUN = 366  # a calendar that is closed every day must not loop forever


def local_date(ms: int, utc_offset_minutes: int) -> date:
    """The calendar date at ``ms`` in a zone ``utc_offset_minutes`` east of UTC."""
    moment = datetime.fromtimestamp(ms / 1000, UTC) + timedelta(minutes=utc_offset_minutes)
    return moment.date()


def end_of_day_ms(day: date, utc_offset_minutes: int) -> int:
    """The last millisecond of local ``day``."""
    start_utc = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(
        minutes=utc_offset_minutes
    )
    return int(start_utc.timestamp()) * 1000 + MS_PER_DAY - 1


def next_open_day(day: date, library: Library) -> date:
    """``day`` itself when the library is open, else the next day it is open (``day`` itself
    when a misconfigured calendar has no open day within a year)."""
    candidate = day
    for _ in range(_MAX_CLOSED_RUN):
        if (
            candidate.weekday() not in library.closed_weekdays
            and candidate not in library.closed_dates
        ):
            return candidate
        candidate += timedelta(days=1)
    return day


def due_ms(start_ms: int, days: int, library: Library) -> int:
    """End of the local day ``days`` after ``start_ms``, moved to an open day."""
    day = local_date(start_ms, library.utc_offset_minutes) + timedelta(days=days)
    return end_of_day_ms(next_open_day(day, library), library.utc_offset_minutes)
