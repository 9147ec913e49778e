"""A test rig for the runtime: virtual pad, in-process central, a journal in a temp dir.

Every wait is bounded (a safety net against a hang, not a timing assertion) and polls the
observed actions, so tests read as a patron's story: present a card, place books, wait for the
results, then inspect the journal, the tags and central.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from central.domain import CentralDomain
from drivers.virtual import VirtualPad, VirtualReader, VirtualTag
from kiosk.circulation import (
    CardKind,
    Debounce,
    ItemPolicy,
    ItemPolicyConfig,
    MachineMode,
    OfflineConfig,
    OfflinePolicy,
    SessionConfig,
    State,
    Timeouts,
)
from kiosk.circulation.offline import OfflineData
from kiosk.circulation.session import Action, CardPresented, ItemNotice, ItemResult, Show
from kiosk.journal import Journal, TxRecord
from kiosk.runtime import InProcessCentral, KioskRuntime, RuntimeConfig, sim

A = TypeVar("A", bound=Action)
WAIT_S = 20.0  # safety net only


def session_config(mode: MachineMode = MachineMode.CHECKOUT, **extra: Any) -> SessionConfig:
    base: dict[str, Any] = {
        "mode": mode,
        "debounce": Debounce(appear_count=1, vanish_count=2),
        "timeouts": Timeouts(put_back_ms=60_000, pending_grace_ms=60_000, idle_ms=120_000),
    }
    base.update(extra)
    return SessionConfig(**base)


@dataclass
class World:
    tmp: Path
    items: int = 6
    foreign_every: int = 0
    mode: MachineMode = MachineMode.CHECKOUT
    timeout_s: float = 30.0  # generous: an online answer must not turn offline on a loaded CI box
    domain: CentralDomain = field(default_factory=CentralDomain)
    pad: VirtualPad = field(default_factory=VirtualPad)
    actions: list[Action] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    snapshot: OfflineData = field(default_factory=OfflineData)
    loaded: bool = False

    def __post_init__(self) -> None:
        if not self.loaded:
            document = sim.library_document(self.items, foreign_every=self.foreign_every)
            self.domain.load_json(document)
            self.loaded = True
        self.central = InProcessCentral(
            self.domain, kiosk=sim.KIOSK, clock_ms=lambda: time.time_ns() // 1_000_000
        )
        self.tags = {
            i: sim.item_tag(i, owner=sim.item_owner(i, foreign_every=self.foreign_every))
            for i in range(1, self.items + 1)
        }

    @property
    def journal_path(self) -> Path:
        return self.tmp / "journal.db"

    def runtime(self, **session: Any) -> KioskRuntime:
        config = RuntimeConfig(
            kiosk=sim.KIOSK,
            home_library=sim.HOME,
            central_timeout_s=self.timeout_s,
            poll_interval_s=0.005,
            drain_interval_s=0.2,
        )
        policy = ItemPolicy(ItemPolicyConfig(sim.HOME, frozenset({sim.MEMBER})))
        return KioskRuntime(
            config=config,
            session=session_config(self.mode, **session),
            policy=policy,
            reader=VirtualReader(self.pad, retry_delay=0.0),
            open_journal=lambda: Journal.open(self.journal_path, kiosk=sim.KIOSK, clock=time.time),
            central=self.central,
            offline_policy=OfflinePolicy(OfflineConfig(sim.HOME)),
            offline_data=lambda: self.snapshot,
            on_action=self.actions.append,
            on_step=lambda kind, tx: self.steps.append((kind, tx)),
        )

    # -- the patron's story

    def place(self, *indexes: int) -> None:
        for i in indexes:
            self.pad.place(self.tags[i])

    def card(self, runtime: KioskRuntime, number: str = sim.PATRON) -> None:
        runtime.submit(CardPresented(CardKind.BARCODE_TYPED, number))

    async def until(self, check: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}; actions: {self.actions[-8:]}")
            await asyncio.sleep(0.005)

    async def screen(self, state: State) -> None:
        await self.until(
            lambda: any(isinstance(a, Show) and a.screen is state for a in self.actions),
            f"screen {state}",
        )

    async def results(self, n: int) -> list[ItemResult]:
        await self.until(lambda: len(self.of(ItemResult)) >= n, f"{n} results")
        return self.of(ItemResult)

    def of(self, kind: type[A]) -> list[A]:
        return [a for a in self.actions if isinstance(a, kind)]

    def of_results(self) -> list[ItemResult]:
        return self.of(ItemResult)

    def notices(self) -> list[ItemNotice]:
        return self.of(ItemNotice)

    # -- inspecting the world

    def rows(self) -> list[TxRecord]:
        with Journal.open(self.journal_path, kiosk=sim.KIOSK, clock=time.time) as journal:
            last = journal.last_seq()
            rows = [journal.get(f"{sim.KIOSK}:{seq}") for seq in range(1, last + 1)]
        return [row for row in rows if row is not None]

    def outbox_depth(self) -> int:
        with Journal.open(self.journal_path, kiosk=sim.KIOSK, clock=time.time) as journal:
            return journal.outbox_depth()

    def tag_state(self, i: int) -> tuple[int, bool]:
        tag: VirtualTag = self.tags[i]
        return tag.afi, tag.eas


async def run_checkout(world: World, runtime: KioskRuntime, *indexes: int) -> list[ItemResult]:
    world.card(runtime)
    await world.screen(State.ITEMS)
    world.place(*indexes)
    return await world.results(len(indexes))
