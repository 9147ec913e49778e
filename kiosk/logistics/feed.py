"""The return bin and the usage counters, fed from the session machine's results (DB4401/T 96
§10–11).

:class:`LogisticsFeed` sees every action the runtime shows (``on_action``) and keeps only the
:class:`~kiosk.circulation.session.ItemResult` values: each result counts under
:func:`~kiosk.logistics.stats.events_for` (plus ``security_failure`` when the tag could not be
secured or unsecured), and an accepted return routed ``transit:{owner}`` puts the copy into that
owner's transit bin. Notices, screens, beeps and every other action change nothing.

Counted once per transaction:

- The parts of a set (one decision, one journal row) each get their own ``ItemResult`` with the
  same PII and the same outcome, one per tag; only the first counts.
- A :class:`ResultGuard` (the journal-backed
  :class:`~kiosk.journal.logistics_store.LogisticsStore`) ties each result to its journal row in
  the same commit as the counts, so the same result seen twice is counted once, and the rows a
  crash kept from being seen are counted by its catch-up (:func:`observation_from_row`) — with
  the same rules as the live path.

Pure: no clock (``today`` is injected), no I/O except through the stores behind
:class:`~kiosk.logistics.transit.TransitBins`, :class:`~kiosk.logistics.stats.Statistics` and
the guard.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from kiosk.circulation._actions import Action, ItemResult
from kiosk.circulation.decision import Op
from kiosk.circulation.reasons import Reason
from kiosk.journal.records import Security, TxRecord
from kiosk.logistics.stats import Statistics, events_for
from kiosk.logistics.transit import TransitBins, TransitItem

__all__ = [
    "STAT_OPS",
    "Claim",
    "LogisticsFeed",
    "Observation",
    "ResultGuard",
    "local_day",
    "observation_from_row",
]

STAT_OPS: Mapping[Op, str] = {Op.CHECKOUT: "checkout", Op.RETURN: "checkin", Op.RENEW: "renew"}
"""Session operation → statistics op (which is also the journal's ``op``)."""
_TRANSIT = "transit:"
_RECENT = 256  # PIIs whose last outcome is remembered to recognise the other parts of a set


@dataclass(frozen=True, slots=True)
class Observation:
    """What one circulation result adds: its counter keys on ``day`` and, for a copy that goes
    into the transit bin, its destination."""

    op: str  # checkout / checkin / renew
    uid: str
    pii: str | None
    day: date
    events: tuple[str, ...]
    transit_to: str | None = None
    title: str = ""


@dataclass(frozen=True, slots=True)
class Claim:
    """A guard's answer: count it (``fresh``) or not, and central's display data for the copy
    (title, author, ISBN, … from its reply) when the guard knows them."""

    fresh: bool
    display: Mapping[str, Any] = field(default_factory=dict)


class ResultGuard(Protocol):
    """Makes one observation's counting a single durable unit, counted at most once."""

    def claim(self, observation: Observation) -> AbstractContextManager[Claim]:
        """Everything written to the stores inside the block is committed together."""
        ...


@contextmanager
def _always(observation: Observation) -> Iterator[Claim]:
    del observation
    yield Claim(True)


def _events(op: str, result: str, reason: str | None, *, offline: bool) -> tuple[str, ...]:
    keys = events_for(op, result, reason, offline=offline)
    if reason == Reason.SECURITY_FAILED:
        keys.append("security_failure")
    return tuple(keys)


def observation_of(action: ItemResult, *, day: date, home: str) -> Observation | None:
    """The observation of one live result (None for an operation that is not counted)."""
    op = STAT_OPS.get(action.op)
    if op is None:
        return None
    events = _events(op, str(action.result), str(action.reason), offline=action.offline)
    transit_to = None
    route = action.route or ""
    if (
        op == "checkin"
        and str(action.result) == "accepted"
        and action.pii
        and route.startswith(_TRANSIT)
        and route[len(_TRANSIT) :] not in ("", home)
    ):
        transit_to = route[len(_TRANSIT) :]
    return Observation(op, action.uid, action.pii, day, events, transit_to, action.title)


def local_day(ts_ms: int, utc_offset_minutes: int) -> date:
    """The library's local date at ``ts_ms`` (epoch milliseconds)."""
    local = datetime.fromtimestamp(ts_ms / 1000, UTC) + timedelta(minutes=utc_offset_minutes)
    return local.date()


def observation_from_row(row: TxRecord, *, day: date, home: str) -> Observation | None:
    """The observation of one journal row, as the live path would have made it; None for rows
    that do not count (staff actions, undecided rows, a compensating return that reverses a
    loan whose tag could not be unsecured).

    A row whose tag security failed counts as refused ``security_failed`` (the machine showed
    it so); a return's route is central's, else the machine's own rule (another member
    library's copy travels home).
    """
    decision = row.decision
    if decision is None or row.op not in STAT_OPS.values() or row.item is None:
        return None
    if row.detail is not None and "reverses" in row.detail:
        return None
    result, reason = str(decision.result), decision.reason
    if row.security is Security.SECURITY_FAILED:
        result, reason = "refused", str(Reason.SECURITY_FAILED)
    events = _events(row.op, result, reason, offline=row.offline)
    reply: Mapping[str, Any] = row.reply or {}
    transit_to = None
    if row.op == "checkin" and result in ("accepted", "exception"):
        route = reply.get("route")
        owner = row.item.owner or home
        if not isinstance(route, str):
            route = "shelf" if owner == home else f"{_TRANSIT}{owner}"
        if route.startswith(_TRANSIT) and route[len(_TRANSIT) :] not in ("", home):
            transit_to = route[len(_TRANSIT) :]
    title = reply.get("title")
    return Observation(
        row.op,
        row.item.uid,
        row.item.pii,
        day,
        events,
        transit_to,
        title if isinstance(title, str) else "",
    )


class LogisticsFeed:
    """Keeps ``bins`` and ``statistics`` current from the session's results.

    Args:
        bins: the machine's transit bins (with a store, they survive a restart).
        statistics: the usage counters.
        today: the library's local date now (the day a live result counts on).
        guard: ties each result to its journal row (None: every result counts; the parts of a
            set are still counted once).
    """

    def __init__(
        self,
        bins: TransitBins,
        statistics: Statistics,
        today: Callable[[], date],
        *,
        guard: ResultGuard | None = None,
    ) -> None:
        self.bins = bins
        self.statistics = statistics
        self._today = today
        self._claim: Callable[[Observation], AbstractContextManager[Claim]] = (
            _always if guard is None else guard.claim
        )
        # PII → (outcome, uids): the last result per item, to recognise a set's other parts
        self._recent: OrderedDict[str, tuple[tuple[object, ...], set[str]]] = OrderedDict()

    @property
    def home(self) -> str:
        """The machine's library (its own copies never go into transit)."""
        return self.bins.sending

    def observe(self, action: Action) -> bool:
        """Count one action; True when the bins or the counters changed."""
        if not isinstance(action, ItemResult) or action.op not in STAT_OPS:
            return False
        if self._another_part(action):
            return False
        observation = observation_of(action, day=self._today(), home=self.bins.sending)
        if observation is None:
            return False
        with self._claim(observation) as claim:
            if not claim.fresh:
                return False
            self.apply(observation, claim.display)
        return True

    def apply(self, observation: Observation, display: Mapping[str, Any]) -> None:
        """Count ``observation`` (the guard's catch-up calls this too, inside its unit)."""
        for event in observation.events:
            self.statistics.record(event, observation.day)
        if observation.transit_to is not None and observation.pii:
            shown = {k: v for k, v in display.items() if isinstance(v, str)}  # as sent, if text
            shown["title"] = shown.get("title") or observation.title
            item = TransitItem.from_reply(
                shown, barcode=observation.pii, owner=observation.transit_to
            )
            self.bins.add(item)

    def replay_empty(self, detail: Mapping[str, Any]) -> None:
        """Apply a journalled emptying of the bin (``staff:empty_bin``, see
        :func:`kiosk.logistics.transit.dispatch_detail`): used when the bins are first built
        from an existing journal."""
        taken = detail.get("taken")
        for key in taken if isinstance(taken, list) else []:
            owner, _, barcode = str(key).partition("/")
            self.bins.remove(owner, barcode)
        packages = detail.get("packages")
        if isinstance(packages, Mapping):
            for destination, numbers in packages.items():
                for number in numbers if isinstance(numbers, list) else []:
                    self.bins.note_package(str(destination), str(number))

    def _another_part(self, action: ItemResult) -> bool:
        """True for a later part of the set whose first part already counted."""
        if not action.pii:
            return False
        outcome = (action.op, action.result, action.reason, action.route, action.offline)
        last = self._recent.get(action.pii)
        if last is not None and last[0] == outcome and action.uid not in last[1]:
            last[1].add(action.uid)
            return True
        self._recent[action.pii] = (outcome, {action.uid})
        self._recent.move_to_end(action.pii)
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)
        return False
