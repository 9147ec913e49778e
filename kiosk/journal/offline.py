"""Data central pushed earlier, kept for the offline policy: holds, blocked cards, seen commands.

It lives in the journal's database (same connection, same thread, same durability) because it is
written by the same MQTT handlers and must survive a restart in a weekend offline. Snapshots are
replaced whole, and only by a newer ``version``: a retained snapshot redelivered on every
reconnect costs one read, not a rewrite.

A copy may have several holds (central's queue for it, head first). Central sends each copy's
holds in queue order, so a snapshot's rows keep their order (``holds.position``), and
:meth:`OfflineData.hold_queues` gives every copy's live holds in that order.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.errors import RecordError
from kiosk.journal.db import Database
from kiosk.journal.records import HoldRow, validate_ms, validate_text

__all__ = ["OfflineData"]


class OfflineData:
    """Holds snapshots, the blocked-card list and seen command ids, in the journal database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- holds -----------------------------------------------------------------------------

    def replace_holds(
        self, library: str, version: int, rows: Iterable[HoldRow], *, force: bool = False
    ) -> bool:
        """Store ``library``'s holds snapshot if ``version`` is newer (or ``force``); True if so."""
        library = validate_text("library", library, limit=64)
        version = _version(version)
        holds = list(rows)
        for row in holds:
            if not isinstance(row, HoldRow):
                raise RecordError(f"holds of {library}: expected HoldRow values, got {row!r}")
        with self._db.write(f"holds snapshot {library} v{version}") as conn:
            found = conn.execute(
                "SELECT version FROM holds_version WHERE library = ?", (library,)
            ).fetchone()
            if found is not None and found[0] >= version and not force:
                return False
            conn.execute("DELETE FROM holds WHERE library = ?", (library,))
            conn.execute(
                "INSERT INTO holds_version (library, version, received_ms) VALUES (?, ?, ?) "
                "ON CONFLICT (library) DO UPDATE SET version = excluded.version, "
                "received_ms = excluded.received_ms",
                (library, version, self._db.now_ms()),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO holds "
                "(library, pii, owner, patron, pickup, expires_ms, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (library, h.pii, h.owner, h.patron, h.pickup, h.expires_ms, position)
                    for position, h in enumerate(holds)
                ],
            )
            return True

    def holds_version(self, library: str) -> int | None:
        rows = self._db.query("SELECT version FROM holds_version WHERE library = ?", (library,))
        return int(rows[0][0]) if rows else None

    def holds_for(self, pii: str, owner: str, *, now_ms: int | None = None) -> list[HoldRow]:
        """Holds on one item across all snapshots; with ``now_ms``, expired ones are left out."""
        rows = self._db.query(
            "SELECT pii, owner, patron, pickup, expires_ms FROM holds "
            "WHERE pii = ? AND owner = ? ORDER BY library, patron",
            (pii, owner),
        )
        holds = [HoldRow(*row) for row in rows]
        if now_ms is None:
            return holds
        now = validate_ms("now_ms", now_ms)
        return [h for h in holds if h.expires_ms is None or h.expires_ms > now]

    def all_holds(self, *, now_ms: int | None = None) -> list[HoldRow]:
        """Every stored hold, soonest expiry first (no expiry last) per item; with ``now_ms``,
        expired ones are left out. The offline policy's snapshot is built from this."""
        where, params = "", []
        if now_ms is not None:
            where, params = "WHERE expires_ms IS NULL OR expires_ms > ? ", [
                validate_ms("now_ms", now_ms)
            ]
        rows = self._db.query(
            "SELECT pii, owner, patron, pickup, expires_ms FROM holds "
            f"{where}ORDER BY pii, owner, expires_ms IS NULL, expires_ms, library, patron",
            params,
        )
        return [HoldRow(*row) for row in rows]

    def hold_queues(self, *, now_ms: int | None = None) -> dict[tuple[str, str], list[HoldRow]]:
        """Each copy's holds, (PII, owner) → head of the queue first; with ``now_ms``, expired
        ones are left out.

        Order: a hold with an expiry first (central sets one when the copy goes on the hold
        shelf for the head of the queue), soonest first; then the queue as the copy's owner
        library's snapshot sends it (that snapshot has the whole queue), then as the other
        libraries' snapshots send it. A patron in several snapshots keeps the first place.
        """
        where, params = "", []
        if now_ms is not None:
            where, params = "WHERE expires_ms IS NULL OR expires_ms > ? ", [
                validate_ms("now_ms", now_ms)
            ]
        rows = self._db.query(
            "SELECT pii, owner, patron, pickup, expires_ms FROM holds "
            f"{where}ORDER BY pii, owner, expires_ms IS NULL, expires_ms, library != owner, "
            "position, library, patron",
            params,
        )
        queues: dict[tuple[str, str], list[HoldRow]] = {}
        for row in rows:
            hold = HoldRow(*row)
            queue = queues.setdefault((hold.pii, hold.owner), [])
            if all(held.patron != hold.patron for held in queue):
                queue.append(hold)
        return queues

    def holds_versions(self) -> dict[str, int]:
        """Each library's holds snapshot version."""
        rows = self._db.query("SELECT library, version FROM holds_version ORDER BY library")
        return {str(library): int(version) for library, version in rows}

    # -- blocked cards ---------------------------------------------------------------------

    def replace_blocked_cards(
        self, version: int, cards: Iterable[str], *, force: bool = False
    ) -> bool:
        """Store the blocked-card list if ``version`` is newer (or ``force``); True if stored."""
        version = _version(version)
        numbers = {validate_text("card", card, limit=64) for card in cards}
        with self._db.write(f"blocked cards v{version}") as conn:
            found = conn.execute("SELECT version FROM blocked_version WHERE id = 1").fetchone()
            if found is not None and found[0] >= version and not force:
                return False
            conn.execute("DELETE FROM blocked_cards")
            conn.executemany(
                "INSERT INTO blocked_cards (card) VALUES (?)", [(c,) for c in sorted(numbers)]
            )
            conn.execute(
                "INSERT OR REPLACE INTO blocked_version (id, version, received_ms) "
                "VALUES (1, ?, ?)",
                (version, self._db.now_ms()),
            )
            return True

    def blocked_cards_version(self) -> int | None:
        rows = self._db.query("SELECT version FROM blocked_version WHERE id = 1")
        return int(rows[0][0]) if rows else None

    def blocked_cards(self) -> frozenset[str]:
        return frozenset(str(row[0]) for row in self._db.query("SELECT card FROM blocked_cards"))

    def is_card_blocked(self, card: str) -> bool:
        return bool(self._db.query("SELECT 1 FROM blocked_cards WHERE card = ?", (card,)))

    # -- commands --------------------------------------------------------------------------

    def seen_command(self, cmd_id: str, expires_ms: int) -> bool:
        """Record ``cmd_id``; True if it was seen before (a redelivery: do not execute it again).

        Commit this before executing the command: at most once beats twice for a "reboot".
        """
        cmd_id = validate_text("cmd_id", cmd_id, limit=128)
        expires_ms = validate_ms("expires_ms", expires_ms)
        with self._db.write(f"command {cmd_id}") as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO seen_cmd (cmd_id, expires_ms, seen_ms) VALUES (?, ?, ?)",
                (cmd_id, expires_ms, self._db.now_ms()),
            )
            return cursor.rowcount == 0

    def purge_seen_commands(self) -> int:
        """Forget command ids whose expiry has passed (the broker drops those messages)."""
        with self._db.write("purge of seen commands") as conn:
            cursor = conn.execute(
                "DELETE FROM seen_cmd WHERE expires_ms < ?", (self._db.now_ms(),)
            )
            return int(cursor.rowcount)


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(f"version: expected an int >= 0, got {value!r}")
    return value
