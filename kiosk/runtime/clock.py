"""The runtime's two clocks: monotonic milliseconds for the session machine, wall time for records.

The session machine only needs time that never goes backwards (timeouts); transactions need the
wall clock (``ts``: when the patron did it; offline due dates). Both come from one injected
object so a test can run the runtime on a fake clock.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    def monotonic_ms(self) -> int: ...

    def wall_ms(self) -> int: ...


class SystemClock:
    """The machine's clocks."""

    def monotonic_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000

    def wall_ms(self) -> int:
        return time.time_ns() // 1_000_000
