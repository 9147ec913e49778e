"""Kill-test child: one round of a kiosk on a durable virtual pad, printing each durable step.

Usage: rt_kill_child.py STATE_DIR PORT MODE ITEMS   (MODE: checkout | return | recover)

The pad's tags live in STATE_DIR/tags.json and are saved (atomically) after every write the
reader makes, so tag memory survives the kill as a physical tag would. The journal is
STATE_DIR/journal.db. Central is the parent's :class:`CentralServer` on 127.0.0.1:PORT.
Lines printed: ``recovered``, then ``{step} {tx_id}`` after each durable step, then ``done``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from rt_socket_central import SocketCentral

from drivers.virtual import AirTiming, VirtualPad, load_tags
from kiosk.circulation import (
    CardKind,
    Debounce,
    ItemPolicy,
    ItemPolicyConfig,
    MachineMode,
    OfflineConfig,
    OfflinePolicy,
    SessionConfig,
    Timeouts,
)
from kiosk.circulation.session import Action, CardPresented, ItemResult
from kiosk.journal import Journal
from kiosk.runtime import KioskRuntime, RuntimeConfig, sim
from kiosk.testbed.durable_pad import DurablePadReader


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(state: Path, port: int, mode: str, items: int) -> None:
    tags_file = state / "tags.json"
    pad = VirtualPad(load_tags(tags_file), timing=AirTiming(realtime=True))
    results: list[ItemResult] = []

    def seen(action: Action) -> None:
        if isinstance(action, ItemResult):
            results.append(action)

    machine_mode = MachineMode.RETURN_ONLY if mode == "return" else MachineMode.CHECKOUT
    runtime = KioskRuntime(
        config=RuntimeConfig(
            kiosk=sim.KIOSK, home_library=sim.HOME, poll_interval_s=0.005, drain_interval_s=0.5
        ),
        session=SessionConfig(
            mode=machine_mode,
            debounce=Debounce(appear_count=1, vanish_count=2),
            timeouts=Timeouts(idle_ms=120_000, pending_grace_ms=60_000, put_back_ms=60_000),
        ),
        policy=ItemPolicy(ItemPolicyConfig(sim.HOME, frozenset({sim.MEMBER}))),
        reader=DurablePadReader(pad, tags_file),
        open_journal=lambda: Journal.open(state / "journal.db", kiosk=sim.KIOSK, clock=time.time),
        central=SocketCentral(port),
        offline_policy=OfflinePolicy(OfflineConfig(sim.HOME)),
        on_action=seen,
        on_step=lambda kind, tx_id: say(f"{kind} {tx_id}"),
    )
    await runtime.start(poll=mode != "recover")
    say("recovered")
    try:
        if mode == "recover":
            return
        if mode == "checkout":
            runtime.submit(CardPresented(CardKind.BARCODE_TYPED, sim.PATRON))
        while len(results) < items:
            await asyncio.sleep(0.005)
        say("done")
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
