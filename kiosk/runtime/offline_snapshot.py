"""Central's stored pushes (journal database) → the offline policy's frozen snapshot (issue §5).

The link keeps the holds and blocked cards central pushed in the journal's SQLite database
(:class:`kiosk.journal.OfflineData`); the offline policy decides from a small frozen
:class:`kiosk.circulation.offline.OfflineData`. :func:`offline_snapshot` converts one into the
other; :class:`SnapshotSource` is the runtime's ``offline_data`` callable built on it.

The database keeps every hold of a copy (central's queue, and the same holds again in other
libraries' snapshots); the snapshot's ``queues`` give the policy each PII's live holds head
first, in :meth:`kiosk.journal.OfflineData.hold_queues` order (the hold on the pickup shelf,
then the queue as central sent it), and ``holds`` the head alone.
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
    queues: dict[str, list[Hold]] = {}
    for (pii, _owner), rows in sorted(data.hold_queues(now_ms=now_ms).items()):
        queue = queues.setdefault(pii, [])
        for row in rows:
            expires = None
            if row.expires_ms is not None:
                expires = datetime.fromtimestamp(row.expires_ms / 1000, tz=UTC)
            if all(hold.patron != row.patron for hold in queue):
                queue.append(Hold(row.patron, row.pickup, expires))
    holds = {pii: queue[0] for pii, queue in queues.items()}
    versions = {
        f"{HOLDS_VERSION_PREFIX}{library}": version
        for library, version in data.holds_versions().items()
    }
    blocked_version = data.blocked_cards_version()
    if blocked_version is not None:
        versions[BLOCKED_VERSION] = blocked_version
    return OfflineData(
        holds=holds,
        blocked_cards=data.blocked_cards(),
        versions=versions,
        queues={pii: tuple(queue) for pii, queue in queues.items()},
    )


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
