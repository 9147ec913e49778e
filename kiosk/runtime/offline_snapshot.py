"""Central's stored pushes (journal database) → the offline policy's frozen snapshot (issue §5).

The link keeps the holds and blocked cards central pushed in the journal's SQLite database
(:class:`kiosk.journal.OfflineData`); the offline policy decides from a small frozen
:class:`kiosk.circulation.offline.OfflineData`. :func:`offline_snapshot` converts one into the
other; :class:`SnapshotSource` is the runtime's ``offline_data`` callable built on it.

The policy's holds map one PII to one hold, while the database may keep several for a PII
(queued patrons, or two libraries' snapshots): the soonest-expiring live hold wins, as that is
the one waiting on the pickup shelf.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from kiosk.circulation.offline import Hold, OfflineData
from kiosk.journal import OfflineData as StoredOfflineData

__all__ = ["BLOCKED_VERSION", "HOLDS_VERSION_PREFIX", "SnapshotSource", "offline_snapshot"]

HOLDS_VERSION_PREFIX = "holds:"
"""``versions`` key of a library's holds snapshot: ``holds:{library}``."""
BLOCKED_VERSION = "blocked"
"""``versions`` key of the blocked-card list."""


def offline_snapshot(data: StoredOfflineData, *, now_ms: int) -> OfflineData:
    """The live holds and blocked cards stored in ``data``, with their versions.

    Call it in the thread that owns ``data``'s database (the journal thread).
    """
    holds: dict[str, Hold] = {}
    for row in data.all_holds(now_ms=now_ms):  # soonest expiry first per PII
        if row.pii not in holds:
            expires = None
            if row.expires_ms is not None:
                expires = datetime.fromtimestamp(row.expires_ms / 1000, tz=UTC)
            holds[row.pii] = Hold(row.patron, row.pickup, expires)
    versions = {
        f"{HOLDS_VERSION_PREFIX}{library}": version
        for library, version in data.holds_versions().items()
    }
    blocked_version = data.blocked_cards_version()
    if blocked_version is not None:
        versions[BLOCKED_VERSION] = blocked_version
    return OfflineData(holds=holds, blocked_cards=data.blocked_cards(), versions=versions)


class SnapshotSource:
    """The runtime's ``offline_data``: reads the stored pushes when asked in the journal thread.

    SQLite connections belong to the thread that opened them; a call from any other thread
    (crash recovery asks from the event loop) gets the snapshot read last instead of an error —
    :meth:`open` reads one as the journal opens, so recovery at boot decides on stored data.
    """

    def __init__(self, clock_ms: Callable[[], int]) -> None:
        self._clock_ms = clock_ms
        self._data: StoredOfflineData | None = None
        self._thread: int | None = None
        self._last = OfflineData()

    def open(self, data: StoredOfflineData) -> None:
        """Bind to ``data``; call it in the thread that owns its database."""
        self._data = data
        self._thread = threading.get_ident()
        self._last = offline_snapshot(data, now_ms=self._clock_ms())

    def __call__(self) -> OfflineData:
        if self._data is not None and threading.get_ident() == self._thread:
            self._last = offline_snapshot(self._data, now_ms=self._clock_ms())
        return self._last
