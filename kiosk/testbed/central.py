"""The reference central service in a thread: what ``kiosk-central serve`` runs, on a private DB.

:class:`ServiceThread` wires the real parts — SQLite database, :class:`CentralDomain`,
:class:`CentralHandler`, :class:`CentralRunner` and the MQTT transport — exactly as ``serve``
does, and adds one thing the checks need: an *application log*. Every time the domain records a
transaction as processed, ``(tx_id, kiosk, seq)`` is appended to :attr:`ServiceThread.applied`,
so a run can count transactions applied twice (exactly-once broken) or out of ``seq`` order —
facts the ``processed`` table itself cannot show, because it is keyed by ``tx_id``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.process
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from central.domain import CentralDomain, DomainConfig
from central.domain.model import ProcessedTx
from central.service.handler import CentralHandler
from central.service.mqtt import BrokerSettings, MqttTransport
from central.service.runner import CentralRunner
from central.service.topics import KIOSK_PREFIX, subscriptions
from central.store.database import Database
from central.store.service_tables import ServiceStore
from central.store.sqlite import SqliteRepository
from kiosk.link import Backoff, Endpoint, MqttClient
from kiosk.link._paho import Connected, Incoming, MqttEvent
from kiosk.link.payloads import Message, decode, encode
from kiosk.testbed.broker import CENTRAL, Broker, Pki, TestbedUnavailable

__all__ = ["Applied", "BrokerAddress", "EchoCentral", "EchoProcess", "ServiceThread", "open_domain"]

Applied = tuple[str, str, int]  # tx_id, kiosk, seq — in the order central applied them


class _RecordingRepository(SqliteRepository):
    """The SQLite repository, noting every transaction it records as processed."""

    def __init__(self, db: Database, log: list[Applied]) -> None:
        super().__init__(db)
        self._log = log

    def put_processed(self, processed: ProcessedTx) -> None:
        super().put_processed(processed)
        self._log.append((processed.tx_id, processed.kiosk, processed.seq))


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def open_domain(path: Path) -> tuple[CentralDomain, Database]:
    """A second connection to central's database, for reading results (close the Database)."""
    db = Database(path)
    return CentralDomain(SqliteRepository(db), DomainConfig()), db


class ServiceThread:
    """One central instance on ``broker``, its database at ``db_path``, loaded with ``library``.

    ``reorder_timeout_s``: how long central holds a transaction after a ``seq`` gap.
    """

    def __init__(
        self,
        broker: Broker,
        db_path: Path,
        library: Mapping[str, Any] | None = None,
        *,
        reorder_timeout_s: float = 30.0,
        tick_s: float = 0.5,
    ) -> None:
        self.db_path = db_path
        self.applied: list[Applied] = []
        self._db = Database(db_path)
        config = DomainConfig(
            reorder_timeout_ms=int(reorder_timeout_s * 1000), pin_salt=lambda: os.urandom(16)
        )
        self.domain = CentralDomain(_RecordingRepository(self._db, self.applied), config)
        if library is not None:
            self.domain.load_json(dict(library), source="testbed")
        handler = CentralHandler(self.domain, ServiceStore(self._db))
        self._runner = CentralRunner(handler, subscriptions(None), _now_ms, tick_every_s=tick_s)
        files = broker.pki.client(CENTRAL)
        settings = BrokerSettings(
            broker.host, broker.port, "central-testbed", files.ca, files.cert, files.key
        )
        self._transport = MqttTransport(settings, self._runner)
        self._stop = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="central-service", daemon=True)

    def start(self, timeout_s: float = 10.0) -> None:
        """Connect and serve; returns once connected (or raises :class:`TestbedUnavailable`)."""
        self._transport.start()
        deadline = time.monotonic() + timeout_s
        while not self._transport.connected:
            if time.monotonic() > deadline:
                self.stop()
                raise TestbedUnavailable(f"central did not connect to the broker in {timeout_s} s")
            time.sleep(0.01)
        self._thread.start()  # after connecting: the first tick then finds the broker there

    def stop(self) -> None:
        """Safe to call twice (the benches stop central early to read what it applied)."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        self._transport.stop()
        self._db.close()

    def __enter__(self) -> ServiceThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        self._runner.run(self._transport, self._stop)


class EchoCentral:
    """A lean stand-in for central: accepts every transaction at once, with the reply's shape.

    One MQTT client (central's certificate) on its own network thread; it decodes each
    ``evt/tx`` (so a malformed one is noticed), notes it in :attr:`applied` on its first
    arrival, and answers on the kiosk's ``res`` with CorrelationData = ``tx_id``. For benches
    that measure the link, where the real service's own processing would be the bottleneck.
    """

    def __init__(self, broker: Broker | BrokerAddress) -> None:
        self.applied: list[Applied] = []
        self._seen: set[str] = set()
        files = broker.pki.client(CENTRAL)
        endpoint = Endpoint(broker.host, broker.port, "central-echo", files, session_expiry_s=600)
        self._client = MqttClient(endpoint, self._on_event, backoff=Backoff(0.02, 0.1))
        self._connected = threading.Event()

    def start(self, timeout_s: float = 10.0) -> None:
        self._client.start()
        if not self._connected.wait(timeout_s):
            self.stop()
            raise TestbedUnavailable(f"central did not connect to the broker in {timeout_s} s")

    def stop(self) -> None:
        self._client.stop(send_will=False)

    def __enter__(self) -> EchoCentral:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _on_event(self, event: MqttEvent) -> None:
        """On paho's thread (no loop, no locks): reply straight from the callback."""
        if isinstance(event, Connected):
            self._client.subscribe([(f"{KIOSK_PREFIX}+/evt/tx", 1)])
            self._connected.set()
        elif isinstance(event, Incoming) and event.response_topic:
            tx = decode(Message.TX, event.topic, event.payload)
            tx_id = str(tx["tx_id"])
            if tx_id not in self._seen:
                self._seen.add(tx_id)
                self.applied.append((tx_id, tx_id.rsplit(":", 1)[0], int(tx["seq"])))
            reply = {"tx_id": tx_id, "result": "accepted", "reason": "ok",
                     "message": {"zh": "成功", "en": "OK"}}
            self._client.publish(
                event.response_topic,
                encode(Message.TX_REPLY, reply, event.response_topic),
                correlation=event.correlation,
            )


@dataclass(frozen=True)
class BrokerAddress:
    """Where a broker listens and whose certificates it trusts (picklable, for a child)."""

    host: str
    port: int
    pki: Pki


class EchoProcess:
    """:class:`EchoCentral` in a child process (spawned: no inherited threads or locks), so the
    kiosk's link under measurement does not share its interpreter (and GIL) with central, as in
    a real deployment.

    :attr:`applied` is filled when the child stops (it sends its list back over a pipe).
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self.applied: list[Applied] = []
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def start(self, timeout_s: float = 30.0) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._conn = parent
        address = BrokerAddress(self._broker.host, self._broker.port, self._broker.pki)
        self._proc = context.Process(
            target=_echo_child, args=(address, child), name="echo-central", daemon=True
        )
        self._proc.start()
        child.close()  # ours is the other end; EOF reaches us if the child dies
        try:
            ready = parent.poll(timeout_s) and parent.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise TestbedUnavailable(f"central did not connect to the broker in {timeout_s} s")

    def stop(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self._conn.send("stop")
                if self._conn.poll(30):
                    self.applied = list(self._conn.recv())
        if self._proc is not None:
            self._proc.join(10)
            if self._proc.is_alive():
                self._proc.kill()
            self._proc = None


def _echo_child(address: BrokerAddress, conn: Connection) -> None:
    central = EchoCentral(address)
    try:
        central.start()
        conn.send("ready")
        with contextlib.suppress(EOFError):
            conn.recv()  # "stop" (EOF: the parent is gone)
        central.stop()
        conn.send(central.applied)
    finally:
        conn.close()
