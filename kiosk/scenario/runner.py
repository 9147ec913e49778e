"""Runs a :class:`~kiosk.scenario.model.Scenario` on a real :class:`~kiosk.runtime.KioskRuntime`.

The world: the reference central domain in-process (:class:`~kiosk.runtime.InProcessCentral`,
whose ``online`` switch is the network), a :class:`~drivers.virtual.VirtualPad` read by a real
:class:`~drivers.virtual.VirtualReader`, a journal file in ``state_dir``. Time is a
:class:`ScenarioClock` the ``advance`` steps move (the session machine's timeouts, transaction
times, central's clock); only the runtime's own waits (central timeout, polling) are real.

After each step the runner waits until the kiosk has settled: several inventories have passed,
none of the runtime's work tasks is running, nothing new happened, and (network up) the outbox
is empty. Those waits are bounded safety nets, never assertions on speed.

``kill`` simulates a crash in-process: the runtime's reader and central link go dead (nothing
more reaches the tags or central), every runtime task is cancelled at once, then the old runtime
is stopped and dropped — its journal rows stay as they are, open ones included — and a new
runtime starts on the same journal file and pad and runs recovery. A crash armed ``after`` a
durable step happens inside that step's hook, so the runtime stops at its next ``await``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from central.domain import CentralDomain, DomainConfig, Loan
from drivers.errors import ReaderUnavailable
from drivers.iso15693 import Command
from drivers.iso15693 import Reply as FrameReply
from drivers.reader import TagSeen
from drivers.virtual import VirtualPad, VirtualReader, VirtualTag
from kiosk.circulation import (
    CardKind,
    Debounce,
    Hold,
    ItemPolicy,
    ItemPolicyConfig,
    OfflineData,
    OfflinePolicy,
    Op,
    SessionConfig,
    Timeouts,
)
from kiosk.circulation.session import (
    Action,
    Cancel,
    CardPresented,
    Event,
    Finish,
    ItemNotice,
    ItemResult,
    ModeChosen,
    PinEntered,
    ReceiptChosen,
    Show,
)
from kiosk.journal import Journal, TxRecord
from kiosk.runtime import InProcessCentral, KioskRuntime, RuntimeConfig
from kiosk.runtime.convert import ms_to_datetime
from kiosk.scenario.model import Scenario, Step

__all__ = ["Observed", "ScenarioClock", "ScenarioReader", "World", "run"]

log = logging.getLogger(__name__)

SAFETY_S = 30.0  # a step that has not settled by then is reported, not waited for
OUTBOX_WAIT_S = 5.0
_CHECK_S = 0.01
_QUIET_CHECKS = 4
_MIN_INVENTORIES = 3
_LOOPS = frozenset({"_run_machine", "_drain_loop", "_poll_loop"})
_OWNER = "KioskRuntime."


class ScenarioClock:
    """Monotonic and wall milliseconds that move only when the scenario says so."""

    def __init__(self, wall_ms: int) -> None:
        self._wall = wall_ms
        self._mono = 1_000_000

    def monotonic_ms(self) -> int:
        return self._mono

    def wall_ms(self) -> int:
        return self._wall

    def seconds(self) -> float:
        return self._wall / 1000

    def advance(self, ms: int) -> None:
        self._mono += ms
        self._wall += ms


class ScenarioReader(VirtualReader):
    """The pad's reader for one runtime life: counts inventories, can die, can lift a tag.

    ``lift(uid)``: the tag leaves the pad right after the next security write the kiosk sends
    it (the patron picks the book up mid-write).
    """

    def __init__(self, pad: VirtualPad) -> None:
        super().__init__(pad, retry_delay=0.0)
        self.alive = True
        self.inventories = 0
        self._lift: set[bytes] = set()

    def lift(self, uid: bytes) -> None:
        self._lift.add(bytes(uid))

    def _check(self) -> None:
        if not self.alive:
            raise ReaderUnavailable("the kiosk crashed (scenario kill)")

    def _inventory(self, afi: int | None) -> list[TagSeen]:
        self._check()
        seen = super()._inventory(afi)
        self.inventories += 1
        return seen

    def _transceive(self, command: Command) -> FrameReply:
        self._check()
        return super()._transceive(command)

    def _lifted(self, uid: bytes) -> None:
        if bytes(uid) in self._lift:
            self._lift.discard(bytes(uid))
            self.pad.remove(bytes(uid))

    def set_eas(self, uid: bytes, enabled: bool) -> None:
        try:
            super().set_eas(uid, enabled)
        finally:
            self._lifted(uid)

    def write_afi(self, uid: bytes, afi: int) -> None:
        try:
            super().write_afi(uid, afi)
        finally:
            self._lifted(uid)


class _Link:
    """The runtime's view of central for one life: dead after a crash (nothing gets through)."""

    def __init__(self, central: InProcessCentral) -> None:
        self.central = central
        self.alive = True

    async def _never(self) -> None:
        await asyncio.get_running_loop().create_future()

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        if not self.alive:
            await self._never()
        return await self.central.request_tx(event)

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        if not self.alive:
            await self._never()
        return await self.central.lookup_patron(card, pin)


@dataclass
class Observed:
    """Everything the run saw, for the expectations and the report."""

    results: list[tuple[int, ItemResult]] = field(default_factory=list)
    notices: list[tuple[int, ItemNotice]] = field(default_factory=list)
    screens: list[Show] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    restarts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    step: int = 0
    changes: int = 0

    def latest(self, uid: str) -> ItemResult | None:
        found = [r for _, r in self.results if r.uid == uid]
        return found[-1] if found else None


class World:
    """The scenario's kiosk, pad, central and journal, and the steps that act on them."""

    def __init__(self, scenario: Scenario, state_dir: Path) -> None:
        self.scenario = scenario
        machine = scenario.machine
        self.clock = ScenarioClock(machine.start_ms)
        self.domain = CentralDomain(
            config=DomainConfig(pin_salt=lambda: os.urandom(16), pin_cost=(2**10, 8, 1))
        )
        self.domain.load_json(scenario.library, source=f"{scenario.source}: library")
        for n, (owner, pii, patron, renewals) in enumerate(scenario.loans, start=1):
            start = self.clock.wall_ms() - 86_400_000
            self.domain.repo.put_loan(
                Loan(
                    owner,
                    pii,
                    patron,
                    "scenario-setup",
                    f"setup:{n}",
                    start,
                    start + 30 * 86_400_000,
                    renewals,
                )
            )
        self.central = InProcessCentral(
            self.domain, kiosk=machine.kiosk, clock_ms=self.clock.wall_ms
        )
        self.tags: dict[str, VirtualTag] = {spec.uid: spec.build() for spec in scenario.tags}
        self.pad = VirtualPad([self.tags[s.uid] for s in scenario.tags if s.on_pad])
        self.journal_path = state_dir / "journal.db"
        self.observed = Observed()
        self.snapshot = self._pushed()
        self.runtime: KioskRuntime | None = None
        self.reader: ScenarioReader | None = None
        self.link: _Link | None = None
        self._kill: tuple[str, int] | None = None
        self._killed = False
        self._driver: asyncio.Task[Any] | None = None
        self.final_rows: list[TxRecord] = []

    # ------------------------------------------------------------------ the kiosk

    def _pushed(self) -> OfflineData:
        """Central's holds and blocked cards as last pushed to the kiosk (before a network fall)."""
        holds: dict[str, Hold] = {}
        for h in self.domain.holds():
            expires = None if h.expires_ms is None else ms_to_datetime(h.expires_ms)
            holds.setdefault(h.pii, Hold(h.patron, h.pickup, expires))
        blocked = frozenset(p.card for p in self.domain.repo.patrons() if p.blocked)
        return OfflineData(holds=holds, blocked_cards=blocked)

    def _on_action(self, action: Action) -> None:
        self.observed.changes += 1
        if isinstance(action, ItemResult):
            self.observed.results.append((self.observed.step, action))
        elif isinstance(action, ItemNotice):
            self.observed.notices.append((self.observed.step, action))
        elif isinstance(action, Show):
            self.observed.screens.append(action)

    def _on_step(self, kind: str, tx_id: str) -> None:
        self.observed.changes += 1
        self.observed.steps.append((kind, tx_id))
        if self._kill is not None and self._kill[0] == kind:
            left = self._kill[1] - 1
            self._kill = (kind, left)
            if left <= 0:
                self._kill = None
                self.crash()

    def new_runtime(self) -> KioskRuntime:
        m = self.scenario.machine
        self.reader = ScenarioReader(self.pad)
        self.link = _Link(self.central)
        session = SessionConfig(
            mode=m.mode,
            ops=m.ops,
            pin_required=m.pin_required,
            receipts=m.receipts,
            return_secure_first=m.return_secure_first,
            debounce=Debounce(appear_count=1, vanish_count=2),
            timeouts=Timeouts(),
        )
        config = RuntimeConfig(
            kiosk=m.kiosk,
            home_library=m.home_library,
            security_mode=m.security,
            central_timeout_s=m.central_timeout_ms / 1000,
            poll_interval_s=0.005,
            drain_interval_s=0.05,
        )
        path = self.journal_path
        clock = self.clock
        return KioskRuntime(
            config=config,
            session=session,
            policy=ItemPolicy(ItemPolicyConfig(m.home_library, m.members)),
            reader=self.reader,
            open_journal=lambda: Journal.open(path, kiosk=m.kiosk, clock=clock.seconds),
            central=self.link,
            offline_policy=OfflinePolicy(m.offline),
            offline_data=lambda: self.snapshot,
            clock=self.clock,
            on_action=self._on_action,
            on_step=self._on_step,
        )

    async def start(self) -> None:
        self._driver = asyncio.current_task()
        self.runtime = self.new_runtime()
        await self.runtime.start()

    def crash(self) -> None:
        """Stop the kiosk dead: no more tag or central traffic, every runtime task cancelled."""
        if self.reader is not None:
            self.reader.alive = False
        if self.link is not None:
            self.link.alive = False
        for task in asyncio.all_tasks():
            if task is not self._driver:
                task.cancel()
        self._killed = True

    async def _restart(self) -> None:
        self._killed = False
        old = self.runtime
        if old is not None:
            with contextlib.suppress(Exception):
                await old.stop()  # closes its threads; nothing of it runs any more
        self.runtime = self.new_runtime()
        recovery = await self.runtime.start()
        self.observed.restarts.append(
            {
                "step": self.observed.step,
                "reconciled": [list(pair) for pair in recovery.reconciled],
                "asked_central": list(recovery.asked_central),
                "decided_offline": list(recovery.decided_offline),
                "written": list(recovery.written),
            }
        )

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()

    # ------------------------------------------------------------------ settling

    def _busy(self) -> bool:
        """Whether one of the runtime's work tasks (a read, a decision, a write…) is running."""
        for task in asyncio.all_tasks():
            name = getattr(task.get_coro(), "__qualname__", "")
            if name.startswith(_OWNER) and name[len(_OWNER) :] not in _LOOPS and not task.done():
                return True
        return False

    async def settle(self) -> None:
        """Wait until the kiosk has nothing left to do (bounded; see the module docstring)."""
        assert self.reader is not None
        deadline = time.monotonic() + SAFETY_S
        outbox_deadline = time.monotonic() + OUTBOX_WAIT_S
        start = self.reader.inventories
        quiet = 0
        last = -1
        while time.monotonic() < deadline:
            await asyncio.sleep(_CHECK_S)
            if self._killed:
                await self._restart()
                start = self.reader.inventories
                quiet = 0
                continue
            changes = self.observed.changes
            busy = self._busy() or changes != last
            last = changes
            if busy or self.reader.inventories < start + _MIN_INVENTORIES:
                quiet = 0
                continue
            draining = self.central.online and time.monotonic() < outbox_deadline
            if draining and await self.outbox_depth() > 0:
                quiet = 0
                continue
            quiet += 1
            if quiet >= _QUIET_CHECKS:
                return
        self.observed.problems.append(
            f"step {self.observed.step}: the kiosk did not settle within {SAFETY_S:.0f} s"
        )

    async def journal(self, fn: Callable[[Journal], Any]) -> Any:
        assert self.runtime is not None
        return await self.runtime.journal(fn)

    async def outbox_depth(self) -> int:
        depth: int = await self.journal(lambda j: j.outbox_depth())
        return depth

    async def rows(self) -> list[TxRecord]:
        def read(journal: Journal) -> list[TxRecord]:
            rows = [
                journal.get(f"{journal.kiosk}:{seq}") for seq in range(1, journal.last_seq() + 1)
            ]
            return [row for row in rows if row is not None]

        rows: list[TxRecord] = await self.journal(read)
        return rows

    # ------------------------------------------------------------------ steps

    def submit(self, event: Event) -> None:
        assert self.runtime is not None
        self.runtime.submit(event)

    async def do(self, step: Step) -> None:
        """Carry out one (non-expect) step and wait for the kiosk to settle."""
        self.observed.step = step.index
        action = _ACTIONS[step.kind]
        outcome = action(self, step)
        if outcome is not None:
            await outcome
        if step.kind == "kill" and step.text is not None:
            self._kill = (step.text, step.number or 1)
            return  # armed: the next steps run until it fires
        await self.settle()

    def kill_pending(self) -> str | None:
        if self._kill is None:
            return None
        return f"kill after {self._kill[0]} never happened ({self._kill[1]} more to go)"


def _card(world: World, step: Step) -> None:
    kind = CardKind.BARCODE_TYPED if step.card_uid is None else CardKind.UID
    world.submit(CardPresented(kind, step.text, step.card_uid))


def _place(world: World, step: Step) -> None:
    for uid in step.uids:
        if bytes.fromhex(uid) not in world.pad:
            world.pad.place(world.tags[uid])


def _remove(world: World, step: Step) -> None:
    uids = list(world.tags) if step.uids == ("*",) else step.uids
    for uid in uids:
        world.pad.remove(bytes.fromhex(uid))


def _lift(world: World, step: Step) -> None:
    assert world.reader is not None
    for uid in step.uids:
        world.reader.lift(bytes.fromhex(uid))


def _network(world: World, step: Step) -> None:
    if step.text == "down":
        world.snapshot = world._pushed()
    world.central.online = step.text == "up"


def _kill(world: World, step: Step) -> Awaitable[None] | None:
    if step.text is not None:
        return None
    world.crash()
    return world._restart()


_ACTIONS: dict[str, Callable[[World, Step], Awaitable[None] | None]] = {
    "card": _card,
    "pin": lambda w, s: w.submit(PinEntered(s.text or "")),
    "place": _place,
    "remove": _remove,
    "choose": lambda w, s: w.submit(ModeChosen(Op(s.text or ""))),
    "finish": lambda w, s: w.submit(Finish()),
    "receipt": lambda w, s: w.submit(ReceiptChosen(bool(s.number))),
    "cancel": lambda w, s: w.submit(Cancel()),
    "network": _network,
    "advance": lambda w, s: w.clock.advance(s.number or 0),
    "kill": _kill,
    "lift": _lift,
}


async def run(
    scenario: Scenario,
    state_dir: Path,
    check: Callable[[World, Step], Awaitable[list[str]]],
) -> tuple[World, list[str]]:
    """Run every step; ``check`` evaluates an ``expect`` step and returns its failures."""
    world = World(scenario, state_dir)
    failures: list[str] = []
    await world.start()
    try:
        await world.settle()
        for step in scenario.steps:
            if step.kind == "expect":
                world.observed.step = step.index
                failures += await check(world, step)
            else:
                await world.do(step)
        pending = world.kill_pending()
        if pending is not None:
            failures.append(f"end: {pending}")
        failures += world.observed.problems
        world.final_rows = await world.rows()
    finally:
        await world.stop()
    return world, failures
