"""Staff tool pages over HTTP with the real ports: a journal, the virtual pad, mock GPIO, logs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from async_run import run_async
from staff_world import NEW_PII, OWNER, STAFF, STAFF_PIN, ToolWorld
from web_world import FakeKiosk

from kiosk.web import Catalog, ScreenHub, StaffDesk, create_app

Client = TestClient[Any, Any]
Work = Callable[[Client, ToolWorld], Awaitable[None]]

ROUTES = [
    ("GET", "/api/staff/outbox"),
    ("POST", "/api/staff/outbox/retry"),
    ("POST", "/api/staff/sync"),
    ("GET", "/api/staff/tags"),
    ("GET", "/api/staff/tags/profiles"),
    ("POST", "/api/staff/tags/secure"),
    ("POST", "/api/staff/tags/write"),
    ("POST", "/api/staff/tags/lock"),
    ("GET", "/api/staff/hardware"),
    ("POST", "/api/staff/hardware"),
    ("GET", "/api/staff/logs"),
]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ToolWorld]:
    world = ToolWorld(tmp_path)
    yield world
    world.close()


def story(
    world: ToolWorld,
    catalog: Catalog,
    work: Work,
    desk: StaffDesk | None = None,
    *,
    sign_in: bool = True,
) -> None:
    async def main() -> None:
        hub = ScreenHub(catalog)
        app = create_app(hub, FakeKiosk.new(hub).submit, catalog, staff=desk or world.desk(catalog))
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            if sign_in:
                login = await client.post(
                    "/api/staff/login", json={"staff_id": STAFF, "pin": STAFF_PIN}
                )
                assert (await login.json())["ok"]
            await work(client, world)

    run_async(main)


async def error(response: Any, status: int) -> str:
    assert response.status == status, await response.text()
    message: str = (await response.json())["error"]
    assert "\n" not in message
    return message


def actions(world: ToolWorld) -> list[str]:
    return [r.action for r in world.reports if r.action != "login"]


# ---------------------------------------------------------------------------- every route


def test_every_tool_needs_staff_sign_in(world: ToolWorld, catalog: Catalog) -> None:
    async def work(client: Client, _: ToolWorld) -> None:
        for method, path in ROUTES:
            response = await client.request(method, path, json={})
            assert await error(response, 401) == "staff sign-in required", path

    story(world, catalog, work, sign_in=False)
    assert world.reports == [] and world.synced == 0 and world.blank.memory == bytes(112)


def test_missing_parts_say_not_available(world: ToolWorld, catalog: Catalog) -> None:
    async def work(client: Client, _: ToolWorld) -> None:
        for method, path in ROUTES:
            response = await client.request(method, path, json={})
            assert response.status == 404, path
            body = await response.json()
            assert body["unavailable"] is True and "this machine has no" in body["error"]

    desk = world.desk(catalog, outbox=None, tags=None, hardware=None, logs=None)
    story(world, catalog, work, desk)


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/api/staff/outbox/retry", "{nope", "body is not JSON"),
        ("/api/staff/outbox/retry", "[1]", "expected a JSON object"),
        ("/api/staff/outbox/retry", {"tx_id": 7}, "tx_id: expected text"),
        ("/api/staff/outbox/retry", {"tx_id": "k1-7"}, "expected '{kiosk}:{seq}'"),
        ("/api/staff/tags/secure", {"uid": "XYZ", "secured": True}, "uid: expected 16 hex"),
        (
            "/api/staff/tags/secure",
            {"uid": "E004010000001234", "secured": "yes"},
            "secured: expected true or false",
        ),
        (
            "/api/staff/tags/write",
            {"uid": "E004010000001234", "profile": "gz-book", "elements": {"1": "x"}},
            "expected gz-item, gz-disc, gz-card",
        ),
        (
            "/api/staff/tags/write",
            {"uid": "E004010000001234", "profile": "gz-item", "elements": ["1"]},
            "elements: expected",
        ),
        (
            "/api/staff/tags/write",
            {"uid": "E004010000001234", "profile": "gz-item", "elements": {"title": "x"}},
            "expected an OID 1..31",
        ),
        (
            "/api/staff/tags/write",
            {"uid": "E004010000001234", "profile": "gz-item", "elements": {"1": " "}},
            "at least one value",
        ),
        ("/api/staff/tags/lock", {"uid": "E004010000001234", "blocks": []}, "blocks: expected"),
        ("/api/staff/tags/lock", {"uid": "E004010000001234", "blocks": [True]}, "blocks: expected"),
        ("/api/staff/hardware", {"device": "fan", "pattern": "on"}, "expected led, buzzer, latch"),
        (
            "/api/staff/hardware",
            {"device": "led", "pattern": "disco"},
            "expected off, idle, busy, ok, error",
        ),
        ("/api/staff/hardware", {"device": "latch"}, "pattern: expected text"),
    ],
)
def test_bad_requests_get_one_line_400s(
    world: ToolWorld, catalog: Catalog, path: str, body: Any, fragment: str
) -> None:
    async def work(client: Client, _: ToolWorld) -> None:
        if isinstance(body, str):
            response = await client.post(path, data=body)
        else:
            response = await client.post(path, json=body)
        assert fragment in await error(response, 400)

    story(world, catalog, work)
    assert actions(world) == []  # nothing was done, nothing reported


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/api/staff/logs?level=loud", "level 'loud': expected debug, info, warning, error"),
        ("/api/staff/logs?limit=0", "limit: expected a whole number 1..500"),
        ("/api/staff/logs?limit=501", "limit: expected a whole number 1..500"),
        ("/api/staff/outbox?limit=ten", "limit: expected a whole number 1..500"),
    ],
)
def test_bad_queries_get_400s(world: ToolWorld, catalog: Catalog, path: str, fragment: str) -> None:
    async def work(client: Client, _: ToolWorld) -> None:
        assert fragment in await error(await client.get(path), 400)

    story(world, catalog, work)


# ---------------------------------------------------------------------------- outbox


def test_outbox_lists_rows_newest_first_and_retries_a_parked_one(
    world: ToolWorld, catalog: Catalog
) -> None:
    async def work(client: Client, w: ToolWorld) -> None:
        view = await (await client.get("/api/staff/outbox")).json()
        assert (view["depth"], view["parked"], view["reconcile"]) == (2, 1, 2)
        assert 0 <= view["oldest_queued_age_s"] < 60
        assert abs(view["last_sync_ms"] - time.time() * 1000) < 60_000  # the exception answer
        assert view["can_sync"] is True
        rows = [(r["kind"], r["tx_id"]) for r in view["rows"]]
        assert rows == [
            ("parked", "k1:1"),
            ("reconcile", "k1:3"),
            ("reconcile", "k1:2"),
            ("queued", "k1:4"),
            ("queued", "k1:2"),
        ]
        reasons = {(r["kind"], r["tx_id"]): r["reason"] for r in view["rows"]}
        assert reasons[("parked", "k1:1")] == "PUBACK 0x87 not authorized"
        assert reasons[("reconcile", "k1:2")] == "crashed before the security write"
        assert reasons[("reconcile", "k1:3")] == "central_exception"
        assert view["rows"][0]["pii"] == "0001100000001" and view["rows"][0]["offline"]
        limited = await (await client.get("/api/staff/outbox?limit=1")).json()
        assert [r["tx_id"] for r in limited["rows"]] == ["k1:1", "k1:3", "k1:4"]

        done = await client.post("/api/staff/outbox/retry", json={"tx_id": "k1:1"})
        assert await done.json() == {"retried": True}
        again = await client.post("/api/staff/outbox/retry", json={"tx_id": "k1:1"})
        assert await again.json() == {"retried": False}
        view = await (await client.get("/api/staff/outbox")).json()
        assert (view["depth"], view["parked"]) == (3, 0)
        assert "k1:99" in await error(
            await client.post("/api/staff/outbox/retry", json={"tx_id": "k1:99"}), 404
        )
        assert "not from this kiosk" in await error(
            await client.post("/api/staff/outbox/retry", json={"tx_id": "k9:1"}), 400
        )
        assert await (await client.post("/api/staff/sync", json={})).json() == {"ok": True}

    story(world, catalog, work)
    assert world.synced == 2  # the unpark woke the drain, then "sync now"
    assert actions(world) == ["outbox_retry", "outbox_retry", "sync_now"]
    assert world.reports[1].detail == {"tx_id": "k1:1", "was_parked": True}


def test_without_a_link_sync_is_not_offered(tmp_path: Path, catalog: Catalog) -> None:
    world = ToolWorld(tmp_path, sync=False)

    async def work(client: Client, _: ToolWorld) -> None:
        view = await (await client.get("/api/staff/outbox")).json()
        assert view["can_sync"] is False
        message = await error(await client.post("/api/staff/sync", json={}), 404)
        assert message == "this machine has no link to central to sync with"
        assert await (
            await client.post("/api/staff/outbox/retry", json={"tx_id": "k1:1"})
        ).json() == {"retried": True}

    try:
        story(world, catalog, work)
    finally:
        world.close()
    assert actions(world) == ["outbox_retry"]


# ---------------------------------------------------------------------------- tags


def test_tags_are_read_and_decoded_with_names_in_both_languages(
    world: ToolWorld, catalog: Catalog
) -> None:
    async def work(client: Client, w: ToolWorld) -> None:
        tags = {t["uid"]: t for t in (await (await client.get("/api/staff/tags")).json())["tags"]}
        book, blank = tags[w.book.uid.hex().upper()], tags[w.blank.uid.hex().upper()]
        assert book["chip"] == "NXP · IC 0x01 · 28 × 4 B"
        assert (book["afi"], book["dsfid"], book["eas"], book["secured"]) == (
            0x07,
            0x06,
            True,
            True,
        )
        assert book["profile"] == "gz-item" and book["problems"] == []
        assert book["locked_blocks"] == list(w.book.locked_blocks) != []
        assert (book["block_count"], book["block_size"]) == (28, 4)
        first = book["elements"][0]
        assert first == {
            "oid": 1,
            "name_zh": "馆藏条码(不含校验位)",  # DB4401/T 96 Table D.1
            "name_en": "item barcode without check digit",
            "value": "0001100012345",
        }
        assert book["elements"][3]["name_en"] == "collection location"
        assert [e["oid"] for e in book["elements"]] == [1, 3, 5, 6]
        assert blank["profile"] is None and blank["elements"] == [] and blank["secured"] is False
        profiles = (await (await client.get("/api/staff/tags/profiles")).json())["profiles"]
        assert [p["name"] for p in profiles] == ["gz-item", "gz-disc", "gz-card"]
        item = profiles[0]
        assert item["title_zh"] == "馆藏文献标签"
        assert [(f["oid"], f["mandatory"]) for f in item["fields"]][:3] == [
            (1, True),
            (3, True),
            (4, False),
        ]

    story(world, catalog, work)
    assert actions(world) == []  # reading is not an action


def test_secure_and_unsecure_are_verified_on_the_tag(world: ToolWorld, catalog: Catalog) -> None:
    async def work(client: Client, w: ToolWorld) -> None:
        uid = w.book.uid.hex()  # lower case is accepted
        off = await (
            await client.post("/api/staff/tags/secure", json={"uid": uid, "secured": False})
        ).json()
        assert (off["result"], off["tag"]["secured"]) == ("unsecured", False)
        assert (w.book.afi, w.book.eas) == (0xC2, False)
        on = await (
            await client.post("/api/staff/tags/secure", json={"uid": uid, "secured": True})
        ).json()
        assert on["result"] == "secured" and on["attempts"] == 1
        assert (w.book.afi, w.book.eas) == (0x07, True)
        w.pad.remove(w.book.uid)
        gone = await (
            await client.post("/api/staff/tags/secure", json={"uid": uid, "secured": False})
        ).json()
        assert gone["result"] == "tag_gone"

    story(world, catalog, work)
    assert actions(world) == ["tag_secure"] * 3
    assert world.reports[-1].detail["result"] == "tag_gone"


def test_write_from_a_profile_refuses_bad_values_with_the_codecs_message(
    world: ToolWorld, catalog: Catalog
) -> None:
    async def work(client: Client, w: ToolWorld) -> None:
        blank, book = w.blank.uid.hex().upper(), w.book.uid.hex().upper()

        async def write(uid: str, elements: dict[str, str], profile: str = "gz-item") -> Any:
            return await client.post(
                "/api/staff/tags/write", json={"uid": uid, "profile": profile, "elements": elements}
            )

        missing = await error(await write(blank, {"1": NEW_PII}), 400)
        assert missing.startswith("tag does not conform to gz-item") and "OID 3" in missing
        bad_isil = await error(await write(blank, {"1": NEW_PII, "3": "not an isil!"}), 400)
        assert "OID 3" in bad_isil
        elements = {"1": NEW_PII, "3": OWNER, "5": "10", "6": "", "15": "A-3-2"}
        locked = await error(await write(book, elements), 409)  # OIDs 1 and 3 are locked
        assert locked.startswith("TagDataError: block") and "locked" in locked
        wrote = await write(blank, elements)
        assert wrote.status == 200, await wrote.text()
        tag = await wrote.json()
        assert tag["profile"] == "gz-item" and tag["dsfid"] == 0x06
        assert {e["oid"]: e["value"] for e in tag["elements"]} == {
            1: NEW_PII,
            3: OWNER,
            5: "10",
            15: "A-3-2",
        }
        assert w.blank.memory[:4] != bytes(4)  # really on the tag

    story(world, catalog, work)
    assert actions(world) == ["tag_write", "tag_write"]
    refused, done = world.reports[1:]
    assert refused.detail["ok"] is False and "locked" in refused.detail["error"]
    assert done.detail["elements"] == {"1": NEW_PII, "3": OWNER, "5": "10", "15": "A-3-2"}


def test_blocks_are_locked_only_after_confirmation(world: ToolWorld, catalog: Catalog) -> None:
    async def work(client: Client, w: ToolWorld) -> None:
        uid = w.blank.uid.hex().upper()

        async def lock(blocks: list[int], confirm: str | None = None) -> Any:
            body: dict[str, Any] = {"uid": uid, "blocks": blocks}
            if confirm is not None:
                body["confirm"] = confirm
            return await client.post("/api/staff/tags/lock", json=body)

        ask = await (await lock([6, 5, 5])).json()
        assert (ask["blocks"], ask["uid"], ask["expires_s"]) == ([5, 6], uid, 60.0)
        assert w.blank.locked_blocks == set()  # asking locks nothing
        assert "ask again" in await error(await lock([5], ask["confirm"]), 409)
        assert "ask again" in await error(await lock([5, 6], ask["confirm"]), 409)  # used up
        assert "ask again" in await error(await lock([5, 6], "made-up"), 409)
        again = await (await lock([5, 6])).json()
        done = await lock([5, 6], again["confirm"])
        assert done.status == 200 and (await done.json())["locked_blocks"] == [5, 6]
        assert w.blank.locked_blocks == {5, 6}
        beyond = await (await lock([28])).json()
        assert "blocks 0..27" in await error(await lock([28], beyond["confirm"]), 400)

    story(world, catalog, work)
    assert actions(world) == ["tag_lock"]
    assert world.reports[1].detail == {"uid": world.blank.uid.hex().upper(), "blocks": [5, 6]}


# ---------------------------------------------------------------------------- hardware, logs


async def until(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the pin never got there")


def test_hardware_tests_drive_the_pins_and_show_the_inputs(
    world: ToolWorld, catalog: Catalog
) -> None:
    async def work(client: Client, w: ToolWorld) -> None:
        async def test(device: str, pattern: str) -> str:
            answer = await client.post(
                "/api/staff/hardware", json={"device": device, "pattern": pattern}
            )
            assert answer.status == 200, await answer.text()
            result: str = (await answer.json())["result"]
            return result

        state = await (await client.get("/api/staff/hardware")).json()
        assert state["inputs"] == {"door_closed": False, "bin_full": False, "service_key": False}
        assert state["tests"]["led"] == ["off", "idle", "busy", "ok", "error"]
        w.pins.pin(6).drive_high()
        state = await (await client.get("/api/staff/hardware")).json()
        assert state["inputs"]["bin_full"] is True
        for pattern in ("ok", "off", "busy", "error", "idle"):
            assert await test("led", pattern) == "shown"
            if pattern == "ok":
                await until(lambda: w.pin("status_led"))
            if pattern == "off":
                await until(lambda: not w.pin("status_led"))
        assert await test("buzzer", "error") == "sounded"  # one long beep: 1 s
        await until(lambda: w.pin("buzzer"))
        assert await test("latch", "open") == "open"
        await until(lambda: w.pin("latch"))
        assert await test("latch", "close") == "closed"
        await until(lambda: not w.pin("latch"))
        assert await test("latch", "pulse") == "pulsed"

    story(world, catalog, work)
    assert actions(world) == ["hardware_test"] * 9
    assert world.reports[-1].detail == {"device": "latch", "pattern": "pulse", "result": "pulsed"}


def test_logs_are_masked_filtered_and_newest_first(world: ToolWorld, catalog: Catalog) -> None:
    logger = logging.getLogger("kiosk.test.staff_logs")
    logger.addHandler(world.logs)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        logger.info("patron 0001000012345 signed in with pin=2468")
        logger.warning("outbox 3 rows waiting")
        try:
            raise OSError("card 0001000012345 unreadable")
        except OSError:
            logger.exception("reader failed")
        for n in range(40):
            logger.debug("tick %d", n)

        async def work(client: Client, _: ToolWorld) -> None:
            lines = (await (await client.get("/api/staff/logs?level=info")).json())["lines"]
            assert [x["message"].split("\n")[0] for x in lines] == [
                "reader failed",
                "outbox 3 rows waiting",
                "patron 0001******345 signed in with pin=****",
            ]
            assert "OSError: card 0001******345 unreadable" in lines[0]["message"]
            assert (lines[0]["level"], lines[0]["logger"]) == ("error", "kiosk.test.staff_logs")
            everything = (await (await client.get("/api/staff/logs?level=debug&limit=5")).json())[
                "lines"
            ]
            assert [x["message"] for x in everything] == [f"tick {n}" for n in range(39, 34, -1)]
            assert "0001000012345" not in str(await (await client.get("/api/staff/logs")).text())

        story(world, catalog, work)
    finally:
        logger.removeHandler(world.logs)
