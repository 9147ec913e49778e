"""Central's stored pushes become the offline policy's snapshot, and the runtime decides on it."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rt_world import World, run_checkout, session_config

from drivers.virtual import VirtualReader
from kiosk.circulation import (
    ItemPolicy,
    ItemPolicyConfig,
    OfflineConfig,
    OfflinePolicy,
    State,
    Verdict,
)
from kiosk.circulation.offline import Hold
from kiosk.circulation.reasons import Reason
from kiosk.circulation.session import Show
from kiosk.journal import HoldRow, Journal
from kiosk.journal import OfflineData as StoredOfflineData
from kiosk.runtime import KioskRuntime, RuntimeConfig, sim
from kiosk.runtime.offline_snapshot import SnapshotSource, offline_snapshot

NOW_MS = 1_790_000_000_000


def test_stored_holds_and_blocked_cards_come_out_with_their_versions(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.db", kiosk="k1", clock=lambda: NOW_MS / 1000) as journal:
        stored = StoredOfflineData(journal.db)
        assert offline_snapshot(stored, now_ms=NOW_MS).holds == {}
        stored.replace_holds("CN-1", 41, [
            HoldRow("P1", "CN-1", "pat-a", "CN-1", NOW_MS + 60_000),
            HoldRow("P2", "CN-1", "pat-b", "CN-2"),  # no expiry
            HoldRow("P3", "CN-1", "pat-c", "CN-1", NOW_MS),  # expires now: not live
            HoldRow("P4", "CN-1", "pat-d", "CN-1", NOW_MS - 1),
        ])
        # Two holds on one item (another library's snapshot): the soonest-expiring one wins.
        stored.replace_holds("CN-2", 3, [
            HoldRow("P2", "CN-1", "pat-e", "CN-2", NOW_MS + 5_000),
            HoldRow("P1", "CN-1", "pat-f", "CN-2", NOW_MS + 120_000),
        ])
        stored.replace_blocked_cards(7, ["card-1", "uid-2"])
        snapshot = offline_snapshot(stored, now_ms=NOW_MS)

    assert dict(snapshot.holds) == {
        "P1": Hold("pat-a", "CN-1", datetime.fromtimestamp((NOW_MS + 60_000) / 1000, tz=UTC)),
        "P2": Hold("pat-e", "CN-2", datetime.fromtimestamp((NOW_MS + 5_000) / 1000, tz=UTC)),
    }
    assert snapshot.blocked_cards == frozenset({"card-1", "uid-2"})
    assert dict(snapshot.versions) == {"holds:CN-1": 41, "holds:CN-2": 3, "blocked": 7}


def test_an_empty_store_gives_an_empty_snapshot_without_versions(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.db", kiosk="k1", clock=lambda: NOW_MS / 1000) as journal:
        snapshot = offline_snapshot(StoredOfflineData(journal.db), now_ms=NOW_MS)
    assert (dict(snapshot.holds), snapshot.blocked_cards, dict(snapshot.versions)) == (
        {}, frozenset(), {}
    )


def test_the_source_rereads_in_its_thread_and_serves_the_last_read_elsewhere(
    tmp_path: Path,
) -> None:
    clock = [NOW_MS]
    source = SnapshotSource(lambda: clock[0])
    assert source().holds == {}  # not open yet: empty
    with Journal.open(tmp_path / "j.db", kiosk="k1", clock=lambda: NOW_MS / 1000) as journal:
        stored = StoredOfflineData(journal.db)
        stored.replace_holds("CN-1", 1, [HoldRow("P1", "CN-1", "pat-a", "CN-1", NOW_MS + 10)])
        source.open(stored)
        stored.replace_blocked_cards(2, ["card-9"])
        seen: list[object] = []
        other = threading.Thread(target=lambda: seen.append(source()))
        other.start()
        other.join()
        assert seen[0] is not None and seen[0].blocked_cards == frozenset()  # type: ignore[attr-defined]
        assert source().blocked_cards == frozenset({"card-9"})  # owner thread: reread
        clock[0] = NOW_MS + 10
        assert source().holds == {}  # the hold expired


def _store(world: World, *, holds: list[HoldRow], blocked: list[str]) -> None:
    with Journal.open(world.journal_path, kiosk=sim.KIOSK, clock=time.time) as journal:
        stored = StoredOfflineData(journal.db)
        stored.replace_holds(sim.HOME, 5, holds)
        stored.replace_blocked_cards(9, blocked)


def _runtime(world: World) -> KioskRuntime:
    """``World.runtime`` with the daemon's offline data: the stored pushes, not a fixed value."""
    source = SnapshotSource(lambda: time.time_ns() // 1_000_000)

    def open_journal() -> Journal:
        journal = Journal.open(world.journal_path, kiosk=sim.KIOSK, clock=time.time)
        source.open(StoredOfflineData(journal.db))
        return journal

    return KioskRuntime(
        config=RuntimeConfig(
            kiosk=sim.KIOSK,
            home_library=sim.HOME,
            central_timeout_s=world.timeout_s,
            poll_interval_s=0.005,
            drain_interval_s=0.2,
        ),
        session=session_config(world.mode),
        policy=ItemPolicy(ItemPolicyConfig(sim.HOME, frozenset({sim.MEMBER}))),
        reader=VirtualReader(world.pad, retry_delay=0.0),
        open_journal=open_journal,
        central=world.central,
        offline_policy=OfflinePolicy(OfflineConfig(sim.HOME)),
        offline_data=source,
        on_action=world.actions.append,
    )


def test_central_down_an_item_stored_as_held_for_another_is_refused(tmp_path: Path) -> None:
    world = World(tmp_path, items=3, timeout_s=0.2)
    future = time.time_ns() // 1_000_000 + 3_600_000
    _store(world, blocked=[], holds=[
        HoldRow(sim.item_pii(1), sim.HOME, sim.OTHER_PATRON, sim.HOME, future),
        HoldRow(sim.item_pii(2), sim.HOME, sim.PATRON, sim.HOME, future),  # the patron's own
        HoldRow(sim.item_pii(3), sim.HOME, sim.OTHER_PATRON, sim.HOME, 1_000),  # long expired
    ])

    async def story() -> list[tuple[str | None, Verdict, Reason, bool]]:
        runtime = _runtime(world)
        await runtime.start()
        try:
            world.central.online = False
            results = await run_checkout(world, runtime, 1, 2, 3)
        finally:
            await runtime.stop()
        return sorted((r.pii, r.result, r.reason, r.offline) for r in results)

    assert asyncio.run(story()) == [
        (sim.item_pii(1), Verdict.REFUSED, Reason.ON_HOLD_FOR_OTHER, True),
        (sim.item_pii(2), Verdict.ACCEPTED, Reason.OK, True),
        (sim.item_pii(3), Verdict.ACCEPTED, Reason.OK, True),
    ]
    assert not world.domain.loans()
    assert world.tag_state(1)[1] is True  # the held item stays secured
    assert world.tag_state(2) == (0xC2, False)


@pytest.mark.parametrize("blocked", [[sim.PATRON], ["someone-else"]])
def test_central_down_a_stored_blocked_card_is_refused(tmp_path: Path, blocked: list[str]) -> None:
    world = World(tmp_path, items=1, timeout_s=0.2)
    _store(world, holds=[], blocked=blocked)

    async def story() -> None:
        runtime = _runtime(world)
        await runtime.start()
        try:
            world.central.online = False
            world.card(runtime)
            await world.until(
                lambda: any(
                    isinstance(a, Show) and a.screen in (State.GOODBYE, State.ITEMS)
                    for a in world.actions
                ),
                "the patron check",
            )
        finally:
            await runtime.stop()

    asyncio.run(story())
    shown = [a for a in world.of(Show) if a.screen in (State.GOODBYE, State.ITEMS)]
    if sim.PATRON in blocked:
        assert shown[0].screen is State.GOODBYE and shown[0].reason is Reason.PATRON_BLOCKED
    else:
        assert shown[0].screen is State.ITEMS
