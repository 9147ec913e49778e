"""The kiosk's durable journal of circulation transactions and staff actions, and its outbox.

Every transaction is committed (fsynced) before any effect is visible, and each later step —
decided, effect done, shown — is its own commit, so after a crash the journal says exactly how
far each one got (the step table is in :mod:`kiosk.journal.records`, restart handling in
:mod:`kiosk.journal.recovery`).

The outbox is the set of rows central has not answered and that are not parked, in ``seq`` order.
A row leaves it only when central's reply is recorded (:meth:`Journal.ack`, or
:meth:`Journal.ack_many` for a burst of replies in one fsync); a row whose publish failed for a
permanent reason is parked (kept, shown to staff, excluded from the drain) until unparked.
Nothing is ever evicted: every row, cancelled or marked for reconciliation included, is sent,
because central holds back on a ``seq`` gap.

One thread owns a journal (see :mod:`kiosk.journal.db` for how the asyncio app does it).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.errors import JournalError, RecordError
from kiosk.journal.codec import decode, encode
from kiosk.journal.db import Database
from kiosk.journal.records import (
    BeginResult,
    Decision,
    Intent,
    ItemRef,
    Security,
    Step,
    TxRecord,
    check_transition,
    make_tx_id,
    parse_tx_id,
    validate_kiosk_id,
    validate_map,
    validate_ms,
    validate_note,
)
from kiosk.journal.recovery import RecoveryReport

__all__ = ["MAX_BATCH", "Journal"]

MAX_BATCH = 100_000  # rows per begin_many / outbox call

_COLUMNS = (
    "seq",
    "intent_key",
    "ts_ms",
    "op",
    "item",
    "patron",
    "staff",
    "detail",
    "step",
    "step_ms",
    "offline",
    "decision",
    "security",
    "reply",
    "answered_ms",
    "parked",
    "note",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM tx"
_INSERT = (
    "INSERT INTO tx (intent_key, ts_ms, op, pii, owner, uid, patron, staff, item, detail, "
    "step, step_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_OUTBOX = "answered_ms IS NULL AND parked IS NULL"
# Written exactly as in the partial index ``tx_open`` so the planner uses it (tested).
_OPEN = "step IN ('intent', 'decided', 'effect_done')"
_QUEUES = {  # Journal.queue_rows: the staff outbox page's lists
    "queued": _OUTBOX,
    "parked": "answered_ms IS NULL AND parked IS NOT NULL",
    "reconcile": "(step = 'reconcile' OR reply_result = 'exception')",
}


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An intent with its blobs encoded, ready to insert (encoding happens before the lock)."""

    intent: Intent
    item: bytes | None
    detail: bytes | None


class Journal:
    """Transactions, their steps, and the outbox, in one SQLite database owned by one thread."""

    def __init__(self, db: Database, *, kiosk: str) -> None:
        self._db = db
        self._kiosk = validate_kiosk_id(kiosk)
        self._bind_kiosk()

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        kiosk: str,
        clock: Callable[[], float],
        busy_timeout_s: float = 5.0,
        check_integrity: bool = True,
    ) -> Journal:
        """Open the journal file for ``kiosk``; ``clock`` returns seconds since the epoch."""
        validate_kiosk_id(kiosk)
        db = Database.open(
            path, clock=clock, busy_timeout_s=busy_timeout_s, check_integrity=check_integrity
        )
        try:
            return cls(db, kiosk=kiosk)
        except BaseException:
            db.close()
            raise

    @property
    def db(self) -> Database:
        """The shared connection (hand it to :class:`~kiosk.journal.offline.OfflineData`)."""
        return self._db

    @property
    def kiosk(self) -> str:
        return self._kiosk

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def begin(self, intent: Intent) -> BeginResult:
        """Commit a circulation intent (step ``intent``) before anything is shown or written.

        A retry with the same ``intent_key`` returns the existing row (``created`` False) at
        whatever step it reached, so the caller resumes from ``record.step``.
        """
        return self.begin_many([intent])[0]

    def begin_many(self, intents: Sequence[Intent]) -> list[BeginResult]:
        """Commit several intents in one transaction (one fsync for a whole stack of items)."""
        prepared = [self._prepare(intent, staff=False) for intent in intents]
        if len(prepared) > MAX_BATCH:
            raise RecordError(f"begin_many: at most {MAX_BATCH} intents, got {len(prepared)}")
        if not prepared:
            return []
        with self._db.write(f"begin of {len(prepared)} intent(s)") as conn:
            now = self._db.now_ms()
            return [self._insert(conn, p, Step.INTENT, now) for p in prepared]

    def record_staff(self, intent: Intent) -> BeginResult:
        """Commit a staff action that has happened (op ``staff:<action>``); it is born ``shown``."""
        prepared = self._prepare(intent, staff=True)
        with self._db.write(f"record of {intent.op}") as conn:
            return self._insert(conn, prepared, Step.SHOWN, self._db.now_ms())

    def decide(
        self,
        tx_id: str,
        decision: Decision,
        *,
        offline: bool,
        reply: Mapping[str, Any] | None = None,
    ) -> TxRecord:
        """Record the decision (``decided``); with central's ``reply`` it is also acknowledged."""
        if not isinstance(decision, Decision):
            raise RecordError(f"decision: expected a Decision, got {decision!r}")
        if not isinstance(offline, bool):
            raise RecordError(f"offline: expected a bool, got {offline!r}")
        updates: dict[str, Any] = {
            "offline": int(offline),
            "result": decision.result.value,
            "decision": encode("decision", decision.as_map()),
        }
        reply_updates = None if reply is None else self._reply_columns(reply)
        return self._advance(tx_id, Step.DECIDED, updates, reply_updates)

    def effect_done(self, tx_id: str, security: Security) -> TxRecord:
        """Record the tag-security outcome (``effect_done``), verified or failed."""
        try:
            outcome = Security(security)
        except ValueError:
            choices = ", ".join(s.value for s in Security)
            raise RecordError(f"security: expected one of {choices}, got {security!r}") from None
        return self._advance(tx_id, Step.EFFECT_DONE, {"security": outcome.value})

    def shown(self, tx_id: str) -> TxRecord:
        """Record that the patron saw the result (final)."""
        return self._advance(tx_id, Step.SHOWN, {})

    def cancel(self, tx_id: str, note: str) -> TxRecord:
        """Withdraw a transaction before anything was shown (final; still sent to central)."""
        return self._advance(tx_id, Step.CANCELLED, {"note": validate_note("note", note)})

    def mark_reconcile(self, tx_id: str, note: str) -> TxRecord:
        """Mark an unfinished transaction for reconciliation by central/staff (final)."""
        return self._advance(tx_id, Step.RECONCILE, {"note": validate_note("note", note)})

    def ack(self, tx_id: str, reply: Mapping[str, Any]) -> bool:
        """Record central's reply; True if it was new, False for a repeat (the first is kept)."""
        return self.ack_many([(tx_id, reply)])[0]

    def ack_many(self, replies: Sequence[tuple[str, Mapping[str, Any]]]) -> list[bool]:
        """Record several replies in one transaction (one fsync for a burst of replies).

        Each result is as :meth:`ack` would give, in order (a tx_id twice: the first reply is
        kept, the second gives False). All or nothing: one bad tx_id or reply, or one row not in
        the journal, raises and records none of them.
        """
        if len(replies) > MAX_BATCH:
            raise RecordError(f"ack_many: at most {MAX_BATCH} replies, got {len(replies)}")
        prepared = [(tx_id, self._seq_of(tx_id), self._reply_columns(reply))
                    for tx_id, reply in replies]
        if not prepared:
            return []
        what = f"ack of {prepared[0][0]}" if len(prepared) == 1 else f"ack of {len(prepared)} rows"
        with self._db.write(what) as conn:
            now = self._db.now_ms()
            out = []
            for tx_id, seq, columns in prepared:
                columns["answered_ms"] = now
                sets = ", ".join(f"{name} = ?" for name in columns)
                cursor = conn.execute(
                    f"UPDATE tx SET {sets} WHERE seq = ? AND answered_ms IS NULL",
                    (*columns.values(), seq),
                )
                if cursor.rowcount != 1:
                    self._require_row(conn, seq, tx_id)
                out.append(cursor.rowcount == 1)
            return out

    def park(self, tx_id: str, reason: str) -> bool:
        """Take an unanswered row out of the drain (kept); True if it was not parked before."""
        seq = self._seq_of(tx_id)
        reason = validate_note("reason", reason)
        with self._db.write(f"park of {tx_id}") as conn:
            cursor = conn.execute(
                "UPDATE tx SET parked = ?, parked_ms = ? "
                "WHERE seq = ? AND parked IS NULL AND answered_ms IS NULL",
                (reason, self._db.now_ms(), seq),
            )
            if cursor.rowcount == 1:
                return True
            self._require_row(conn, seq, tx_id)
            return False

    def unpark(self, tx_id: str) -> bool:
        """Put a parked row back into the drain; True if it was parked."""
        seq = self._seq_of(tx_id)
        with self._db.write(f"unpark of {tx_id}") as conn:
            cursor = conn.execute(
                "UPDATE tx SET parked = NULL, parked_ms = NULL "
                "WHERE seq = ? AND parked IS NOT NULL",
                (seq,),
            )
            if cursor.rowcount == 1:
                return True
            self._require_row(conn, seq, tx_id)
            return False

    # -- reading ---------------------------------------------------------------------------

    def outbox(self, limit: int = 100, *, after_seq: int = 0) -> list[TxRecord]:
        """Up to ``limit`` unanswered, unparked rows with ``seq > after_seq``, in seq order."""
        limit = _count("limit", limit)
        after_seq = _seq_arg("after_seq", after_seq)
        rows = self._db.query(
            f"{_SELECT} WHERE {_OUTBOX} AND seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        )
        return [self._record(row) for row in rows]

    def outbox_depth(self) -> int:
        return int(self._db.query(f"SELECT count(*) FROM tx WHERE {_OUTBOX}")[0][0])

    def parked(self, limit: int = 100) -> list[TxRecord]:
        """Parked rows (unanswered, kept out of the drain), in seq order."""
        rows = self._db.query(
            f"{_SELECT} WHERE answered_ms IS NULL AND parked IS NOT NULL ORDER BY seq LIMIT ?",
            (_count("limit", limit),),
        )
        return [self._record(row) for row in rows]

    # -- the staff outbox page: newest first, what needs a person --------------------------

    def queue_rows(self, kind: str, limit: int = 50) -> list[TxRecord]:
        """Newest first: ``queued`` (the outbox), ``parked``, or ``reconcile`` — rows at the
        reconcile step and rows central answered with ``exception`` (both need a person)."""
        where = _QUEUES.get(kind) if isinstance(kind, str) else None
        if where is None:
            raise RecordError(f"queue kind: expected one of {', '.join(_QUEUES)}, got {kind!r}")
        rows = self._db.query(
            f"{_SELECT} WHERE {where} ORDER BY seq DESC LIMIT ?", (_count("limit", limit),)
        )
        return [self._record(row) for row in rows]

    def queue_counts(self) -> dict[str, int]:
        """How many rows each of :meth:`queue_rows`' kinds holds."""
        return {
            kind: int(self._db.query(f"SELECT count(*) FROM tx WHERE {where}")[0][0])
            for kind, where in _QUEUES.items()
        }

    def queue_times(self) -> tuple[int | None, int | None]:
        """``(ts_ms of the oldest queued row, latest answered_ms)``: how long the outbox has
        waited, and when central last answered (the last sync)."""
        oldest = self._db.query(f"SELECT ts_ms FROM tx WHERE {_OUTBOX} ORDER BY seq LIMIT 1")
        return (int(oldest[0][0]) if oldest else None, self.last_answered_ms())

    def last_answered_ms(self) -> int | None:
        """When central last answered any row (the last sync), or None if it never did."""
        last = self._db.query("SELECT max(answered_ms) FROM tx")[0][0]
        return None if last is None else int(last)

    def get(self, tx_id: str) -> TxRecord | None:
        rows = self._db.query(f"{_SELECT} WHERE seq = ?", (self._seq_of(tx_id),))
        return self._record(rows[0]) if rows else None

    def find(self, intent_key: str) -> TxRecord | None:
        """The row written for ``intent_key``, if any."""
        rows = self._db.query(f"{_SELECT} WHERE intent_key = ?", (intent_key,))
        return self._record(rows[0]) if rows else None

    def steps(self, tx_id: str) -> list[tuple[Step, int]]:
        """Each step the transaction committed, with the time (ms) it was committed."""
        rows = self._db.query(
            "SELECT step, at_ms FROM tx_step WHERE seq = ?", (self._seq_of(tx_id),)
        )
        order = {step: i for i, step in enumerate(Step)}
        out = [(self._step(step, tx_id), int(at_ms)) for step, at_ms in rows]
        return sorted(out, key=lambda pair: order[pair[0]])

    def last_seq(self) -> int:
        """The highest seq ever handed out (0 for a new journal), deleted rows included."""
        rows = self._db.query("SELECT seq FROM sqlite_sequence WHERE name = 'tx'")
        return int(rows[0][0]) if rows else 0

    def recover(self) -> RecoveryReport:
        """List the unfinished transactions (by last committed step) for the circulation layer."""
        rows = self._db.query(f"{_SELECT} WHERE {_OPEN} ORDER BY seq")
        parked = self._db.query(
            "SELECT count(*) FROM tx WHERE answered_ms IS NULL AND parked IS NOT NULL"
        )
        return RecoveryReport(
            unfinished=tuple(self._record(row) for row in rows),
            outbox_depth=self.outbox_depth(),
            parked=int(parked[0][0]),
            last_seq=self.last_seq(),
        )

    def transactions_between(self, t0_ms: int, t1_ms: int) -> list[TxRecord]:
        """Rows whose original timestamp is in ``[t0_ms, t1_ms)``, by time then seq (for CSV)."""
        start = validate_ms("t0_ms", t0_ms)
        end = validate_ms("t1_ms", t1_ms)
        if end < start:
            raise RecordError(f"transactions_between: t1_ms {end} is before t0_ms {start}")
        rows = self._db.query(
            f"{_SELECT} WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, seq", (start, end)
        )
        return [self._record(row) for row in rows]

    # -- internals -------------------------------------------------------------------------

    def _bind_kiosk(self) -> None:
        """A journal belongs to one kiosk for ever: its tx_ids carry the kiosk id."""
        with self._db.write("kiosk id check") as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'kiosk'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta (key, value) VALUES ('kiosk', ?)", (self._kiosk,))
            elif row[0] != self._kiosk:
                raise JournalError(
                    f"journal {self._db.path} belongs to kiosk {row[0]!r}, not {self._kiosk!r}"
                )

    def _prepare(self, intent: Intent, *, staff: bool) -> _Prepared:
        if not isinstance(intent, Intent):
            raise RecordError(f"intent: expected an Intent, got {intent!r}")
        if intent.is_staff != staff:
            use = "record_staff" if intent.is_staff else "begin"
            raise RecordError(f"intent {intent.intent_key!r}: op {intent.op!r} goes through {use}")
        item = None if intent.item is None else encode("item", intent.item.as_map())
        detail = None if intent.detail is None else encode("detail", dict(intent.detail))
        return _Prepared(intent, item, detail)

    def _insert(
        self, conn: sqlite3.Connection, prepared: _Prepared, step: Step, now: int
    ) -> BeginResult:
        intent = prepared.intent
        row = conn.execute(f"{_SELECT} WHERE intent_key = ?", (intent.intent_key,)).fetchone()
        if row is not None:
            existing = self._record(row)
            _check_same_intent(existing, prepared)
            return BeginResult(existing, created=False)
        item = intent.item
        cursor = conn.execute(
            _INSERT,
            (
                intent.intent_key,
                now if intent.ts_ms is None else intent.ts_ms,
                intent.op,
                None if item is None else item.pii,
                None if item is None else item.owner,
                None if item is None else item.uid,
                intent.patron,
                intent.staff,
                prepared.item,
                prepared.detail,
                step.value,
                now,
            ),
        )
        seq = cursor.lastrowid
        conn.execute("INSERT INTO tx_step (seq, step, at_ms) VALUES (?, ?, ?)", (seq, step, now))
        created = conn.execute(f"{_SELECT} WHERE seq = ?", (seq,)).fetchone()
        return BeginResult(self._record(created), created=True)

    def _advance(
        self,
        tx_id: str,
        new: Step,
        updates: dict[str, Any],
        reply: dict[str, Any] | None = None,
    ) -> TxRecord:
        seq = self._seq_of(tx_id)
        with self._db.write(f"{new.value} of {tx_id}") as conn:
            now = self._db.now_ms()
            row = conn.execute("SELECT step, answered_ms FROM tx WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                raise JournalError(f"transaction {tx_id} is not in the journal")
            check_transition(tx_id, self._step(row[0], tx_id), new)
            columns = {"step": new.value, "step_ms": now, **updates}
            if reply is not None and row[1] is None:
                columns.update(reply, answered_ms=now)
            sets = ", ".join(f"{name} = ?" for name in columns)
            conn.execute(f"UPDATE tx SET {sets} WHERE seq = ?", (*columns.values(), seq))
            conn.execute(
                "INSERT INTO tx_step (seq, step, at_ms) VALUES (?, ?, ?)", (seq, new.value, now)
            )
            return self._record(conn.execute(f"{_SELECT} WHERE seq = ?", (seq,)).fetchone())

    def _reply_columns(self, reply: Mapping[str, Any]) -> dict[str, Any]:
        reply = validate_map("reply", reply)
        result = reply.get("result")
        return {
            "reply": encode("reply", dict(reply)),
            "reply_result": result if isinstance(result, str) and len(result) <= 32 else None,
        }

    def _seq_of(self, tx_id: str) -> int:
        kiosk, seq = parse_tx_id(tx_id)
        if kiosk != self._kiosk:
            raise JournalError(f"tx_id {tx_id!r} is not from this kiosk ({self._kiosk!r})")
        return seq

    def _require_row(self, conn: sqlite3.Connection, seq: int, tx_id: str) -> None:
        if conn.execute("SELECT 1 FROM tx WHERE seq = ?", (seq,)).fetchone() is None:
            raise JournalError(f"transaction {tx_id} is not in the journal")

    def _step(self, value: object, where: str) -> Step:
        try:
            return Step(str(value))
        except ValueError:
            raise JournalError(f"{where}: stored step {value!r} is unknown") from None

    def _record(self, row: tuple[Any, ...]) -> TxRecord:
        """Turn a stored row back into a TxRecord; damaged data is a JournalError."""
        values = dict(zip(_COLUMNS, row, strict=True))
        seq = int(values["seq"])
        tx_id = make_tx_id(self._kiosk, seq)
        try:
            item = values["item"]
            detail = values["detail"]
            decision = values["decision"]
            reply = values["reply"]
            security = values["security"]
            return TxRecord(
                seq=seq,
                tx_id=tx_id,
                intent_key=values["intent_key"],
                ts_ms=int(values["ts_ms"]),
                op=values["op"],
                item=None if item is None else ItemRef.from_map(decode("item", item, tx_id)),
                patron=values["patron"],
                staff=values["staff"],
                detail=None if detail is None else validate_map(
                    "detail", decode("detail", detail, tx_id)
                ),
                step=self._step(values["step"], tx_id),
                step_ms=int(values["step_ms"]),
                offline=bool(values["offline"]),
                decision=None
                if decision is None
                else Decision.from_map(decode("decision", decision, tx_id)),
                security=None if security is None else Security(security),
                reply=None if reply is None else validate_map(
                    "reply", decode("reply", reply, tx_id)
                ),
                answered_ms=values["answered_ms"],
                parked=values["parked"],
                note=values["note"],
            )
        except (RecordError, ValueError, TypeError) as exc:
            raise JournalError(f"{tx_id}: stored row is damaged: {exc}") from None


def _check_same_intent(existing: TxRecord, prepared: _Prepared) -> None:
    """A reused intent_key must describe the same intent; anything else is a caller bug.

    ``detail`` is compared as canonical CBOR (a tuple given and a list read back are the same);
    an absent ``ts_ms`` or ``detail`` in the retry matches whatever was stored.
    """
    intent = prepared.intent
    stored_detail = None if existing.detail is None else encode("detail", dict(existing.detail))
    same = (
        existing.op == intent.op
        and existing.item == intent.item
        and existing.patron == intent.patron
        and existing.staff == intent.staff
        and (prepared.detail is None or stored_detail == prepared.detail)
        and (intent.ts_ms is None or existing.ts_ms == intent.ts_ms)
    )
    if not same:
        raise JournalError(
            f"intent_key {intent.intent_key!r} is already used by {existing.tx_id} "
            f"for a different intent ({existing.op} of {existing.item})"
        )


def _count(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BATCH:
        raise RecordError(f"{field}: expected an int from 1 to {MAX_BATCH}, got {value!r}")
    return value


def _seq_arg(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(f"{field}: expected a seq (int >= 0), got {value!r}")
    return value
