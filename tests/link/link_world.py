"""Test world for the link: a journal on its own thread, a kiosk link, and a fake central.

The fake central is a real MQTT client (central's certificate) on the same asyncio loop; it
records what it receives and answers transactions and look-ups unless told to stay silent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import cbor2
from broker import CENTRAL, Broker, Pki

from kiosk.journal import Decision, Intent, ItemRef, Journal, OfflineData, Result
from kiosk.link import Backoff, Endpoint, ExecutorStore, KioskLink, LinkSettings, MqttClient
from kiosk.link._paho import Connected, Incoming, MqttEvent, PublishDone
from kiosk.state import StateDocuments


async def wait_for(cond: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    """Poll ``cond`` until true; a bound, not a timing assertion (fails only if it never does)."""
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for: {what}")
        await asyncio.sleep(0.02)


class Kiosk:
    """A journal, offline data and state documents owned by one worker thread."""

    def __init__(self, tmp: Path, kiosk_id: str = "kiosk-A") -> None:
        self.id = kiosk_id
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self.journal: Journal
        self.offline: OfflineData
        self.state: StateDocuments
        self.n = 0

    async def open(self) -> ExecutorStore:
        def opening() -> None:
            self.journal = Journal.open(self.tmp / "j.db", kiosk=self.id, clock=time.time)
            self.offline = OfflineData(self.journal.db)
            self.state = StateDocuments.open(self.tmp / "state.json", clock=time.time)

        await self.call(opening)
        return ExecutorStore(self.pool, self.journal, self.offline, self.state)

    async def call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, partial(fn, *args, **kw)
        )

    async def add(self, count: int) -> list[str]:
        """Journal ``count`` offline checkouts (they wait in the outbox); their tx_ids."""
        ids = []
        for _ in range(count):
            self.n += 1
            n = self.n
            item = ItemRef(pii=f"3100{n:04d}", owner="CN-440100-1", uid=f"E004{n:012X}")
            began = await self.call(self.journal.begin, Intent(f"s:{n}", "checkout", item, "P1"))
            tx = began.record.tx_id
            await self.call(self.journal.decide, tx, Decision(Result.ACCEPTED), offline=True)
            ids.append(tx)
        return ids

    async def depth(self) -> int:
        return int(await self.call(self.journal.outbox_depth))

    async def close(self) -> None:
        await self.call(self.journal.close)
        await self.call(self.state.close)
        self.pool.shutdown()


def settings(broker: Broker, pki: Pki, kiosk: str = "kiosk-A", **kw: Any) -> LinkSettings:
    base: dict[str, Any] = {
        "kiosk": kiosk,
        "host": broker.host,
        "port": broker.port,
        "tls": pki.client(kiosk),
        "software": "0.1.0-test",
        "boot_id": "boot-1",
        "request_timeout_s": 3.0,
        "tick_s": 0.05,
        "backoff": Backoff(base_s=0.1, cap_s=0.5),
    }
    base.update(kw)
    return LinkSettings(**base)


async def until(pred: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 20.0) -> None:
    """:func:`wait_for` for a condition that must be awaited (e.g. a journal query)."""
    deadline = time.monotonic() + timeout_s
    while not await pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for: {what}")
        await asyncio.sleep(0.02)


@dataclass
class Received:
    topic: str
    payload: bytes
    correlation: bytes | None
    retain: bool
    response_topic: str | None = None

    def body(self) -> Any:
        return cbor2.loads(self.payload)


@dataclass
class FakeCentral:
    """Central's side of the contract, just enough to drive the link."""

    broker: Broker
    pki: Pki
    answer: bool = True
    received: list[Received] = field(default_factory=list)
    done: list[PublishDone] = field(default_factory=list)
    connects: int = 0
    client: MqttClient | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        endpoint = Endpoint(self.broker.host, self.broker.port, CENTRAL, self.pki.client(CENTRAL))
        self.client = MqttClient(
            endpoint, self._event, loop=loop, backoff=Backoff(base_s=0.1, cap_s=0.5)
        )
        self.client.start()
        await wait_for(lambda: self.connects > 0, "central connected")

    def stop(self) -> None:
        assert self.client is not None
        self.client.stop(send_will=False)

    def _event(self, event: MqttEvent) -> None:
        assert self.client is not None
        if isinstance(event, Connected):
            self.connects += 1
            self.client.subscribe([("lib/v1/kiosk/#", 1)])
        elif isinstance(event, PublishDone):
            self.done.append(event)
        elif isinstance(event, Incoming):
            got = Received(
                event.topic, event.payload, event.correlation, event.retain, event.response_topic
            )
            self.received.append(got)
            if self.answer:
                self.reply(got)

    def reply(self, event: Received) -> None:
        """Answer one received transaction or look-up (as central would)."""
        assert self.client is not None
        if event.topic.endswith("/evt/tx") and event.response_topic:
            tx = cbor2.loads(event.payload)
            reply = {"v": 1, "tx_id": tx["tx_id"], "result": "accepted", "reason": "ok",
                     "message": {"zh": "成功", "en": "OK"}, "due": 1_800_000_000_000}
            self.client.publish(event.response_topic, cbor2.dumps(reply),
                                correlation=event.correlation)
        elif "/req/" in event.topic and event.response_topic:
            req = cbor2.loads(event.payload)
            if event.topic.endswith("/patron"):
                reply = {"v": 1, "card": req["card"], "result": "accepted", "known": True}
            else:
                reply = {"v": 1, "pii": req["pii"], "status": "available"}
            self.client.publish(event.response_topic, cbor2.dumps(reply),
                                correlation=event.correlation)

    def send(self, topic: str, body: Mapping[str, Any] | bytes, *, retain: bool = False,
             expiry_s: int | None = None) -> None:
        assert self.client is not None
        payload = body if isinstance(body, bytes) else cbor2.dumps({"v": 1, **body})
        assert self.client.publish(topic, payload, retain=retain, expiry_s=expiry_s) is not None

    def on(self, suffix: str) -> list[Received]:
        return [r for r in self.received if r.topic.endswith(suffix)]

    def tx_seqs(self) -> list[int]:
        return [int(r.body()["seq"]) for r in self.on("/evt/tx")]


async def start_link(store: ExecutorStore, s: LinkSettings, **kw: Any) -> KioskLink:
    link = KioskLink(s, store, **kw)
    await link.start()
    return link
