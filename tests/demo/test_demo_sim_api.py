"""The simulator's HTTP API on an unstarted demo world: the pad, and bad requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from async_run import run_async

from kiosk.demo.library import demo_library
from kiosk.demo.sim import create_sim_app
from kiosk.demo.world import DemoOptions, DemoWorld

Work = Callable[[TestClient[Any, Any], DemoWorld], Awaitable[None]]


def with_client(tmp: Path, work: Work) -> None:
    world = DemoWorld(DemoOptions(state_dir=tmp), library=demo_library(12))
    world._make_tags()

    async def run() -> None:
        async with TestClient(TestServer(create_sim_app(world))) as client:
            await work(client, world)

    run_async(run)


def test_place_and_lift_move_tags_on_the_virtual_pad(tmp_path: Path) -> None:
    async def work(client: TestClient[Any, Any], world: DemoWorld) -> None:
        catalogue = await (await client.get("/api/sim/catalogue")).json()
        assert len(catalogue["cards"]) == 4 and catalogue["pin"] == "1234"
        disc = [e for e in catalogue["items"] if e["role"] == "disc_set"]
        assert len(disc) == 3  # one tag per part
        uid = catalogue["cards"][0]["uid"]
        state = await (await client.post("/api/sim/place", json={"uid": uid})).json()
        assert state["pad"] == [uid] and bytes.fromhex(uid) in world.pad
        state = await (await client.post("/api/sim/lift", json={"uid": uid.lower()})).json()
        assert state["pad"] == []
        page = await client.get("/")
        assert page.status == 200 and "RFID" in await page.text()
        assert (await client.get("/static/sim.js")).status == 200
        assert (await client.get("/static/secret.py")).status == 404

    with_client(tmp_path, work)


def test_bad_requests_get_one_line_400s(tmp_path: Path) -> None:
    async def work(client: TestClient[Any, Any], world: DemoWorld) -> None:
        cases = [
            ("/api/sim/place", "not json", "body is not JSON"),
            ("/api/sim/place", [1], "expected a JSON object"),
            ("/api/sim/place", {"uid": 7}, "field 'uid' must be str"),
            ("/api/sim/place", {"uid": "E0040100FFFFFFFF"}, "no demo tag with UID"),
            ("/api/sim/network", {"up": "yes"}, "field 'up' must be bool"),
            ("/api/sim/input", {"name": "door", "active": True}, "expected door_closed"),
        ]
        for path, body, fragment in cases:
            if isinstance(body, str):
                answer = await client.post(path, data=body)
            else:
                answer = await client.post(path, json=body)
            assert answer.status == 400, path
            error = (await answer.json())["error"]
            assert fragment in error and "\n" not in error
        assert world.on_pad() == []

    with_client(tmp_path, work)
