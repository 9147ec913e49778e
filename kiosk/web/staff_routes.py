"""Staff maintenance mode over HTTP: sign-in, status, return bins, statistics.

Staff find the sign-in on the patron screen by a long press in the top-left corner or
Ctrl+Alt+S (the service-key GPIO can open it later); patrons see no button for it. A signed-in
session lives in an HttpOnly cookie and ends on sign-out or after the idle time; while staff are
signed in, the machine is told (``StaffOverride``) so no patron session runs underneath.
Every staff action goes to the injected ``report`` callback (the journal records it).

    POST /api/staff/login       {"staff_id", "pin"} → {"ok", "attempts_left", "locked_for"}
    POST /api/staff/logout
    GET  /api/staff/status      the injected status provider's lines
    GET  /api/staff/bins        fill count per destination library
    POST /api/staff/bins/empty  {"destination": isil | null} → transit lists + handover link
    GET  /staff/handover?lang=  the last emptying as a printable page (Annex F sheet + lists)
    GET  /api/staff/stats       today and this month
    GET  /api/staff/stats.csv   this month, one row per day and event
    /api/staff/outbox, /tags, /hardware, /logs   the tools (kiosk.web.staff_tools)
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiohttp import web

from kiosk.circulation.session import Event, StaffOverride
from kiosk.logistics import Dispatch, Statistics, TransitBins
from kiosk.logistics.transit import dispatch_detail
from kiosk.web.i18n import LANGS, Catalog
from kiosk.web.staff import StaffAuth, StaffSession
from kiosk.web.staff_tools import (
    HardwarePort,
    LogPort,
    OutboxPort,
    TagToolsPort,
    ToolPages,
    add_tool_routes,
)

__all__ = [
    "COOKIE",
    "StaffAction",
    "StaffDesk",
    "StatusLine",
    "add_staff_routes",
    "handover_page",
]

COOKIE = "kiosk_staff"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StatusLine:
    """One line of the status page: ``key`` names a catalogue label ``staff.status.{key}``."""

    key: str
    value: str
    ok: bool | None = None


@dataclass(frozen=True, slots=True)
class StaffAction:
    staff_id: str
    action: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class StaffDesk:
    """Everything staff mode needs, injected by the composition root."""

    auth: StaffAuth
    catalog: Catalog
    report: Callable[[StaffAction], None]
    today: Callable[[], date]
    status: Callable[[], Sequence[StatusLine]] = lambda: ()
    bins: TransitBins | None = None
    statistics: Statistics | None = None
    takeover: Callable[[Event], Any] | None = None  # feeds StaffOverride to the machine
    sweep_s: float = 1.0
    last_dispatch: Dispatch | None = None
    outbox: OutboxPort | None = None  # the tool pages' ports (kiosk.web.staff_tools)
    tags: TagToolsPort | None = None
    hardware: HardwarePort | None = None
    logs: LogPort | None = None


_DESK: web.AppKey[StaffDesk] = web.AppKey("staff_desk", StaffDesk)


async def _take(desk: StaffDesk, active: bool) -> None:
    if desk.takeover is not None:
        result = desk.takeover(StaffOverride(active))
        if asyncio.iscoroutine(result):
            await result


def _signed_in(request: web.Request) -> StaffSession:
    desk = request.app[_DESK]
    session = desk.auth.session(request.cookies.get(COOKIE))
    if session is None:
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "staff sign-in required"}), content_type="application/json"
        )
    return session


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        _log.warning("staff %s: body is not JSON (%s)", request.path, exc)
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"body is not JSON ({exc})"}), content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "expected a JSON object"}), content_type="application/json"
        )
    return body


def _field(body: Mapping[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"{name}: expected 1–{limit} characters of text"}),
            content_type="application/json",
        )
    return value


async def _login(request: web.Request) -> web.Response:
    desk = request.app[_DESK]
    body = await _json_body(request)
    staff_id, pin = _field(body, "staff_id", 64), _field(body, "pin", 64)
    result = await desk.auth.login(staff_id, pin)
    reply = web.json_response(
        {"ok": result.ok, "attempts_left": result.attempts_left, "locked_for": result.locked_for}
    )
    if result.session is None:
        action = "login_locked" if result.locked_for > 0 else "login_failed"
        desk.report(StaffAction(staff_id, action, {"attempts_left": result.attempts_left}))
        return reply
    desk.report(StaffAction(staff_id, "login"))
    reply.set_cookie(COOKIE, result.session.token, httponly=True, samesite="Strict", path="/")
    await _take(desk, True)
    return reply


async def _logout(request: web.Request) -> web.Response:
    desk = request.app[_DESK]
    session = desk.auth.logout(request.cookies.get(COOKIE))
    if session is not None:
        desk.report(StaffAction(session.staff_id, "logout"))
        if not desk.auth.active:
            await _take(desk, False)
    reply = web.json_response({"ok": session is not None})
    reply.del_cookie(COOKIE, path="/")
    return reply


async def _status(request: web.Request) -> web.Response:
    _signed_in(request)
    desk = request.app[_DESK]
    lines = [
        {
            "key": line.key,
            "label": desk.catalog.both(f"staff.status.{line.key}"),
            "value": line.value,
            "ok": line.ok,
        }
        for line in desk.status()
    ]
    return web.json_response({"lines": lines})


def _names(desk: StaffDesk) -> Mapping[str, str]:
    return desk.bins.names if desk.bins is not None else {}


async def _bins(request: web.Request) -> web.Response:
    _signed_in(request)
    desk = request.app[_DESK]
    counts = desk.bins.counts() if desk.bins is not None else {}
    names = _names(desk)
    rows = [
        {"destination": isil, "name": names.get(isil, isil), "count": count}
        for isil, count in counts.items()
    ]
    return web.json_response({"bins": rows, "total": sum(counts.values())})


async def _empty(request: web.Request) -> web.Response:
    session = _signed_in(request)
    desk = request.app[_DESK]
    if desk.bins is None:
        raise web.HTTPNotFound(text="no transit bins on this machine")
    body = await _json_body(request)
    destination = body.get("destination")
    if destination is not None and not isinstance(destination, str):
        raise web.HTTPBadRequest(text="destination: expected an ISIL or null")
    chosen = None if destination is None else [destination]
    dispatch = desk.bins.empty(desk.today(), chosen)
    desk.last_dispatch = dispatch
    lists = [
        {
            "destination": tl.destination,
            "name": tl.destination_name or tl.destination,
            "packages": [{"number": p.number, "count": len(p.items)} for p in tl.packages],
        }
        for tl in dispatch.lists
    ]
    # What was taken out and the package numbers used: the journal row lets a restart
    # rebuild the bins exactly (kiosk.journal.logistics_store).
    desk.report(StaffAction(session.staff_id, "empty_bin", dispatch_detail(dispatch, destination)))
    return web.json_response(
        {"lists": lists, "total": dispatch.handover.total, "handover": "/staff/handover"}
    )


def _cell(value: object) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def handover_page(dispatch: Dispatch, catalog: Catalog, lang: str) -> str:
    """The Annex F handover sheet and the transit lists as one printable HTML page."""

    def t(key: str, **params: object) -> str:
        return html.escape(catalog.text(lang, key, **params))

    sheet = dispatch.handover
    head = "".join(
        f"<th>{t(k)}</th>"
        for k in (
            "handover.destination",
            "handover.code",
            "handover.ordinary",
            "handover.children",
            "handover.total",
            "handover.packages",
        )
    )
    rows = "".join(
        "<tr>"
        + _cell(r.destination_name or r.destination)
        + _cell(r.destination_code)
        + _cell(catalog.number(lang, r.ordinary))
        + _cell(catalog.number(lang, r.children))
        + _cell(catalog.number(lang, r.total))
        + _cell(catalog.number(lang, r.packages))
        + "</tr>"
        for r in sheet.rows
    )
    total = (
        f"<tr><th>{t('handover.sum')}</th><td></td>"
        + _cell(catalog.number(lang, sheet.ordinary))
        + _cell(catalog.number(lang, sheet.children))
        + _cell(catalog.number(lang, sheet.total))
        + _cell(catalog.number(lang, sheet.packages))
        + "</tr>"
    )
    parts = [
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
        f"<title>{t('handover.title')}</title>",
        "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #000;padding:4px 8px}"
        "section{page-break-before:always}</style></head><body>",
        f"<h1>{t('handover.title')}</h1>",
        f"<p>{t('handover.sending')}: {html.escape(sheet.sending_name or sheet.sending)}"
        f" — {t('handover.date')}: {html.escape(catalog.date(lang, sheet.day))}</p>",
        f"<table id='handover'><tr>{head}</tr>{rows}{total}</table>",
        f"<p>{t('handover.signatures')}</p>",
    ]
    for tl in dispatch.lists:
        parts.append(
            f"<section><h2>{t('transit.title', library=tl.destination_name or tl.destination)}"
            "</h2>"
        )
        for package in tl.packages:
            parts.append(f"<h3>{t('transit.package', number=package.number)}</h3><table>")
            parts.append(
                f"<tr><th>{t('transit.barcode')}</th><th>{t('transit.item_title')}</th>"
                f"<th>{t('transit.call_number')}</th></tr>"
            )
            parts.extend(
                "<tr>" + _cell(i.barcode) + _cell(i.title) + _cell(i.call_number) + "</tr>"
                for i in package.items
            )
            parts.append("</table>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


async def _handover(request: web.Request) -> web.Response:
    _signed_in(request)
    desk = request.app[_DESK]
    if desk.last_dispatch is None:
        raise web.HTTPNotFound(text="no bin has been emptied yet")
    lang = request.query.get("lang", LANGS[0])
    if lang not in LANGS:
        raise web.HTTPBadRequest(text=f"lang {lang!r:.20}: expected one of {', '.join(LANGS)}")
    page = handover_page(desk.last_dispatch, desk.catalog, lang)
    return web.Response(text=page, content_type="text/html", charset="utf-8")


def _month_first(day: date) -> date:
    return day.replace(day=1)


async def _stats(request: web.Request) -> web.Response:
    _signed_in(request)
    desk = request.app[_DESK]
    stats = desk.statistics or Statistics()
    day = desk.today()
    return web.json_response(
        {
            "today": stats.day(day),
            "month": stats.month(day.year, day.month),
            "day": day.isoformat(),
        }
    )


async def _stats_csv(request: web.Request) -> web.Response:
    session = _signed_in(request)
    desk = request.app[_DESK]
    stats = desk.statistics or Statistics()
    day = desk.today()
    body = stats.to_csv(_month_first(day), day)
    desk.report(StaffAction(session.staff_id, "export_statistics", {"month": day.isoformat()[:7]}))
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="kiosk-{day:%Y-%m}.csv"'},
    )


async def _sweeper(app: web.Application) -> AsyncIterator[None]:
    """Sign out idle staff sessions and give the machine back to patrons."""
    desk = app[_DESK]

    async def loop() -> None:
        while True:
            await asyncio.sleep(desk.sweep_s)
            gone = desk.auth.expire()
            for session in gone:
                desk.report(StaffAction(session.staff_id, "idle_logout"))
            if gone and not desk.auth.active:
                await _take(desk, False)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def add_staff_routes(app: web.Application, desk: StaffDesk) -> None:
    app[_DESK] = desk
    app.router.add_post("/api/staff/login", _login)
    app.router.add_post("/api/staff/logout", _logout)
    app.router.add_get("/api/staff/status", _status)
    app.router.add_get("/api/staff/bins", _bins)
    app.router.add_post("/api/staff/bins/empty", _empty)
    app.router.add_get("/staff/handover", _handover)
    app.router.add_get("/api/staff/stats", _stats)
    app.router.add_get("/api/staff/stats.csv", _stats_csv)
    app.cleanup_ctx.append(_sweeper)

    def report(staff_id: str, action: str, detail: Mapping[str, Any]) -> None:
        desk.report(StaffAction(staff_id, action, detail))

    add_tool_routes(
        app,
        ToolPages(
            signed_in=_signed_in,
            body=_json_body,
            report=report,
            outbox=desk.outbox,
            tags=desk.tags,
            hardware=desk.hardware,
            logs=desk.logs,
        ),
    )
