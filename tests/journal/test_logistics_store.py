"""Return bin and counters in the journal database: durable, counted once, caught up after a
crash, and built from an existing journal the first time."""

from __future__ import annotations

import time
from pathlib import Path

from logistics_world import (
    DAY,
    HAIZHU,
    HOME,
    OFFSET,
    TS,
    YUEXIU,
    item_result,
    journal_tx,
    open_machine,
)

from kiosk.journal import Intent, Journal, staff_op
from kiosk.journal.logistics_store import LogisticsStore
from kiosk.logistics import LogisticsFeed, Statistics, TransitBins, TransitItem
from kiosk.logistics.transit import dispatch_detail

BOOK = {"title": "围城", "author": "钱钟书", "isbn": "9787020024759", "call_number": "I246.5/Q"}


def test_counts_bin_and_package_numbers_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    m = open_machine(path)
    journal_tx(m.journal, 1, "checkin", "0002100000001", YUEXIU, route=f"transit:{YUEXIU}",
               display=BOOK)
    assert m.feed.observe(item_result(1, "checkin", "0002100000001", route=f"transit:{YUEXIU}"))
    journal_tx(m.journal, 2, "checkin", "0003100000002", HAIZHU, offline=True)
    assert m.feed.observe(item_result(2, "checkin", "0003100000002", route=f"transit:{HAIZHU}",
                                      offline=True))
    assert m.feed.observe(item_result(3, "checkout", "0001100000003", result="refused",
                                      reason="tag_unreadable"))  # decided at the kiosk
    dispatch = m.feed.bins.empty(DAY, [HAIZHU])
    assert [p.number for p in dispatch.lists[0].packages] == ["20261124-0003-1"]
    m.close()

    again = open_machine(path)
    assert again.feed.statistics.day(DAY) == {
        "checkin": 2, "offline:checkin": 1, "refusal:tag_unreadable": 1,
    }
    assert again.feed.bins.items(YUEXIU) == (
        TransitItem("0002100000001", YUEXIU, title="围城", author="钱钟书", isbn="9787020024759",
                    call_number="I246.5/Q"),
    )  # central's display data from the journalled reply
    assert again.feed.bins.counts() == {YUEXIU: 1}
    again.feed.bins.add(TransitItem("0003100000009", HAIZHU))
    later = again.feed.bins.empty(DAY, [HAIZHU])
    assert [p.number for p in later.lists[0].packages] == ["20261124-0003-2"]
    assert again.feed.statistics.month(2026, 11)["checkin"] == 2
    again.close()


def test_a_result_seen_twice_counts_once(tmp_path: Path) -> None:
    m = open_machine(tmp_path / "j.db")
    journal_tx(m.journal, 1, "checkin", "0002100000001", YUEXIU, route=f"transit:{YUEXIU}")
    seen = item_result(1, "checkin", "0002100000001", route=f"transit:{YUEXIU}")
    assert [m.feed.observe(seen), m.feed.observe(seen)] == [True, False]
    # the same item returned again later is a new transaction: it counts
    journal_tx(m.journal, 2, "checkin", "0002100000001", YUEXIU, result="refused",
               reason="reserved", route="staff")
    again = item_result(2, "checkin", "0002100000001", result="refused", reason="reserved")
    assert m.feed.observe(again)
    assert m.feed.statistics.day(DAY) == {"checkin": 1, "refusal:reserved": 1}
    assert m.store.catch_up(m.feed, utc_offset_minutes=OFFSET) == 0  # nothing left over
    m.close()


def test_catch_up_counts_what_nobody_saw_once(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    m = open_machine(path)
    assert m.store.catch_up(m.feed, utc_offset_minutes=OFFSET) == 0  # a new journal
    journal_tx(m.journal, 1, "checkout", "0001100000001", HOME)
    m.feed.observe(item_result(1, "checkout", "0001100000001"))
    journal_tx(m.journal, 2, "checkin", "0002100000002", YUEXIU, route=f"transit:{YUEXIU}",
               display=BOOK)  # shown, then the process died before the feed saw it
    journal_tx(m.journal, 3, "checkin", "0003100000003", HAIZHU, offline=True,
               until="reconcile")  # a session that ended early: never shown
    open_row = journal_tx(m.journal, 4, "renew", "0001100000004", HOME, until="decided")
    cancelled = journal_tx(m.journal, 5, "checkout", "0001100000005", HOME, until="decided")
    m.journal.cancel(cancelled.tx_id, "item lifted before the write")

    # while the machine runs: only rows that will never be shown
    assert m.store.catch_up(m.feed, utc_offset_minutes=OFFSET, shown=False) == 1
    assert m.feed.bins.counts() == {HAIZHU: 1}
    # at start, after recovery
    assert m.store.catch_up(m.feed, utc_offset_minutes=OFFSET) == 1
    assert m.store.catch_up(m.feed, utc_offset_minutes=OFFSET) == 0
    assert m.feed.bins.items(YUEXIU)[0].author == "钱钟书"
    m.journal.effect_done(open_row.tx_id, "not_needed")  # type: ignore[arg-type]
    m.journal.mark_reconcile(open_row.tx_id, "crash")
    assert m.store.catch_up(m.feed, utc_offset_minutes=OFFSET) == 1
    m.close()

    again = open_machine(path)
    assert again.store.catch_up(again.feed, utc_offset_minutes=OFFSET) == 0
    assert again.feed.statistics.day(DAY) == {
        "checkout": 1, "checkin": 2, "offline:checkin": 1, "renew": 1,
    }
    assert again.feed.bins.counts() == {HAIZHU: 1, YUEXIU: 1}
    low = again.store.db.query("SELECT value FROM meta WHERE key = 'logistics_low'")
    assert low == [("5",)] and again.store.db.query("SELECT * FROM logistics_seen") == []
    again.close()


def test_security_failures_and_reversals_count_as_the_patron_saw_them(tmp_path: Path) -> None:
    m = open_machine(tmp_path / "j.db")
    record = journal_tx(m.journal, 1, "checkout", "0001100000001", HOME, until="decided")
    m.journal.effect_done(record.tx_id, "security_failed")  # type: ignore[arg-type]
    m.journal.shown(record.tx_id)
    m.journal.begin(Intent("s:1:reverse", "checkin", item=record.item,
                           detail={"reverses": record.tx_id}, ts_ms=TS + 2))
    m.store.catch_up(m.feed, utc_offset_minutes=OFFSET)
    assert m.feed.statistics.day(DAY) == {
        "refusal:security_failed": 1, "security_failure": 1,
    }
    m.close()


def test_the_first_catch_up_builds_everything_from_an_existing_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal.open(path, kiosk="k1", clock=time.time) as journal:
        journal_tx(journal, 1, "checkin", "0002100000001", YUEXIU, route=f"transit:{YUEXIU}")
        journal_tx(journal, 2, "checkin", "0002100000002", YUEXIU, offline=True)
        journal_tx(journal, 3, "checkout", "0001100000003", HOME)
        before = TransitBins(sending=HOME)  # what the bins did in memory before they were stored
        before.add(TransitItem("0002100000001", YUEXIU))
        before.add(TransitItem("0002100000002", YUEXIU))
        dispatch = before.empty(DAY, [YUEXIU])
        journal.record_staff(Intent("staff:1", staff_op("empty_bin"), staff="S07",
                                    detail=dispatch_detail(dispatch, YUEXIU), ts_ms=TS + 5))
        journal_tx(journal, 6, "checkin", "0002100000009", YUEXIU, route=f"transit:{YUEXIU}")

    m = open_machine(path)
    assert m.store.catch_up(m.feed, utc_offset_minutes=OFFSET) == 4
    assert [i.barcode for i in m.feed.bins.items(YUEXIU)] == ["0002100000009"]
    assert m.feed.statistics.day(DAY) == {"checkin": 3, "checkout": 1, "offline:checkin": 1}
    later = m.feed.bins.empty(DAY, [YUEXIU])
    assert [p.number for p in later.lists[0].packages] == ["20261124-0002-2"]
    m.close()


def test_catch_up_on_a_file_without_a_journal_does_nothing(tmp_path: Path) -> None:
    store = LogisticsStore.open(tmp_path / "j.db", clock=time.time)
    feed = LogisticsFeed(TransitBins(sending=HOME), Statistics(), lambda: DAY)
    assert store.catch_up(feed, utc_offset_minutes=OFFSET) == 0
    store.close()
