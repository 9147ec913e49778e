"""Suppressing repeated sightings of a card that is still on (or back on) the reader."""

from __future__ import annotations

from collections.abc import Hashable

from drivers.errors import DriverConfigError

__all__ = ["Debouncer"]


class Debouncer:
    """A key yields an event only after it has gone unseen for at least ``window_s`` seconds.

    The window slides with every sighting, so a card held on the reader for a minute is one
    event, and a card lifted and put back within the window is still the same presentation.
    A different key is never held back. Time is passed in; a clock that steps backwards counts
    as no time passed (the card is treated as still present).
    """

    __slots__ = ("_last", "window_s")

    def __init__(self, window_s: float) -> None:
        if not window_s >= 0:
            raise DriverConfigError(f"debounce window must be >= 0 seconds, got {window_s!r}")
        self.window_s = float(window_s)
        self._last: dict[Hashable, float] = {}

    def sighted(self, key: Hashable, now: float) -> bool:
        """Record a sighting of ``key`` at ``now``; return whether it starts a new presentation."""
        last = self._last.get(key)
        fresh = last is None or max(0.0, now - last) >= self.window_s
        self._last[key] = now
        if len(self._last) > 16:
            self._forget_before(now - self.window_s)
        return fresh

    def _forget_before(self, horizon: float) -> None:
        # Entries older than the window would yield an event anyway; dropping them bounds memory.
        for key in [k for k, t in self._last.items() if t < horizon]:
            del self._last[key]
