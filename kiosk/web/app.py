"""The local web UI as an aiohttp application: patron screen, its WebSocket, staff mode.

Everything it talks to comes in through :func:`create_app`: the :class:`ScreenHub` the runtime
publishes to, the :data:`EventSink` patron input goes into, the catalogue, and (optionally) the
staff pieces. It binds 127.0.0.1 by default: Chromium in kiosk mode on the same machine shows it.

Routes::

    GET  /                    the single page (patron screen + hidden staff mode)
    GET  /static/{file}       app.js, app.css
    GET  /api/catalog         {"zh": {...}, "en": {...}} for the static labels
    GET  /ws                  WebSocket: views out, patron input in (kiosk.web.protocol)
    /api/staff/...            staff mode (kiosk.web.staff_routes), when staff is given
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from importlib import resources
from typing import Any

from aiohttp import WSMsgType, web

from kiosk.errors import KioskError, SessionError
from kiosk.web.hub import EventSink, ScreenHub
from kiosk.web.i18n import LANGS, Catalog
from kiosk.web.protocol import MAX_FRAME, BadMessage, error_frame, parse_message
from kiosk.web.staff_routes import StaffDesk, add_staff_routes

__all__ = ["DEFAULT_HOST", "create_app", "serve"]

DEFAULT_HOST = "127.0.0.1"

_log = logging.getLogger(__name__)
_STATIC = {
    "app.js": "application/javascript",
    "app.css": "text/css",
    "index.html": "text/html",
}
_HUB: web.AppKey[ScreenHub] = web.AppKey("hub", ScreenHub)
_SINK: web.AppKey[EventSink] = web.AppKey("sink", object)  # type: ignore[arg-type]
_CATALOG: web.AppKey[Catalog] = web.AppKey("catalog", Catalog)
_LANG: web.AppKey[str] = web.AppKey("lang", str)


def _static_bytes(name: str) -> bytes:
    return (resources.files("kiosk.web") / "static" / name).read_bytes()


async def _index(request: web.Request) -> web.Response:
    html = _static_bytes("index.html").decode("utf-8")
    html = html.replace('lang="zh"', f'lang="{request.app[_LANG]}"', 1)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    kind = _STATIC.get(name)
    if kind is None:
        raise web.HTTPNotFound(text=f"no static file {name!r}")
    return web.Response(body=_static_bytes(name), content_type=kind, charset="utf-8")


async def _catalog(request: web.Request) -> web.Response:
    catalog = request.app[_CATALOG]
    body: dict[str, Any] = {lang: catalog.table(lang) for lang in LANGS}
    body["default"] = request.app[_LANG]
    return web.json_response(body)


async def _sender(ws: web.WebSocketResponse, hub: ScreenHub, flag: asyncio.Event) -> None:
    while True:
        await flag.wait()
        flag.clear()
        if ws.closed:
            return
        await ws.send_str(hub.view_frame())


async def _socket(request: web.Request) -> web.WebSocketResponse:
    """One browser: push views while it is connected; feed its input to the machine."""
    hub, sink = request.app[_HUB], request.app[_SINK]
    # aiohttp closes the connection (1009) above max_msg_size; between MAX_FRAME and that the
    # browser gets an error frame and stays connected.
    ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=MAX_FRAME * 4)
    await ws.prepare(request)
    peer = request.remote or "?"
    flag = hub.watch()
    sender = asyncio.create_task(_sender(ws, hub, flag))
    try:
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await _handle_frame(ws, sink, msg.data, peer)
            elif msg.type is WSMsgType.ERROR:
                _log.warning("websocket %s: closed on error: %s", peer, ws.exception())
    finally:
        hub.unwatch(flag)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sender
    return ws


async def _handle_frame(
    ws: web.WebSocketResponse, sink: EventSink, data: str | bytes, peer: str
) -> None:
    try:
        event = parse_message(data)
    except BadMessage as exc:
        _log.warning("websocket %s: %s: %s", peer, exc.code, exc.message)
        await ws.send_str(error_frame(exc.code, exc.message))
        return
    try:
        await sink(event)
    except SessionError as exc:
        _log.info("websocket %s: %s", peer, exc)
        await ws.send_str(error_frame("not_now", str(exc)))
    except KioskError as exc:  # the runtime could not take it; the screen stays usable
        _log.warning("websocket %s: %s refused: %s", peer, type(event).__name__, exc)
        await ws.send_str(error_frame("refused", str(exc)))


def create_app(
    hub: ScreenHub,
    sink: EventSink,
    catalog: Catalog,
    *,
    default_lang: str = "zh",
    staff: StaffDesk | None = None,
) -> web.Application:
    """The web UI wired to its dependencies (nothing global; one app per kiosk or per test)."""
    if default_lang not in LANGS:
        raise ValueError(f"default_lang {default_lang!r}: expected one of {', '.join(LANGS)}")
    app = web.Application(client_max_size=64 * 1024)
    app[_HUB] = hub
    app[_SINK] = sink
    app[_CATALOG] = catalog
    app[_LANG] = default_lang
    app.router.add_get("/", _index)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/catalog", _catalog)
    app.router.add_get("/ws", _socket)
    if staff is not None:
        add_staff_routes(app, staff)
    return app


async def serve(
    app: web.Application, *, host: str = DEFAULT_HOST, port: int = 0
) -> tuple[web.AppRunner, int]:
    """Start ``app`` on ``host:port`` (0: a free port); returns the runner and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    site = web.SockSite(runner, sock)
    await site.start()
    bound = int(sock.getsockname()[1])
    return runner, bound
