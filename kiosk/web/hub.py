"""The screen port: where the runtime hands the patron screen its actions, and the fan-out to
every connected browser.

The runtime (which executes the session machine's actions) calls :meth:`ScreenHub.publish` with
each batch of actions, :meth:`ScreenHub.set_link` when the central link goes up or down, and
:meth:`ScreenHub.set_summary` when central has told it the patron's loans. Patron input goes the
other way through an :data:`EventSink` the app is given. Each browser gets the whole view after
every change (views are small); a slow browser only ever gets the latest one, and events it must
not miss (announcements, beeps) are numbered inside the view.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol

from kiosk.circulation.session import Action, Event
from kiosk.web.i18n import Catalog
from kiosk.web.screen import LibraryName, PatronSummary, ScreenModel, render

__all__ = ["EventSink", "ScreenHub", "ScreenPort"]

EventSink = Callable[[Event], Awaitable[None]]
"""Feeds one patron event to the session machine (raises SessionError when not allowed now)."""


class ScreenPort(Protocol):
    """What the runtime needs from a patron screen."""

    def publish(self, actions: Iterable[Action]) -> None: ...

    def set_link(self, online: bool) -> None: ...

    def set_summary(self, summary: PatronSummary | None) -> None: ...


class ScreenHub:
    """The :class:`ScreenPort` of the web UI. Lives on the asyncio loop; not thread-safe."""

    def __init__(
        self, catalog: Catalog, *, library_names: Mapping[str, LibraryName] | None = None
    ) -> None:
        self._catalog = catalog
        self._names = dict(library_names or {})
        self._model = ScreenModel()
        self._watchers: set[asyncio.Event] = set()
        self._staff_prompt = False

    @property
    def model(self) -> ScreenModel:
        return self._model

    def publish(self, actions: Iterable[Action]) -> None:
        changed = False
        for action in actions:
            changed = self._model.apply(action) or changed
        if changed:
            self._notify()

    def set_link(self, online: bool) -> None:
        if self._model.set_link(online):
            self._notify()

    def set_summary(self, summary: PatronSummary | None) -> None:
        self._model.set_summary(summary)
        self._notify()

    def set_staff_prompt(self, on: bool) -> None:
        """The service key is turned: the screen opens the staff sign-in (and closes it after)."""
        if on != self._staff_prompt:
            self._staff_prompt = on
            self._notify()

    def view(self) -> dict[str, Any]:
        view = render(self._model, self._catalog, library_names=self._names)
        view["staff_prompt"] = self._staff_prompt
        return view

    def view_frame(self) -> str:
        return json.dumps({"type": "view", "view": self.view()}, ensure_ascii=False)

    def watch(self) -> asyncio.Event:
        """A flag set on every change, for one browser connection (``unwatch`` when it closes)."""
        flag = asyncio.Event()
        flag.set()  # the first view goes out at once
        self._watchers.add(flag)
        return flag

    def unwatch(self, flag: asyncio.Event) -> None:
        self._watchers.discard(flag)

    def _notify(self) -> None:
        for flag in self._watchers:
            flag.set()
