"""The kiosk runtime: the session machine on real I/O, crash recovery, the central port.

- :mod:`~kiosk.runtime.machine` — :class:`KioskRuntime` (the asyncio loop, architecture §3)
- :mod:`~kiosk.runtime.recovery` — finishing what a crash left open
- :mod:`~kiosk.runtime.central_port` — :class:`CentralPort` and :class:`InProcessCentral`
- :mod:`~kiosk.runtime.convert` — machine ↔ journal ↔ contract values (pure)
- :mod:`~kiosk.runtime.worker` — the reader's and the journal's own threads
"""

from kiosk.runtime.central_port import CentralPort, InProcessCentral
from kiosk.runtime.clock import Clock, SystemClock
from kiosk.runtime.machine import KioskRuntime, RuntimeConfig
from kiosk.runtime.recovery import RecoveryOutcome, offline_checkouts, recover
from kiosk.runtime.worker import POLL, WORK, ThreadWorker

__all__ = [
    "POLL",
    "WORK",
    "CentralPort",
    "Clock",
    "InProcessCentral",
    "KioskRuntime",
    "RecoveryOutcome",
    "RuntimeConfig",
    "SystemClock",
    "ThreadWorker",
    "offline_checkouts",
    "recover",
]
