"""Two central instances on one real broker (mosquitto, TLS, the contract's ACL) share the work
through ``$share/central/…`` and one SQLite file; a kiosk's transactions, each sent twice, are
applied exactly once and in ``seq`` order."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import cbor2
import pytest
from broker import Broker
from central_world import LIB_A, NOW, build
from service_world import close, sqlite_copy

from central.domain import CentralDomain
from central.service.handler import CentralHandler
from central.service.mqtt import BrokerSettings, MqttTransport
from central.service.runner import CentralRunner, Event, Received
from central.service.topics import subscriptions
from central.store.service_tables import ServiceStore
from central.store.sqlite import SqliteRepository
from kiosk.link._paho import Endpoint, Incoming, MqttClient, MqttEvent


class CountingRunner(CentralRunner):
    """Counts the transactions this instance was given (to see the work was shared)."""

    txs = 0

    def deliver(self, event: Event) -> None:
        if isinstance(event, Received) and event.topic.endswith("/evt/tx"):
            self.txs += 1
        super().deliver(event)


def _transactions() -> list[dict[str, object]]:
    """Lend, return and lend again the same copies: only seq order gives all-accepted."""
    steps = []
    for round_ in range(4):
        for pii, patron in (("A001", "P1"), ("A002", "P2")):
            steps.append(("checkout", pii, "P1" if round_ % 2 == 0 else patron))
            steps.append(("checkin", pii, None))
    return [
        {
            "v": 1,
            "tx_id": f"k-a1:{seq}",
            "seq": seq,
            "ts": NOW + seq,
            "op": op,
            "item": {"pii": pii, "owner": LIB_A},
            "patron": patron,
            "offline": False,
        }
        for seq, (op, pii, patron) in enumerate(steps, start=1)
    ]


def test_two_instances_share_one_kiosks_transactions_exactly_once(
    broker: Broker, tmp_path: Path
) -> None:
    path = tmp_path / "central.db"
    close(sqlite_copy(build(), path))
    files = broker.pki.client("central")
    stop = threading.Event()
    instances: list[tuple[CountingRunner, MqttTransport, threading.Thread, CentralDomain]] = []
    for name in ("a", "b"):
        domain = CentralDomain(SqliteRepository.open(path))
        handler = CentralHandler(domain, ServiceStore(domain.repo.db))  # type: ignore[attr-defined]
        runner = CountingRunner(
            handler, subscriptions("central"), lambda: time.time_ns() // 1_000_000, tick_every_s=0.2
        )
        settings = BrokerSettings(
            broker.host, broker.port, f"central-{name}", files.ca, files.cert, files.key
        )
        transport = MqttTransport(settings, runner)
        worker = threading.Thread(target=runner.run, args=(transport, stop), daemon=True)
        instances.append((runner, transport, worker, domain))
        transport.start()
        worker.start()

    inbox: queue.Queue[Incoming] = queue.Queue()

    def on_event(event: MqttEvent) -> None:
        if isinstance(event, Incoming):
            inbox.put(event)

    kiosk_files = broker.pki.client("k-a1")
    kiosk = MqttClient(Endpoint(broker.host, broker.port, "k-a1", kiosk_files), on_event)
    kiosk.start()
    txs = _transactions()
    replies: dict[str, list[bytes]] = {}
    try:
        deadline = time.monotonic() + 20
        while not kiosk.connected or not kiosk.subscribe([("lib/v1/kiosk/k-a1/res", 1)]):
            assert time.monotonic() < deadline, "kiosk did not connect"
            time.sleep(0.05)
        # Re-send what is unanswered, like the kiosk's outbox; if one instance subscribed late
        # and got nothing yet, send everything again (repeats must get the first reply).
        while len(replies) < len(txs) or not all(runner.txs > 0 for runner, *_ in instances):
            assert time.monotonic() < deadline, f"answered {sorted(replies)}"
            everything = len(replies) == len(txs)
            for tx in txs:
                if everything or tx["tx_id"] not in replies:
                    for _ in range(2):  # every transaction arrives twice
                        kiosk.publish(
                            "lib/v1/kiosk/k-a1/evt/tx",
                            cbor2.dumps(tx),
                            correlation=str(tx["tx_id"]).encode(),
                            response_topic="lib/v1/kiosk/k-a1/res",
                        )
            try:
                while True:
                    message = inbox.get(timeout=1.0)
                    body = cbor2.loads(message.payload)
                    assert message.correlation == body["tx_id"].encode()
                    replies.setdefault(body["tx_id"], []).append(message.payload)
            except queue.Empty:
                pass
    finally:
        kiosk.stop(send_will=False)
        stop.set()
        for _runner, transport, worker, _domain in instances:
            worker.join(10)
            transport.stop()

    for tx_id, copies in replies.items():
        assert all(c == copies[0] for c in copies), tx_id  # a repeat gets the first reply
        assert cbor2.loads(copies[0])["result"] == "accepted", cbor2.loads(copies[0])
    assert all(runner.txs > 0 for runner, *_ in instances)  # the broker shared the work
    domain = instances[0][3]
    (entry,) = [e for e in domain.fleet() if e.kiosk == "k-a1"]
    assert (entry.processed, entry.last_seq, entry.held) == (len(txs), len(txs), 0)
    assert domain.loans() == [] and domain.gap_log() == []
    for *_, instance_domain in instances:
        close(instance_domain)


@pytest.fixture(autouse=True)
def _mosquitto_needed() -> None:
    import shutil

    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        pytest.skip("Debian mosquitto is not installed")


def test_serve_command_answers_and_leaves_central_offline_on_sigterm(
    broker: Broker, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys

    path = tmp_path / "central.db"
    close(sqlite_copy(build(), path))
    files = broker.pki.client("central")
    serve = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from central.cli import main; sys.exit(main())",
            "serve",
            "--db",
            str(path),
            "--broker",
            f"{broker.host}:{broker.port}",
            "--cafile",
            str(files.ca),
            "--cert",
            str(files.cert),
            "--key",
            str(files.key),
            "--client-id",
            "central-serve",
            "--tick-s",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    inbox: queue.Queue[Incoming] = queue.Queue()

    def on_event(event: MqttEvent) -> None:
        if isinstance(event, Incoming):
            inbox.put(event)

    kiosk = MqttClient(
        Endpoint(broker.host, broker.port, "k-a1", broker.pki.client("k-a1")), on_event
    )
    kiosk.start()
    tx = _transactions()[0]
    try:
        deadline = time.monotonic() + 20
        while not kiosk.connected or not kiosk.subscribe(
            [("lib/v1/kiosk/k-a1/res", 1), ("lib/v1/central/status", 1)]
        ):
            assert time.monotonic() < deadline, "kiosk did not connect"
            time.sleep(0.05)
        reply = None
        while reply is None:
            assert time.monotonic() < deadline, serve.stderr
            kiosk.publish(
                "lib/v1/kiosk/k-a1/evt/tx",
                cbor2.dumps(tx),
                correlation=b"k-a1:1",
                response_topic="lib/v1/kiosk/k-a1/res",
            )
            try:
                while reply is None:
                    message = inbox.get(timeout=1.0)
                    if message.topic.endswith("/res"):
                        reply = cbor2.loads(message.payload)
            except queue.Empty:
                pass
        assert (reply["tx_id"], reply["result"]) == ("k-a1:1", "accepted")
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(20) == 0
        last = None
        while last != b"offline":
            message = inbox.get(timeout=10)
            if message.topic == "lib/v1/central/status":
                last = message.payload
    finally:
        kiosk.stop(send_will=False)
        if serve.poll() is None:
            serve.kill()
        serve.communicate()
