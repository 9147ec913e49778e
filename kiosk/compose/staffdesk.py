"""Staff mode wired to the daemon: credentials, the journal record of each action, status lines.

Three small adapters the composition root hands to :class:`~kiosk.web.StaffDesk`:

- :class:`LoopBridge` — runs a journal-thread call from a worker thread (scrypt verification
  runs off the event loop, the state documents belong to the journal thread);
- :class:`StaffRecorder` — every staff action becomes a ``staff:<action>`` journal row (durable
  before anything else), which the outbox then carries to central's audit list;
- :class:`StatusBoard` — the status page's lines from what the daemon knows right now.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kiosk.journal import Intent, Journal, staff_op
from kiosk.web import StaffAction, StatusLine

__all__ = ["DeviceState", "LoopBridge", "StaffRecorder", "StatusBoard"]

log = logging.getLogger(__name__)

T = TypeVar("T")
JournalCall = Callable[[Callable[[Journal], Any]], Awaitable[Any]]
_ACTION = re.compile(r"[^a-z0-9_.-]+")


class LoopBridge:
    """Runs a coroutine factory on ``loop`` from another thread and waits for its result."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, timeout_s: float = 10.0) -> None:
        self._loop = loop
        self._timeout = timeout_s

    def call(self, make: Callable[[], Awaitable[T]]) -> T:
        async def run() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(self._timeout)


class StaffRecorder:
    """``StaffDesk.report``: journals each staff action and wakes the outbox drain."""

    def __init__(
        self,
        journal: JournalCall,
        *,
        spawn: Callable[[Awaitable[Any]], object],
        on_recorded: Callable[[], None] = lambda: None,
    ) -> None:
        self._journal = journal
        self._spawn = spawn
        self._on_recorded = on_recorded
        self.recorded = 0

    def intent(self, action: StaffAction) -> Intent:
        name = _ACTION.sub("_", action.action.lower()).strip("_") or "action"
        if not name[0].isalpha():
            name = f"a_{name}"
        detail = {str(k): _plain(v) for k, v in action.detail.items()}
        return Intent(
            intent_key=f"staff:{uuid.uuid4().hex}",
            op=staff_op(name[:48]),
            staff=action.staff_id[:64],
            detail=detail,
        )

    def __call__(self, action: StaffAction) -> None:
        intent = self.intent(action)

        async def record() -> None:
            try:
                await self._journal(lambda journal: journal.record_staff(intent))
            except Exception as exc:
                log.error("staff action %s by %s not journalled: %s", intent.op, intent.staff, exc)
                return
            self.recorded += 1
            self._on_recorded()

        self._spawn(record())


def _plain(value: object) -> object:
    """Journal details are small CBOR maps: keep scalars, lists and maps; text for the rest."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


@dataclass
class DeviceState:
    """What the supervision loop last learnt (updated every tick)."""

    outbox_depth: int | None = None
    last_sync_ms: int | None = None
    link_online: bool | None = None
    link_text: str = ""


class StatusBoard:
    """``StaffDesk.status``: reader, GPIO, printer, link, outbox, last sync, disk."""

    def __init__(
        self,
        *,
        faults: Callable[[], Mapping[str, str]],
        devices: Callable[[], Mapping[str, str | None]],
        state: DeviceState,
        data_dir: Path,
        format_ms: Callable[[int], str],
        min_free_mb: int = 200,
    ) -> None:
        self._faults = faults
        self._devices = devices
        self._state = state
        self._dir = data_dir
        self._format_ms = format_ms
        self._min_free = min_free_mb

    def __call__(self) -> Sequence[StatusLine]:
        faults = self._faults()
        lines: list[StatusLine] = []
        for key, description in self._devices().items():
            if key in faults:
                lines.append(StatusLine(key, faults[key], False))
            elif description is None:
                lines.append(StatusLine(key, "-", None))
            else:
                lines.append(StatusLine(key, description, True))
        s = self._state
        lines.append(StatusLine("mqtt", s.link_text or "-", s.link_online))
        depth = "-" if s.outbox_depth is None else str(s.outbox_depth)
        lines.append(StatusLine("outbox", depth, None if s.outbox_depth is None else True))
        sync = "-" if s.last_sync_ms is None else self._format_ms(s.last_sync_ms)
        lines.append(StatusLine("last_sync", sync))
        try:
            free_mb = shutil.disk_usage(self._dir).free // (1024 * 1024)
        except OSError as exc:
            lines.append(StatusLine("disk", f"{self._dir}: {exc.strerror}", False))
        else:
            lines.append(StatusLine("disk", f"{free_mb} MB", free_mb >= self._min_free))
        return lines
