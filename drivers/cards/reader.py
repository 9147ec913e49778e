"""The patron-card reader loop: poll a UID source in its own thread, debounce, hand out events.

The reader knows nothing about nfcpy: it polls any :class:`UidSource` (the nfcpy adapter in
:mod:`drivers.cards._nfcpy`, or a test double) under a
:class:`~drivers.supervisor.DeviceSupervisor`, so an absent or unplugged reader is reported and
re-opened with backoff while the daemon keeps running. ``on_event`` is called from the reader
thread; the daemon passes a callback wrapped in ``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from drivers.cards.debounce import Debouncer
from drivers.cards.events import CardEvent
from drivers.cards.numbers import UID_HEX, CardNumberRule
from drivers.errors import DriverConfigError
from drivers.supervisor import (
    Backoff,
    DeviceFault,
    DeviceRecovered,
    SupervisedReader,
)

__all__ = ["CardReader", "UidSource"]

_log = logging.getLogger(__name__)


class UidSource(Protocol):
    """An open patron-card frontend."""

    def read_uid(self) -> bytes | None:
        """Look once for a card; its UID (over-the-air order) or ``None``.

        Raises :class:`~drivers.errors.CardReaderError` when the device fails.
        """
        ...

    def close(self) -> None: ...


class CardReader(SupervisedReader[UidSource]):
    """Polls a UID source every ``poll_interval_s`` and emits debounced :class:`CardEvent` s."""

    def __init__(
        self,
        open_source: Callable[[], UidSource],
        *,
        on_event: Callable[[CardEvent], None],
        rule: CardNumberRule = UID_HEX,
        name: str = "nfc",
        debounce_s: float = 1.0,
        poll_interval_s: float = 0.1,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
        on_fault: Callable[[DeviceFault], None] | None = None,
        on_recover: Callable[[DeviceRecovered], None] | None = None,
    ) -> None:
        if not poll_interval_s >= 0:
            raise DriverConfigError(
                f"card reader {name!r}: poll_interval_s must be >= 0, got {poll_interval_s!r}"
            )
        self._rule = rule
        self._on_event = on_event
        self._poll_interval_s = float(poll_interval_s)
        self._clock = clock
        self._debouncer = Debouncer(debounce_s)
        super().__init__(
            open_source,
            name=name,
            clock=clock,
            backoff=backoff,
            on_fault=on_fault,
            on_recover=on_recover,
        )

    def _read(self, source: UidSource, stop: threading.Event) -> None:
        while not stop.is_set():
            uid = source.read_uid()
            if uid:
                self._sighted(uid)
            stop.wait(self._poll_interval_s)

    def _sighted(self, uid: bytes) -> None:
        now = self._clock()
        if not self._debouncer.sighted(uid, now):
            return
        event = CardEvent(self.name, uid, self._rule.number(uid), "rfid-uid", now)
        try:
            self._on_event(event)
        except Exception:  # the listener's bug must not look like a reader fault
            _log.exception("%s: on_event callback failed for %s", self.name, event)
