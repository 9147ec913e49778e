"""Values that go into and come out of the kiosk journal, and the table of allowed step transitions.

Pure: no I/O, no clock. Every value is checked when it is built, so a bad field is refused with a
one-line :class:`~kiosk.errors.RecordError` (which field, what was expected) before it can reach
the database, and a record read back is always well formed.

A transaction walks a linear path of steps, one durable commit each, so that after a crash the
last committed step says exactly how far it got::

    intent ──► decided ──► effect_done ──► shown
       │           │            │
       ├──► cancelled           │           (withdrawn before anything was shown)
       └───────────┴────────────┴──► reconcile   (unfinished after a crash: staff/central check)

Staff actions are recorded once they have happened, so they are born ``shown``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from kiosk.errors import JournalError, RecordError

__all__ = [
    "CIRCULATION_OPS",
    "OPEN_STEPS",
    "STAFF_PREFIX",
    "TERMINAL_STEPS",
    "TRANSITIONS",
    "BeginResult",
    "Decision",
    "HoldRow",
    "Intent",
    "ItemRef",
    "Result",
    "Security",
    "Step",
    "TxRecord",
    "check_transition",
    "make_tx_id",
    "parse_tx_id",
    "staff_op",
    "validate_kiosk_id",
    "validate_map",
    "validate_ms",
    "validate_note",
    "validate_text",
]


class Step(StrEnum):
    """How far a transaction got; each value is one durable commit."""

    INTENT = "intent"  # written; nothing visible has happened yet
    DECIDED = "decided"  # decision known: central's reply or the offline policy's
    EFFECT_DONE = "effect_done"  # tag security written and verified (or failed / not needed)
    SHOWN = "shown"  # the patron (or staff) saw the result
    CANCELLED = "cancelled"  # withdrawn before anything was shown (e.g. item lifted off the pad)
    RECONCILE = "reconcile"  # unfinished after a crash; central/staff must check the real state


TRANSITIONS: Mapping[Step, frozenset[Step]] = MappingProxyType(
    {
        Step.INTENT: frozenset({Step.DECIDED, Step.CANCELLED, Step.RECONCILE}),
        Step.DECIDED: frozenset({Step.EFFECT_DONE, Step.CANCELLED, Step.RECONCILE}),
        Step.EFFECT_DONE: frozenset({Step.SHOWN, Step.RECONCILE}),
        Step.SHOWN: frozenset(),
        Step.CANCELLED: frozenset(),
        Step.RECONCILE: frozenset(),
    }
)
TERMINAL_STEPS = frozenset(step for step, nxt in TRANSITIONS.items() if not nxt)
OPEN_STEPS = frozenset(TRANSITIONS) - TERMINAL_STEPS


def check_transition(tx_id: str, current: Step, new: Step) -> None:
    """Refuse a step the table does not allow (a bug in the caller, or a replay after a crash)."""
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (finished)"
        raise JournalError(
            f"transaction {tx_id}: cannot go from step '{current}' to '{new}'; "
            f"allowed next: {allowed}"
        )


class Security(StrEnum):
    """Outcome of the tag-security effect, recorded with ``effect_done``."""

    SECURED = "secured"
    UNSECURED = "unsecured"
    SECURITY_FAILED = "security_failed"
    NOT_NEEDED = "not_needed"
    ROLLED_BACK = "rolled_back"


class Result(StrEnum):
    """A decision's result; the same words central uses in its reply."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    EXCEPTION = "exception"


_RESULTS = frozenset(r.value for r in Result)
CIRCULATION_OPS = frozenset({"checkout", "checkin", "renew"})
STAFF_PREFIX = "staff:"

_KIOSK_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_STAFF_ACTION = re.compile(r"[a-z][a-z0-9_.-]{0,47}")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2}){1,16}")
_ISO_DUE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?"
)
_MAX_TEXT = 128
_MAX_NOTE = 2000


def _text(field: str, value: object, *, limit: int = _MAX_TEXT) -> str:
    """A short printable string, or a RecordError naming the field."""
    if not isinstance(value, str):
        raise RecordError(f"{field}: expected text, got {type(value).__name__}")
    if not value or len(value) > limit:
        raise RecordError(f"{field}: expected 1..{limit} characters, got {len(value)}")
    if not value.isprintable():
        raise RecordError(f"{field}: control characters are not allowed in {value!r}")
    return value


def _opt_text(field: str, value: object, limit: int = _MAX_TEXT) -> str | None:
    return None if value is None else _text(field, value, limit=limit)


def _ms(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(f"{field}: expected epoch milliseconds (int >= 0), got {value!r}")
    return value


def _str_map(field: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise RecordError(f"{field}: expected a map with text keys, got {type(value).__name__}")
    return value


def validate_kiosk_id(kiosk: object) -> str:
    """A kiosk id is an MQTT client id and a topic level: 1..64 of ``A-Z a-z 0-9 . _ -``."""
    if not isinstance(kiosk, str) or not _KIOSK_ID.fullmatch(kiosk):
        raise RecordError(f"kiosk id: expected 1..64 of A-Z a-z 0-9 . _ -, got {kiosk!r}")
    return kiosk


def make_tx_id(kiosk: str, seq: int) -> str:
    return f"{kiosk}:{seq}"


def parse_tx_id(tx_id: object) -> tuple[str, int]:
    """Split ``{kiosk}:{seq}``; a malformed id is a RecordError saying what was expected."""
    if isinstance(tx_id, str):
        kiosk, sep, seq = tx_id.rpartition(":")
        canonical = seq.isascii() and seq.isdigit() and str(int(seq)) == seq  # no "007"
        if sep and _KIOSK_ID.fullmatch(kiosk) and canonical:
            return kiosk, int(seq)
    raise RecordError(f"tx_id: expected '{{kiosk}}:{{seq}}' (e.g. 'k1:42'), got {tx_id!r}")


def staff_op(action: str) -> str:
    """The journal ``op`` of a staff action, e.g. ``staff:open_bin``."""
    if not isinstance(action, str) or not _STAFF_ACTION.fullmatch(action):
        raise RecordError(
            f"staff action: expected 1..48 of a-z 0-9 _ . - starting with a letter, got {action!r}"
        )
    return STAFF_PREFIX + action


def _validate_op(op: object) -> str:
    if isinstance(op, str) and op.startswith(STAFF_PREFIX):
        staff_op(op[len(STAFF_PREFIX) :])
        return op
    if op not in CIRCULATION_OPS:
        raise RecordError(
            f"op: expected one of {', '.join(sorted(CIRCULATION_OPS))} or 'staff:<action>', "
            f"got {op!r}"
        )
    assert isinstance(op, str)
    return op


@dataclass(frozen=True, slots=True)
class ItemRef:
    """The item as the tag identifies it: PII, owner library (ISIL), set, tag UID in hex."""

    pii: str
    owner: str
    uid: str
    set_info: str | None = None  # e.g. "1203" = part 1 of 3 (the wire key is ``set``)

    def __post_init__(self) -> None:
        _text("item.pii", self.pii, limit=64)
        _text("item.owner", self.owner, limit=64)
        if not isinstance(self.uid, str) or not _HEX.fullmatch(self.uid):
            raise RecordError(f"item.uid: expected 1..16 bytes as hex text, got {self.uid!r}")
        _opt_text("item.set", self.set_info, limit=16)

    def as_map(self) -> dict[str, str]:
        """The contract's ``item`` map."""
        out = {"pii": self.pii, "owner": self.owner, "uid": self.uid}
        if self.set_info is not None:
            out["set"] = self.set_info
        return out

    @classmethod
    def from_map(cls, value: object) -> ItemRef:
        m = _str_map("item", value)
        return cls(m.get("pii"), m.get("owner"), m.get("uid"), m.get("set"))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision: ``result``, a reason code, and the due time when lent.

    ``due`` is epoch milliseconds (int), the contract's wire type for ``decision.due`` (like
    ``ts`` and central's reply ``due``), so a journal row goes on the wire unconverted.
    """

    result: Result
    reason: str | None = None
    due: int | None = None

    def __post_init__(self) -> None:
        given: object = self.result  # text from a stored or received map is accepted too
        if not isinstance(given, str) or given not in _RESULTS:
            raise RecordError(
                f"decision.result: expected accepted, refused or exception, got {given!r}"
            )
        object.__setattr__(self, "result", Result(str(given)))
        _opt_text("decision.reason", self.reason, limit=64)
        if self.due is not None:
            _ms("decision.due", self.due)

    def as_map(self) -> dict[str, Any]:
        """The contract's ``decision`` map (absent fields left out)."""
        out: dict[str, Any] = {"result": self.result.value}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.due is not None:
            out["due"] = self.due
        return out

    @classmethod
    def from_map(cls, value: object) -> Decision:
        """Read a stored map; a text ``due`` from an older journal is migrated to milliseconds."""
        m = _str_map("decision", value)
        due = m.get("due")
        if isinstance(due, str):
            due = _legacy_due_ms(due)
        return cls(m.get("result"), m.get("reason"), due)  # type: ignore[arg-type]


def _legacy_due_ms(text: str) -> int:
    """Epoch milliseconds for a due date that an older journal stored as text.

    Two forms were written: decimal epoch milliseconds (the runtime) and ISO 8601 (the old
    documented form). A date without a time is taken as noon UTC, which is the same calendar
    day in every zone from UTC-11 to UTC+11; a time without an offset is taken as UTC.
    Pure arithmetic (no clock, no time zone database), as everything in the journal's logic.
    """
    if text.isascii() and text.isdigit():
        return int(text)
    match = _ISO_DUE.fullmatch(text) if text.isascii() else None
    bad = RecordError(f"decision.due: expected epoch milliseconds or ISO 8601 text, got {text!r}")
    if match is None:
        raise bad
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    if match.group(4) is None:
        hour, minute, second, micro, offset_min = 12, 0, 0, 0, 0
    else:
        hour, minute = int(match.group(4)), int(match.group(5))
        second = int(match.group(6) or 0)
        micro = int((match.group(7) or "0").ljust(6, "0"))
        zone = (match.group(8) or "Z").replace(":", "")
        offset_min = 0 if zone == "Z" else int(zone[0] + "1") * (
            int(zone[1:3]) * 60 + int(zone[3:5])
        )
    if not (
        year >= 1
        and 1 <= month <= 12
        and 1 <= day <= calendar.monthrange(year, month)[1]
        and hour < 24
        and minute < 60
        and second < 60
        and abs(offset_min) < 24 * 60
    ):
        raise bad
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return _ms("decision.due", (seconds - offset_min * 60) * 1000 + micro // 1000)


@dataclass(frozen=True, slots=True)
class Intent:
    """What the caller is about to do; ``intent_key`` makes a retry find the same row.

    ``intent_key`` must be unique per real intent (e.g. ``{session_id}:{uid}:{op}``): a second
    ``begin`` with the same key returns the row already written instead of a new one.
    ``ts_ms`` is when the patron did it; ``None`` means "now" by the journal's clock.
    """

    intent_key: str
    op: str
    item: ItemRef | None = None
    patron: str | None = None
    staff: str | None = None
    detail: Mapping[str, Any] | None = None
    ts_ms: int | None = None

    def __post_init__(self) -> None:
        _text("intent_key", self.intent_key, limit=200)
        _validate_op(self.op)
        if self.op in CIRCULATION_OPS and not isinstance(self.item, ItemRef):
            raise RecordError(f"item: a {self.op} needs an ItemRef, got {self.item!r}")
        if self.item is not None and not isinstance(self.item, ItemRef):
            raise RecordError(f"item: expected an ItemRef or None, got {self.item!r}")
        if self.op.startswith(STAFF_PREFIX) and self.staff is None:
            raise RecordError(f"staff: a {self.op} needs the staff id")
        _opt_text("patron", self.patron, limit=64)
        _opt_text("staff", self.staff, limit=64)
        if self.detail is not None:
            _str_map("detail", self.detail)
        if self.ts_ms is not None:
            _ms("ts_ms", self.ts_ms)

    @property
    def is_staff(self) -> bool:
        return self.op.startswith(STAFF_PREFIX)


@dataclass(frozen=True, slots=True)
class TxRecord:
    """One journal row as read back: identity, what was done, and how far it got."""

    seq: int
    tx_id: str
    intent_key: str
    ts_ms: int
    op: str
    item: ItemRef | None
    patron: str | None
    staff: str | None
    detail: Mapping[str, Any] | None
    step: Step
    step_ms: int
    offline: bool
    decision: Decision | None
    security: Security | None
    reply: Mapping[str, Any] | None
    answered_ms: int | None
    parked: str | None
    note: str | None

    @property
    def finished(self) -> bool:
        """True when no further step is possible (shown, cancelled or reconcile)."""
        return self.step in TERMINAL_STEPS

    @property
    def in_outbox(self) -> bool:
        """True while central has not answered and the row is not parked."""
        return self.answered_ms is None and self.parked is None

    def event(self) -> dict[str, Any]:
        """The contract's ``evt/tx`` map (``v`` 1). Staff rows add ``staff`` and ``detail``."""
        out: dict[str, Any] = {
            "v": 1,
            "tx_id": self.tx_id,
            "seq": self.seq,
            "ts": self.ts_ms,
            "op": self.op,
            "patron": self.patron,
            "offline": self.offline,
        }
        if self.item is not None:
            out["item"] = self.item.as_map()
        if self.offline and self.decision is not None:
            out["decision"] = self.decision.as_map()
        if self.staff is not None:
            out["staff"] = self.staff
        if self.detail is not None:
            out["detail"] = dict(self.detail)
        return out


@dataclass(frozen=True, slots=True)
class BeginResult:
    """The row for an intent, and whether this call created it (False: it already existed)."""

    record: TxRecord
    created: bool


@dataclass(frozen=True, slots=True)
class HoldRow:
    """One item reserved for a patron, to be picked up at ``pickup`` before ``expires_ms``."""

    pii: str
    owner: str
    patron: str
    pickup: str
    expires_ms: int | None = None

    def __post_init__(self) -> None:
        _text("hold.pii", self.pii, limit=64)
        _text("hold.owner", self.owner, limit=64)
        _text("hold.patron", self.patron, limit=64)
        _text("hold.pickup", self.pickup, limit=64)
        if self.expires_ms is not None:
            _ms("hold.expires_ms", self.expires_ms)


def validate_note(field: str, value: object) -> str:
    """A free-text note or reason (for park and reconcile): 1..2000 printable characters."""
    return _text(field, value, limit=_MAX_NOTE)


def validate_ms(field: str, value: object) -> int:
    return _ms(field, value)


def validate_text(field: str, value: object, limit: int = _MAX_TEXT) -> str:
    return _text(field, value, limit=limit)


def validate_map(field: str, value: object) -> Mapping[str, Any]:
    return _str_map(field, value)
