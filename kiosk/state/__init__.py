"""Small, human-readable kiosk state documents in TinyDB with a crash-safe storage.

- :mod:`~kiosk.state.storage` — :class:`AtomicJSONStorage`: temp file, fsync, rename, fsync dir.
- :mod:`~kiosk.state.documents` — :class:`StateDocuments`: applied config, staff credentials
  (scrypt), return-bin counters.

Only for documents that are small and rarely written (architecture §4); anything that grows with
traffic lives in :mod:`kiosk.journal`. Only these two modules import ``tinydb``.
"""

from kiosk.state.documents import (
    AppliedConfig,
    BinCounter,
    ScryptParams,
    StaffCredential,
    StateDocuments,
)
from kiosk.state.storage import AtomicJSONStorage

__all__ = [
    "AppliedConfig",
    "AtomicJSONStorage",
    "BinCounter",
    "ScryptParams",
    "StaffCredential",
    "StateDocuments",
]
