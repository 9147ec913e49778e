"""One thread that owns a blocking device (the reader) or connection (the journal).

The journal's SQLite connection belongs to the thread that opened it, and a reader is not
thread-safe, so each gets a :class:`ThreadWorker`: calls run one at a time, in its own thread,
and the event loop awaits them. Calls have a priority (lower first, then first come first
served), so the reader's background inventory polling (``POLL``) never delays a tag read or a
security write that is waiting (``WORK``): on the air, the stack's work comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["POLL", "WORK", "ThreadWorker"]

T = TypeVar("T")

WORK = 0
POLL = 1

_STOP = object()


class ThreadWorker:
    """A dedicated thread running calls in priority order (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._closed = False

    @property
    def busy(self) -> int:
        """Calls waiting (not counting the one running)."""
        return self._jobs.qsize()

    async def call(self, fn: Callable[..., T], *args: Any, priority: int = WORK) -> T:
        """Run ``fn(*args)`` in the worker thread and return its result (or raise its error)."""
        if self._closed:
            raise RuntimeError(f"worker {self._thread.name} is stopped")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((priority, next(self._order), (fn, args, loop, future)))
        return await future

    def stop(self) -> None:
        """Finish the calls already queued, then end the thread (waits for it)."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put((POLL + 1, next(self._order), _STOP))
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _run(self) -> None:
        while True:
            _, _, job = self._jobs.get()
            if job is _STOP:
                return
            fn, args, loop, future = job
            try:
                outcome: tuple[Any, BaseException | None] = (fn(*args), None)
            except BaseException as exc:  # handed to the awaiting coroutine
                outcome = (None, exc)
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting
                loop.call_soon_threadsafe(_settle, future, *outcome)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return  # the caller gave up (cancelled)
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
