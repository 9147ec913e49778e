"""The feed on the real runtime: returns on the virtual pad, central in process, the journal in
its thread and the logistics store on the loop's thread, as the daemon wires them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from central.domain import CentralDomain
from drivers.virtual import VirtualPad, VirtualReader
from kiosk.circulation import (
    Debounce,
    ItemPolicy,
    ItemPolicyConfig,
    MachineMode,
    OfflineConfig,
    OfflinePolicy,
    SessionConfig,
    Timeouts,
)
from kiosk.circulation.offline import OfflineData
from kiosk.circulation.session import Action, ItemResult
from kiosk.journal import Journal
from kiosk.journal.logistics_store import LogisticsStore
from kiosk.logistics import LogisticsFeed, Statistics, TransitBins
from kiosk.logistics.feed import local_day
from kiosk.runtime import InProcessCentral, KioskRuntime, RuntimeConfig, sim

OFFSET = 480


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def open_feed(path: Path) -> tuple[LogisticsStore, LogisticsFeed]:
    store = LogisticsStore.open(path, clock=time.time)
    bins = TransitBins(sending=sim.HOME, store=store.bin_store)
    bins.load_state(store.bin_store.state())
    feed = LogisticsFeed(bins, Statistics(store.counters), lambda: local_day(now_ms(), OFFSET),
                         guard=store)
    return store, feed


def test_returns_fill_the_bin_once_each_with_centrals_display_data(tmp_path: Path) -> None:
    domain = CentralDomain()
    domain.load_json(sim.library_document(4, foreign_every=2))
    pad = VirtualPad()
    tags = {i: sim.item_tag(i, owner=sim.item_owner(i, foreign_every=2)) for i in range(1, 5)}
    path = tmp_path / "journal.db"
    results: list[ItemResult] = []
    changed: list[bool] = []

    async def story() -> None:
        runtime: KioskRuntime | None = None
        store: LogisticsStore | None = None
        feed: LogisticsFeed | None = None

        def on_action(action: Action) -> None:
            assert feed is not None
            changed.append(feed.observe(action))
            changed.append(feed.observe(action))  # seen twice: counted once
            if isinstance(action, ItemResult):
                results.append(action)

        runtime = KioskRuntime(
            config=RuntimeConfig(kiosk=sim.KIOSK, home_library=sim.HOME, central_timeout_s=30.0,
                                 poll_interval_s=0.005, drain_interval_s=0.2),
            session=SessionConfig(
                mode=MachineMode.RETURN_ONLY, debounce=Debounce(appear_count=1, vanish_count=2),
                timeouts=Timeouts(put_back_ms=60_000, pending_grace_ms=60_000, idle_ms=120_000),
            ),
            policy=ItemPolicy(ItemPolicyConfig(sim.HOME, frozenset({sim.MEMBER}))),
            reader=VirtualReader(pad, retry_delay=0.0),
            open_journal=lambda: Journal.open(path, kiosk=sim.KIOSK, clock=time.time),
            central=InProcessCentral(domain, kiosk=sim.KIOSK, clock_ms=now_ms),
            offline_policy=OfflinePolicy(OfflineConfig(sim.HOME)),
            offline_data=OfflineData,
            on_action=on_action,
        )
        await runtime.start()
        store, feed = open_feed(path)  # after recovery, before the first patron
        assert store.catch_up(feed, utc_offset_minutes=OFFSET) == 0
        try:
            for tag in tags.values():
                pad.place(tag)
            deadline = time.monotonic() + 20
            while len(results) < 4 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        finally:
            await runtime.stop()
            store.close()

    asyncio.run(story())
    assert len(results) == 4
    store, feed = open_feed(path)  # a restart
    assert store.catch_up(feed, utc_offset_minutes=OFFSET) == 0  # every result counted live
    today = local_day(now_ms(), OFFSET)
    assert feed.statistics.day(today) == {"checkin": 4}
    in_bin = feed.bins.items(sim.MEMBER)
    assert sorted(i.barcode for i in in_bin) == [sim.item_pii(2), sim.item_pii(4)]
    catalogue = {i.pii: i for i in domain.repo.items()}
    assert all(i.title == catalogue[i.barcode].title and i.title for i in in_bin)
    assert sum(changed) == 4
    store.close()
