"""The kiosk's durable journal (SQLite, WAL, ``synchronous=FULL``): transactions, outbox, recovery.

- :mod:`~kiosk.journal.records` — the values (pure) and the table of allowed step transitions.
- :mod:`~kiosk.journal.schema` — tables and migrations (``PRAGMA user_version``).
- :mod:`~kiosk.journal.db` — the one connection: durability settings, integrity check, threading.
- :mod:`~kiosk.journal.journal` — :class:`Journal`: intents, steps, outbox, statistics.
- :mod:`~kiosk.journal.offline` — holds, blocked cards, seen command ids for the offline policy.
- :mod:`~kiosk.journal.recovery` — what to finish after a crash; moving a damaged file aside.

Only this package (and :mod:`kiosk.state`) may import ``sqlite3`` inside ``kiosk``.
"""

from kiosk.journal.db import Database
from kiosk.journal.journal import Journal
from kiosk.journal.offline import OfflineData
from kiosk.journal.records import (
    BeginResult,
    Decision,
    HoldRow,
    Intent,
    ItemRef,
    Result,
    Security,
    Step,
    TxRecord,
    staff_op,
)
from kiosk.journal.recovery import RecoveryReport, quarantine

__all__ = [
    "BeginResult",
    "Database",
    "Decision",
    "HoldRow",
    "Intent",
    "ItemRef",
    "Journal",
    "OfflineData",
    "RecoveryReport",
    "Result",
    "Security",
    "Step",
    "TxRecord",
    "quarantine",
    "staff_op",
]
