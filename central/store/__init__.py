"""Central's storage: the domain's records and the service's own tables in one SQLite file.

:class:`~central.store.database.Database` opens the file (WAL, ``synchronous=FULL``, migrations,
real transactions); :class:`~central.store.sqlite.SqliteRepository` is the domain's
``Repository`` on it; :class:`~central.store.service_tables.ServiceStore` keeps kiosk status,
desired configs and commands.
"""

from __future__ import annotations

from central.store.database import MIGRATIONS, Database, StoreError
from central.store.service_tables import (
    Command,
    CommandState,
    ConfigRecord,
    KioskStatus,
    ServiceStore,
)
from central.store.sqlite import SqliteRepository

__all__ = [
    "MIGRATIONS",
    "Command",
    "CommandState",
    "ConfigRecord",
    "Database",
    "KioskStatus",
    "ServiceStore",
    "SqliteRepository",
    "StoreError",
]
