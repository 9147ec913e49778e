"""Remote commands (``cmd/{name}``): at most once per ``cmd_id``, never after they expire.

QoS 1 and a resumed session both redeliver, so the ``cmd_id`` is committed to the journal
(:meth:`~kiosk.journal.OfflineData.seen_command`) *before* the handler runs: a crash in between
loses the command rather than running a "restart" twice. A command whose ``expires`` (epoch ms)
has passed is not run (the broker already drops those whose MQTT Message Expiry ran out). The
handlers are injected by the daemon as a mapping name → callable taking the ``args`` map and
returning a result map (or None), plain or awaitable.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from kiosk.link.store import LinkStore

__all__ = ["DEFAULT_TTL_S", "CommandHandler", "CommandRunner"]

_log = logging.getLogger(__name__)

DEFAULT_TTL_S = 7 * 24 * 3600  # how long a cmd_id is remembered when no expiry was given

CommandHandler = Callable[
    [Mapping[str, Any]], Mapping[str, Any] | Awaitable[Mapping[str, Any] | None] | None
]


class CommandRunner:
    """Decides whether a received command runs, runs it, and builds its ``cmd/res`` body."""

    def __init__(
        self,
        handlers: Mapping[str, CommandHandler],
        store: LinkStore,
        clock: Callable[[], float],
        *,
        default_ttl_s: int = DEFAULT_TTL_S,
    ) -> None:
        self._handlers = dict(handlers)
        self._store = store
        self._clock = clock
        self._ttl_s = default_ttl_s

    def add(self, name: str, handler: CommandHandler) -> None:
        """Register a handler unless the daemon gave one for ``name`` already."""
        self._handlers.setdefault(name, handler)

    async def run(
        self, name: str, command: Mapping[str, Any], expiry_s: int | None
    ) -> dict[str, Any] | None:
        """The ``cmd/res`` body to publish, or None for a redelivery (already handled)."""
        cmd_id = str(command["cmd_id"])
        now_ms = round(self._clock() * 1000)
        expires = command.get("expires")
        if isinstance(expires, int) and expires <= now_ms:
            _log.warning("command %s %s: expired at %d, now %d; ignored", name, cmd_id, expires,
                         now_ms)
            return _result(cmd_id, name, ok=False, error="expired")
        if isinstance(expires, int):
            remember_until = expires
        elif expiry_s is not None:
            remember_until = now_ms + expiry_s * 1000
        else:
            remember_until = now_ms + self._ttl_s * 1000
        if await self._store.seen_command(cmd_id, remember_until):
            _log.info("command %s %s: already handled; redelivery ignored", name, cmd_id)
            return None
        handler = self._handlers.get(name)
        if handler is None:
            _log.warning("command %s %s: no such command here", name, cmd_id)
            return _result(cmd_id, name, ok=False, error=f"unknown command {name!r}")
        args = command.get("args", {})
        try:
            outcome: object = handler(args)
            if inspect.isawaitable(outcome):
                outcome = await outcome
        except Exception as exc:  # a failing handler is reported to central, never fatal
            _log.warning("command %s %s failed: %s", name, cmd_id, exc)
            return _result(cmd_id, name, ok=False, error=f"{type(exc).__name__}: {exc}")
        if outcome is not None and not isinstance(outcome, Mapping):
            error = f"handler returned {type(outcome).__name__}, expected a map or None"
            return _result(cmd_id, name, ok=False, error=error)
        _log.info("command %s %s: done", name, cmd_id)
        return _result(cmd_id, name, ok=True, result=None if outcome is None else dict(outcome))


def _result(
    cmd_id: str,
    name: str,
    *,
    ok: bool,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {"cmd_id": cmd_id, "name": name, "ok": ok, "result": result, "error": error}
