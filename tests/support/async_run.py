"""``asyncio.run`` on a fresh thread: Playwright's sync API (a session-scoped Chromium in the same
test worker) keeps an event loop running on the main thread, where ``asyncio.run`` refuses."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(main()))
        except BaseException as exc:  # re-raised on the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="test-asyncio")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
