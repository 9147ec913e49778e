"""The link's view of the journal and state documents: awaitable calls on their owner thread.

The journal's SQLite connection (and the TinyDB state file) belong to one thread; the asyncio app
sends every call through one single-worker executor (see :mod:`kiosk.journal.db`). The link only
needs a handful of calls, so it sees this small Protocol; :class:`ExecutorStore` is the real one.

Acks come in bursts (a window of replies at once) and each journal write is an fsync, so
:class:`ExecutorStore` groups the acks that arrive while one is being written into the next
:meth:`~kiosk.journal.Journal.ack_many` — one transaction, one fsync; each caller still gets its
own answer only after its reply is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from functools import partial
from typing import Any, Protocol, TypeVar

from kiosk.errors import KioskError
from kiosk.journal import HoldRow, Journal, OfflineData, TxRecord
from kiosk.state import AppliedConfig, StateDocuments

__all__ = ["ExecutorStore", "LinkStore"]

_T = TypeVar("_T")
_Ack = tuple[str, Mapping[str, Any], "asyncio.Future[bool]"]


class LinkStore(Protocol):
    """What the link reads and writes durably (every call runs on the journal's thread)."""

    async def outbox(self, limit: int, after_seq: int) -> list[TxRecord]: ...
    async def outbox_depth(self) -> int: ...
    async def ack(self, tx_id: str, reply: Mapping[str, Any]) -> bool: ...
    async def park(self, tx_id: str, reason: str) -> bool: ...
    async def seen_command(self, cmd_id: str, expires_ms: int) -> bool: ...
    async def replace_holds(self, library: str, version: int, rows: Iterable[HoldRow]) -> bool: ...
    async def replace_blocked_cards(self, version: int, cards: Iterable[str]) -> bool: ...
    async def applied_config(self) -> AppliedConfig | None: ...
    async def record_applied_config(
        self, version: int, body: Mapping[str, Any]
    ) -> AppliedConfig: ...


class ExecutorStore:
    """:class:`LinkStore` over a journal, its offline data and the state documents.

    ``executor`` must be the single worker that opened ``journal`` (and ``state``).
    """

    def __init__(
        self,
        executor: Executor,
        journal: Journal,
        offline: OfflineData,
        state: StateDocuments,
    ) -> None:
        self._executor = executor
        self._journal = journal
        self._offline = offline
        self._state = state
        self._acks: list[_Ack] = []  # waiting for the next ack_many
        self._writer: asyncio.Task[None] | None = None  # writes the waiting acks

    async def _call(self, fn: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def outbox(self, limit: int, after_seq: int) -> list[TxRecord]:
        return await self._call(partial(self._journal.outbox, limit, after_seq=after_seq))

    async def outbox_depth(self) -> int:
        return await self._call(self._journal.outbox_depth)

    async def ack(self, tx_id: str, reply: Mapping[str, Any]) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._acks.append((tx_id, reply, future))
        if self._writer is None or self._writer.done():
            # its own task: a caller that is cancelled must not strand the others' acks
            self._writer = asyncio.create_task(self._write_acks(), name="store-acks")
        return await asyncio.shield(future)

    async def _write_acks(self) -> None:
        """Write the waiting acks, batch after batch, until none is left."""
        batch: list[_Ack] = []
        try:
            while self._acks:
                batch, self._acks = self._acks, []
                await self._write_batch(batch)
        except BaseException as exc:  # cancelled, or the executor is gone: nobody waits for ever
            for _, _, future in [*batch, *self._acks]:
                _settle(future, exc)
            self._acks = []
            raise

    async def _write_batch(self, batch: list[_Ack]) -> None:
        pairs = [(tx_id, reply) for tx_id, reply, _ in batch]
        try:
            results: list[bool] | None = await self._call(partial(self._journal.ack_many, pairs))
        except KioskError:
            results = None  # one bad reply refuses the batch: record the rest one by one
        for i, (tx_id, reply, future) in enumerate(batch):
            if results is not None:
                _settle(future, results[i])
                continue
            try:
                _settle(future, await self._call(partial(self._journal.ack, tx_id, reply)))
            except KioskError as exc:
                _settle(future, exc)

    async def park(self, tx_id: str, reason: str) -> bool:
        return await self._call(partial(self._journal.park, tx_id, reason))

    async def seen_command(self, cmd_id: str, expires_ms: int) -> bool:
        return await self._call(partial(self._offline.seen_command, cmd_id, expires_ms))

    async def replace_holds(self, library: str, version: int, rows: Iterable[HoldRow]) -> bool:
        rows = list(rows)
        return await self._call(partial(self._offline.replace_holds, library, version, rows))

    async def replace_blocked_cards(self, version: int, cards: Iterable[str]) -> bool:
        cards = list(cards)
        return await self._call(partial(self._offline.replace_blocked_cards, version, cards))

    async def applied_config(self) -> AppliedConfig | None:
        return await self._call(self._state.applied_config)

    async def record_applied_config(
        self, version: int, body: Mapping[str, Any]
    ) -> AppliedConfig:
        return await self._call(partial(self._state.record_applied_config, version, body))


def _settle(future: asyncio.Future[bool], outcome: bool | BaseException) -> None:
    """Give one waiting ack its answer (unless its caller has gone)."""
    if future.done():
        return
    if isinstance(outcome, asyncio.CancelledError):
        future.cancel()
    elif isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
