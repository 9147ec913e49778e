"""The worker loop between a transport and the handler: events in order, ticks, subscriptions,
central's status. The transport here is an in-memory recorder (the broker test covers MQTT)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from pathlib import Path

import cbor2
from central_world import NOW, build
from service_world import close, sqlite_copy

from central.service.handler import CentralHandler, Publish
from central.service.runner import CentralRunner, Connected, Received
from central.service.topics import subscriptions
from central.store.service_tables import ServiceStore


class Recorder:
    def __init__(self) -> None:
        self.sent: queue.Queue[Publish] = queue.Queue()
        self.subscribed: list[tuple[str, int]] = []

    def publish(self, message: Publish) -> bool:
        self.sent.put(message)
        return True

    def subscribe(self, topics: Sequence[tuple[str, int]]) -> bool:
        self.subscribed.extend(topics)
        return True

    def next(self, topic: str) -> Publish:
        while True:
            message = self.sent.get(timeout=10)
            if message.topic == topic:
                return message


def test_runner_subscribes_handles_ticks_and_says_offline_last(tmp_path: Path) -> None:
    domain = sqlite_copy(build(), tmp_path / "c.db")
    handler = CentralHandler(domain, ServiceStore(domain.repo.db))  # type: ignore[attr-defined]
    clock = iter(range(NOW, NOW + 10**9, 50))
    runner = CentralRunner(handler, subscriptions("central"), lambda: next(clock), tick_every_s=1)
    transport = Recorder()
    stop = threading.Event()
    worker = threading.Thread(target=runner.run, args=(transport, stop))
    worker.start()
    try:
        runner.deliver(Connected())
        assert transport.next("lib/v1/central/status").payload == b"online"
        tx = {
            "v": 1,
            "tx_id": "k-a1:1",
            "seq": 1,
            "ts": NOW,
            "op": "checkout",
            "item": {"pii": "A001", "owner": "CN-440100-1-0001"},
            "patron": "P1",
        }
        runner.deliver(Received("lib/v1/kiosk/k-a1/evt/tx", cbor2.dumps(tx), {}))
        reply = transport.next("lib/v1/kiosk/k-a1/res")
        assert cbor2.loads(reply.payload)["result"] == "accepted"
        assert reply.properties == {"correlation_data": b"k-a1:1"}
        runner.deliver(Received("lib/v1/kiosk/k-a1/evt/tx", b"\xff", {}))  # logged, survives
        transport.next("lib/v1/library/CN-440100-1-0001/holds")  # a tick ran
    finally:
        stop.set()
        worker.join(10)
    assert ("$share/central/lib/v1/kiosk/+/evt/tx", 1) in transport.subscribed
    remaining = []
    while not transport.sent.empty():
        remaining.append(transport.sent.get())
    assert remaining[-1] == Publish("lib/v1/central/status", b"offline", retain=True)
    close(domain)
