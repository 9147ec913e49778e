"""The kiosk journal's rows through a real broker (mosquitto, TLS, the contract's ACL) to one
central instance: an offline checkout with its due date and a staff action are both answered, so
both leave the kiosk's outbox, in ``seq`` order."""

from __future__ import annotations

import queue
import shutil
import threading
import time
from pathlib import Path

import pytest
from broker import Broker
from central_world import LIB_A, NOW, build
from service_world import close, sqlite_copy

from central.domain import CentralDomain
from central.service.handler import CentralHandler
from central.service.mqtt import BrokerSettings, MqttTransport
from central.service.runner import CentralRunner
from central.service.topics import subscriptions
from central.store.service_tables import ServiceStore
from central.store.sqlite import SqliteRepository
from kiosk.journal import Decision, Intent, ItemRef, Journal, Result, staff_op
from kiosk.link._paho import Endpoint, Incoming, MqttClient, MqttEvent
from kiosk.link.payloads import Message, decode, encode

TX = "lib/v1/kiosk/k-a1/evt/tx"
RES = "lib/v1/kiosk/k-a1/res"


@pytest.fixture(autouse=True)
def _mosquitto_needed() -> None:
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        pytest.skip("Debian mosquitto is not installed")


def test_journal_rows_are_answered_through_the_broker(broker: Broker, tmp_path: Path) -> None:
    path = tmp_path / "central.db"
    close(sqlite_copy(build(), path))
    domain = CentralDomain(SqliteRepository.open(path))
    handler = CentralHandler(domain, ServiceStore(domain.repo.db))  # type: ignore[attr-defined]
    runner = CentralRunner(
        handler, subscriptions("central"), lambda: time.time_ns() // 1_000_000, tick_every_s=0.2
    )
    files = broker.pki.client("central")
    transport = MqttTransport(
        BrokerSettings(broker.host, broker.port, "central-a", files.ca, files.cert, files.key),
        runner,
    )
    stop = threading.Event()
    worker = threading.Thread(target=runner.run, args=(transport, stop), daemon=True)
    transport.start()
    worker.start()

    journal = Journal.open(tmp_path / "kiosk.db", kiosk="k-a1", clock=lambda: NOW / 1000)
    item = ItemRef("A001", LIB_A, "E004010000000001")
    offline_due = NOW + 14 * 86_400_000
    checkout = journal.begin(Intent("s1:e0:checkout", "checkout", item, patron="P1")).record
    journal.decide(checkout.tx_id, Decision(Result.ACCEPTED, "ok", offline_due), offline=True)
    journal.record_staff(Intent("staff:1", staff_op("empty_bin"), staff="S07", detail={"bin": 1}))
    journal.begin(Intent("s2:e0:checkin", "checkin", item))  # seq 3, behind the staff action
    journal.decide("k-a1:3", Decision(Result.ACCEPTED, "ok"), offline=True)

    inbox: queue.Queue[Incoming] = queue.Queue()

    def on_event(event: MqttEvent) -> None:
        if isinstance(event, Incoming):
            inbox.put(event)

    kiosk = MqttClient(
        Endpoint(broker.host, broker.port, "k-a1", broker.pki.client("k-a1")), on_event
    )
    kiosk.start()
    replies: dict[str, dict[str, object]] = {}
    try:
        deadline = time.monotonic() + 20
        while not kiosk.connected or not kiosk.subscribe([(RES, 1)]):
            assert time.monotonic() < deadline, "kiosk did not connect"
            time.sleep(0.05)
        while journal.outbox():  # drain like the link: send, ack on the reply
            assert time.monotonic() < deadline, f"still queued: {journal.outbox()}"
            for row in journal.outbox():
                kiosk.publish(TX, encode(Message.TX, row.event(), TX),
                              correlation=row.tx_id.encode(), response_topic=RES)
            try:
                while True:
                    message = inbox.get(timeout=1.0)
                    reply = decode(Message.TX_REPLY, RES, message.payload)
                    assert message.correlation == str(reply["tx_id"]).encode()
                    replies[str(reply["tx_id"])] = reply
                    journal.ack(str(reply["tx_id"]), reply)
            except queue.Empty:
                pass
    finally:
        kiosk.stop(send_will=False)
        stop.set()
        worker.join(10)
        transport.stop()
        journal.close()

    assert {k: (r["result"], r["reason"]) for k, r in replies.items()} == {
        "k-a1:1": ("accepted", "ok"), "k-a1:2": ("accepted", "ok"), "k-a1:3": ("accepted", "ok")
    }
    assert isinstance(replies["k-a1:1"]["due"], int) and replies["k-a1:2"]["due"] is None
    (entry,) = domain.audit("k-a1")
    assert (entry.seq, entry.staff, entry.action, entry.detail) == (2, "S07", "empty_bin",
                                                                   {"bin": 1})
    assert domain.loans() == [] and domain.gap_log() == []
    assert domain.fleet()[0].last_seq == 3
    close(domain)
