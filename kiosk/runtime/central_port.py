"""How the runtime talks to central: a small async interface, and an in-process implementation.

:class:`CentralPort` is all the runtime needs from the central link, so the MQTT link, the
in-process domain (tests, the demo, the benchmark) and a test's socket link are interchangeable:

- ``request_tx(event)``: the contract's ``evt/tx`` map in, central's reply map out. ``None``
  means "no answer" (the link is down, or the payload was not accepted); the caller also bounds
  the wait with its own timeout, so an implementation may simply never return while the network
  is down. A repeat of a ``tx_id`` gets central's first reply (exactly once by ``tx_id``).
- ``lookup_patron(card, pin)``: the ``req/patron`` reply map, or ``None``.

:class:`InProcessCentral` runs the real :class:`~central.domain.CentralDomain` on the event loop
behind an injected round-trip time and a "network down" switch. A transaction that arrives after a
``seq`` gap is held by central; its caller waits for the reply that central releases when the
missing ``seq`` arrives (as the MQTT link would receive it later on ``res``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the daemon talks to central over MQTT: it need not load the domain
    from central.domain import CentralDomain, Reply

__all__ = ["CentralPort", "InProcessCentral"]

log = logging.getLogger(__name__)


class CentralPort(Protocol):
    """The runtime's view of central (see the module docstring)."""

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None: ...

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None: ...


class InProcessCentral:
    """:class:`CentralPort` over a :class:`CentralDomain` in this process.

    Args:
        domain: central's rules and records.
        kiosk: the sending kiosk's id (what the MQTT topic would say).
        clock_ms: central's wall clock, epoch milliseconds.
        rtt_s: the network round trip each request pays (half out, half back).
        sleep: how to wait (``asyncio.sleep``; tests may pass a fake).
    """

    def __init__(
        self,
        domain: CentralDomain,
        *,
        kiosk: str,
        clock_ms: Callable[[], int],
        rtt_s: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.domain = domain
        self.kiosk = kiosk
        self.rtt_s = rtt_s
        #: False: the network is down; requests get no answer (the caller's timeout ends them).
        self.online = True
        #: Transactions central processed for the first time, in order (for tests and benches).
        self.applied: list[str] = []
        self._clock_ms = clock_ms
        self._sleep = sleep
        self._held: dict[str, asyncio.Future[Reply]] = {}

    async def _hop(self) -> None:
        if self.rtt_s > 0:
            await self._sleep(self.rtt_s / 2)
        if not self.online:
            await asyncio.get_running_loop().create_future()  # lost: never answered

    async def request_tx(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        from central.domain import CentralError, Held  # noqa: PLC0415 (see the imports)

        await self._hop()
        tx_id = event.get("tx_id")
        try:
            seen = isinstance(tx_id, str) and self.domain.repo.get_processed(tx_id) is not None
            outcome = self.domain.apply_wire(event, self._clock_ms(), kiosk=self.kiosk)
        except (CentralError, ValueError) as exc:
            log.warning("central refused the payload of %s: %s", tx_id, exc)
            return None
        if isinstance(outcome, Held):
            future = self._held.get(outcome.tx_id)
            if future is None:
                future = self._held[outcome.tx_id] = asyncio.get_running_loop().create_future()
            reply = await asyncio.shield(future)
        else:
            reply = outcome
            if not seen:
                self.applied.append(reply.tx_id)
            self._release()
        await self._hop()
        return reply.to_wire()

    def _release(self) -> None:
        """Hand the replies of held transactions that just ran to their waiting callers."""
        released = self.domain.take_released()
        released += self.domain.release_gaps(self._clock_ms())
        for reply in released:
            self.applied.append(reply.tx_id)
            future = self._held.pop(reply.tx_id, None)
            if future is not None and not future.done():
                future.set_result(reply)

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        from central.domain import CentralError  # noqa: PLC0415 (see the imports)

        await self._hop()
        try:
            reply = self.domain.patron(card, pin, self._clock_ms(), kiosk=self.kiosk)
        except (CentralError, ValueError) as exc:
            log.warning("central patron look-up failed: %s", exc)
            return None
        await self._hop()
        return reply.to_wire()
