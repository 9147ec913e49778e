"""The daemon's composition in-process: GPIO inputs, the panel (LED, buzzer, latch, receipt),
staff actions in the journal, remote commands and the patron's quota on the screen.

Real parts: the daemon as ``kiosk run`` builds it, the virtual pad, gpiozero's MockFactory, the
escpos Dummy printer, the reference central domain in-process (the MQTT path has its own tests).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from async_run import run_async

from central.domain import CentralDomain, DomainConfig
from central.domain.model import Loan
from drivers.gpio._gpiozero import mock_factory
from drivers.virtual import VirtualPad, VirtualReader, VirtualTag
from kiosk.app import Daemon
from kiosk.circulation._states import State
from kiosk.circulation.decision import Op
from kiosk.circulation.session import Finish, ModeChosen, ReceiptChosen
from kiosk.config import parse_config
from kiosk.demo.library import (
    HOME,
    KIOSK_ID,
    DemoCard,
    DemoItem,
    card_tag,
    demo_library,
    item_tags,
)
from kiosk.runtime import InProcessCentral
from kiosk.sdnotify import Notifier
from kiosk.testbed.broker import free_port
from kiosk.web import StaffAction

LIB = demo_library(30)
PINS = {"latch": 17, "status_led": 27, "buzzer": 22, "door_closed": 5, "bin_full": 6,
        "service_key": 13}


def _config(tmp: Path) -> Any:
    return parse_config(
        f"""
[kiosk]
id = "{KIOSK_ID}"
library = "{HOME}"
member_libraries = ["CN-440100-1-0002", "CN-440100-1-0003"]
mode = "both"

[reader]
spec = "virtual"
poll_ms = 50

[security]
mode = "both"

[gpio]
factory = "mock"
latch = 17
status_led = 27
buzzer = 22
door_closed = 5
bin_full = 6
service_key = 13

[printer]
spec = "dummy"

[web]
port = {free_port()}

[journal]
path = "{tmp / 'journal.db'}"
""",
        file="test.toml",
    )


class World:
    def __init__(self, tmp: Path) -> None:
        document = LIB.document()
        for member in document["members"]:
            member["pin_required"] = False
        domain = CentralDomain(config=DomainConfig(pin_salt=lambda: os.urandom(16),
                                                   pin_cost=(2**10, 8, 1)))
        domain.load_json(document)
        self.domain = domain
        self.central = InProcessCentral(
            domain, kiosk=KIOSK_ID, clock_ms=lambda: time.time_ns() // 1_000_000
        )
        self.pad = VirtualPad()
        self.pins: Any = mock_factory()
        self.daemon = Daemon(
            _config(tmp),
            notifier=Notifier(None),
            central=self.central,
            pin_factory=self.pins,
            reader_opener=lambda: VirtualReader(self.pad),
        )
        self.serving: asyncio.Task[None] | None = None

    def drive(self, name: str, active: bool) -> None:
        pin = self.pins.pin(PINS[name])
        if active:
            pin.drive_low()  # wired active-low with the pull-up
        else:
            pin.drive_high()

    @property
    def screen(self) -> str:
        return str(self.daemon.hub.view()["screen"])

    async def return_loan(self, item: DemoItem, patron: DemoCard) -> VirtualTag:
        """``item`` on loan to ``patron``, who signs in, chooses return and lays it down."""
        now = time.time_ns() // 1_000_000
        self.domain.repo.put_loan(
            Loan(item.owner, item.pii, patron.number, "desk", "setup:1", now, now + 86_400_000)
        )
        self.pad.place(card_tag(patron, 1))
        await self.until(lambda: self.screen == "choose", "patron accepted")
        self.daemon.runtime.submit(ModeChosen(Op.RETURN))
        tag = item_tags(item, 98, secured=False)[0]
        self.pad.place(tag)
        return tag

    async def until(self, check: Callable[[], bool], what: str, limit_s: float = 10.0) -> None:
        deadline = time.monotonic() + limit_s
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} within {limit_s} s; screen {self.screen}")
            await asyncio.sleep(0.02)


def in_world(tmp: Path, scenario: Callable[[World], Awaitable[None]]) -> None:
    """Start the daemon, run ``scenario`` against it, stop it (all on one event loop)."""

    async def run() -> None:
        w = World(tmp)
        try:
            await w.daemon.start()
        except BaseException:
            await w.daemon.shutdown()
            raise
        w.serving = asyncio.create_task(w.daemon.serve_forever())
        try:
            await scenario(w)
        finally:
            w.daemon.request_stop()
            await w.serving
            await w.daemon.shutdown()
            w.pins.close()

    run_async(run)


def test_service_key_takes_the_machine_out_of_service_and_prompts_staff(tmp_path: Path) -> None:
    async def scenario(world: World) -> None:
        world.drive("service_key", True)
        await world.until(lambda: world.screen == "out_of_service", "out of service")
        assert world.daemon.hub.view()["staff_prompt"] is True
        world.drive("service_key", False)
        await world.until(lambda: world.screen == "welcome", "back to welcome")
        assert world.daemon.hub.view()["staff_prompt"] is False

    in_world(tmp_path, scenario)


def test_a_full_bin_is_a_fault_and_out_of_service_until_emptied(tmp_path: Path) -> None:
    async def scenario(world: World) -> None:
        world.drive("bin_full", True)
        await world.until(lambda: world.screen == "out_of_service", "out of service")
        assert world.daemon.health.faults()["bin"] == "return bin full"
        world.drive("bin_full", False)
        await world.until(lambda: world.screen == "welcome", "back in service")
        assert "bin" not in world.daemon.health.faults()

    in_world(tmp_path, scenario)


def test_checkout_lights_beeps_prints_a_masked_receipt_and_shows_the_quota(tmp_path: Path) -> None:
    async def scenario(world: World) -> None:
        wang = LIB.cards[0]
        book = next(item for item in LIB.items if not item.role and item.owner == HOME)
        world.pad.place(card_tag(wang, 1))
        await world.until(lambda: world.screen == "choose", "patron accepted")
        quota = world.daemon.hub.view()["patron"]["quota"]["en"]
        assert "0" in quota  # central knows he has no loans yet (loans are seeded only by the demo)
        world.daemon.runtime.submit(ModeChosen(Op.CHECKOUT))
        await world.until(lambda: world.screen == "items", "items screen")
        tag = item_tags(book, 99, secured=True)[0]
        world.pad.place(tag)
        await world.until(
            lambda: any(i["status"] == "accepted" for i in world.daemon.hub.view()["items"]),
            "book accepted",
        )
        assert not tag.eas and tag.afi == 0xC2  # unsecured, verified, before the result was shown
        assert world.daemon.runtime.machine.state is State.ITEMS
        world.daemon.runtime.submit(Finish())
        await world.until(lambda: world.screen == "receipt", "receipt choice")
        world.daemon.runtime.submit(ReceiptChosen(print=True))
        panel = world.daemon.panel
        assert panel is not None
        await world.until(lambda: panel.last_receipt is not None, "receipt printed")
        receipt = panel.last_receipt or ""
        assert book.title in receipt and book.pii in receipt
        assert wang.number not in receipt and wang.number[-4:] in receipt  # masked
        printer = world.daemon.parts.printer
        assert printer is not None and printer.device is not None
        assert len(printer.device.device.escpos.output) > 100  # bytes really went to the printer

    in_world(tmp_path, scenario)


def test_accepted_return_pulses_the_chute_latch(tmp_path: Path) -> None:
    own = next(item for item in LIB.items if not item.role and item.owner == HOME)
    wang = LIB.cards[0]

    async def scenario(world: World) -> None:
        tag = await world.return_loan(own, wang)
        panel = world.daemon.panel
        assert panel is not None
        await world.until(lambda: panel.latch_pulses == 1, "latch pulsed once")
        await world.until(lambda: tag.eas and tag.afi == 0x07, "secured again")

    in_world(tmp_path, scenario)


def test_staff_actions_are_journalled_and_reach_central_audit(tmp_path: Path) -> None:
    async def scenario(world: World) -> None:
        desk = world.daemon.staff
        assert desk is not None
        desk.report(StaffAction("S07", "led_test", {"pattern": "ok", "pins": [27]}))
        await world.until(lambda: bool(world.domain.audit(KIOSK_ID)), "audit entry at central")
        entry = world.domain.audit(KIOSK_ID)[0]
        assert (entry.staff, entry.action) == ("S07", "led_test")
        assert dict(entry.detail) == {"pattern": "ok", "pins": [27]}
        rows = await world.daemon.runtime.journal(
            lambda j: j.db.query("SELECT staff FROM tx WHERE op = 'staff:led_test'")
        )
        assert [tuple(r) for r in rows] == [("S07",)]

    in_world(tmp_path, scenario)


def test_remote_commands(tmp_path: Path) -> None:
    async def scenario(world: World) -> None:
        commands = world.daemon._commands()
        commands["out_of_service"]({"reason": "maintenance"})
        await world.until(lambda: world.screen == "out_of_service", "out of service")
        commands["in_service"]({})
        await world.until(lambda: world.screen == "welcome", "in service")
        assert commands["open_chute"]({}) == {"latch": "pulsed"}
        assert commands["log_level"]({"level": "debug"}) == {"level": "debug"}
        with pytest.raises(ValueError, match="level 'LOUD'"):
            commands["log_level"]({"level": "loud"})
        assert commands["diagnostics"]({})["screen"] == "welcome"

    in_world(tmp_path, scenario)


def test_transit_returns_fill_the_bin_and_survive_a_restart(tmp_path: Path) -> None:
    member = next(item for item in LIB.items if not item.role and item.owner != HOME)
    wang = LIB.cards[0]

    async def returned(world: World) -> None:
        await world.return_loan(member, wang)
        await world.until(lambda: bool(world.daemon.feed.bins.counts()), "in the bin")
        assert world.daemon.feed.bins.counts() == {member.owner: 1}
        assert world.daemon.feed.statistics.day(world.daemon._today())["checkin"] == 1

    async def restarted(world: World) -> None:
        assert world.daemon.feed.bins.counts() == {member.owner: 1}
        (item,) = world.daemon.feed.bins.items(member.owner)
        assert (item.barcode, item.title) == (member.pii, member.title)  # central's reply

    in_world(tmp_path, returned)
    in_world(tmp_path, restarted)
