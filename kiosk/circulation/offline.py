"""The offline policy: what the kiosk decides when central does not answer in time (issue §5).

It decides from configuration (:class:`~kiosk.circulation.config.OfflineConfig`: operations
allowed offline, per-patron item limit, due-date rule) and from the data central pushed earlier,
which the journal keeps in SQLite with a version and hands in as an :class:`OfflineData`
snapshot: the holds (reserved items, for whom, until when, in each item's queue order) and the
blocked cards. Every decision
it returns is marked ``offline=True`` with its reason, so central can replay it with the original
timestamp and raise conflicts for staff.

It assumes the kiosk-side :class:`~kiosk.circulation.items.ItemPolicy` has already been applied
(member library, usage classes 2/7, sets); it still refuses an unreadable tag on its own.

Rules, first match wins:

=============  =================================================================================
any            operation not allowed offline → OFFLINE_NOT_ALLOWED; tag unreadable →
               TAG_UNREADABLE; type of usage 13/14/15 ("not for issue / return / either while
               offline") covering the operation → OFFLINE_ITEM_FLAG
checkout       no patron → PATRON_UNKNOWN; blocked card → PATRON_BLOCKED; patron's offline count
               at the limit → OFFLINE_LIMIT; the head of the item's live hold queue is someone
               else → ON_HOLD_FOR_OTHER (the patron at the head may borrow it, as at central);
               else accepted, due at the end of the local day ``loan_days`` from today
renew          as checkout, but a live hold by anyone else anywhere in the queue →
               RENEW_RESERVED
return         any live hold → refused RESERVED, route staff (the desk hands it to the holder);
               else accepted, route ``shelf`` for the kiosk's own library, ``transit:{owner}``
               otherwise
=============  =================================================================================

A hold is live until its ``expires`` time (``None`` = no expiry). Times are aware datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from kiosk.circulation.config import OfflineConfig, same_isil
from kiosk.circulation.decision import (
    ROUTE_SHELF,
    ROUTE_STAFF,
    Decision,
    Op,
    Verdict,
    route_transit,
)
from kiosk.circulation.items import ItemIdentity
from kiosk.circulation.patron import Patron, PatronCard
from kiosk.circulation.reasons import Reason

__all__ = ["Hold", "OfflineData", "OfflinePolicy", "PatronCheck"]

# Type of usage 1x sub-qualifiers (ISO 28560-1): which operations each forbids while offline.
# Renewing is issuing again, so "not for issue" covers it too.
_OFFLINE_FLAGS: dict[int, frozenset[Op]] = {
    0x13: frozenset({Op.CHECKOUT, Op.RENEW}),
    0x14: frozenset({Op.RETURN}),
    0x15: frozenset({Op.CHECKOUT, Op.RENEW, Op.RETURN}),
}


@dataclass(frozen=True, slots=True)
class Hold:
    """An item reserved for ``patron`` (a patron id or card number), collected at ``pickup``."""

    patron: str
    pickup: str = ""
    expires: datetime | None = None


@dataclass(frozen=True, slots=True)
class OfflineData:
    """Central's last pushed data, as the journal layer keeps it (read-only).

    ``queues`` maps a PII to all its holds, head of the queue first; ``holds`` maps a PII to one
    hold (the head) for callers that know only one — a PII missing from ``queues`` has the queue
    ``(holds[pii],)``. ``blocked_cards`` holds card numbers, card UIDs or patron ids;
    ``versions`` names each data set's version (e.g. ``{"holds": 41, "blocked": 7}``) so a
    decision can be traced to the data it used.
    """

    holds: Mapping[str, Hold] = field(default_factory=dict)
    blocked_cards: frozenset[str] = frozenset()
    versions: Mapping[str, int] = field(default_factory=dict)
    queues: Mapping[str, tuple[Hold, ...]] = field(default_factory=dict)

    def live_holds(self, pii: str | None, now: datetime) -> tuple[Hold, ...]:
        """The item's holds still live at ``now``, head of the queue first."""
        if pii is None:
            return ()
        queue = self.queues.get(pii)
        if queue is None:
            single = self.holds.get(pii)
            queue = () if single is None else (single,)
        return tuple(h for h in queue if h.expires is None or h.expires > now)

    def live_hold(self, pii: str | None, now: datetime) -> Hold | None:
        """The head of the item's live queue (the one a returned copy is kept for)."""
        live = self.live_holds(pii, now)
        return live[0] if live else None

    def is_blocked(self, card: PatronCard | None, patron: Patron | None = None) -> bool:
        names: set[str] = set()
        if card is not None:
            names.update(n for n in (card.number, card.uid) if n)
        if patron is not None:
            names.add(patron.patron_id)
            if patron.card is not None:
                names.update(n for n in (patron.card.number, patron.card.uid) if n)
        return not names.isdisjoint(self.blocked_cards)


@dataclass(frozen=True, slots=True)
class PatronCheck:
    """The offline answer to "who is this card?" (the I/O layer turns it into PatronVerified)."""

    result: Verdict
    reason: Reason
    patron: Patron | None = None
    offline: bool = True


class OfflinePolicy:
    """Decides items and patrons without central; pure, all inputs are arguments."""

    def __init__(self, config: OfflineConfig) -> None:
        self._config = config
        self._tz = timezone(timedelta(minutes=config.utc_offset_minutes))

    @property
    def config(self) -> OfflineConfig:
        return self._config

    def verify(self, card: PatronCard, snapshot: OfflineData) -> PatronCheck:
        """Accept any card that is not blocked (when configured); the PIN cannot be checked."""
        if not self._config.patrons:
            return PatronCheck(Verdict.REFUSED, Reason.OFFLINE_NOT_ALLOWED)
        if card.blank:
            return PatronCheck(Verdict.REFUSED, Reason.PATRON_UNKNOWN)
        if snapshot.is_blocked(card):
            return PatronCheck(Verdict.REFUSED, Reason.PATRON_BLOCKED)
        return PatronCheck(Verdict.ACCEPTED, Reason.OK, Patron(card.label, card=card))

    def decide(
        self,
        op: Op,
        identity: ItemIdentity,
        patron: Patron | None,
        snapshot: OfflineData,
        *,
        offline_count_for_patron: int,
        now: datetime,
    ) -> Decision:
        """Decide ``op`` on ``identity`` offline; ``now`` must be an aware datetime."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"offline decision time {now.isoformat()} has no time zone")
        if op not in self._config.ops:
            return _refuse(Reason.OFFLINE_NOT_ALLOWED)
        if not identity.readable:
            return _refuse(Reason.TAG_UNREADABLE)
        if op in _OFFLINE_FLAGS.get(identity.usage if identity.usage is not None else -1, ()):
            return _refuse(Reason.OFFLINE_ITEM_FLAG)
        if op is Op.RETURN:
            return self._return(identity, snapshot, now)
        return self._lend(op, identity, patron, snapshot, offline_count_for_patron, now=now)

    def due(self, now: datetime) -> datetime:
        """End of the local day ``loan_days`` after ``now``'s local date."""
        local = now.astimezone(self._tz)
        day = local.date() + timedelta(days=self._config.loan_days)
        return datetime.combine(day, time(23, 59, 59), tzinfo=self._tz)

    def _lend(
        self,
        op: Op,
        identity: ItemIdentity,
        patron: Patron | None,
        snapshot: OfflineData,
        count: int,
        *,
        now: datetime,
    ) -> Decision:
        if patron is None:
            return _refuse(Reason.PATRON_UNKNOWN)
        if snapshot.is_blocked(patron.card, patron):
            return _refuse(Reason.PATRON_BLOCKED)
        if op is Op.CHECKOUT and count >= self._config.item_limit:
            return _refuse(Reason.OFFLINE_LIMIT)
        queue = snapshot.live_holds(identity.pii, now)
        if op is Op.CHECKOUT and queue and not patron.holds_card(queue[0].patron):
            return _refuse(Reason.ON_HOLD_FOR_OTHER)
        if op is Op.RENEW and any(not patron.holds_card(hold.patron) for hold in queue):
            return _refuse(Reason.RENEW_RESERVED)
        return Decision(Verdict.ACCEPTED, Reason.OK, due=self.due(now), offline=True)

    def _return(self, identity: ItemIdentity, snapshot: OfflineData, now: datetime) -> Decision:
        if snapshot.live_holds(identity.pii, now):
            return _refuse(Reason.RESERVED, route=ROUTE_STAFF)
        owner = identity.owner
        if owner is None or same_isil(owner, self._config.library):
            route = ROUTE_SHELF
        else:
            route = route_transit(owner)
        return Decision(Verdict.ACCEPTED, Reason.OK, route=route, offline=True)


def _refuse(reason: Reason, *, route: str | None = None) -> Decision:
    return Decision.refuse(reason, route=route, offline=True)
