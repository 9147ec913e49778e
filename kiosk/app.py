"""The composition root: builds the whole daemon from a :class:`~kiosk.config.KioskConfig`.

This is the only module that knows both ``kiosk`` and ``drivers`` (architecture §2). Every part
gets its dependencies through its constructor; nothing here is a module global.

Start order (``READY=1`` only once the journal, the reader — or its fault — and the web server
are up; start-up never waits for the network)::

    reader supervisor (thread) → runtime: journal + crash recovery → web server
    → MQTT link (connect_async) → GPIO → printer supervisor → card reader / scanner → READY=1

Central: with ``[mqtt] host`` set, the MQTT link is the runtime's central port. Without it the
kiosk has NO central: every request goes unanswered at once and the offline policy decides
(``NoCentral``); the transactions stay queued in the outbox. An in-process central (the reference
domain: demo, bench) is used only when the caller passes one (``kiosk run --demo-central FILE``).

Watchdog: ``WATCHDOG=1`` is sent from the supervision loop on the event loop, and only while the
reader poll loop (every inventory attempt beats, through :class:`SupervisedReader`), the journal
writer (a no-op call answered by the journal thread beats) and — with a link — the MQTT client
(every paho event or publish beats, plus the network thread being alive) have made progress
within the window. A wedged thread or a wedged event loop therefore stops the pings.

Diagnostics: with ``Diagnostics.wedge_s`` > 0, ``SIGUSR2`` blocks the reader and journal threads
for that long — a technician (or a test) can check that systemd's watchdog really fires.

Shutdown (SIGTERM/SIGINT): ``STOPPING=1``; patron input is refused; a session in flight gets up
to ``grace_s`` to finish; the runtime stops (anything still open is in the journal and recovery
finishes it next start); the link disconnects (the broker publishes our ``offline`` Will);
devices close; exit status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from drivers.cards import CardEvent, CardReader, open_nfcpy
from drivers.errors import (
    AuthenticationFailed,
    BlockLocked,
    NoTag,
    ReaderTimeout,
    ReaderUnavailable,
    WriteFailed,
)
from drivers.gpio import InputEvent, KioskGpio, PinFactory, make_pin_factory
from drivers.iso15693 import Command, Reply
from drivers.printer import ReceiptPrinter, open_receipt_printer
from drivers.reader import Reader, TagSeen
from drivers.registry import open_reader
from drivers.scanner import BarcodeScanner, serial_opener
from drivers.supervisor import DeviceFault, DeviceRecovered, DeviceSupervisor
from kiosk import __version__
from kiosk.circulation import (
    CardKind,
    ItemPolicy,
    ItemPolicyConfig,
    OfflinePolicy,
    SessionConfig,
)
from kiosk.circulation.session import (
    Action,
    CardPresented,
    EndSession,
    Event,
    OutOfService,
    StaffOverride,
)
from kiosk.compose.receipts import PrinterReceipts
from kiosk.compose.staff_ports import GpioHardware, JournalOutbox, LogRing, ReaderTagTools
from kiosk.compose.staffdesk import DeviceState, LoopBridge, StaffRecorder, StatusBoard
from kiosk.config import KioskConfig
from kiosk.errors import ConfigError, SessionError
from kiosk.gz.libraries import DEFAULT_LIBRARIES, isil_library_code
from kiosk.journal import HoldRow, Journal, OfflineData, TxRecord
from kiosk.journal.logistics_store import LogisticsStore
from kiosk.link import Backoff, KioskLink, LinkSettings, MqttClient, TlsFiles
from kiosk.link._paho import Endpoint, MqttEvent
from kiosk.logistics import Statistics, TransitBins
from kiosk.logistics.feed import LogisticsFeed
from kiosk.panel import Panel, ReceiptPort
from kiosk.runtime import CentralPort, InProcessCentral, KioskRuntime, RuntimeConfig
from kiosk.runtime.offline_snapshot import SnapshotSource
from kiosk.sdnotify import Notifier, WatchdogGate, ping_if_healthy, watchdog_period
from kiosk.state import AppliedConfig, StateDocuments
from kiosk.state.documents import ScryptParams
from kiosk.web import (
    Catalog,
    PatronSummary,
    ScreenHub,
    StaffAuth,
    StaffDesk,
    create_app,
    serve,
)

__all__ = [
    "Daemon",
    "Diagnostics",
    "Health",
    "NoCentral",
    "SafeNotifier",
    "SupervisedReader",
    "demo_central",
    "run_daemon",
]

log = logging.getLogger("kiosk.app")

T = TypeVar("T")

READER, JOURNAL, MQTT = "reader", "journal", "mqtt"
_TAG_LEVEL = (NoTag, BlockLocked, WriteFailed, AuthenticationFailed)
"""Reader errors about one tag: the reader itself is fine and stays open."""
RESTART_STATUS = 75  # EX_TEMPFAIL: the `restart` command asks systemd for a fresh start
STAFF_IDLE_S = 120.0  # staff mode closes itself after this long without a request
_CARD_KIND: dict[str, CardKind] = {
    "rfid-uid": CardKind.UID,
    "mifare-sector": CardKind.MIFARE,
    "barcode": CardKind.BARCODE_SCANNED,
}


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """Technician/test hooks. ``wedge_s`` > 0: SIGUSR2 blocks the reader and journal threads."""

    wedge_s: float = 0.0


class SafeNotifier:
    """:class:`Notifier` that never raises (a vanished socket must not stop the daemon) and
    sends a ``STATUS=`` line only when the text changes."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self._status = ""

    def _send(self, call: Callable[[], bool]) -> bool:
        try:
            return call()
        except OSError as exc:
            log.debug("sd_notify failed: %s", exc)
            return False

    def ready(self, status: str) -> bool:
        self._status = status
        return self._send(lambda: self._notifier.ready(status))

    def status(self, text: str) -> bool:
        if text == self._status:
            return False
        self._status = text
        return self._send(lambda: self._notifier.status(text))

    def stopping(self, status: str) -> bool:
        self._status = status
        return self._send(lambda: self._notifier.stopping(status))

    def ping(self, gate: WatchdogGate, now: float) -> bool:
        return self._send(lambda: ping_if_healthy(gate, self._notifier, now))


class Health:
    """Device faults and the link state, folded into one ``STATUS=`` line. Thread-safe: the
    supervisors report from their own threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, str] = {}
        self.link = "no central link (offline decisions)"

    def fault(self, event: DeviceFault) -> None:
        retry = "" if event.retry_in is None else f", retry in {event.retry_in:.1f} s"
        with self._lock:
            self._faults[event.device] = f"{event.error}{retry}"
        log.warning("%s fault (attempt %d): %s%s", event.device, event.attempt, event.error, retry)

    def recovered(self, event: DeviceRecovered) -> None:
        with self._lock:
            self._faults.pop(event.device, None)
        log.info("%s back after %d failed attempts", event.device, event.attempts)

    def set_fault(self, device: str, text: str) -> None:
        with self._lock:
            self._faults[device] = text

    def clear_fault(self, device: str) -> None:
        with self._lock:
            self._faults.pop(device, None)

    def faults(self) -> dict[str, str]:
        with self._lock:
            return dict(self._faults)

    def line(self, phase: str) -> str:
        faults = self.faults()
        parts = [phase, self.link]
        parts += [f"{device} fault: {text}" for device, text in sorted(faults.items())]
        return "; ".join(parts)


class SupervisedReader(Reader):
    """The runtime's reader: whatever the supervisor holds open, or ``ReaderUnavailable``.

    The runtime keeps one :class:`Reader` for its life; the real one may be absent at start or
    unplugged later. A failure that means "gone" is reported to the supervisor, which closes it
    and reopens it with backoff. Every inventory attempt calls ``on_poll`` (the reader loop's
    watchdog beat): the loop is alive even when the device is not.
    """

    def __init__(
        self, supervisor: DeviceSupervisor[Reader], *, on_poll: Callable[[], None]
    ) -> None:
        super().__init__(retries=0, retry_delay=0.0)
        self._supervisor = supervisor
        self._on_poll = on_poll
        self.max_read_bytes = 128

    def _device(self) -> Reader:
        device = self._supervisor.device
        if device is None:
            raise ReaderUnavailable(f"RFID reader not available ({self._supervisor.state})")
        return device

    def _guard(self, operation: Callable[[Reader], T]) -> T:
        device = self._device()
        self.max_read_bytes = device.max_read_bytes
        try:
            return operation(device)
        except _TAG_LEVEL:
            raise  # the tag (not the reader) did not cooperate: it left the field, is locked…
        except (ReaderUnavailable, ReaderTimeout, OSError) as exc:
            self._supervisor.report_fault(exc)
            raise

    def inventory(self, afi: int | None = None) -> list[TagSeen]:
        try:
            return super().inventory(afi)
        finally:
            self._on_poll()

    def _open(self) -> None:
        self._device()

    def _close(self) -> None:
        """The supervisor owns the device's life."""

    def _inventory(self, afi: int | None) -> list[TagSeen]:
        return self._guard(lambda device: device.inventory(afi))

    def _transceive(self, command: Command) -> Reply:
        return self._guard(lambda device: device._transceive(command))


class NoCentral:
    """The central port of a kiosk without a link: nobody answers, the offline policy decides."""

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        return None

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        return None


class _SummarisingCentral:
    """A central port that also hands the patron's loans, limit and overdue count (from
    central's patron reply) to the screen, for the quota line and the overdue warning."""

    def __init__(
        self, inner: CentralPort, on_summary: Callable[[PatronSummary | None], None]
    ) -> None:
        self._inner = inner
        self._on_summary = on_summary

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        return await self._inner.request_tx(event)

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        reply = await self._inner.lookup_patron(card, pin)
        if reply is not None and reply.get("result") == "accepted":
            loans, limit, overdue = reply.get("loans"), reply.get("limit"), reply.get("overdue")
            if isinstance(loans, int):
                self._on_summary(
                    PatronSummary(
                        loans=loans,
                        limit=limit if isinstance(limit, int) else None,
                        overdue=overdue if isinstance(overdue, int) else 0,
                    )
                )
        return reply


class _LinkCentral:
    """The MQTT link as the runtime's :class:`CentralPort` (the link takes a plain dict)."""

    def __init__(self, link: KioskLink) -> None:
        self._link = link

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        return await self._link.request_tx(dict(event))

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        return await self._link.lookup_patron(card, pin)


def _zh_name(isil: str) -> str:
    code = isil_library_code(isil)
    library = DEFAULT_LIBRARIES[code] if code is not None and code in DEFAULT_LIBRARIES else None
    return isil if library is None else library.name_zh or library.name_en or isil


def _library_names(config: KioskConfig) -> dict[str, dict[str, str]]:
    """Display names of the kiosk's libraries (DB4401 Table C.1 names for Guangzhou ISILs)."""
    names: dict[str, dict[str, str]] = {}
    for isil in (config.kiosk.library, *config.kiosk.member_libraries):
        code = isil_library_code(isil)
        if code is not None and code in DEFAULT_LIBRARIES:
            library = DEFAULT_LIBRARIES[code]
            names[isil] = {"zh": library.name_zh or isil, "en": library.name_en or isil}
    return names


def demo_central(path: Path, *, kiosk: str) -> InProcessCentral:
    """The reference central domain in this process, loaded from a library JSON file (demo)."""
    from central.domain import CentralDomain  # noqa: PLC0415 (kiosk run without it: no domain)

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"demo central {path}: cannot read it ({exc.strerror})") from None
    domain = CentralDomain()
    domain.load_json(text, str(path))
    return InProcessCentral(domain, kiosk=kiosk, clock_ms=lambda: time.time_ns() // 1_000_000)


@dataclass(slots=True)
class _Stores:
    """What the journal thread owns: the journal, its offline data, the state documents."""

    journal: Journal | None = None
    offline: OfflineData | None = None
    state: StateDocuments | None = None


class _JournalStore:
    """The link's :class:`~kiosk.link.LinkStore` through the runtime's journal thread."""

    def __init__(self, call: Callable[[Callable[[], Any]], Awaitable[Any]], stores: _Stores):
        self._call = call
        self._stores = stores

    def _journal(self) -> Journal:
        assert self._stores.journal is not None, "journal not open"
        return self._stores.journal

    def _offline(self) -> OfflineData:
        assert self._stores.offline is not None, "journal not open"
        return self._stores.offline

    def _state(self) -> StateDocuments:
        assert self._stores.state is not None, "state documents not open"
        return self._stores.state

    async def outbox(self, limit: int, after_seq: int) -> list[TxRecord]:
        rows: list[TxRecord] = await self._call(
            lambda: self._journal().outbox(limit, after_seq=after_seq)
        )
        return rows

    async def outbox_depth(self) -> int:
        return int(await self._call(lambda: self._journal().outbox_depth()))

    async def ack(self, tx_id: str, reply: Mapping[str, Any]) -> bool:
        return bool(await self._call(lambda: self._journal().ack(tx_id, reply)))

    async def park(self, tx_id: str, reason: str) -> bool:
        return bool(await self._call(lambda: self._journal().park(tx_id, reason)))

    async def seen_command(self, cmd_id: str, expires_ms: int) -> bool:
        return bool(await self._call(lambda: self._offline().seen_command(cmd_id, expires_ms)))

    async def replace_holds(self, library: str, version: int, rows: Iterable[HoldRow]) -> bool:
        held = list(rows)
        return bool(
            await self._call(lambda: self._offline().replace_holds(library, version, held))
        )

    async def replace_blocked_cards(self, version: int, cards: Iterable[str]) -> bool:
        listed = list(cards)
        return bool(
            await self._call(lambda: self._offline().replace_blocked_cards(version, listed))
        )

    async def applied_config(self) -> AppliedConfig | None:
        found: AppliedConfig | None = await self._call(lambda: self._state().applied_config())
        return found

    async def record_applied_config(
        self, version: int, body: Mapping[str, Any]
    ) -> AppliedConfig:
        applied: AppliedConfig = await self._call(
            lambda: self._state().record_applied_config(version, body)
        )
        return applied


class _WatchedClient:
    """The link's MQTT client, beating the ``mqtt`` watchdog loop on every event and publish."""

    def __init__(
        self,
        endpoint: Endpoint,
        on_event: Callable[[MqttEvent], None],
        loop: asyncio.AbstractEventLoop,
        beat: Callable[[], None],
        backoff: Backoff,
    ) -> None:
        self._beat = beat

        def seen(event: MqttEvent) -> None:
            beat()
            on_event(event)

        self._client = MqttClient(endpoint, seen, loop=loop, backoff=backoff)
        self._threads: set[threading.Thread] = set()

    @property
    def connected(self) -> bool:
        return self._client.connected

    @property
    def network_alive(self) -> bool:
        """The paho network thread started by :meth:`start` is still running."""
        return any(thread.is_alive() for thread in self._threads)

    def start(self) -> None:
        before = set(threading.enumerate())
        self._client.start()
        self._threads = set(threading.enumerate()) - before

    def stop(self, *, send_will: bool = True) -> None:
        self._client.stop(send_will=send_will)

    def publish(self, topic: str, payload: bytes, **options: Any) -> int | None:
        mid = self._client.publish(topic, payload, **options)
        if mid is not None:
            self._beat()
        return mid

    def subscribe(self, topics: list[tuple[str, int]], *, no_local: bool = False) -> bool:
        return self._client.subscribe(topics, no_local=no_local)


@dataclass
class _Parts:
    """Everything :meth:`Daemon.start` built, for the supervision loop and shutdown."""

    reader: DeviceSupervisor[Reader] | None = None
    runtime: KioskRuntime | None = None
    web: web.AppRunner | None = None
    port: int = 0
    link: KioskLink | None = None
    client: _WatchedClient | None = None
    gpio: KioskGpio | None = None
    printer: DeviceSupervisor[ReceiptPrinter] | None = None
    inputs: list[CardReader | BarcodeScanner] = field(default_factory=list)


class Daemon:
    """One kiosk daemon: :meth:`start`, then :meth:`serve_forever` until :meth:`request_stop`.

    Args:
        config: the loaded configuration.
        notifier: systemd's notify socket (a no-op outside systemd).
        environ: where ``WATCHDOG_USEC``/``WATCHDOG_PID`` come from.
        central: an explicit central port (demo/bench in-process central); ``None``: the MQTT
            link if ``[mqtt] host`` is set, else :class:`NoCentral`.
        diagnostics: technician hooks (see :class:`Diagnostics`).
        grace_s: how long a session in flight may take to finish at shutdown.
        monotonic: the supervision loop's clock (seconds).
        on_action: also sees every screen action (bench, tests).
        pin_factory: the GPIO pin factory to use instead of the configured one (the demo's
            simulator keeps gpiozero's MockFactory to drive the inputs and watch the outputs).
        reader_opener: opens the RFID reader instead of ``[reader] spec`` (the demo reopens the
            same virtual pad, so its tags survive a reader fault).
    """

    def __init__(
        self,
        config: KioskConfig,
        *,
        notifier: Notifier,
        environ: Mapping[str, str] = os.environ,
        central: CentralPort | None = None,
        diagnostics: Diagnostics = Diagnostics(),
        grace_s: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        on_action: Callable[[Action], None] | None = None,
        pin_factory: PinFactory | None = None,
        reader_opener: Callable[[], Reader] | None = None,
    ) -> None:
        self.config = config
        self._pin_factory = pin_factory
        self._reader_opener = reader_opener
        self.notify = SafeNotifier(notifier)
        self.health = Health()
        self._central = central
        self._diagnostics = diagnostics
        self._grace_s = grace_s
        self._monotonic = monotonic
        self._on_action = on_action
        self.watchdog_s = watchdog_period(environ)
        # The window a loop may stay silent: at least one period, and long enough for the
        # runtime's slowest natural interval (its inventory backoff is capped at 1 s).
        window = max(self.watchdog_s or 0.0, 2.0)
        self.gate = WatchdogGate(window)
        self.catalog = Catalog.load()
        self.hub = ScreenHub(self.catalog, library_names=_library_names(config))
        self.parts = _Parts()
        self._stores = _Stores()
        self._stop = asyncio.Event()
        self._accepting = False
        self._probe: asyncio.Task[None] | None = None
        self._wedges: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self.devices = DeviceState()
        self.logs = LogRing()
        offset = config.offline.utc_offset_minutes

        def today() -> date:
            """The library's local date (its time zone, not the Pi's)."""
            return (datetime.now(UTC) + timedelta(minutes=offset)).date()

        self._today = today
        self.logistics: LogisticsStore | None = None  # opened with the journal (start)
        self.feed: LogisticsFeed | None = None
        self.panel: Panel | None = None
        self.staff: StaffDesk | None = None
        self._service_key = False
        self._bin_full = False
        self._remote_out = False
        self.exit_status = 0

    # ------------------------------------------------------------------ beats

    def _beat(self, name: str) -> None:
        self.gate.beat(name, self._monotonic())

    def _beat_threadsafe(self, loop: asyncio.AbstractEventLoop, name: str) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed at shutdown
            loop.call_soon_threadsafe(self._beat, name)

    # ------------------------------------------------------------------ start

    @property
    def runtime(self) -> KioskRuntime:
        assert self.parts.runtime is not None, "daemon not started"
        return self.parts.runtime

    @property
    def reader_device(self) -> Reader | None:
        """The real reader while it is open (the bench reaches the virtual pad through it)."""
        return None if self.parts.reader is None else self.parts.reader.device

    async def start(self) -> None:
        """Build and start everything; ``READY=1`` at the end (see the module docstring)."""
        loop = asyncio.get_running_loop()
        cfg = self.config
        logging.getLogger().addHandler(self.logs)
        now = self._monotonic()
        for name in (READER, JOURNAL):
            self.gate.register(name, now)
        self.notify.status("starting: reader, journal")
        self.parts.reader = self._start_reader()
        reader = SupervisedReader(
            self.parts.reader, on_poll=partial(self._beat_threadsafe, loop, READER)
        )
        await self._reader_settled()
        central = self._central
        if central is None and cfg.mqtt.enabled:
            central = _LinkCentral(self._build_link())
        self.parts.runtime = self._build_runtime(
            reader, _SummarisingCentral(central or NoCentral(), self.hub.set_summary)
        )
        # One drainer owns the outbox: the link when there is one (none without a central).
        recovery = await self.runtime.start(drain=self._central is not None)
        log.info("journal %s open; recovery: %s", cfg.journal.path, recovery)
        self._open_logistics()
        self.notify.status("starting: web server")
        self.parts.gpio = self._start_gpio()
        self.staff = self._build_staff(loop)
        app = create_app(
            self.hub, self._sink, self.catalog, default_lang=cfg.kiosk.language, staff=self.staff
        )
        self.parts.web, self.parts.port = await serve(app, host=cfg.web.bind, port=cfg.web.port)
        log.info("patron screen on http://%s:%d/", cfg.web.bind, self.parts.port)
        if self.parts.link is not None:
            self.gate.register(MQTT, self._monotonic())
            await self.parts.link.start()  # connect_async: returns at once
        elif self._central is not None:
            self.health.link = "in-process central (demo)"
            self.hub.set_link(True)
        else:
            self.hub.set_link(False)
        self.parts.printer = self._start_printer()
        self.panel = self._build_panel(loop)
        if self.parts.gpio is not None:
            self.parts.gpio.on_change(
                lambda event: self._call_soon(loop, partial(self._gpio_input, event))
            )
            self._sync_inputs()
        self._start_inputs(loop)
        self._accepting = True
        self._install_signals(loop)
        self.notify.ready(self.health.line("ready"))
        log.info("ready (kiosk %s, %s)", cfg.kiosk.id, cfg.kiosk.mode)

    def _start_reader(self) -> DeviceSupervisor[Reader]:
        spec = self.config.reader.spec

        def open_fn() -> Reader:
            device = open_reader(spec) if self._reader_opener is None else self._reader_opener()
            try:
                device.open()
            except BaseException:
                with contextlib.suppress(Exception):
                    device.close()
                raise
            return device

        supervisor: DeviceSupervisor[Reader] = DeviceSupervisor(
            open_fn, name="reader", on_fault=self.health.fault, on_recover=self.health.recovered
        )
        supervisor.start()
        return supervisor

    async def _reader_settled(self, limit_s: float = 5.0) -> None:
        """Wait until the reader is open or has reported its fault (bounded)."""
        assert self.parts.reader is not None
        deadline = self._monotonic() + limit_s
        supervisor = self.parts.reader

        def settled() -> bool:
            state = supervisor.state
            # A fault is reported just after the state changes: wait for its text too.
            return state == "up" or (state != "starting" and "reader" in self.health.faults())

        while not settled() and self._monotonic() < deadline:
            await asyncio.sleep(0.005)
        if self.parts.reader.state == "starting":
            self.health.set_fault("reader", f"no answer within {limit_s:.0f} s; still trying")

    def _build_runtime(self, reader: Reader, central: CentralPort) -> KioskRuntime:
        cfg = self.config
        library = cfg.kiosk.library
        stores = self._stores
        state_path = cfg.journal.path.with_name("state.json")
        # Central's stored holds and blocked cards, read in the journal thread (issue §5).
        offline_data = SnapshotSource(lambda: time.time_ns() // 1_000_000)

        def open_journal() -> Journal:
            """Runs in the journal thread, which then owns all three stores."""
            cfg.journal.path.parent.mkdir(parents=True, exist_ok=True)
            journal = Journal.open(cfg.journal.path, kiosk=cfg.kiosk.id, clock=time.time)
            stores.journal = journal
            stores.offline = OfflineData(journal.db)
            offline_data.open(stores.offline)
            stores.state = StateDocuments.open(state_path, clock=time.time)
            return journal

        def on_action(action: Action) -> None:
            self.hub.publish([action])
            if self.panel is not None:
                self.panel.observe(action)
            self._count(action)
            if self._on_action is not None:
                self._on_action(action)

        return KioskRuntime(
            config=RuntimeConfig(
                kiosk=cfg.kiosk.id,
                home_library=library,
                security_mode=cfg.security.security_mode,
                security_attempts=cfg.security.attempts,
                central_timeout_s=cfg.mqtt.reply_timeout_ms / 1000,
                poll_interval_s=cfg.reader.poll_ms / 1000,
            ),
            session=SessionConfig(
                mode=cfg.kiosk.machine_mode,
                ops=cfg.kiosk.ops,
                pin_required=cfg.patron.pin_required,
                max_pin_attempts=cfg.patron.max_pin_attempts,
                receipts=cfg.printer.enabled,
                max_security_attempts=cfg.security.attempts,
                return_secure_first=cfg.session.return_secure_first,
                max_read_attempts=cfg.session.max_read_attempts,
                timeouts=cfg.session.timeouts(),
            ),
            policy=ItemPolicy(
                ItemPolicyConfig(library, frozenset(cfg.kiosk.member_libraries))
            ),
            reader=reader,
            open_journal=open_journal,
            central=central,
            offline_policy=OfflinePolicy(cfg.offline.to_offline_config(library)),
            offline_data=offline_data,
            on_action=on_action,
        )

    def _build_link(self) -> KioskLink:
        cfg = self.config
        mqtt = cfg.mqtt
        if not (mqtt.tls and mqtt.cafile and mqtt.certfile and mqtt.keyfile):
            raise ConfigError(
                f"[mqtt] host = {mqtt.host!r}: the link needs tls = true with cafile, certfile "
                "and keyfile (client-certificate TLS)"
            )
        # Reconnect attempts report (and beat) at least every third of the watchdog window.
        backoff = Backoff(cap_s=min(60.0, self.gate.window / 3))
        settings = LinkSettings(
            kiosk=cfg.kiosk.id,
            host=mqtt.host,
            port=mqtt.port,
            tls=TlsFiles(mqtt.cafile, mqtt.certfile, mqtt.keyfile),
            software=__version__,
            boot_id=f"{os.getpid()}.{time.time_ns() // 1_000_000}",
            libraries=(cfg.kiosk.library, *cfg.kiosk.member_libraries),
            request_timeout_s=mqtt.reply_timeout_ms / 1000,
            keepalive_s=mqtt.keepalive_s,
            session_expiry_s=mqtt.session_expiry_s,
            backoff=backoff,
        )

        def factory(
            endpoint: Endpoint, on_event: Callable[[MqttEvent], None], ev: asyncio.AbstractEventLoop
        ) -> _WatchedClient:
            client = _WatchedClient(endpoint, on_event, ev, partial(self._beat, MQTT), backoff)
            self.parts.client = client
            return client

        store = _JournalStore(self._journal_call, self._stores)
        link = KioskLink(settings, store, client_factory=factory, commands=self._commands())
        self.parts.link = link
        self.health.link = "central link connecting"
        return link

    async def _journal_call(self, fn: Callable[[], T]) -> T:
        return await self.runtime.journal(lambda _journal: fn())

    # ------------------------------------------------------------------ staff, panel, inputs

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed at shutdown
            loop.call_soon_threadsafe(fn)

    def _verify_staff(self, bridge: LoopBridge, staff_id: str, pin: str) -> bool:
        """Runs in a worker thread: the credential comes from the journal thread (which owns the
        state documents), the slow scrypt runs here."""
        stores = self._stores

        def fetch() -> Any:
            return None if stores.state is None else stores.state.staff(staff_id)

        credential = bridge.call(lambda: self._journal_call(fetch))
        if credential is None:
            ScryptParams().derive(pin.encode(), bytes(16))  # same work for unknown ids
            return False
        return bool(credential.matches(pin))

    def _build_staff(self, loop: asyncio.AbstractEventLoop) -> StaffDesk:
        cfg = self.config
        bridge = LoopBridge(loop)
        recorder = StaffRecorder(
            self.runtime.journal,
            spawn=self._spawn,
            on_recorded=self._outbox_changed,
        )

        def devices() -> dict[str, str | None]:
            reader = self.parts.reader
            printer = self.parts.printer
            return {
                "reader": None if reader is None else f"{cfg.reader.spec} ({reader.state})",
                "gpio": None if self.parts.gpio is None else cfg.gpio.factory,
                "printer": None if printer is None else f"{cfg.printer.spec} ({printer.state})",
            }

        def format_ms(ms: int) -> str:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))

        return StaffDesk(
            auth=StaffAuth(
                partial(self._verify_staff, bridge),
                clock=time.monotonic,
                idle_s=STAFF_IDLE_S,
            ),
            catalog=self.catalog,
            report=recorder,
            today=self._today,
            status=StatusBoard(
                faults=self.health.faults,
                devices=devices,
                state=self.devices,
                data_dir=cfg.journal.path.parent,
                format_ms=format_ms,
            ),
            bins=None if self.feed is None else self.feed.bins,
            statistics=None if self.feed is None else self.feed.statistics,
            takeover=self._staff_takeover,
            outbox=JournalOutbox(self.runtime.journal, self._outbox_changed),
            tags=ReaderTagTools(
                self.runtime.reader,
                mode=cfg.security.security_mode,
                attempts=cfg.security.attempts,
            ),
            hardware=None if self.parts.gpio is None else GpioHardware(self.parts.gpio),
            logs=self.logs,
        )

    async def _staff_takeover(self, event: Event) -> None:
        if isinstance(event, StaffOverride) and not event.active:
            self.hub.set_staff_prompt(False)
        self.runtime.submit(event)

    def _open_logistics(self) -> None:
        """The return bins and counters, stored beside the journal; what a crash left
        uncounted is counted now (each journal row exactly once)."""
        cfg = self.config
        store = LogisticsStore.open(cfg.journal.path, clock=time.time)
        bins = TransitBins(
            sending=cfg.kiosk.library,
            sending_name=_zh_name(cfg.kiosk.library),
            names={isil: _zh_name(isil) for isil in cfg.kiosk.member_libraries},
            store=store.bin_store,
        )
        bins.load_state(store.bin_store.state())
        self.feed = LogisticsFeed(bins, Statistics(store.counters), self._today, guard=store)
        self.logistics = store
        counted = store.catch_up(self.feed, utc_offset_minutes=cfg.offline.utc_offset_minutes)
        log.info("return bins and statistics: %d journal row(s) counted at start", counted)

    def _count(self, action: Action) -> None:
        feed, store = self.feed, self.logistics
        if feed is None or store is None:
            return
        try:
            feed.observe(action)
            if isinstance(action, EndSession):  # rows a session left unshown (reconcile)
                store.catch_up(
                    feed, utc_offset_minutes=self.config.offline.utc_offset_minutes, shown=False
                )
        except Exception:
            log.exception("return bin / statistics update failed")

    def _outbox_changed(self) -> None:
        if self.parts.link is not None:
            self.parts.link.notify_outbox()

    def _build_panel(self, loop: asyncio.AbstractEventLoop) -> Panel:
        cfg = self.config
        printer = self.parts.printer

        def receipts() -> ReceiptPort | None:
            device = None if printer is None else printer.device
            if device is None:
                return None
            return PrinterReceipts(device, library=cfg.kiosk.library, machine_id=cfg.kiosk.id)

        def run_blocking(work: Callable[[], None]) -> None:
            self._spawn(asyncio.to_thread(work))

        return Panel(
            self.parts.gpio,
            receipts,
            run_blocking=run_blocking,
            clock=datetime.now,
            language=cfg.kiosk.language,
            latch_on_return=True,
        )

    def _sync_inputs(self) -> None:
        """Act on the inputs' state at start (a key left turned, a bin already full)."""
        gpio = self.parts.gpio
        if gpio is None:
            return
        for name, value in (("service_key", gpio.service_key), ("bin_full", gpio.bin_full)):
            if value:
                self._gpio_input(InputEvent(name, True, time.time()))

    def _gpio_input(self, event: InputEvent) -> None:
        """Service key: service mode (machine out of service, staff sign-in shown). Bin full:
        out of service until emptied, reported as a fault and an alert to central."""
        if event.name == "service_key" and event.active != self._service_key:
            self._service_key = event.active
            log.info("service key %s", "turned on" if event.active else "turned off")
            self.hub.set_staff_prompt(event.active)
        elif event.name == "bin_full" and event.active != self._bin_full:
            self._bin_full = event.active
            if event.active:
                self.health.set_fault("bin", "return bin full")
                log.warning("return bin full: out of service until it is emptied")
                if self.parts.link is not None:
                    with contextlib.suppress(Exception):
                        self.parts.link.raise_alert("bin_full", "return bin full")
            else:
                self.health.clear_fault("bin")
                log.info("return bin no longer full")
        else:
            return
        self._apply_service_state()

    def _apply_service_state(self) -> None:
        out = self._service_key or self._bin_full or self._remote_out
        if self._accepting:
            self.runtime.submit(OutOfService(out))

    # ------------------------------------------------------------------ remote commands

    def _commands(self) -> dict[str, Any]:
        def out_of_service(args: Mapping[str, Any]) -> dict[str, Any]:
            self._remote_out = True
            self._apply_service_state()
            return {"out_of_service": True}

        def in_service(args: Mapping[str, Any]) -> dict[str, Any]:
            self._remote_out = False
            self._apply_service_state()
            return {"out_of_service": self._service_key or self._bin_full}

        def open_chute(args: Mapping[str, Any]) -> dict[str, Any]:
            gpio = self.parts.gpio
            return {"latch": "absent" if gpio is None else gpio.pulse_latch()}

        def log_level(args: Mapping[str, Any]) -> dict[str, Any]:
            level = str(args.get("level", "")).upper()
            if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
                raise ValueError(f"level {level!r}: expected debug, info, warning or error")
            logging.getLogger().setLevel(level)
            return {"level": level.lower()}

        def restart(args: Mapping[str, Any]) -> dict[str, Any]:
            self.exit_status = RESTART_STATUS  # non-zero: systemd's Restart=on-failure restarts
            asyncio.get_running_loop().call_later(0.5, self.request_stop)
            return {"restarting": True}

        def diagnostics(args: Mapping[str, Any]) -> dict[str, Any]:
            return {
                "faults": self.health.faults(),
                "outbox": self.devices.outbox_depth,
                "version": __version__,
                "screen": str(self.runtime.machine.state),
            }

        return {
            "out_of_service": out_of_service,
            "in_service": in_service,
            "open_chute": open_chute,
            "log_level": log_level,
            "restart": restart,
            "diagnostics": diagnostics,
        }

    def _start_gpio(self) -> KioskGpio | None:
        gpio = self.config.gpio
        try:
            factory = self._pin_factory or make_pin_factory(gpio.factory, chip=gpio.chip_override)
            device = KioskGpio(gpio.to_gpio_config(), factory)
        except Exception as exc:  # the machine still serves patrons without its GPIO
            self.health.set_fault("gpio", f"{type(exc).__name__}: {exc}")
            log.error("GPIO not available: %s", exc)
            return None
        with contextlib.suppress(Exception):
            device.led("idle")
        return device

    def _start_printer(self) -> DeviceSupervisor[ReceiptPrinter] | None:
        printer = self.config.printer
        if not printer.enabled:
            return None
        # python-escpos parses its capability database at import and pickles it into a fresh
        # temp dir unless told where to keep it: keep it beside the journal (the systemd unit
        # sets a CacheDirectory instead), so later starts load the pickle.
        cache = self.config.journal.path.parent / "cache"
        with contextlib.suppress(OSError):
            cache.mkdir(parents=True, exist_ok=True)
            os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache))
        supervisor: DeviceSupervisor[ReceiptPrinter] = DeviceSupervisor(
            lambda: open_receipt_printer(printer.spec, columns=printer.columns, cjk=printer.cjk),
            name="printer",
            on_fault=self.health.fault,
            on_recover=self.health.recovered,
        )
        supervisor.start()
        return supervisor

    def _start_inputs(self, loop: asyncio.AbstractEventLoop) -> None:
        cfg = self.config

        def on_card(event: CardEvent) -> None:
            kind = _CARD_KIND.get(event.kind, CardKind.UID)
            presented = CardPresented(
                kind, event.number, event.uid.hex().upper() if event.uid else None
            )
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._input, presented)

        if cfg.nfc.enabled:
            device = cfg.nfc.device
            self.parts.inputs.append(
                CardReader(
                    lambda: open_nfcpy(device),
                    on_event=on_card,
                    rule=cfg.patron.card_rule(),
                    poll_interval_s=cfg.nfc.poll_ms / 1000,
                    on_fault=self.health.fault,
                    on_recover=self.health.recovered,
                )
            )
        if cfg.scanner.enabled:
            terminator: Any = cfg.scanner.terminator
            self.parts.inputs.append(
                BarcodeScanner(
                    serial_opener(cfg.scanner.port, baudrate=cfg.scanner.baud),
                    on_event=on_card,
                    terminator=terminator,
                    on_fault=self.health.fault,
                    on_recover=self.health.recovered,
                )
            )
        for part in self.parts.inputs:
            part.start()

    # ------------------------------------------------------------------ input

    def _input(self, event: Event) -> None:
        if self._accepting:
            self.runtime.submit(event)
        else:
            log.info("shutting down: ignored %s", type(event).__name__)

    async def _sink(self, event: Event) -> None:
        """The web UI's patron input; refused once shutdown began."""
        if not self._accepting:
            raise SessionError("the kiosk is shutting down")
        self.runtime.submit(event)

    # ------------------------------------------------------------------ supervision

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        if threading.current_thread() is not threading.main_thread():
            log.debug("not the main thread: signals are left to the embedding program")
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop)
        loop.add_signal_handler(signal.SIGUSR2, self._wedge)

    def request_stop(self) -> None:
        self._stop.set()

    def _wedge(self) -> None:
        """Diagnostic: block the reader and journal threads for ``wedge_s`` seconds."""
        seconds = self._diagnostics.wedge_s
        if seconds <= 0:
            log.info("SIGUSR2 ignored: the wedge diagnostic is off (kiosk run --diag-wedge-s)")
            return
        log.warning("diagnostic wedge: reader and journal threads blocked for %.1f s", seconds)

        def block(_device: Any) -> None:
            time.sleep(seconds)

        for call in (self.runtime.reader(block), self.runtime.journal(block)):
            task: asyncio.Task[Any] = asyncio.ensure_future(call)
            self._wedges.add(task)
            task.add_done_callback(self._wedges.discard)

    def _probe_journal(self) -> None:
        """Ask the journal thread for a no-op; its answer is the journal writer's beat."""
        if self._probe is not None and not self._probe.done():
            return

        def look(journal: Journal) -> tuple[int, int | None]:
            return journal.outbox_depth(), journal.last_answered_ms()

        async def probe() -> None:
            with contextlib.suppress(Exception):
                depth, last = await self.runtime.journal(look)
                self._beat(JOURNAL)
                self.devices.outbox_depth = depth
                self.devices.last_sync_ms = last

        self._probe = asyncio.create_task(probe(), name="journal-probe")

    def _observe_link(self) -> None:
        client, link = self.parts.client, self.parts.link
        if client is None or link is None:
            return
        if client.network_alive:
            self._beat(MQTT)
        online = link.connected
        self.health.link = "central link online" if online else "central link offline (queued)"
        self.devices.link_online = online
        self.devices.link_text = self.health.link
        self.hub.set_link(online)

    async def serve_forever(self) -> None:
        """The supervision loop: journal probe, link state, watchdog, status; until stopped."""
        tick = self.watchdog_s / 2 if self.watchdog_s else 1.0
        while not self._stop.is_set():
            self._probe_journal()
            self._observe_link()
            if self.watchdog_s:
                self.notify.ping(self.gate, self._monotonic())
            if self.gate.healthy(self._monotonic()):
                self.notify.status(self.health.line("ready"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), tick)

    async def shutdown(self) -> None:
        """Stop in order (see the module docstring); safe after a partial start."""
        self._accepting = False
        self.notify.stopping("stopping: finishing the session in flight")
        log.info("stopping")
        runtime = self.parts.runtime
        if runtime is not None:
            deadline = self._monotonic() + self._grace_s
            while runtime.machine.in_session and self._monotonic() < deadline:
                await asyncio.sleep(0.05)
            for task in list(self._wedges):
                task.cancel()
            state = self._stores.state
            if state is not None:  # closed by its owner, the journal thread
                with contextlib.suppress(Exception):
                    await runtime.journal(lambda _journal: state.close())
            await runtime.stop()
        if self._probe is not None:
            self._probe.cancel()
        if self.parts.link is not None:
            with contextlib.suppress(Exception):
                await self.parts.link.stop()  # the broker publishes our "offline" Will
        if self.parts.web is not None:
            await self.parts.web.cleanup()
        for part in self.parts.inputs:
            part.stop()
        if self.parts.gpio is not None:
            self.parts.gpio.close()
        for supervisor in (self.parts.printer, self.parts.reader):
            if supervisor is not None:
                await asyncio.to_thread(supervisor.stop)
        if self.logistics is not None:
            self.feed = None
            self.logistics.close()
        log.info("stopped")
        logging.getLogger().removeHandler(self.logs)


async def run_daemon(
    config: KioskConfig,
    *,
    notifier: Notifier,
    environ: Mapping[str, str] = os.environ,
    central: CentralPort | None = None,
    diagnostics: Diagnostics = Diagnostics(),
) -> int:
    """Start, serve until SIGTERM/SIGINT, shut down; the exit status (0 after a clean stop)."""
    daemon = Daemon(
        config, notifier=notifier, environ=environ, central=central, diagnostics=diagnostics
    )
    try:
        await daemon.start()
        await daemon.serve_forever()
    finally:
        await daemon.shutdown()
    return daemon.exit_status

