"""A kiosk process for the chaos run: the runtime on a durable virtual pad, linked over MQTT.

Run as ``python -m kiosk.testbed.chaos_kiosk STATE HOST PORT PKI MODE ITEMS``
(MODE: ``checkout`` | ``return`` | ``recover``). The process is meant to be SIGKILLed at any
moment, so everything that must survive is on disk, as on a real machine:

- the journal is ``STATE/journal.db`` (the runtime's connection, and a second one for the link's
  outbox drain on its own thread);
- the pad's tags live in ``STATE/tags.json``, saved (atomically) after every write the reader
  makes — tag memory survives the kill as a physical tag would;
- central is across the broker: the link is the real :class:`~kiosk.link.KioskLink` with this
  kiosk's certificate from the PKI folder.

Printed lines: ``connected``, ``recovered``, then ``{step} {tx_id}`` after each durable step,
then ``done`` (a session round finished) or ``drained`` (recover: the outbox is empty).
Exit status 0, or 1 when the round or the drain did not finish in time.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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
from kiosk.journal import Journal, OfflineData
from kiosk.link import Backoff, ExecutorStore, KioskLink, LinkSettings, TlsFiles
from kiosk.runtime import KioskRuntime, RuntimeConfig, sim
from kiosk.state import StateDocuments
from kiosk.testbed.durable_pad import DurablePadReader

__all__ = ["main"]

_CONNECT_S = 10.0
_ROUND_S = 30.0
MODES = ("checkout", "return", "recover")


class _LinkPort:
    """The link as the runtime's CentralPort (the link's ``request_tx`` wants a dict)."""

    def __init__(self, link: KioskLink) -> None:
        self._link = link

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        return await self._link.request_tx(dict(event))

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        return await self._link.lookup_patron(card, pin)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _tls(pki: Path, kiosk: str) -> TlsFiles:
    return TlsFiles(pki / "ca.crt", pki / f"{kiosk}.crt", pki / f"{kiosk}.key")


async def _bounded(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.01)
    return False


async def run(  # noqa: PLR0917 (the command line's six words, in order)
    state: Path, host: str, port: int, pki: Path, mode: str, items: int
) -> int:
    """One kiosk life: connect, recover, then a session round (or drain); the exit status."""
    journal_path = state / "journal.db"
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="link-journal")
    loop = asyncio.get_running_loop()

    def open_store() -> ExecutorStore:
        journal = Journal.open(journal_path, kiosk=sim.KIOSK, clock=time.time)
        documents = StateDocuments.open(state / "state.json", clock=time.time)
        return ExecutorStore(pool, journal, OfflineData(journal.db), documents)

    store = await loop.run_in_executor(pool, open_store)
    settings = LinkSettings(
        kiosk=sim.KIOSK,
        host=host,
        port=port,
        tls=_tls(pki, sim.KIOSK),
        software="chaos",
        boot_id=f"chaos-{time.time_ns()}",
        tick_s=0.05,
        request_timeout_s=3.0,
        resend_after_s=5.0,
        backoff=Backoff(base_s=0.1, cap_s=0.5),
    )
    link = KioskLink(settings, store)
    await link.start()

    async def connected() -> bool:
        return link.connected

    if await _bounded(connected, _CONNECT_S):
        _say("connected")
    results: list[ItemResult] = []

    def seen(action: Action) -> None:
        if isinstance(action, ItemResult):
            results.append(action)

    tags_file = state / "tags.json"
    pad = VirtualPad(load_tags(tags_file), timing=AirTiming(realtime=True))
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
        open_journal=lambda: Journal.open(journal_path, kiosk=sim.KIOSK, clock=time.time),
        central=_LinkPort(link),
        offline_policy=OfflinePolicy(OfflineConfig(sim.HOME)),
        on_action=seen,
        on_step=lambda kind, tx_id: _say(f"{kind} {tx_id}"),
    )
    await runtime.start(poll=mode != "recover")
    _say("recovered")
    status = 1
    try:
        if mode == "recover":

            async def empty() -> bool:
                return await runtime.journal(lambda j: j.outbox_depth()) == 0

            if await _bounded(empty, _ROUND_S):
                _say("drained")
                status = 0
        else:
            if mode == "checkout":
                runtime.submit(CardPresented(CardKind.BARCODE_TYPED, sim.PATRON))

            async def finished() -> bool:
                return len(results) >= items

            if await _bounded(finished, _ROUND_S):
                _say("done")
                status = 0
    finally:
        await runtime.stop()
        await link.stop()
        pool.shutdown(wait=True)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 6 or args[4] not in MODES:
        sys.stderr.write(
            "usage: python -m kiosk.testbed.chaos_kiosk STATE HOST PORT PKI "
            f"{'|'.join(MODES)} ITEMS\n"
        )
        return 2
    state, host, port, pki, mode, items = args
    return asyncio.run(run(Path(state), host, int(port), Path(pki), mode, int(items)))


if __name__ == "__main__":
    sys.exit(main())
