"""Link benchmarks on the private testbed: outbox drain against raw paho, and a fleet reconnect.

Both runs queue transactions in kiosk journals while the broker is down, start the broker, and
time until central (the real service, :class:`~kiosk.testbed.central.ServiceThread`) has
answered every one and every outbox is empty:

- :func:`drain_run`: one kiosk, ``n`` transactions. The same payloads (same CorrelationData and
  ResponseTopic) are then published raw through the project's paho client at QoS 1 to a topic
  nobody subscribes to, and timed until every PUBACK: what the broker and paho alone cost.
- :func:`fleet_run`: ``kiosks`` kiosks with their own journal, certificate and link, in one
  event loop, all reconnecting at once (jittered backoff) when the broker comes back.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.journal import Intent, ItemRef, Journal, OfflineData
from kiosk.journal.journal import MAX_BATCH
from kiosk.link import Backoff, Endpoint, ExecutorStore, KioskLink, LinkSettings, MqttClient
from kiosk.link._paho import Connected, MqttEvent, PublishDone
from kiosk.link.payloads import Message, encode
from kiosk.link.topics import KioskTopics
from kiosk.runtime import sim
from kiosk.state import StateDocuments
from kiosk.testbed.broker import Broker, Pki
from kiosk.testbed.central import EchoProcess, ServiceThread

__all__ = ["CENTRALS", "drain_run", "fleet_run"]

CENTRALS = ("echo", "service")

_CHUNK = 5_000  # intents per journal transaction while filling
_WAIT_S = 600.0  # a stuck run fails instead of hanging


class _CountingStore(ExecutorStore):
    """The real store; counts first acknowledgements (central's replies) as they are recorded."""

    acked = 0

    async def ack(self, tx_id: str, reply: Mapping[str, Any]) -> bool:
        new = await super().ack(tx_id, reply)
        if new:
            self.acked += 1
        return new


@dataclass
class _Kiosk:
    """One simulated kiosk: a journal on its own thread, a counting store, a link."""

    kiosk: str
    pool: ThreadPoolExecutor
    journal: Journal
    documents: StateDocuments
    store: _CountingStore
    link: KioskLink | None = None

    @classmethod
    async def open(cls, folder: Path, kiosk: str) -> _Kiosk:
        folder.mkdir(parents=True, exist_ok=True)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"journal-{kiosk}")

        def opening() -> _Kiosk:
            journal = Journal.open(folder / "journal.db", kiosk=kiosk, clock=time.time)
            documents = StateDocuments.open(folder / "state.json", clock=time.time)
            store = _CountingStore(pool, journal, OfflineData(journal.db), documents)
            return cls(kiosk, pool, journal, documents, store)

        return await asyncio.get_running_loop().run_in_executor(pool, opening)

    async def queue(self, first_item: int, count: int) -> None:
        """Journal ``count`` returns of consecutive items (they wait in the outbox).

        Returns, not checkouts: central's checkout work grows with the patron's loans, which
        would measure the central domain rather than the link.
        """

        def fill() -> None:
            for start in range(0, count, _CHUNK):
                intents = [
                    Intent(
                        f"bench:{i}", "checkin", ItemRef(sim.item_pii(i), sim.HOME, sim.item_uid(i))
                    )
                    for i in range(first_item + start, first_item + min(count, start + _CHUNK))
                ]
                self.journal.begin_many(intents)

        await asyncio.get_running_loop().run_in_executor(self.pool, fill)

    async def depth(self) -> int:
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, self.journal.outbox_depth
        )

    async def events(self) -> list[dict[str, Any]]:
        rows = await asyncio.get_running_loop().run_in_executor(
            self.pool, partial(self.journal.outbox, MAX_BATCH)
        )
        return [row.event() for row in rows]

    async def close(self) -> None:
        if self.link is not None:
            await self.link.stop()

        def closing() -> None:
            self.journal.close()
            self.documents.close()

        await asyncio.get_running_loop().run_in_executor(self.pool, closing)
        self.pool.shutdown()


def _library(kiosks: list[str], items: int) -> dict[str, Any]:
    document = sim.library_document(items, limit=min(1000, items + 10))
    document["kiosks"] = [{"kiosk": k, "library": sim.HOME} for k in kiosks]
    return document


def _settings(broker: Broker, pki: Pki, kiosk: str, backoff: Backoff, window: int) -> LinkSettings:
    return LinkSettings(
        kiosk=kiosk,
        host=broker.host,
        port=broker.port,
        tls=pki.client(kiosk),
        software="bench",
        boot_id="bench",
        window=window,
        tick_s=0.05,
        resend_after_s=60.0,
        backoff=backoff,
    )


async def _until(check: Callable[[], bool], timeout_s: float = _WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.002)
    return True


async def _raw_paho_s(broker: Broker, pki: Pki, kiosk: str, events: list[dict[str, Any]]) -> float:
    """Seconds to publish ``events`` at QoS 1 through paho and get every PUBACK."""
    loop = asyncio.get_running_loop()
    topics = KioskTopics(kiosk)
    topic = f"{topics.base}/evt/bench"  # nobody subscribes: broker + paho cost only
    payloads = [(encode(Message.TX, e, topics.tx), str(e["tx_id"]).encode()) for e in events]
    done = 0
    connected = asyncio.Event()

    def on_event(event: MqttEvent) -> None:
        nonlocal done
        if isinstance(event, Connected):
            connected.set()
        elif isinstance(event, PublishDone):
            done += 1

    endpoint = Endpoint(broker.host, broker.port, f"{kiosk}", pki.client(kiosk))
    client = MqttClient(endpoint, on_event, loop=loop, backoff=Backoff(0.05, 0.2))
    client.start()
    try:
        await asyncio.wait_for(connected.wait(), 10)
        started = time.perf_counter()
        for payload, correlation in payloads:
            client.publish(topic, payload, correlation=correlation,
                           response_topic=topics.response)
        await _until(lambda: done >= len(payloads))
        return time.perf_counter() - started
    finally:
        await asyncio.to_thread(client.stop, send_will=False)


async def drain_run(n: int, *, window: int = 100, central_kind: str = "echo") -> dict[str, Any]:
    """One kiosk drains ``n`` queued transactions; raw paho for comparison.

    ``central_kind``: ``echo`` (:class:`EchoCentral`, replies at once) or ``service`` (the real
    central service, whose own per-transaction work then dominates).
    """
    if central_kind not in CENTRALS:
        raise ValueError(f"central: expected one of {', '.join(CENTRALS)}, got {central_kind!r}")
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        root = Path(tmp)
        pki = Pki.create(root / "pki")
        broker = Broker(pki, root / "broker")
        broker.start()
        central: ServiceThread | EchoProcess
        if central_kind == "echo":
            central = EchoProcess(broker)
        else:
            central = ServiceThread(broker, root / "central.db", _library([sim.KIOSK], n))
        central.start()
        kiosk = await _Kiosk.open(root / "k", sim.KIOSK)
        try:
            await kiosk.queue(1, n)
            events = await kiosk.events()
            broker.stop()
            kiosk.link = KioskLink(
                _settings(broker, pki, sim.KIOSK, Backoff(0.02, 0.05), window), kiosk.store
            )
            await kiosk.link.start()
            await asyncio.sleep(0.1)
            broker.start()
            started = time.perf_counter()
            complete = await _until(lambda: kiosk.store.acked >= n)
            drain_s = time.perf_counter() - started
            depth = await kiosk.depth()
            await kiosk.link.stop()
            kiosk.link = None
            central.stop()  # an out-of-process central reports what it applied when it stops
            applied = len({tx for tx, _, _ in central.applied})
            raw_s = await _raw_paho_s(broker, pki, sim.KIOSK, events)
        finally:
            await kiosk.close()
            central.stop()
            broker.stop()
    return {
        "n": n,
        "drain_s": round(drain_s, 3),
        "raw_paho_s": round(raw_s, 3),
        "ratio": round(raw_s / drain_s, 3) if drain_s > 0 else None,
        "window": window,
        "central": central_kind,
        "complete": complete and depth == 0,
        "applied": applied,
        "lost": n - applied,
    }


async def fleet_run(kiosks: int, *, per_kiosk: int = 5, window: int = 20) -> dict[str, Any]:
    """``kiosks`` kiosks, ``per_kiosk`` transactions each, reconnecting at once to the broker."""
    ids = [f"bench-k{i:04d}" for i in range(1, kiosks + 1)]
    total = kiosks * per_kiosk
    with tempfile.TemporaryDirectory(prefix="kiosk-fleet-") as tmp:
        root = Path(tmp)
        pki = Pki.create(root / "pki")
        issued = time.perf_counter()
        for kiosk_id in ids:
            pki.client(kiosk_id)
        certs_s = time.perf_counter() - issued
        broker = Broker(pki, root / "broker")
        broker.start()
        central = ServiceThread(broker, root / "central.db", _library(ids, total))
        central.start()
        fleet: list[_Kiosk] = []
        try:
            for n, kiosk_id in enumerate(ids):
                kiosk = await _Kiosk.open(root / kiosk_id, kiosk_id)
                fleet.append(kiosk)
                await kiosk.queue(1 + n * per_kiosk, per_kiosk)
            broker.stop()
            for kiosk in fleet:
                kiosk.link = KioskLink(
                    _settings(broker, pki, kiosk.kiosk, Backoff(0.1, 1.0), window), kiosk.store
                )
                await kiosk.link.start()
            await asyncio.sleep(0.2)
            broker.start()
            started = time.perf_counter()
            complete = await _until(
                lambda: sum(k.store.acked for k in fleet) >= total
                and len({tx for tx, _, _ in central.applied}) >= total,
                timeout_s=180.0,
            )
            drain_s = time.perf_counter() - started
            depths = [await k.depth() for k in fleet]
            applied = len({tx for tx, _, _ in central.applied})
        finally:
            for kiosk in fleet:
                await kiosk.close()
            central.stop()
            broker.stop()
    return {
        "kiosks": kiosks,
        "transactions": total,
        "drain_s": round(drain_s, 3),
        "lost": total - applied,
        "complete": complete and not any(depths),
        "certificates_s": round(certs_s, 3),
    }
