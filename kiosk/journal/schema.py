"""The journal database's tables and the migrations that build them (``PRAGMA user_version``).

``MIGRATIONS[i]`` takes a database from ``user_version`` i to i+1 and runs in one transaction with
the version bump, so a power cut mid-migration leaves the old schema intact. A database newer than
this code is refused rather than guessed at (a downgraded kiosk must not write rows it cannot
read). To change the schema, append a migration; never edit one that has shipped.

Design notes:

- ``tx.seq`` is ``INTEGER PRIMARY KEY AUTOINCREMENT``: SQLite keeps the high-water mark in
  ``sqlite_sequence`` inside the same transaction, so a seq is never reused, even after rows are
  deleted or a crash rolls back an insert. ``tx_id`` is ``{kiosk}:{seq}`` and is not stored.
- ``intent_key`` is UNIQUE for ever: a retried ``begin`` finds the existing row.
- Key fields are columns (for queries and statistics); payloads (item, decision, detail, central
  reply) are canonical CBOR blobs, stored as they will be sent or as they were received.
- The outbox is not a table: it is the rows central has not answered and that are not parked,
  served by a partial index, so its cost depends on the outbox depth only, never on history.
- ``tx_step`` keeps when each step was committed (the audit trail of a legal record).
- Version 2 keeps the return bin and the usage counters (:mod:`kiosk.journal.logistics_store`)
  in the same file, so a result and its count share the durability settings and a restart
  needs no replay of history: ``logistics_counts`` (per local day and event key),
  ``logistics_bin`` (copies bound for other libraries, ``pos`` = the order they went in),
  ``logistics_packages`` (the last package number used per day and destination) and
  ``logistics_seen`` (journal ``seq`` values already counted, so a result is counted once even
  when it is seen live and again by the catch-up after a crash). It also gives ``holds`` a
  ``position``: the hold's place in central's queue for that copy (0 = head), as pushed.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1 = (
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE tx (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        intent_key TEXT NOT NULL UNIQUE,
        ts_ms INTEGER NOT NULL,
        op TEXT NOT NULL,
        pii TEXT,
        owner TEXT,
        uid TEXT,
        patron TEXT,
        staff TEXT,
        item BLOB,
        detail BLOB,
        step TEXT NOT NULL,
        step_ms INTEGER NOT NULL,
        offline INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
        result TEXT,
        decision BLOB,
        security TEXT,
        reply BLOB,
        reply_result TEXT,
        answered_ms INTEGER,
        parked TEXT,
        parked_ms INTEGER,
        note TEXT
    )""",
    "CREATE INDEX tx_outbox ON tx (seq) WHERE answered_ms IS NULL AND parked IS NULL",
    "CREATE INDEX tx_parked ON tx (seq) WHERE answered_ms IS NULL AND parked IS NOT NULL",
    "CREATE INDEX tx_open ON tx (seq) WHERE step IN ('intent', 'decided', 'effect_done')",
    "CREATE INDEX tx_ts ON tx (ts_ms)",
    "CREATE INDEX tx_item ON tx (pii, owner)",
    """CREATE TABLE tx_step (
        seq INTEGER NOT NULL REFERENCES tx (seq),
        step TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (seq, step)
    ) WITHOUT ROWID""",
    """CREATE TABLE holds_version (
        library TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        received_ms INTEGER NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE holds (
        library TEXT NOT NULL REFERENCES holds_version (library),
        pii TEXT NOT NULL,
        owner TEXT NOT NULL,
        patron TEXT NOT NULL,
        pickup TEXT NOT NULL,
        expires_ms INTEGER,
        PRIMARY KEY (library, pii, owner, patron)
    ) WITHOUT ROWID""",
    "CREATE INDEX holds_item ON holds (pii, owner)",
    """CREATE TABLE blocked_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        received_ms INTEGER NOT NULL
    )""",
    "CREATE TABLE blocked_cards (card TEXT PRIMARY KEY) WITHOUT ROWID",
    """CREATE TABLE seen_cmd (
        cmd_id TEXT PRIMARY KEY,
        expires_ms INTEGER NOT NULL,
        seen_ms INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX seen_cmd_expiry ON seen_cmd (expires_ms)",
)

_V2 = (
    "ALTER TABLE holds ADD COLUMN position INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE logistics_counts (
        day TEXT NOT NULL,
        event TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (day, event)
    ) WITHOUT ROWID""",
    """CREATE TABLE logistics_bin (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        barcode TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        isbn TEXT NOT NULL DEFAULT '',
        publisher TEXT NOT NULL DEFAULT '',
        price TEXT NOT NULL DEFAULT '',
        call_number TEXT NOT NULL DEFAULT '',
        children INTEGER CHECK (children IN (0, 1)),
        collection TEXT NOT NULL DEFAULT '',
        UNIQUE (owner, barcode)
    )""",
    """CREATE TABLE logistics_packages (
        day TEXT NOT NULL,
        destination TEXT NOT NULL,
        last INTEGER NOT NULL CHECK (last >= 1),
        PRIMARY KEY (day, destination)
    ) WITHOUT ROWID""",
    "CREATE TABLE logistics_seen (seq INTEGER PRIMARY KEY)",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)
