"""Everything ``kiosk demo`` runs, started and stopped in order.

Real parts wherever one can run on a laptop::

    mosquitto (private, TLS client certificates, the contract's ACL)
      ↑ 127.0.0.1, through a TCP relay the simulator can cut ("network cable")
    the kiosk daemon (kiosk.app.Daemon, as `kiosk run` builds it: journal, runtime, patron
      screen, staff mode, MQTT link) with the virtual RFID pad, gpiozero's MockFactory as GPIO
      and python-escpos' Dummy printer
    kiosk-central serve (a separate process; SQLite seeded with the demo library)

The simulator (:mod:`kiosk.demo.sim`) is served beside the patron screen; it lays tags on the
virtual pad and lifts them, cuts and restores the network, drives the GPIO inputs and shows the
LED, buzzer, latch and the last printed receipt.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from central.domain import CentralDomain, DomainConfig
from central.domain.model import Loan
from central.store.database import Database
from central.store.sqlite import SqliteRepository
from drivers.gpio import PinFactory
from drivers.gpio._gpiozero import mock_factory
from drivers.iso15693 import uid_hex
from drivers.virtual import AirTiming, VirtualPad, VirtualReader, VirtualTag
from kiosk.app import Daemon
from kiosk.config import KioskConfig, parse_config
from kiosk.demo.library import (
    DEMO_PIN,
    HOME,
    KIOSK_ID,
    DemoCard,
    DemoItem,
    DemoLibrary,
    card_tag,
    demo_library,
    item_tags,
)
from kiosk.sdnotify import Notifier
from kiosk.state import StateDocuments
from kiosk.testbed.broker import CENTRAL, Broker, Pki, Proxy, free_port
from kiosk.web import serve

__all__ = ["DEMO_STAFF", "DemoOptions", "DemoWorld", "SimTag"]

log = logging.getLogger(__name__)

DEMO_STAFF = ("demo", "2468")  # staff number and PIN for maintenance mode in the demo
_DAY_MS = 86_400_000
PINS = {"latch": 17, "status_led": 27, "buzzer": 22, "door_closed": 5, "bin_full": 6,
        "service_key": 13}


@dataclass(frozen=True, slots=True)
class DemoOptions:
    state_dir: Path
    web_port: int = 8080
    sim_port: int = 8081
    language: str = "zh"
    copies: int = 300


@dataclass
class SimTag:
    """One tag of the demo: what it is (item part or patron card) and where it is."""

    uid: str
    tag: VirtualTag
    kind: str  # item | card
    label: str
    detail: str
    role: str
    item: DemoItem | None = None
    card: DemoCard | None = None
    part: int = 1


def _config_text(opts: DemoOptions, broker_port: int, pki: Pki, web_port: int) -> str:
    tls = pki.client(KIOSK_ID)
    journal = opts.state_dir / "kiosk" / "journal.db"
    return f"""
[kiosk]
id = "{KIOSK_ID}"
library = "{HOME}"
member_libraries = ["CN-440100-1-0002", "CN-440100-1-0003"]
mode = "both"
language = "{opts.language}"

[reader]
spec = "virtual"
poll_ms = 100

[security]
mode = "both"

[patron]
pin_required = false

[gpio]
factory = "mock"
latch = {PINS["latch"]}
status_led = {PINS["status_led"]}
buzzer = {PINS["buzzer"]}
door_closed = {PINS["door_closed"]}
bin_full = {PINS["bin_full"]}
service_key = {PINS["service_key"]}

[printer]
spec = "dummy"

[mqtt]
host = "127.0.0.1"
port = {broker_port}
tls = true
cafile = "{pki.ca}"
certfile = "{tls.cert}"
keyfile = "{tls.key}"
reply_timeout_ms = 3000

[web]
bind = "127.0.0.1"
port = {web_port}

[journal]
path = "{journal}"

[logging]
level = "info"
"""


class DemoWorld:
    """Start with :meth:`start`, stop with :meth:`stop` (safe after a partial start)."""

    def __init__(self, options: DemoOptions, *, library: DemoLibrary | None = None) -> None:
        self.options = options
        self.library = library or demo_library(options.copies)
        self.dir = options.state_dir
        self.broker: Broker | None = None
        self.proxy: Proxy | None = None
        self.central: subprocess.Popen[bytes] | None = None
        self.daemon: Daemon | None = None
        self.pins: PinFactory = mock_factory()
        self.pad = VirtualPad(timing=AirTiming(realtime=True), max_tags_per_inventory=32)
        self.tags: dict[str, SimTag] = {}
        self.network_up = True
        self.sim_runner: web.AppRunner | None = None
        self.sim_port = 0
        self.config: KioskConfig | None = None
        self._serving: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ start / stop

    async def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._make_tags()
        pki = await asyncio.to_thread(Pki.create, self.dir / "pki")
        self.broker = Broker(pki, self.dir / "broker")
        await asyncio.to_thread(self.broker.start)
        self.proxy = Proxy(self.broker.port)
        central_db = self.dir / "central.db"
        await asyncio.to_thread(self._seed_central, central_db)
        self.central = self._spawn_central(central_db, pki)
        text = _config_text(
            self.options, self.proxy.port, pki, self.options.web_port or free_port()
        )
        (self.dir / "kiosk.toml").write_text(text)
        self.config = parse_config(text, file=str(self.dir / "kiosk.toml"))
        await asyncio.to_thread(self._seed_staff, self.config)
        self.daemon = Daemon(
            self.config,
            notifier=Notifier(None),
            pin_factory=self.pins,
            reader_opener=lambda: VirtualReader(self.pad),
        )
        await self.daemon.start()
        self._serving = asyncio.create_task(self.daemon.serve_forever(), name="demo-daemon")
        from kiosk.demo.sim import create_sim_app  # noqa: PLC0415 (sim imports this module)

        app = create_sim_app(self)
        self.sim_runner, self.sim_port = await serve(app, port=self.options.sim_port)

    async def stop(self) -> None:
        if self.sim_runner is not None:
            await self.sim_runner.cleanup()
        if self.daemon is not None:
            self.daemon.request_stop()
            if self._serving is not None:
                with contextlib.suppress(Exception):
                    await self._serving
            with contextlib.suppress(Exception):
                await self.daemon.shutdown()
        if self.central is not None:
            self.central.terminate()
            try:
                await asyncio.to_thread(self.central.wait, 10)
            except subprocess.TimeoutExpired:
                self.central.kill()
        if self.proxy is not None:
            self.proxy.close()
        if self.broker is not None:
            await asyncio.to_thread(self.broker.stop)
        with contextlib.suppress(Exception):
            self.pins.close()

    @property
    def screen_url(self) -> str:
        port = 0 if self.daemon is None else self.daemon.parts.port
        return f"http://127.0.0.1:{port}/"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}/"

    # ------------------------------------------------------------------ seeding

    def _make_tags(self) -> None:
        on_loan = {loan.pii for loan in self.library.loans}
        for serial, item in enumerate(self.library.items, start=1):
            tags = item_tags(item, serial, secured=item.pii not in on_loan)
            for part, tag in enumerate(tags, start=1):
                label = item.title if item.parts == 1 else f"{item.title} ({part}/{item.parts})"
                uid = uid_hex(tag.uid)
                self.tags[uid] = SimTag(
                    uid, tag, "item", label, item.pii, item.role, item=item, part=part
                )
        for serial, card in enumerate(self.library.cards, start=1):
            tag = card_tag(card, serial)
            uid = uid_hex(tag.uid)
            self.tags[uid] = SimTag(uid, tag, "card", card.name, card.number, card.role, card=card)

    def _seed_central(self, path: Path) -> None:
        if path.exists():
            return  # a kept state directory: central keeps what happened
        db = Database(str(path))
        try:
            domain = CentralDomain(
                SqliteRepository(db),
                DomainConfig(pin_salt=lambda: os.urandom(16), pin_cost=(2**12, 8, 1)),
            )
            domain.load_json(self.library.document(), source="demo library")
            now = time.time_ns() // 1_000_000
            for n, loan in enumerate(self.library.loans, start=1):
                start = now - loan.days_ago * _DAY_MS
                domain.repo.put_loan(
                    Loan(loan.owner, loan.pii, loan.patron, "demo-desk", f"demo:{n}", start,
                         start + 30 * _DAY_MS)
                )
        finally:
            db.close()

    def _spawn_central(self, path: Path, pki: Pki) -> subprocess.Popen[bytes]:
        assert self.broker is not None
        tls = pki.client(CENTRAL)
        log_file = (self.dir / "central.log").open("ab")
        code = "from central.cli import main; raise SystemExit(main())"
        return subprocess.Popen(
            [
                sys.executable, "-c", code, "serve",
                "--db", str(path),
                "--broker", f"127.0.0.1:{self.broker.port}",
                "--cafile", str(pki.ca),
                "--cert", str(tls.cert),
                "--key", str(tls.key),
            ],
            stdout=log_file,
            stderr=log_file,
        )

    def _seed_staff(self, config: KioskConfig) -> None:
        path = config.journal.path.with_name("state.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        docs = StateDocuments.open(path, clock=time.time)
        try:
            if docs.staff(DEMO_STAFF[0]) is None:
                docs.set_staff_secret(*DEMO_STAFF)
        finally:
            docs.close()

    # ------------------------------------------------------------------ simulator actions

    def place(self, uid: str) -> None:
        sim = self._tag(uid)
        if sim.tag.uid not in self.pad:
            self.pad.place(sim.tag)

    def lift(self, uid: str) -> None:
        self.pad.remove(self._tag(uid).tag.uid)

    def clear(self) -> None:
        self.pad.clear()

    def on_pad(self) -> list[str]:
        return [uid_hex(tag.uid) for tag in self.pad.tags()]

    def set_network(self, up: bool) -> None:
        """Cut (or restore) the kiosk's TCP path to the broker, like pulling the cable."""
        assert self.proxy is not None
        self.network_up = up
        self.proxy.refuse(not up)
        if not up:
            self.proxy.cut()

    def set_input(self, name: str, active: bool) -> None:
        """Drive a GPIO input as the hardware would (inputs are wired active-low, pulled up)."""
        if name not in ("door_closed", "bin_full", "service_key"):
            raise ValueError(f"input {name!r}: expected door_closed, bin_full or service_key")
        pins: Any = self.pins
        pin = pins.pin(PINS[name])
        if active:
            pin.drive_low()
        else:
            pin.drive_high()

    def outputs(self) -> dict[str, bool]:
        out = {}
        for name in ("status_led", "buzzer", "latch"):
            pins: Any = self.pins
            out[name] = bool(pins.pin(PINS[name]).state)
        return out

    def inputs(self) -> dict[str, bool | None]:
        gpio = None if self.daemon is None else self.daemon.parts.gpio
        if gpio is None:
            return {"door_closed": None, "bin_full": None, "service_key": None}
        return {
            "door_closed": gpio.door_closed,
            "bin_full": gpio.bin_full,
            "service_key": gpio.service_key,
        }

    def _tag(self, uid: str) -> SimTag:
        sim = self.tags.get(uid.upper()) if isinstance(uid, str) else None
        if sim is None:
            raise KeyError(f"no demo tag with UID {uid!r}")
        return sim

    def state(self) -> dict[str, Any]:
        """Everything the simulator page shows."""
        daemon = self.daemon
        panel = None if daemon is None else daemon.panel
        health = {} if daemon is None else daemon.health.faults()
        return {
            "pad": self.on_pad(),
            "network": self.network_up,
            "link": None if daemon is None else daemon.health.link,
            "outbox": None if daemon is None else daemon.devices.outbox_depth,
            "outputs": self.outputs(),
            "inputs": self.inputs(),
            "latch_pulses": 0 if panel is None else panel.latch_pulses,
            "receipt": None if panel is None else panel.last_receipt,
            "receipts": 0 if panel is None else panel.receipts_printed,
            "faults": health,
            "secured": {
                uid: bool(sim.tag.eas or sim.tag.afi == 0x07)
                for uid, sim in self.tags.items()
                if sim.kind == "item"
            },
        }

    def catalogue(self) -> dict[str, Any]:
        """The tags the simulator offers: cards, the featured items, then every other copy."""
        featured = {item.pii for item in self.library.featured()}

        def entry(sim: SimTag) -> dict[str, Any]:
            return {
                "uid": sim.uid,
                "kind": sim.kind,
                "label": sim.label,
                "detail": sim.detail,
                "role": sim.role,
                "owner": None if sim.item is None else sim.item.owner,
                "featured": sim.item is not None and sim.item.pii in featured,
            }

        return {
            "cards": [entry(s) for s in self.tags.values() if s.kind == "card"],
            "items": [entry(s) for s in self.tags.values() if s.kind == "item"],
            "libraries": self.library.names(),
            "pin": DEMO_PIN,
            "staff": {"id": DEMO_STAFF[0], "pin": DEMO_STAFF[1]},
            "screen": self.screen_url,
        }


def write_summary(world: DemoWorld, path: Path) -> None:
    """The URLs and credentials as JSON (for scripts and tests that start the demo)."""
    path.write_text(
        json.dumps(
            {"screen": world.screen_url, "simulator": world.sim_url, "staff": DEMO_STAFF[0]},
            ensure_ascii=False,
        )
    )
