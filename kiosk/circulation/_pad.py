"""Debouncing the pad: raw inventory snapshots in, "appeared" / "removed" out.

A stack of tags on an HF pad flickers: a tag can miss one inventory and reappear in the next, a
tag passing over the edge can show up once. The rules are in
:class:`~kiosk.circulation.config.Debounce`. Tags keep the order in which they came to count
(the stack order the screen shows).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.circulation.config import Debounce

__all__ = ["Pad", "PadChange"]


@dataclass(slots=True)
class _Track:
    streak: int  # consecutive inventories that saw it
    since: int  # when the current streak began
    missing: int  # consecutive inventories that did not see it
    last_seen: int
    present: bool  # counted as on the pad


@dataclass(frozen=True, slots=True)
class PadChange:
    appeared: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


class Pad:
    def __init__(self, debounce: Debounce) -> None:
        self._rules = debounce
        self._tracks: dict[str, _Track] = {}
        self._last: frozenset[str] = frozenset()

    def update(self, inventory: frozenset[str], now: int) -> PadChange:
        rules = self._rules
        appeared: list[str] = []
        removed: list[str] = []
        for uid in sorted(inventory):
            track = self._tracks.get(uid)
            if track is None:
                track = self._tracks[uid] = _Track(0, now, 0, now, False)
            track.streak += 1
            track.missing = 0
            track.last_seen = now
            if not track.present and (
                track.streak >= rules.appear_count
                or (rules.appear_ms is not None and now - track.since >= rules.appear_ms)
            ):
                track.present = True
                appeared.append(uid)
        for uid in [u for u in self._tracks if u not in inventory]:
            track = self._tracks[uid]
            if not track.present:
                del self._tracks[uid]  # a candidate's streak is broken: start again
                continue
            track.missing += 1
            track.streak = 0
            track.since = now
            if track.missing >= rules.vanish_count or (
                rules.vanish_ms is not None and now - track.last_seen >= rules.vanish_ms
            ):
                del self._tracks[uid]
                removed.append(uid)
        # Keep appearance order: re-insert newly counted tags at the end.
        for uid in appeared:
            self._tracks[uid] = self._tracks.pop(uid)
        self._last = inventory
        return PadChange(tuple(appeared), tuple(removed))

    @property
    def present(self) -> tuple[str, ...]:
        """Tags counted as on the pad, in the order they came to count."""
        return tuple(uid for uid, t in self._tracks.items() if t.present)

    def is_present(self, uid: str) -> bool:
        track = self._tracks.get(uid)
        return track is not None and track.present

    def in_hand(self, uid: str) -> bool:
        """Counted and seen by the latest inventory: safe to address with a write."""
        return self.is_present(uid) and uid in self._last
