"""The central service's one worker thread: it feeds the sans-IO handler and publishes what the
handler returns.

The transport (MQTT) delivers from its own network thread; :meth:`CentralRunner.deliver` only
puts the event on a queue, so the handler, the domain and the SQLite connection are used by the
worker thread alone, and no lock is ever taken inside a transport callback.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from central.service.handler import CentralHandler, Properties, Publish

__all__ = ["CentralRunner", "Connected", "Event", "Received", "Transport"]


class Transport(Protocol):
    """What the runner needs from an MQTT client (see :mod:`central.service.mqtt`)."""

    def publish(self, message: Publish) -> bool: ...
    def subscribe(self, topics: Sequence[tuple[str, int]]) -> bool: ...


@dataclass(frozen=True, slots=True)
class Connected:
    """The transport (re)connected: subscribe again and re-assert retained state."""


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes
    properties: Properties = field(default_factory=dict)


Event = Connected | Received


class CentralRunner:
    """Runs :class:`CentralHandler` against a transport until told to stop.

    ``clock`` gives epoch milliseconds; ``tick_every_s`` paces the periodic work.
    """

    def __init__(
        self,
        handler: CentralHandler,
        subscriptions: Sequence[tuple[str, int]],
        clock: Callable[[], int],
        *,
        tick_every_s: float = 1.0,
        log: logging.Logger | None = None,
    ) -> None:
        self.handler = handler
        self._subscriptions = list(subscriptions)
        self._clock = clock
        self._tick_every_ms = int(tick_every_s * 1000)
        self._log = log if log is not None else logging.getLogger("central.service")
        self._events: queue.Queue[Event] = queue.Queue()

    def deliver(self, event: Event) -> None:
        """Hand over an event from any thread."""
        self._events.put(event)

    def run(self, transport: Transport, stop: threading.Event) -> None:
        """Process events and ticks until ``stop`` is set; the last word is ``offline``."""
        next_tick = self._clock()
        while not stop.is_set():
            wait_s = max(0.0, (next_tick - self._clock()) / 1000)
            try:
                event = self._events.get(timeout=min(wait_s, 0.5))
            except queue.Empty:
                event = None
            if event is not None:
                self._send(transport, self._on_event(transport, event))
            now = self._clock()
            if now >= next_tick:
                self._send(transport, self._guarded(partial(self.handler.tick, now)))
                next_tick = now + self._tick_every_ms
        transport.publish(self.handler.offline_status())

    def _on_event(self, transport: Transport, event: Event) -> list[Publish]:
        if isinstance(event, Connected):
            if not transport.subscribe(self._subscriptions):
                self._log.warning("subscribe failed; waiting for the next connection")
            self.handler.resync()
            return [self.handler.online_status()]
        now = self._clock()
        return self._guarded(
            lambda: self.handler.handle(event.topic, event.payload, event.properties, now)
        )

    def _guarded(self, work: Callable[[], list[Publish]]) -> list[Publish]:
        """A bug must not end the service: log it with its traceback and carry on."""
        try:
            return work()
        except Exception:
            self._log.exception("central handler failed")
            return []

    def _send(self, transport: Transport, messages: list[Publish]) -> None:
        for message in messages:
            if not transport.publish(message):
                self._log.warning("not sent (not connected): %s", message.topic)
