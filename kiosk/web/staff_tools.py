"""Staff maintenance tools: outbox and exception queue, tag tools, hardware test, logs.

Each page talks to one small port the composition root injects on :class:`StaffDesk` (adapters:
:mod:`kiosk.compose.staff_ports`), so this package knows no driver; ``None`` means the machine
has no such part, and the page says "not available". The ports hand back the frozen values
below, sent as JSON as they are. Every action is reported — done or refused by the hardware — so
the daemon journals it and central's audit list shows it.

    GET  /api/staff/outbox?limit=     counts, oldest queued age, last sync, rows newest first
    POST /api/staff/outbox/retry      {"tx_id"}: a parked row goes back into the drain
    POST /api/staff/sync              drain the outbox now
    GET  /api/staff/tags              every tag on the pad, read and decoded
    GET  /api/staff/tags/profiles     the DB4401/T 96 profiles a tag can be written from
    POST /api/staff/tags/secure       {"uid", "secured"}: write and verify the security state
    POST /api/staff/tags/write        {"uid", "profile", "elements": {"1": "…"}}: encode, verify
    POST /api/staff/tags/lock         {"uid", "blocks"} → {"confirm"}; again with it: lock
    GET  /api/staff/hardware          the inputs now, the tests there are
    POST /api/staff/hardware          {"device": "led"|"buzzer"|"latch", "pattern"}
    GET  /api/staff/logs?level=&limit=   the latest log lines (masked), newest first

Answers: 400 bad request (one line: which field, what was expected), 401 not signed in, 404 no
such part (``"unavailable": true``) or no such row, 409 the hardware refused (tag gone, block
locked, data too big for the chip).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar

from aiohttp import web

from kiosk.errors import KioskError

__all__ = [
    "LOG_LEVELS",
    "HardwarePort",
    "HardwareView",
    "LogLine",
    "LogPort",
    "OutboxPort",
    "OutboxRow",
    "OutboxView",
    "ProfileField",
    "ProfileForm",
    "SecureOutcome",
    "TagElement",
    "TagToolsPort",
    "TagView",
    "ToolError",
    "ToolNotFound",
    "ToolPages",
    "add_tool_routes",
]

_log = logging.getLogger(__name__)
LOG_LEVELS: Mapping[str, int] = {"debug": 10, "info": 20, "warning": 30, "error": 40}
CONFIRM_S = 60.0  # a lock confirmation token lives this long
OUTBOX_ROWS = 50  # rows per list on the outbox page unless ?limit= says otherwise
LOG_LINES = 500
T = TypeVar("T")


class ToolError(KioskError, ValueError):
    """A request the tool cannot carry out as asked (a bad value): 400 with the message."""


class ToolNotFound(ToolError, LookupError):
    """The row or part named does not exist: 404."""


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One journal row as the outbox page lists it; ``kind`` is queued, parked or reconcile."""

    tx_id: str
    kind: str
    op: str
    ts_ms: int
    step: str
    pii: str | None = None
    reason: str = ""  # why parked, why it needs reconciling, or central's exception
    offline: bool = False


@dataclass(frozen=True, slots=True)
class OutboxView:
    depth: int  # queued rows (waiting to be sent)
    parked: int
    reconcile: int
    oldest_queued_age_s: float | None
    last_sync_ms: int | None  # central's latest answer
    rows: tuple[OutboxRow, ...]  # queued, parked and reconcile rows, each newest first
    can_sync: bool = True


@dataclass(frozen=True, slots=True)
class TagElement:
    oid: int
    name_zh: str
    name_en: str
    value: str


@dataclass(frozen=True, slots=True)
class TagView:
    """One tag read and decoded; ``error`` alone when it could not be read."""

    uid: str
    chip: str = ""
    afi: int | None = None
    dsfid: int | None = None
    eas: bool | None = None  # None: the chip has no NXP EAS
    secured: bool | None = None  # per the machine's security mode; None: parts disagree
    block_size: int | None = None
    block_count: int | None = None
    locked_blocks: tuple[int, ...] = ()
    profile: str | None = None  # the DB4401/T 96 profile it conforms to
    closest: str | None = None
    problems: tuple[str, ...] = ()
    elements: tuple[TagElement, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ProfileField:
    oid: int
    name_zh: str
    name_en: str
    mandatory: bool


@dataclass(frozen=True, slots=True)
class ProfileForm:
    """A DB4401/T 96 tag profile as the write form shows it."""

    name: str
    title_zh: str
    title_en: str
    fields: tuple[ProfileField, ...]


@dataclass(frozen=True, slots=True)
class SecureOutcome:
    result: str  # kiosk.security.SecurityResult value
    attempts: int
    detail: str = ""
    tag: TagView | None = None  # read back afterwards


@dataclass(frozen=True, slots=True)
class HardwareView:
    inputs: Mapping[str, bool | None]  # door_closed, bin_full, service_key (None: not wired)
    tests: Mapping[str, tuple[str, ...]]  # device → patterns
    wired: Mapping[str, bool] = field(default_factory=dict)  # output → wired


@dataclass(frozen=True, slots=True)
class LogLine:
    ts_ms: int
    level: str
    logger: str
    message: str


# ---------------------------------------------------------------------------- ports


class OutboxPort(Protocol):
    async def snapshot(self, limit: int) -> OutboxView: ...

    async def unpark(self, tx_id: str) -> bool: ...

    async def sync_now(self) -> None: ...


class TagToolsPort(Protocol):
    def profiles(self) -> Sequence[ProfileForm]: ...

    async def scan(self) -> Sequence[TagView]: ...

    async def secure(self, uid: str, secured: bool) -> SecureOutcome: ...

    async def write(self, uid: str, profile: str, elements: Mapping[int, str]) -> TagView: ...

    async def lock(self, uid: str, blocks: Sequence[int]) -> TagView: ...


class HardwarePort(Protocol):
    def state(self) -> HardwareView: ...

    def test(self, device: str, pattern: str) -> str: ...


class LogPort(Protocol):
    def lines(self, level: int, limit: int) -> Sequence[LogLine]: ...


# ---------------------------------------------------------------------------- helpers


def _error(status: type[web.HTTPException], text: str, **extra: Any) -> web.HTTPException:
    return status(text=json.dumps({"error": text, **extra}), content_type="application/json")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _text(body: Mapping[str, Any], name: str, limit: int = 64) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise _error(web.HTTPBadRequest, f"{name}: expected text of 1..{limit} characters")
    return value


def _uid(body: Mapping[str, Any]) -> str:
    value = body.get("uid")
    uid = value.strip().upper() if isinstance(value, str) else ""
    if len(uid) != 16 or any(c not in "0123456789ABCDEF" for c in uid):
        raise _error(web.HTTPBadRequest, f"uid: expected 16 hex digits, got {value!r:.40}")
    return uid


def _query_int(request: web.Request, name: str, default: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= high):
        raise _error(
            web.HTTPBadRequest, f"{name}: expected a whole number 1..{high}, got {raw!r:.20}"
        )
    return int(raw)


def _json(value: Any) -> web.Response:
    """A frozen value as its JSON object."""
    return web.json_response(asdict(value))


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
        # token → (staff, uid, blocks, expires): a token is good once, for that request only
        self._confirm: dict[str, tuple[str, str, tuple[int, ...], float]] = {}

    @staticmethod
    def _need(part: T | None, what: str) -> T:
        if part is None:
            raise _error(web.HTTPNotFound, f"this machine has no {what}", unavailable=True)
        return part

    def _staff(self, request: web.Request) -> str:
        return str(self._signed_in(request).staff_id)

    async def _carry_out(
        self, staff: str, action: str, detail: Mapping[str, Any], work: Awaitable[T]
    ) -> T:
        """Run a tool action; report it done or refused; refusals become one-line answers."""
        try:
            result = await work
        except ToolNotFound as exc:
            raise _error(web.HTTPNotFound, _one_line(exc)) from None
        except ToolError as exc:
            raise _error(web.HTTPBadRequest, _one_line(exc)) from None
        except (KioskError, OSError, ValueError, LookupError) as exc:
            message = f"{type(exc).__name__}: {_one_line(exc)}"
            _log.warning("staff %s %s refused: %s", staff, action, message)
            self._report(staff, action, {**detail, "ok": False, "error": message[:200]})
            raise _error(web.HTTPConflict, message) from None
        return result

    # ------------------------------------------------------------------ outbox

    async def outbox_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        port = self._need(self.outbox, "outbox")
        limit = _query_int(request, "limit", OUTBOX_ROWS, 500)
        return _json(await port.snapshot(limit))

    async def outbox_retry(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        port = self._need(self.outbox, "outbox")
        tx_id = _text(await self._body(request), "tx_id", 96)
        done = await self._carry_out(staff, "outbox_retry", {"tx_id": tx_id}, port.unpark(tx_id))
        self._report(staff, "outbox_retry", {"tx_id": tx_id, "was_parked": done})
        return web.json_response({"retried": done})

    async def sync(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        port = self._need(self.outbox, "outbox")
        await self._carry_out(staff, "sync_now", {}, port.sync_now())
        self._report(staff, "sync_now", {})
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ tags

    async def tags_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        port = self._need(self.tags, "RFID reader")
        try:
            found = await port.scan()
        except (KioskError, OSError, ValueError, LookupError) as exc:
            raise _error(web.HTTPConflict, f"reading the pad failed: {_one_line(exc)}") from None
        return web.json_response({"tags": [asdict(tag) for tag in found]})

    async def tags_profiles(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        port = self._need(self.tags, "RFID reader")
        return web.json_response({"profiles": [asdict(p) for p in port.profiles()]})

    async def tags_secure(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        port = self._need(self.tags, "RFID reader")
        body = await self._body(request)
        uid = _uid(body)
        secured = body.get("secured")
        if not isinstance(secured, bool):
            raise _error(web.HTTPBadRequest, "secured: expected true or false")
        detail = {"uid": uid, "secured": secured}
        outcome = await self._carry_out(staff, "tag_secure", detail, port.secure(uid, secured))
        self._report(
            staff, "tag_secure", {**detail, "result": outcome.result, "attempts": outcome.attempts}
        )
        return _json(outcome)

    async def tags_write(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        port = self._need(self.tags, "RFID reader")
        body = await self._body(request)
        uid = _uid(body)
        profile = _text(body, "profile", 16)
        known = [p.name for p in port.profiles()]
        if profile not in known:
            raise _error(web.HTTPBadRequest, f"profile {profile!r}: expected {', '.join(known)}")
        raw = body.get("elements")
        if not isinstance(raw, Mapping):
            raise _error(web.HTTPBadRequest, 'elements: expected {"OID": "value", …}')
        elements: dict[int, str] = {}
        for key, value in raw.items():
            if not (key.isascii() and key.isdigit() and 1 <= int(key) <= 31):
                raise _error(web.HTTPBadRequest, f"elements: {key!r:.20}: expected an OID 1..31")
            if not isinstance(value, str) or len(value) > 255:
                raise _error(web.HTTPBadRequest, f"elements: OID {key}: expected text up to 255")
            if value.strip():
                elements[int(key)] = value.strip()
        if not elements:
            raise _error(web.HTTPBadRequest, "elements: expected at least one value")
        detail = {
            "uid": uid,
            "profile": profile,
            "elements": {str(k): v for k, v in sorted(elements.items())},
        }
        tag = await self._carry_out(staff, "tag_write", detail, port.write(uid, profile, elements))
        self._report(staff, "tag_write", detail)
        return _json(tag)

    async def tags_lock(self, request: web.Request) -> web.Response:
        """Locking cannot be undone: the first request only returns a confirmation token, good
        once, for 60 s, for the same staff member, tag and blocks."""
        staff = self._staff(request)
        port = self._need(self.tags, "RFID reader")
        body = await self._body(request)
        uid = _uid(body)
        blocks = body.get("blocks")
        if not (
            isinstance(blocks, list)
            and 1 <= len(blocks) <= 256
            and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in blocks)
        ):
            raise _error(web.HTTPBadRequest, "blocks: expected a list of block numbers 0..255")
        wanted = tuple(sorted(set(blocks)))
        now = self._clock()
        self._confirm = {k: v for k, v in self._confirm.items() if v[3] > now}
        token = body.get("confirm")
        if token is None:
            token = secrets.token_urlsafe(12)
            self._confirm[token] = (staff, uid, wanted, now + CONFIRM_S)
            return web.json_response(
                {"confirm": token, "uid": uid, "blocks": list(wanted), "expires_s": CONFIRM_S}
            )
        pending = self._confirm.pop(token, None) if isinstance(token, str) else None
        if pending is None or pending[:3] != (staff, uid, wanted):
            raise _error(web.HTTPConflict, "confirm: expired, used, or for other blocks; ask again")
        detail = {"uid": uid, "blocks": list(wanted)}
        tag = await self._carry_out(staff, "tag_lock", detail, port.lock(uid, wanted))
        self._report(staff, "tag_lock", detail)
        return _json(tag)

    # ------------------------------------------------------------------ hardware, logs

    async def hardware_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        return _json(self._need(self.hardware, "GPIO panel").state())

    async def hardware_test(self, request: web.Request) -> web.Response:
        staff = self._staff(request)
        port = self._need(self.hardware, "GPIO panel")
        body = await self._body(request)
        device, pattern = _text(body, "device", 16), _text(body, "pattern", 16)
        tests = port.state().tests
        if device not in tests:
            raise _error(web.HTTPBadRequest, f"device {device!r}: expected {', '.join(tests)}")
        if pattern not in tests[device]:
            raise _error(
                web.HTTPBadRequest,
                f"{device} pattern {pattern!r}: expected {', '.join(tests[device])}",
            )
        detail = {"device": device, "pattern": pattern}

        async def run() -> str:
            return port.test(device, pattern)

        result = await self._carry_out(staff, "hardware_test", detail, run())
        self._report(staff, "hardware_test", {**detail, "result": result})
        return web.json_response({"result": result, **asdict(port.state())})

    async def logs_view(self, request: web.Request) -> web.Response:
        self._signed_in(request)
        port = self._need(self.logs, "log buffer")
        name = request.query.get("level", "info")
        level = LOG_LEVELS.get(name)
        if level is None:
            raise _error(
                web.HTTPBadRequest, f"level {name!r:.20}: expected {', '.join(LOG_LEVELS)}"
            )
        limit = _query_int(request, "limit", LOG_LINES, LOG_LINES)
        return web.json_response({"lines": [asdict(x) for x in port.lines(level, limit)]})


def add_tool_routes(app: web.Application, pages: ToolPages) -> None:
    app.router.add_get("/api/staff/outbox", pages.outbox_view)
    app.router.add_post("/api/staff/outbox/retry", pages.outbox_retry)
    app.router.add_post("/api/staff/sync", pages.sync)
    app.router.add_get("/api/staff/tags", pages.tags_view)
    app.router.add_get("/api/staff/tags/profiles", pages.tags_profiles)
    app.router.add_post("/api/staff/tags/secure", pages.tags_secure)
    app.router.add_post("/api/staff/tags/write", pages.tags_write)
    app.router.add_post("/api/staff/tags/lock", pages.tags_lock)
    app.router.add_get("/api/staff/hardware", pages.hardware_view)
    app.router.add_post("/api/staff/hardware", pages.hardware_test)
    app.router.add_get("/api/staff/logs", pages.logs_view)
