"""The ledger: bins and counters from live results and rebuilt from the journal."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from kiosk.circulation._actions import ItemResult
from kiosk.circulation.decision import Op, Verdict
from kiosk.circulation.reasons import Reason, message_for
from kiosk.journal import Decision, Intent, ItemRef, Journal, staff_op
from kiosk.logistics import Statistics, TransitBins
from kiosk.logistics.ledger import Ledger, dispatch_detail

HOME, YUEXIU, HAIZHU = "CN-440100-1-0001", "CN-440100-1-0002", "CN-440100-1-0003"
DAY = date(2026, 11, 24)
TS = 1_795_500_000_000  # 2026-11-24 (UTC+8)


def ledger() -> Ledger:
    return Ledger(
        TransitBins(sending=HOME), Statistics(), home=HOME, utc_offset_minutes=480,
        today=lambda: DAY,
    )


def result(op: Op, verdict: Verdict, pii: str, route: str | None, *, offline: bool = False,
           reason: Reason = Reason.OK) -> ItemResult:
    return ItemResult(uid="E004" + pii[-12:], op=op, result=verdict, reason=reason,
                      message=message_for(reason), pii=pii, title=f"book {pii}", route=route,
                      offline=offline)


def test_live_results_fill_the_transit_bin_and_the_counters() -> None:
    led = ledger()
    assert led.observe(result(Op.RETURN, Verdict.ACCEPTED, "0002100000001", f"transit:{YUEXIU}"))
    led.observe(result(Op.RETURN, Verdict.ACCEPTED, "0001100000002", "shelf", offline=True))
    led.observe(result(Op.RETURN, Verdict.REFUSED, "0001100000003", None,
                       reason=Reason.RESERVED))
    led.observe(result(Op.CHECKOUT, Verdict.ACCEPTED, "0001100000004", None))
    assert led.bins.counts() == {YUEXIU: 1}
    assert led.bins.items(YUEXIU)[0].title == "book 0002100000001"
    assert led.statistics.day(DAY) == {
        "checkin": 2, "offline:checkin": 1, "refusal:reserved": 1, "checkout": 1,
    }


def _journal(tmp: Path) -> Journal:
    return Journal.open(tmp / "journal.db", kiosk="k1", clock=time.time)


def _return(journal: Journal, n: int, pii: str, owner: str, reply: dict[str, object] | None,
            *, offline: bool = False) -> None:
    record = journal.begin(
        Intent(f"s:{n}", "checkin", item=ItemRef(pii, owner, f"E00401{n:010d}", None),
               ts_ms=TS + n)
    ).record
    journal.decide(record.tx_id, Decision("accepted", "ok"), offline=offline, reply=reply)


def test_replay_rebuilds_bins_across_an_emptying_and_numbers_packages_on(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    first = ledger()
    _return(journal, 1, "0002100000001", YUEXIU,
            {"v": 1, "tx_id": "k1:1", "result": "accepted", "reason": "ok",
             "route": f"transit:{YUEXIU}", "title": "围城"})
    _return(journal, 2, "0003100000002", HAIZHU, None, offline=True)  # offline: the rule
    _return(journal, 3, "0001100000003", HOME, None)  # own copy: shelf
    first.replay(journal.transactions_between(0, TS + 10_000))
    dispatch = first.bins.empty(DAY, [YUEXIU])
    assert [p.number for p in dispatch.lists[0].packages] == ["20261124-0002-1"]
    journal.record_staff(
        Intent("staff:1", staff_op("empty_bin"), staff="S07",
               detail=dispatch_detail(dispatch, YUEXIU), ts_ms=TS + 5)
    )
    _return(journal, 6, "0002100000009", YUEXIU, None)

    again = ledger()  # a restart: nothing but the journal
    again.replay(journal.transactions_between(0, TS + 10_000))
    assert again.bins.counts() == {HAIZHU: 1, YUEXIU: 1}
    assert [i.barcode for i in again.bins.items(YUEXIU)] == ["0002100000009"]
    assert again.statistics.day(DAY) == {"checkin": 4, "offline:checkin": 1}
    later = again.bins.empty(DAY, [YUEXIU])
    assert [p.number for p in later.lists[0].packages] == ["20261124-0002-2"]
    journal.close()


def test_a_bad_journal_detail_is_skipped_not_fatal(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.record_staff(Intent("staff:1", staff_op("empty_bin"), staff="S07",
                                detail={"packages": {YUEXIU: ["not-a-number"]}}, ts_ms=TS))
    _return(journal, 2, "0002100000001", YUEXIU, None)
    led = ledger()
    assert led.replay(journal.transactions_between(0, TS + 10_000)) == 1
    assert led.bins.counts() == {YUEXIU: 1}
    journal.close()
