"""The return bin's contents and the usage counters, kept from what the machine did.

Nothing here is stored on its own: the journal (SQLite, fsynced before a patron sees a result)
already holds every transaction and every staff action, so the bins and the counters are a view
of it. :meth:`Ledger.replay` rebuilds them from the journal's rows at start (after a restart or a
SIGKILL they are exactly what the journal says); :meth:`Ledger.observe` keeps them current from
the session's results while the machine runs. Emptying the bin is a staff action journalled with
the barcodes it took out and the package numbers it used, so a replay empties the same copies
and numbers the next packages on.

A copy goes into the transit bin when its return was accepted and its route is
``transit:{owner}`` — central's route when central answered, else the machine's own rule (another
member library's copy travels home). Titles and call numbers come from central's reply when
there is one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kiosk.circulation._actions import Action, ItemResult
from kiosk.circulation.decision import Op, Verdict
from kiosk.errors import KioskError
from kiosk.journal import TxRecord
from kiosk.logistics.stats import Statistics, events_for
from kiosk.logistics.transit import Dispatch, TransitBins, TransitItem

__all__ = ["EMPTY_BIN", "Ledger", "dispatch_detail"]

log = logging.getLogger(__name__)

EMPTY_BIN = "staff:empty_bin"
_STAT_OP = {Op.CHECKOUT: "checkout", Op.RETURN: "checkin", Op.RENEW: "renew"}
_TRANSIT = "transit:"


def dispatch_detail(dispatch: Dispatch, destination: str | None) -> dict[str, Any]:
    """The journal detail of one emptying: what it took out and the package numbers it used."""
    return {
        "destination": destination,
        "items": dispatch.handover.total,
        "taken": [f"{item.owner}/{item.barcode}" for tl in dispatch.lists for item in tl.items],
        "packages": {
            tl.destination: [package.number for package in tl.packages] for tl in dispatch.lists
        },
    }


class Ledger:
    """The live :class:`TransitBins` and :class:`Statistics` of one machine.

    Args:
        bins: the (empty) transit bins of the machine's library.
        statistics: the (empty) counters.
        home: the machine's library ISIL (its copies go to the shelf, not in transit).
        utc_offset_minutes: the library's time zone, for the day a transaction counts on.
        today: the local date now (for live results).
    """

    def __init__(
        self,
        bins: TransitBins,
        statistics: Statistics,
        *,
        home: str,
        utc_offset_minutes: int,
        today: Callable[[], date],
    ) -> None:
        self.bins = bins
        self.statistics = statistics
        self._home = home
        self._offset = timedelta(minutes=utc_offset_minutes)
        self._today = today

    # ------------------------------------------------------------------ live

    def observe(self, action: Action) -> bool:
        """Count one result of the running session; True when the bins or counters changed."""
        if not isinstance(action, ItemResult):
            return False
        op = _STAT_OP.get(action.op)
        if op is None:
            return False
        day = self._today()
        for event in events_for(op, str(action.result), action.reason, offline=action.offline):
            self.statistics.record(event, day)
        if (
            action.op is Op.RETURN
            and action.result is Verdict.ACCEPTED
            and action.pii
            and action.route
            and action.route.startswith(_TRANSIT)
        ):
            owner = action.route[len(_TRANSIT) :]
            self._add(TransitItem(action.pii, owner, title=action.title))
        return True

    # ------------------------------------------------------------------ replay

    def replay(self, rows: Iterable[TxRecord]) -> int:
        """Rebuild from journal rows in ``seq`` order; returns how many rows counted."""
        counted = 0
        for row in sorted(rows, key=lambda r: r.seq):
            try:
                if row.op == EMPTY_BIN:
                    self._replay_empty(row.detail or {})
                    counted += 1
                elif self._replay_circulation(row):
                    counted += 1
            except (KioskError, ValueError, TypeError) as exc:
                log.warning("ledger: journal row %s skipped: %s", row.tx_id, exc)
        return counted

    def _day(self, ts_ms: int) -> date:
        return (datetime.fromtimestamp(ts_ms / 1000, UTC) + self._offset).date()

    def _replay_circulation(self, row: TxRecord) -> bool:
        decision = row.decision
        if decision is None or row.op not in _STAT_OP.values():
            return False
        result = str(decision.result)
        for event in events_for(row.op, result, decision.reason, offline=row.offline):
            self.statistics.record(event, self._day(row.ts_ms))
        item = row.item
        if row.op != "checkin" or result not in ("accepted", "exception") or item is None:
            return True
        reply: Mapping[str, Any] = row.reply or {}
        route = reply.get("route")
        owner = item.owner or self._home
        if not isinstance(route, str):
            route = "shelf" if owner == self._home else f"{_TRANSIT}{owner}"
        if route.startswith(_TRANSIT) and item.pii:
            self._add(
                TransitItem.from_reply(reply, barcode=item.pii, owner=route[len(_TRANSIT) :])
            )
        return True

    def _replay_empty(self, detail: Mapping[str, Any]) -> None:
        taken = detail.get("taken")
        if isinstance(taken, list):
            for key in taken:
                owner, _, barcode = str(key).partition("/")
                self.bins.remove(owner, barcode)
        packages = detail.get("packages")
        if isinstance(packages, Mapping):
            for destination, numbers in packages.items():
                for number in numbers if isinstance(numbers, list) else []:
                    self.bins.note_package(str(destination), str(number))

    def _add(self, item: TransitItem) -> None:
        if item.owner == self.bins.sending:
            return  # its own library's copy: not a transit item (a route we do not expect)
        self.bins.add(item)
