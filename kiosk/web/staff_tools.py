"""Staff maintenance tools: outbox and exception queue, tag tools, hardware test, logs.

Each page talks to one small port the composition root injects on :class:`StaffDesk` (so this
package knows no driver): ``None`` means the machine has no such part and the page says so.
Every action is reported (journalled by the daemon, sent to central's audit list).

    GET  /api/staff/outbox            depth, queued / parked / reconcile rows
    POST /api/staff/outbox/retry      {"tx_id"}: a parked row goes back into the drain
    POST /api/staff/sync              drain the outbox now
    GET  /api/staff/tags              every tag on the pad, read and decoded
    POST /api/staff/tags/secure       {"uid", "secured"}: write and verify the security state
    POST /api/staff/tags/write        {"uid", "profile", "elements": {"1": "…"}}: encode + verify
    POST /api/staff/tags/lock         {"uid", "blocks"} → {"confirm"}; again with "confirm": lock
    GET  /api/staff/hardware          inputs and outputs now
    POST /api/staff/hardware          {"device": led|buzzer|latch, "pattern"}
    GET  /api/staff/logs?level=       the latest log lines (masked), newest first
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from aiohttp import web

from kiosk.errors import KioskError

__all__ = [
    "HardwarePort",
    "LogPort",
    "OutboxPort",
    "TagToolsPort",
    "ToolError",
    "add_tool_routes",
]

_log = logging.getLogger(__name__)
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_CONFIRM_S = 60.0


class ToolError(KioskError, ValueError):
    """A tool request that cannot be carried out (bad UID, tag gone, refused data…)."""


class OutboxPort(Protocol):
    async def snapshot(self, limit: int) -> Mapping[str, Any]: ...

    async def retry(self, tx_id: str) -> bool: ...

    async def sync_now(self) -> None: ...


class TagToolsPort(Protocol):
    async def scan(self) -> Sequence[Mapping[str, Any]]: ...

    async def secure(self, uid: str, secured: bool) -> Mapping[str, Any]: ...

    async def write(
        self, uid: str, profile: str, elements: Mapping[int, str]
    ) -> Mapping[str, Any]: ...

    async def lock(self, uid: str, blocks: Sequence[int]) -> Mapping[str, Any]: ...


class HardwarePort(Protocol):
    def state(self) -> Mapping[str, Any]: ...

    def test(self, device: str, pattern: str) -> str: ...


class LogPort(Protocol):
    def lines(self, level: int, limit: int) -> Sequence[Mapping[str, Any]]: ...


def _error(status: type[web.HTTPException], text: str) -> web.HTTPException:
    return status(text=json.dumps({"error": text}), content_type="application/json")


def _text(body: Mapping[str, Any], name: str, limit: int = 64) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise _error(web.HTTPBadRequest, f"{name}: expected text of 1..{limit} characters")
    return value


def _uid(body: Mapping[str, Any]) -> str:
    uid = _text(body, "uid", 16).upper()
    if len(uid) != 16 or any(c not in "0123456789ABCDEF" for c in uid):
        raise _error(web.HTTPBadRequest, f"uid: expected 16 hex digits, got {uid!r}")
    return uid


class ToolPages:
    """The routes' state: the ports, the report callback, pending lock confirmations."""

    def __init__(
        self,
        *,
        signed_in: Callable[[web.Request], Any],
        body: Callable[[web.Request], Awaitable[dict[str, Any]]],
        report: Callable[[str, str, Mapping[str, Any]], None],
        outbox: OutboxPort | None = None,
        tags: TagToolsPort | None = None,
        hardware: HardwarePort | None = None,
        logs: LogPort | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signed_in = signed_in
        self._body = body
        self._report = report
        self.outbox = outbox
        self.tags = tags
        self.hardware = hardware
        self.logs = logs
        self._clock = clock
        self._confirm: dict[str, tuple[str, tuple[int, ...], float]] = {}

    def _need(self, part: object, what: str) -> None:
        if part is None:
            raise _error(web.HTTPNotFound, f"this machine has no {what}")

    def _staff(self, request: web.Request) -> str:
        return str(self._signed_in(request).staff_id)

    # ------------------------------------------------------------------ outbox

    async def outbox_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        self._need(self.outbox, "outbox")
        assert self.outbox is not None
        return web.json_response(dict(await self.outbox.snapshot(50)))

    async def outbox_retry(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        self._need(self.outbox, "outbox")
        assert self.outbox is not None
        tx_id = _text(await self._body(request), "tx_id", 96)
        try:
            done = await self.outbox.retry(tx_id)
        except KioskError as exc:
            raise _error(web.HTTPBadRequest, f"tx_id {tx_id}: {exc}") from None
        self._report(staff, "outbox_retry", {"tx_id": tx_id, "was_parked": done})
        return web.json_response({"retried": done})

    async def sync(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        self._need(self.outbox, "outbox")
        assert self.outbox is not None
        await self.outbox.sync_now()
        self._report(staff, "sync_now", {})
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ tags

    async def tags_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        self._need(self.tags, "RFID reader")
        assert self.tags is not None
        try:
            found = await self.tags.scan()
        except (KioskError, OSError) as exc:
            raise _error(web.HTTPConflict, f"reading the pad failed: {exc}") from None
        return web.json_response({"tags": [dict(t) for t in found]})

    async def tags_secure(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        self._need(self.tags, "RFID reader")
        assert self.tags is not None
        body = await self._body(request)
        uid = _uid(body)
        secured = body.get("secured")
        if not isinstance(secured, bool):
            raise _error(web.HTTPBadRequest, "secured: expected true or false")
        outcome = await self._tag_call(self.tags.secure(uid, secured))
        self._report(staff, "tag_secure", {"uid": uid, "secured": secured, **outcome})
        return web.json_response(dict(outcome))

    async def tags_write(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        self._need(self.tags, "RFID reader")
        assert self.tags is not None
        body = await self._body(request)
        uid = _uid(body)
        profile = _text(body, "profile", 16)
        raw = body.get("elements")
        if not isinstance(raw, Mapping) or not raw:
            raise _error(web.HTTPBadRequest, 'elements: expected {"OID": "value", …}')
        elements: dict[int, str] = {}
        for key, value in raw.items():
            if not (isinstance(key, str) and key.isdigit() and isinstance(value, str)):
                raise _error(web.HTTPBadRequest, f"elements: {key!r}: expected OID → text")
            if value.strip():
                elements[int(key)] = value.strip()
        outcome = await self._tag_call(self.tags.write(uid, profile, elements))
        self._report(staff, "tag_write", {"uid": uid, "profile": profile,
                                          "elements": {str(k): v for k, v in elements.items()}})
        return web.json_response(dict(outcome))

    async def tags_lock(self, request: web.Request) -> web.Response:
        """Locking cannot be undone: the first request only returns a confirmation token."""
        staff = self._staff(request)
        self._need(self.tags, "RFID reader")
        assert self.tags is not None
        body = await self._body(request)
        uid = _uid(body)
        blocks = body.get("blocks")
        if not (isinstance(blocks, list) and blocks and all(
                isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in blocks)):
            raise _error(web.HTTPBadRequest, "blocks: expected a list of block numbers 0..255")
        wanted = tuple(sorted(set(blocks)))
        now = self._clock()
        self._confirm = {k: v for k, v in self._confirm.items() if v[2] > now}
        token = body.get("confirm")
        if token is None:
            token = secrets.token_urlsafe(12)
            self._confirm[token] = (uid, wanted, now + _CONFIRM_S)
            return web.json_response({"confirm": token, "uid": uid, "blocks": list(wanted)})
        pending = self._confirm.pop(str(token), None)
        if pending is None or pending[:2] != (uid, wanted):
            raise _error(web.HTTPConflict, "confirmation expired or for another tag; ask again")
        outcome = await self._tag_call(self.tags.lock(uid, wanted))
        self._report(staff, "tag_lock", {"uid": uid, "blocks": list(wanted)})
        return web.json_response(dict(outcome))

    async def _tag_call(self, work: Awaitable[Mapping[str, Any]]) -> Mapping[str, Any]:
        try:
            return await work
        except (KioskError, OSError, ValueError) as exc:
            message = " ".join(str(exc).split())
            raise _error(web.HTTPConflict, f"{type(exc).__name__}: {message}") from None

    # ------------------------------------------------------------------ hardware, logs

    async def hardware_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        self._need(self.hardware, "GPIO panel")
        assert self.hardware is not None
        return web.json_response(dict(self.hardware.state()))

    async def hardware_test(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        self._need(self.hardware, "GPIO panel")
        assert self.hardware is not None
        body = await self._body(request)
        device, pattern = _text(body, "device", 16), _text(body, "pattern", 16)
        try:
            result = self.hardware.test(device, pattern)
        except (KioskError, OSError, ValueError) as exc:
            raise _error(web.HTTPBadRequest, f"{device} {pattern}: {exc}") from None
        self._report(staff, "hardware_test", {"device": device, "pattern": pattern,
                                              "result": result})
        return web.json_response({"result": result, **self.hardware.state()})

    async def logs_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        self._need(self.logs, "log buffer")
        assert self.logs is not None
        name = request.query.get("level", "info")
        level = _LEVELS.get(name)
        if level is None:
            raise _error(web.HTTPBadRequest, f"level {name!r}: expected {', '.join(_LEVELS)}")
        return web.json_response({"lines": [dict(x) for x in self.logs.lines(level, 300)]})


def add_tool_routes(app: web.Application, pages: ToolPages) -> None:
    app.router.add_get("/api/staff/outbox", pages.outbox_view)
    app.router.add_post("/api/staff/outbox/retry", pages.outbox_retry)
    app.router.add_post("/api/staff/sync", pages.sync)
    app.router.add_get("/api/staff/tags", pages.tags_view)
    app.router.add_post("/api/staff/tags/secure", pages.tags_secure)
    app.router.add_post("/api/staff/tags/write", pages.tags_write)
    app.router.add_post("/api/staff/tags/lock", pages.tags_lock)
    app.router.add_get("/api/staff/hardware", pages.hardware_view)
    app.router.add_post("/api/staff/hardware", pages.hardware_test)
    app.router.add_get("/api/staff/logs", pages.logs_view)
