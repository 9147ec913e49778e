"""The app over real HTTP/WebSocket on 127.0.0.1 (aiohttp's test client): bad input, staff mode."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from web_world import MEMBER, NAMES, FakeKiosk

from kiosk.circulation import State
from kiosk.circulation.session import Event, StaffOverride
from kiosk.logistics import Statistics, TransitBins, TransitItem
from kiosk.state import ScryptParams, StateDocuments
from kiosk.web import (
    BadMessage,
    Catalog,
    ScreenHub,
    StaffAction,
    StaffAuth,
    StaffDesk,
    StatusLine,
    create_app,
    parse_message,
)
from kiosk.web.protocol import MAX_FRAME

HOME = "CN-440100-1-GZLIB"
FAST = ScryptParams(n=2**8, r=8, p=1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(coro: Callable[[], Awaitable[None]]) -> None:
    """Run a story on a fresh loop in its own thread (Playwright's sync API may own this one)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro()).result(60)  # type: ignore[arg-type]


async def _client(app: Any) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


# ---------------------------------------------------------------- protocol (pure)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        (b"\xff\xfe", "bad_json"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"kind": "card"}', "unknown_type"),
        ('{"type": "card", "number": ""}', "bad_field"),
        ('{"type": "card", "number": "12 34"}', "bad_field"),
        ('{"type": "pin", "pin": "12a4"}', "bad_field"),
        ('{"type": "pin", "pin": 1234}', "bad_field"),
        ('{"type": "mode", "op": "steal"}', "bad_field"),
        ('{"type": "receipt", "print": "yes"}', "bad_field"),
        ("x" * (MAX_FRAME + 1), "too_big"),
    ],
)
def test_bad_frames_say_what_was_wrong(frame: str | bytes, code: str) -> None:
    with pytest.raises(BadMessage) as caught:
        parse_message(frame)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)
    assert "\n" not in caught.value.message and "expected" in caught.value.message


def test_good_frames_become_events() -> None:
    from kiosk.circulation import CardKind, Op
    from kiosk.circulation.session import CardPresented, ModeChosen, PinEntered, ReceiptChosen

    assert parse_message('{"type": "card", "number": "0001"}') == CardPresented(
        CardKind.BARCODE_TYPED, number="0001")
    assert parse_message('{"type": "pin", "pin": "0042"}') == PinEntered("0042")
    assert parse_message('{"type": "mode", "op": "return"}') == ModeChosen(Op.RETURN)
    assert parse_message('{"type": "receipt", "print": false}') == ReceiptChosen(print=False)


# ---------------------------------------------------------------- the socket


def test_websocket_survives_bad_input_with_error_frames(
    catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    async def story() -> None:
        hub = ScreenHub(catalog)
        kiosk = FakeKiosk.new(hub)
        client = await _client(create_app(hub, kiosk.submit, catalog))
        try:
            ws = await client.ws_connect("/ws")
            first = json.loads((await ws.receive()).data)
            assert first["type"] == "view" and first["view"]["screen"] == "welcome"
            for frame, code in [
                ("{oops", "bad_json"),
                ('{"type": "teleport"}', "unknown_type"),
                ("y" * (MAX_FRAME + 10), "too_big"),
                ('{"type": "finish"}', "not_now"),  # no session: the machine refuses
            ]:
                await ws.send_str(frame)
                reply = json.loads((await ws.receive()).data)
                assert (reply["type"], reply["code"]) == ("error", code)
            await ws.send_bytes(b"\x00\x01")
            assert json.loads((await ws.receive()).data)["code"] == "bad_json"
            await ws.send_str('{"type": "card", "number": "0001012345678"}')
            view = json.loads((await ws.receive()).data)["view"]
            assert view["screen"] == "choose"
            await ws.send_str("z" * (MAX_FRAME * 5))  # past aiohttp's limit: closed, 1009
            msg = await ws.receive()
            assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
            ws2 = await client.ws_connect("/ws")  # the server is fine
            again = json.loads((await ws2.receive()).data)
            assert again["view"]["screen"] == "choose"
            await ws2.close()
        finally:
            await client.close()

    with caplog.at_level(logging.INFO, logger="kiosk.web.app"):
        run(story)
    lines = [r.getMessage() for r in caplog.records]
    assert any("bad_json" in line for line in lines)
    assert any("unknown_type" in line for line in lines)
    assert all("\n" not in line for line in lines)


def test_pages_and_catalog(catalog: Catalog) -> None:
    async def story() -> None:
        hub = ScreenHub(catalog)
        kiosk = FakeKiosk.new(hub)
        client = await _client(create_app(hub, kiosk.submit, catalog, default_lang="en"))
        try:
            index = await client.get("/")
            assert index.status == 200 and '<html lang="en">' in await index.text()
            body = await (await client.get("/api/catalog")).json()
            assert body["default"] == "en" and body["zh"]["op.checkout"] == "借书"
            assert (await client.get("/static/app.js")).status == 200
            assert (await client.get("/static/../app.py")).status == 404
            assert (await client.get("/static/secret.txt")).status == 404
        finally:
            await client.close()

    run(story)
    with pytest.raises(ValueError, match="default_lang"):
        create_app(ScreenHub(catalog), FakeKiosk.new(ScreenHub(catalog)).submit, catalog,
                   default_lang="fr")


# ---------------------------------------------------------------- staff sign-in


def test_five_failures_lock_sign_in_for_five_minutes() -> None:
    clock = Clock()
    calls: list[str] = []

    def verify(staff_id: str, pin: str) -> bool:
        calls.append(pin)
        return pin == "2468"

    auth = StaffAuth(verify, clock=clock)

    async def story() -> None:
        for left in (4, 3, 2, 1):
            result = await auth.login("S1", "0000")
            assert (result.ok, result.attempts_left, result.locked_for) == (False, left, 0.0)
        locked = await auth.login("S2", "1111")  # the fifth failure, any staff number
        assert locked.locked_for == 300.0 and not locked.ok
        clock.now += 299
        still = await auth.login("S1", "2468")  # right PIN, but locked: not even checked
        assert not still.ok and still.locked_for == pytest.approx(1.0)
        assert calls == ["0000"] * 4 + ["1111"]
        clock.now += 1
        ok = await auth.login("S1", "2468")
        assert ok.ok and ok.session is not None and ok.attempts_left == 5
        assert auth.session(ok.session.token) is not None

    run(story)


def test_success_resets_the_count_and_idle_sessions_end() -> None:
    clock = Clock()
    auth = StaffAuth(lambda s, p: p == "1", clock=clock, idle_s=120)
    for _ in range(4):
        auth.record("S1", False)
    first = auth.record("S1", True)
    assert first.ok and auth.record("S1", False).attempts_left == 4
    assert first.session is not None
    token = first.session.token
    clock.now += 100
    assert auth.session(token) is not None  # activity: the idle time starts again
    clock.now += 119
    assert auth.expire() == []
    clock.now += 1
    assert [s.staff_id for s in auth.expire()] == ["S1"]
    assert auth.session(token) is None and not auth.active


def _desk(tmp_path: Path, catalog: Catalog, clock: Clock, reports: list[StaffAction],
          takeovers: list[Event]) -> StaffDesk:
    docs = StateDocuments.open(tmp_path / "state.json", clock=clock, scrypt=FAST)
    docs.set_staff_secret("S7", "13579")
    bins = TransitBins(HOME, "广州图书馆", names=NAMES)
    for n in range(23):
        bins.add(TransitItem(f"B{n:03d}", MEMBER, title=f"书{n}", call_number="I287/1"
                             if n % 2 else "TP311"))
    stats = Statistics()
    stats.record("checkout", date(2026, 11, 24), 7)
    stats.record("refusal:reserved", date(2026, 11, 24))
    stats.record("checkin", date(2026, 11, 2), 3)

    async def take(event: Event) -> None:
        takeovers.append(event)

    return StaffDesk(
        auth=StaffAuth(docs.verify_staff, clock=clock, idle_s=60),
        catalog=catalog,
        report=reports.append,
        today=lambda: date(2026, 11, 24),
        status=lambda: [StatusLine("reader", "FEIG ISC.MR102 /dev/ttyUSB0", True),
                        StatusLine("printer", "paper out", False),
                        StatusLine("outbox", "12")],
        bins=bins,
        statistics=stats,
        takeover=take,
        sweep_s=0.01,
    )


def test_staff_mode_over_http(tmp_path: Path, catalog: Catalog) -> None:
    clock = Clock()
    reports: list[StaffAction] = []
    takeovers: list[Event] = []
    desk = _desk(tmp_path, catalog, clock, reports, takeovers)

    async def story() -> None:
        hub = ScreenHub(catalog)
        kiosk = FakeKiosk.new(hub)
        client = await _client(create_app(hub, kiosk.submit, catalog, staff=desk))
        try:
            assert (await client.get("/api/staff/status")).status == 401
            bad = await client.post("/api/staff/login", data="{nope")
            assert bad.status == 400 and "not JSON" in (await bad.json())["error"]
            wrong = await (await client.post("/api/staff/login",
                                             json={"staff_id": "S7", "pin": "1"})).json()
            assert wrong == {"ok": False, "attempts_left": 4, "locked_for": 0.0}
            login = await client.post("/api/staff/login", json={"staff_id": "S7", "pin": "13579"})
            assert (await login.json())["ok"] is True
            assert takeovers == [StaffOverride(True)]

            status = await (await client.get("/api/staff/status")).json()
            assert [(s["key"], s["ok"]) for s in status["lines"]] == [
                ("reader", True), ("printer", False), ("outbox", None)]
            assert status["lines"][1]["label"] == {"zh": "凭条打印机", "en": "Receipt printer"}

            bins = await (await client.get("/api/staff/bins")).json()
            assert bins["bins"] == [{"destination": MEMBER, "name": "荔湾区图书馆", "count": 23}]
            emptied = await (await client.post("/api/staff/bins/empty",
                                               json={"destination": None})).json()
            assert emptied["total"] == 23
            assert [p["count"] for p in emptied["lists"][0]["packages"]] == [20, 3]
            page = await (await client.get("/staff/handover?lang=zh")).text()
            assert "物流交接单" in page and "荔湾区图书馆" in page and "2026年11月24日" in page
            assert "<td>12</td><td>11</td><td>23</td><td>2</td>" in page  # ordinary, children
            assert (await client.get("/staff/handover?lang=xx")).status == 400
            after = await (await client.get("/api/staff/bins")).json()
            assert after["total"] == 0

            stats = await (await client.get("/api/staff/stats")).json()
            assert stats["today"] == {"checkout": 7, "refusal:reserved": 1}
            assert stats["month"] == {"checkin": 3, "checkout": 7, "refusal:reserved": 1}
            csv = await client.get("/api/staff/stats.csv")
            text = await csv.text()
            assert text.splitlines()[0] == "period,event,count"
            assert "2026-11-24,checkout,7" in text

            clock.now += 61  # idle: the sweeper signs staff out and gives the machine back
            for _ in range(200):
                if len(takeovers) == 2:
                    break
                await asyncio.sleep(0.01)
            assert takeovers == [StaffOverride(True), StaffOverride(False)]
            assert (await client.get("/api/staff/bins")).status == 401
        finally:
            await client.close()

    run(story)
    assert [r.action for r in reports] == [
        "login_failed", "login", "empty_bin", "export_statistics", "idle_logout"]
    detail = reports[2].detail
    assert (detail["destination"], detail["items"], len(detail["taken"])) == (None, 23, 23)
    assert detail["packages"] == {MEMBER: ["20261124-LWLIB-1", "20261124-LWLIB-2"]}


def test_staff_takeover_shows_maintenance_to_patrons(tmp_path: Path, catalog: Catalog) -> None:
    clock = Clock()
    reports: list[StaffAction] = []
    hub = ScreenHub(catalog)
    kiosk = FakeKiosk.new(hub)
    desk = _desk(tmp_path, catalog, clock, reports, [])
    desk.takeover = kiosk.submit

    async def story() -> None:
        client = await _client(create_app(hub, kiosk.submit, catalog, staff=desk))
        try:
            await client.post("/api/staff/login", json={"staff_id": "S7", "pin": "13579"})
            assert kiosk.machine.state is State.STAFF
            assert hub.view()["title"]["en"] == "Maintenance in progress"
            out = await client.post("/api/staff/logout")
            assert (await out.json())["ok"] is True
            assert kiosk.machine.state is State.WELCOME
        finally:
            await client.close()

    run(story)
    assert [r.action for r in reports] == ["login", "logout"]
