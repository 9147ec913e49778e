"""Staff tool pages over HTTP with the real ports: a journal, the virtual pad, mock GPIO, logs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from aiohttp.test_utils import TestClient, TestServer
from async_run import run_async
from web_world import FakeKiosk

from drivers.gpio import GpioConfig, KioskGpio, PinSpec
from drivers.gpio._gpiozero import mock_factory
from drivers.reader import Reader
from drivers.virtual import VirtualPad, VirtualReader, VirtualTag, make_uid
from kiosk.compose.staff_ports import GpioHardware, JournalOutbox, LogRing, ReaderTagTools
from kiosk.demo.library import demo_library, item_tags
from kiosk.journal import Decision, Intent, ItemRef, Journal
from kiosk.security import SecurityMode
from kiosk.state import ScryptParams, StateDocuments
from kiosk.web import Catalog, ScreenHub, StaffAction, StaffAuth, StaffDesk, create_app

T = TypeVar("T")
BOOK = next(item for item in demo_library(12).items if not item.role)


class World:
    def __init__(self, tmp: Path) -> None:
        # The journal's SQLite connection stays on the thread that opened it.
        self.pool = ThreadPoolExecutor(1)
        self.journal = self.pool.submit(self._open, tmp).result()

    def _open(self, tmp: Path) -> Journal:
        journal = Journal.open(tmp / "journal.db", kiosk="k1", clock=time.time)
        record = journal.begin(
            Intent("s:1", "checkout", item=ItemRef("0001100000001", "CN-440100-1-0001",
                                                    "E004010000000001", None))
        ).record
        journal.decide(record.tx_id, Decision("accepted", "ok"), offline=True)
        journal.park(record.tx_id, "PUBACK 0x87 not authorized")
        self._rest(tmp)
        return journal

    def _rest(self, tmp: Path) -> None:
        self.tag = item_tags(BOOK, 1, secured=True)[0]
        self.blank = VirtualTag("slix", make_uid("slix", 0x7777), bytes(112))
        self.reader = VirtualReader(VirtualPad([self.tag, self.blank]))
        self.reader.open()
        self.pins: Any = mock_factory()
        self.gpio = KioskGpio(GpioConfig(status_led=PinSpec(27), buzzer=PinSpec(22),
                                         latch=PinSpec(17), bin_full=PinSpec(6)), self.pins)
        self.logs = LogRing(10)
        self.reports: list[StaffAction] = []
        self.synced = 0
        docs = StateDocuments.open(tmp / "state.json", clock=time.time,
                                   scrypt=ScryptParams(n=2**8, r=8, p=1))
        docs.set_staff_secret("S7", "13579")
        self.docs = docs

    def desk(self, catalog: Catalog) -> StaffDesk:
        async def on_journal(fn: Callable[[Journal], T]) -> T:
            return await asyncio.get_running_loop().run_in_executor(self.pool, fn, self.journal)

        async def on_reader(fn: Callable[[Reader], T]) -> T:
            return await asyncio.to_thread(fn, self.reader)

        def sync() -> None:
            self.synced += 1

        return StaffDesk(
            auth=StaffAuth(self.docs.verify_staff, clock=time.monotonic),
            catalog=catalog,
            report=self.reports.append,
            today=lambda: date(2026, 11, 24),
            outbox=JournalOutbox(on_journal, sync),
            tags=ReaderTagTools(on_reader, mode=SecurityMode.BOTH, attempts=3),
            hardware=GpioHardware(self.gpio),
            logs=self.logs,
        )


def story(tmp: Path, catalog: Catalog, work: Callable[[TestClient[Any, Any], World], Any]) -> World:
    world = World(tmp)

    async def main() -> None:
        hub = ScreenHub(catalog)
        app = create_app(hub, FakeKiosk.new(hub).submit, catalog, staff=world.desk(catalog))
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            assert (await client.get("/api/staff/tags")).status == 401
            login = await client.post("/api/staff/login", json={"staff_id": "S7", "pin": "13579"})
            assert (await login.json())["ok"]
            await work(client, world)

    run_async(main)
    return world


def test_outbox_page_lists_parked_rows_and_retries_them(tmp_path: Path, catalog: Catalog) -> None:
    async def work(client: TestClient[Any, Any], world: World) -> None:
        view = await (await client.get("/api/staff/outbox")).json()
        assert view["depth"] == 0 and [r["tx_id"] for r in view["parked"]] == ["k1:1"]
        assert view["parked"][0]["parked"] == "PUBACK 0x87 not authorized"
        done = await (await client.post("/api/staff/outbox/retry", json={"tx_id": "k1:1"})).json()
        assert done == {"retried": True}
        view = await (await client.get("/api/staff/outbox")).json()
        assert view["depth"] == 1 and view["parked"] == []
        bad = await client.post("/api/staff/outbox/retry", json={"tx_id": "k1:99"})
        assert bad.status == 400 and "k1:99" in (await bad.json())["error"]

    world = story(tmp_path, catalog, work)
    assert world.synced == 1
    assert [r.action for r in world.reports] == ["login", "outbox_retry"]


def test_tag_tools_read_secure_write_and_lock_only_after_confirmation(
    tmp_path: Path, catalog: Catalog
) -> None:
    uid = world_uid = ""

    async def work(client: TestClient[Any, Any], world: World) -> None:
        nonlocal uid, world_uid
        found = {t["uid"]: t for t in (await (await client.get("/api/staff/tags")).json())["tags"]}
        tag, blank = found[world.tag.uid.hex().upper()], found[world.blank.uid.hex().upper()]
        uid = world_uid = tag["uid"]
        assert blank["profile"] is None and blank["elements"] == []
        assert tag["profile"] == "gz-item" and tag["eas"] is True and tag["afi"] == 0x07
        assert {e["oid"]: e["value"] for e in tag["elements"]}[1] == BOOK.pii
        secure = await client.post("/api/staff/tags/secure", json={"uid": uid, "secured": False})
        assert (await secure.json())["result"] == "unsecured"
        assert world.tag.afi == 0xC2 and not world.tag.eas
        refused = await client.post("/api/staff/tags/write", json={
            "uid": blank["uid"], "profile": "gz-item", "elements": {"1": "0001100009999"}})
        assert refused.status == 409 and "OID 3" in (await refused.json())["error"]
        elements = {"1": "0001100009999", "3": "CN-440100-1-0001", "5": "10"}
        locked_data = await client.post("/api/staff/tags/write", json={
            "uid": uid, "profile": "gz-item", "elements": elements})
        assert locked_data.status == 409 and "locked" in (await locked_data.json())["error"]
        wrote = await client.post("/api/staff/tags/write", json={
            "uid": blank["uid"], "profile": "gz-item", "elements": elements})
        assert wrote.status == 200, await wrote.text()
        assert (await wrote.json())["profile"] == "gz-item"
        target = blank["uid"]
        ask = await (await client.post("/api/staff/tags/lock",
                                       json={"uid": target, "blocks": [5]})).json()
        assert 5 not in world.blank.locked_blocks  # asking locks nothing
        wrong = await client.post("/api/staff/tags/lock",
                                  json={"uid": target, "blocks": [6], "confirm": ask["confirm"]})
        assert wrong.status == 409  # a token is for those blocks of that tag only
        again = await (await client.post("/api/staff/tags/lock",
                                         json={"uid": target, "blocks": [5]})).json()
        locked = await client.post("/api/staff/tags/lock",
                                   json={"uid": target, "blocks": [5], "confirm": again["confirm"]})
        assert locked.status == 200 and 5 in world.blank.locked_blocks
        assert 6 not in world.blank.locked_blocks
        for body, fragment in [
            ({"uid": "XYZ", "secured": True}, "16 hex digits"),
            ({"uid": uid, "secured": "yes"}, "true or false"),
        ]:
            bad = await client.post("/api/staff/tags/secure", json=body)
            assert bad.status == 400 and fragment in (await bad.json())["error"]

    world = story(tmp_path, catalog, work)
    assert [r.action for r in world.reports] == [
        "login", "tag_secure", "tag_write", "tag_lock",
    ]
    assert world.reports[2].detail["elements"]["1"] == "0001100009999"
    assert world.blank.memory[:4] != bytes(4)  # really written


def test_hardware_test_drives_the_pins_and_logs_are_masked(
    tmp_path: Path, catalog: Catalog
) -> None:
    async def work(client: TestClient[Any, Any], world: World) -> None:
        state = await (await client.get("/api/staff/hardware")).json()
        assert state["inputs"]["bin_full"] is False
        done = await client.post("/api/staff/hardware", json={"device": "latch",
                                                               "pattern": "pulse"})
        assert (await done.json())["result"] == "pulsed" and world.pins.pin(17).state
        bad = await client.post("/api/staff/hardware", json={"device": "led", "pattern": "disco"})
        assert bad.status == 400 and "disco" in (await bad.json())["error"]
        logger = logging.getLogger("kiosk.test")
        logger.addHandler(world.logs)
        logger.setLevel(logging.INFO)
        logger.warning("patron 0001000012345 refused")
        logger.info("hello")
        lines = (await (await client.get("/api/staff/logs?level=warning")).json())["lines"]
        assert [line["level"] for line in lines] == ["warning"]
        assert "0001000012345" not in lines[0]["message"]
        assert (await client.get("/api/staff/logs?level=loud")).status == 400
        logger.removeHandler(world.logs)

    world = story(tmp_path, catalog, work)
    assert [r.action for r in world.reports] == ["login", "hardware_test"]
