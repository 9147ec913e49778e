"""Helpers for the logistics-store tests and their kill child: a journal written the way the
runtime writes it, and the daemon's feed over the journal-backed store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.circulation._actions import ItemResult
from kiosk.circulation.decision import Op, Verdict
from kiosk.circulation.reasons import Reason, message_for
from kiosk.journal import Decision, Intent, ItemRef, Journal, Security, TxRecord
from kiosk.journal.logistics_store import LogisticsStore
from kiosk.logistics import LogisticsFeed, Statistics, TransitBins

HOME, YUEXIU, HAIZHU = "CN-440100-1-0001", "CN-440100-1-0002", "CN-440100-1-0003"
DAY = date(2026, 11, 24)
TS = 1_795_500_000_000  # 2026-11-24 in UTC+8
OFFSET = 480
KIOSK = "k1"
_OPS = {"checkout": Op.CHECKOUT, "checkin": Op.RETURN, "renew": Op.RENEW}


@dataclass
class Machine:
    """The journal (journal thread) and the feed over its own store connection (loop thread)."""

    journal: Journal
    store: LogisticsStore
    feed: LogisticsFeed

    def close(self) -> None:
        self.store.close()
        self.journal.close()


def open_machine(path: Path) -> Machine:
    journal = Journal.open(path, kiosk=KIOSK, clock=time.time)
    store = LogisticsStore.open(path, clock=time.time)
    bins = TransitBins(sending=HOME, store=store.bin_store)
    bins.load_state(store.bin_store.state())
    feed = LogisticsFeed(bins, Statistics(store.counters), lambda: DAY, guard=store)
    return Machine(journal, store, feed)


def uid_of(n: int) -> str:
    return f"E004{n:012X}"


def journal_tx(
    journal: Journal,
    n: int,
    op: str,
    pii: str,
    owner: str,
    *,
    result: str = "accepted",
    reason: str = "ok",
    route: str | None = None,
    display: dict[str, Any] | None = None,
    offline: bool = False,
    until: str = "shown",
) -> TxRecord:
    """One transaction as the runtime journals it, up to step ``until``."""
    record = journal.begin(
        Intent(f"s:{n}", op, item=ItemRef(pii, owner, uid_of(n), None), ts_ms=TS + n)
    ).record
    if until == "intent":
        return record
    reply = None if offline else {
        "v": 1, "tx_id": record.tx_id, "result": result, "reason": reason, "route": route,
        **(display or {}),
    }
    journal.decide(record.tx_id, Decision(result, reason), offline=offline, reply=reply)
    if until == "decided":
        return record
    if until == "reconcile":
        return journal.mark_reconcile(record.tx_id, "session ended before the result was shown")
    security = Security.SECURED if op == "checkin" else Security.UNSECURED
    journal.effect_done(record.tx_id, security if result == "accepted" else Security.NOT_NEEDED)
    return journal.shown(record.tx_id)


def item_result(
    n: int,
    op: str,
    pii: str,
    *,
    result: str = "accepted",
    reason: str = "ok",
    route: str | None = None,
    offline: bool = False,
) -> ItemResult:
    """The result the runtime shows for transaction ``n`` once it is journalled."""
    why = Reason(reason)
    return ItemResult(uid=uid_of(n), op=_OPS[op], result=Verdict(result), reason=why,
                      message=message_for(why), pii=pii, title=f"book {pii}", route=route,
                      offline=offline)
