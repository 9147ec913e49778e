"""The patron screen's state, built from the session machine's actions; and its rendering.

Pure: :meth:`ScreenModel.apply` folds one action (``Show``, ``RequestDecision``, ``ItemResult``,
``ItemNotice``, ``PromptStillThere``, ``Beep``, ``EndSession``; anything else is not for the
screen) into the model, and :func:`render` turns the model into the JSON view the browser draws,
every text already in both languages. So the whole screen logic is tested without a browser.

Two things the machine does not carry yet are fed in separately: the central link state (for the
offline banner) and the patron's loan count, limit and overdue items (:class:`PatronSummary`).

Announcements (one per item result or notice, for the ARIA live region) and beeps are numbered
events kept in a short list, so a browser that misses a view still announces each one once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kiosk.circulation._actions import (
    Beep,
    EndSession,
    ItemNotice,
    ItemResult,
    PromptStillThere,
    RequestDecision,
    Show,
)
from kiosk.circulation._states import State
from kiosk.circulation.decision import Op, Verdict
from kiosk.circulation.patron import Patron
from kiosk.circulation.reasons import Message, Reason, Route
from kiosk.web.i18n import LANGS, Catalog, Localized

__all__ = ["ItemRow", "LibraryName", "PatronSummary", "ScreenModel", "render"]

LibraryName = str | Mapping[str, str]
"""A library's display name: one text, or one per language (``{"zh": …, "en": …}``)."""

_KEEP_EVENTS = 20  # announcements/beeps kept for browsers that reconnect


@dataclass(frozen=True, slots=True)
class PatronSummary:
    """What central knows about the patron's loans (shown as quota and overdue warning)."""

    loans: int
    limit: int | None = None
    overdue: int = 0


@dataclass(slots=True)
class ItemRow:
    """One item's line on the screen: pending until decided, then its result (or a notice)."""

    uid: str
    op: Op
    status: str = "pending"  # pending | accepted | refused | notice
    pii: str | None = None
    title: str = ""
    reason: Reason | None = None
    message: Message | None = None
    due: datetime | None = None
    route: str | None = None
    offline: bool = False


@dataclass(slots=True)
class _Event:
    seq: int
    kind: str  # "announce" | "beep"
    row: ItemRow | None = None  # a copy as it was when announced
    pattern: str | None = None


@dataclass(slots=True)
class ScreenModel:
    """Everything the patron screen shows; changed only through ``apply`` and the setters."""

    state: State = State.WELCOME
    op: Op | None = None
    ops: tuple[Op, ...] = ()
    patron: Patron | None = None
    reason: Reason | None = None
    message: Message | None = None
    attempts_left: int | None = None
    items: dict[str, ItemRow] = field(default_factory=dict)
    summary: PatronSummary | None = None
    link_online: bool = True
    offline_session: bool = False
    events: list[_Event] = field(default_factory=list)
    seq: int = 0
    version: int = 0

    def apply(self, action: object) -> bool:
        """Fold one machine action in; True when the screen changed."""
        handler = _APPLY.get(type(action))
        if handler is None:
            return False
        handler(self, action)
        self.version += 1
        return True

    def set_link(self, online: bool) -> bool:
        if online is self.link_online:
            return False
        self.link_online = online
        self.version += 1
        return True

    def set_summary(self, summary: PatronSummary | None) -> bool:
        self.summary = summary
        self.version += 1
        return True

    # ---------------------------------------------------------------- handlers

    def _show(self, show: Show) -> None:
        starting = show.screen in (State.PIN, State.VERIFYING) and self.state not in (
            State.PIN,
            State.VERIFYING,
        )
        if show.screen is State.WELCOME or starting:
            self._clear_session()
        self.state = show.screen
        self.op = show.op
        self.ops = show.ops
        self.patron = show.patron
        self.reason = show.reason
        self.message = show.message
        self.attempts_left = show.attempts_left

    def _clear_session(self) -> None:
        self.items.clear()
        self.summary = None
        self.offline_session = False

    def _request(self, request: RequestDecision) -> None:
        for uid in request.parts:
            if uid not in self.items or self.items[uid].status == "notice":
                self.items[uid] = ItemRow(
                    uid, request.op, pii=request.identity.pii, title=request.identity.title
                )

    def _result(self, result: ItemResult) -> None:
        row = self.items.get(result.uid) or ItemRow(result.uid, result.op)
        self.items[result.uid] = row
        row.op = result.op
        row.status = "accepted" if result.result is Verdict.ACCEPTED else "refused"
        row.pii = result.pii or row.pii
        row.title = result.title or row.title
        row.reason = result.reason
        row.message = result.message
        row.due = result.due
        row.route = result.route
        row.offline = result.offline
        if result.offline:
            self.offline_session = True
        self._push(_Event(0, "announce", row=replace(row)))

    def _notice(self, notice: ItemNotice) -> None:
        row = self.items.get(notice.uid)
        if row is None:
            row = self.items[notice.uid] = ItemRow(notice.uid, self.op or Op.CHECKOUT)
        if row.status in ("pending", "notice"):
            row.status = "notice"
        row.reason = notice.reason
        row.message = notice.message
        self._push(_Event(0, "announce", row=replace(row)))

    def _beep(self, beep: Beep) -> None:
        self._push(_Event(0, "beep", pattern=str(beep.pattern)))

    def _ignore(self, action: object) -> None:
        """Screen-relevant but nothing to draw (the Show that follows carries the state)."""

    def _push(self, event: _Event) -> None:
        self.seq += 1
        event.seq = self.seq
        self.events.append(event)
        del self.events[:-_KEEP_EVENTS]


_APPLY: dict[type, Callable[[ScreenModel, Any], None]] = {
    Show: ScreenModel._show,
    RequestDecision: ScreenModel._request,
    ItemResult: ScreenModel._result,
    ItemNotice: ScreenModel._notice,
    Beep: ScreenModel._beep,
    PromptStillThere: ScreenModel._ignore,
    EndSession: ScreenModel._ignore,
}

_SCREEN_KEYS: dict[State, str] = {
    State.WELCOME: "screen.welcome",
    State.PIN: "screen.pin",
    State.VERIFYING: "screen.verifying",
    State.CHOOSE: "screen.choose",
    State.STILL_THERE: "screen.still_there",
    State.FINISHING: "screen.finishing",
    State.RECEIPT: "screen.receipt",
    State.GOODBYE: "screen.goodbye",
    State.OUT_OF_SERVICE: "screen.out_of_service",
    State.STAFF: "screen.staff",
}

_ROUTE_KEYS: dict[str, str] = {
    Route.TRANSIT: "item.route.transit",
    Route.HOLD: "item.route.hold",
    Route.STAFF: "item.route.staff",
}


def _message(message: Message | None) -> Localized | None:
    return None if message is None else {lang: str(getattr(message, lang)) for lang in LANGS}


def _join(*parts: Localized | None) -> Localized:
    return {
        lang: "\n".join(p[lang] for p in parts if p is not None and p[lang]) for lang in LANGS
    }


def _route(
    catalog: Catalog, route: str | None, names: Mapping[str, LibraryName]
) -> Localized | None:
    if not route:
        return None
    kind, _, where = route.partition(":")
    key = _ROUTE_KEYS.get(kind)
    if key is None:
        return None
    return catalog.both(key, library=names.get(where, where))


def _row_view(catalog: Catalog, row: ItemRow, names: Mapping[str, LibraryName]) -> dict[str, Any]:
    title = (
        {lang: row.title for lang in LANGS}
        if row.title
        else catalog.both("item.untitled", pii=row.pii or row.uid)
    )
    if row.status == "pending":
        status, detail = catalog.both("item.pending"), None
    elif row.status == "notice":
        status, detail = catalog.both("item.notice"), _message(row.message)
    else:
        status = catalog.both(f"item.status.{row.op}.{row.status}")
        parts: list[Localized | None] = []
        if row.status == "accepted" and row.due is not None:
            parts.append(catalog.both("item.due", date=row.due.date()))
        if row.status == "refused" or row.reason not in (None, Reason.OK):
            parts.append(_message(row.message))
        parts.append(_route(catalog, row.route, names))
        if row.offline:
            parts.append(catalog.both("item.offline"))
        detail = _join(*parts)
    return {
        "uid": row.uid,
        "status": row.status,
        "reason": None if row.reason is None else str(row.reason),
        "title": title,
        "status_text": status,
        "detail": detail,
        "offline": row.offline,
    }


def _patron_view(catalog: Catalog, model: ScreenModel) -> dict[str, Any] | None:
    patron = model.patron
    if patron is None:
        return None
    greeting = (
        catalog.both("patron.greeting", name=patron.name)
        if patron.name
        else catalog.both("patron.greeting.anonymous")
    )
    view: dict[str, Any] = {"greeting": greeting, "quota": None, "overdue": None}
    summary = model.summary
    if summary is not None:
        done = [r for r in model.items.values() if r.status == "accepted"]
        loans = summary.loans + sum(1 for r in done if r.op is Op.CHECKOUT)
        loans -= sum(1 for r in done if r.op is Op.RETURN)
        loans = max(loans, 0)
        if summary.limit is None:
            view["quota"] = catalog.both("patron.quota.nolimit", loans=loans)
        else:
            view["quota"] = catalog.both(
                "patron.quota",
                loans=loans,
                limit=summary.limit,
                remaining=max(summary.limit - loans, 0),
            )
        if summary.overdue > 0:
            view["overdue"] = catalog.both("patron.overdue", count=summary.overdue)
    return view


def render(
    model: ScreenModel, catalog: Catalog, *, library_names: Mapping[str, LibraryName] | None = None
) -> dict[str, Any]:
    """The JSON view of ``model``: screen, texts in every language, rows, banners, events."""
    names = library_names or {}
    state = model.state
    if state is State.ITEMS:
        title = catalog.both(f"screen.items.{model.op or Op.CHECKOUT}")
    else:
        title = catalog.both(_SCREEN_KEYS[state])
    banners: list[dict[str, Any]] = []
    if not model.link_online or model.offline_session:
        banners.append({"kind": "offline", "text": catalog.both("banner.offline")})
    if state is State.OUT_OF_SERVICE:
        banners.append({"kind": "out_of_service", "text": catalog.both("banner.out_of_service")})
    rows = [_row_view(catalog, row, names) for row in model.items.values()]
    accepted = sum(1 for r in model.items.values() if r.status == "accepted")
    summary = (
        catalog.both("goodbye.summary", count=accepted)
        if accepted
        else catalog.both("goodbye.summary.none")
    )
    events: list[dict[str, Any]] = []
    for event in model.events:
        text = None
        if event.row is not None:
            row = _row_view(catalog, event.row, names)
            text = catalog.both(
                "announce.item",
                title=row["title"],
                status=row["status_text"],
                detail=row["detail"] or {lang: "" for lang in LANGS},
            )
        events.append(
            {"seq": event.seq, "kind": event.kind, "text": text, "pattern": event.pattern}
        )
    return {
        "version": model.version,
        "screen": str(state),
        "op": None if model.op is None else str(model.op),
        "ops": [{"op": str(op), "label": catalog.both(f"op.{op}")} for op in model.ops],
        "title": title,
        "message": _message(model.message),
        "reason": None if model.reason is None else str(model.reason),
        "attempts_left": None
        if model.attempts_left is None
        else catalog.both("pin.attempts_left", count=model.attempts_left),
        "patron": _patron_view(catalog, model),
        "items": rows,
        "summary": summary if state is State.GOODBYE and model.message is None else None,
        "banners": banners,
        "offline": not model.link_online or model.offline_session,
        "events": events,
    }
