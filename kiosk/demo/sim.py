"""The demo's simulator page: the patron screen beside a panel that plays the world around it.

Routes (served on their own port, next to the daemon's patron screen)::

    GET  /                     the page (patron screen in an iframe + simulator panel)
    GET  /static/{file}        sim.js, sim.css
    GET  /api/sim/catalogue    cards and items on offer, libraries, demo PIN and staff login
    GET  /api/sim/state        pad, network, GPIO outputs/inputs, last receipt, tag security
    POST /api/sim/place        {"uid"}: lay a tag on the pad
    POST /api/sim/lift         {"uid"}: take it off (the patron lifts the book)
    POST /api/sim/clear        lift everything
    POST /api/sim/network      {"up": bool}: restore / cut the kiosk's network
    POST /api/sim/input        {"name": door_closed|bin_full|service_key, "active": bool}

Bad requests get 400 with ``{"error": one line}``; nothing here can stop the kiosk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from kiosk.demo.world import DemoWorld
from kiosk.errors import KioskError

__all__ = ["create_sim_app"]

_log = logging.getLogger(__name__)
_WORLD: web.AppKey[DemoWorld] = web.AppKey("world", DemoWorld)
_STATIC = {"sim.js": "application/javascript", "sim.css": "text/css", "sim.html": "text/html"}


def _bad(text: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": text}), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise _bad(f"{request.path}: body is not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise _bad(f"{request.path}: expected a JSON object")
    return body


def _field(body: dict[str, Any], name: str, kind: type, path: str) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(f"{path}: field {name!r} must be {kind.__name__}, got {value!r}")
    return value


def _static(name: str) -> bytes:
    return (resources.files("kiosk.demo") / "static" / name).read_bytes()


async def _page(request: web.Request) -> web.Response:
    return web.Response(body=_static("sim.html"), content_type="text/html", charset="utf-8")


async def _file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    kind = _STATIC.get(name)
    if kind is None:
        raise web.HTTPNotFound(text=f"no static file {name!r}")
    return web.Response(body=_static(name), content_type=kind, charset="utf-8")


async def _catalogue(request: web.Request) -> web.Response:
    return web.json_response(request.app[_WORLD].catalogue())


async def _state(request: web.Request) -> web.Response:
    return web.json_response(request.app[_WORLD].state())


def _action(
    work: Callable[[DemoWorld, dict[str, Any], str], None],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        world = request.app[_WORLD]
        body = await _body(request) if request.can_read_body else {}
        try:
            work(world, body, request.path)
        except (KeyError, ValueError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            raise _bad(f"{request.path}: {message}") from None
        except KioskError as exc:
            raise web.HTTPConflict(
                text=json.dumps({"error": str(exc)}), content_type="application/json"
            ) from None
        return web.json_response(world.state())

    return handler


def _place(world: DemoWorld, body: dict[str, Any], path: str) -> None:
    world.place(_field(body, "uid", str, path))


def _lift(world: DemoWorld, body: dict[str, Any], path: str) -> None:
    world.lift(_field(body, "uid", str, path))


def _clear(world: DemoWorld, body: dict[str, Any], path: str) -> None:
    world.clear()


def _network(world: DemoWorld, body: dict[str, Any], path: str) -> None:
    up = _field(body, "up", bool, path)
    _log.info("simulator: network %s", "restored" if up else "cut")
    world.set_network(up)


def _input(world: DemoWorld, body: dict[str, Any], path: str) -> None:
    world.set_input(_field(body, "name", str, path), _field(body, "active", bool, path))


def create_sim_app(world: DemoWorld) -> web.Application:
    app = web.Application(client_max_size=16 * 1024)
    app[_WORLD] = world
    app.router.add_get("/", _page)
    app.router.add_get("/static/{name}", _file)
    app.router.add_get("/api/sim/catalogue", _catalogue)
    app.router.add_get("/api/sim/state", _state)
    app.router.add_post("/api/sim/place", _action(_place))
    app.router.add_post("/api/sim/lift", _action(_lift))
    app.router.add_post("/api/sim/clear", _action(_clear))
    app.router.add_post("/api/sim/network", _action(_network))
    app.router.add_post("/api/sim/input", _action(_input))
    return app
