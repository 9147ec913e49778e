"""The records central keeps: member libraries, kiosks, catalogue copies, patrons, loans, holds,
exception-queue entries and the bookkeeping of transaction order.

Every record is a frozen value; a change is a new value written back through the repository
(:mod:`central.domain.repository`), so the same records map one-to-one onto SQLite rows later.
Times are epoch milliseconds (``*_ms``); calendar dates (card expiry, closed days) are
:class:`datetime.date` values read in the library's own time zone.

Loan counts are never stored: they are counted from the loans, so they cannot drift.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from central.domain.messages import Reply, Transaction, TxItem

__all__ = [
    "AuditEntry",
    "ConflictKind",
    "ExceptionEntry",
    "GapRecord",
    "Hold",
    "HoldState",
    "Item",
    "ItemKey",
    "KioskProgress",
    "KioskRegistration",
    "Library",
    "Loan",
    "Patron",
    "PendingTx",
    "ProcessedTx",
]

ItemKey = tuple[str, str]
"""A copy is identified by its owner library's ISIL and its PII (barcode): ``(owner, pii)``."""


@dataclass(frozen=True, slots=True)
class Library:
    """A library central knows, with the circulation rules that apply at its machines.

    ``member`` says whether it takes part in 通借通还 (a known but non-member library's items
    are refused at returns). ``utc_offset_minutes`` is its time zone (China: +480); due dates end
    at the end of a day there. ``category_loan_days`` overrides ``loan_days`` per patron category.
    ``closed_weekdays`` (0 = Monday) and ``closed_dates`` push a due date to the next open day.
    """

    isil: str
    code: str
    name_zh: str
    name_en: str = ""
    member: bool = True
    utc_offset_minutes: int = 480
    loan_days: int = 30
    category_loan_days: Mapping[str, int] = field(default_factory=dict, hash=False)
    renew_days: int = 30
    max_renewals: int = 1
    renew_when_overdue: bool = True
    hold_shelf_days: int = 7
    pin_required: bool = True
    closed_weekdays: frozenset[int] = frozenset()
    closed_dates: frozenset[date] = frozenset()

    def loan_days_for(self, category: str) -> int:
        return self.category_loan_days.get(category, self.loan_days)


@dataclass(frozen=True, slots=True)
class KioskRegistration:
    """A machine and the library it stands in; ``staff_bin`` means it can take reserved items
    into a separate staff bin (``accepts_reserved_to_staff_bin``) instead of refusing them."""

    kiosk: str
    library: str
    accepts_reserved_to_staff_bin: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """One copy with its display data and circulation flags.

    ``price`` is kept as text ("45.00") so money never passes through a float. ``ill`` marks a copy
    borrowed from another institution (interlibrary loan; ``ill_from`` is that institution's ISIL).
    ``children`` / ``collection`` feed the logistics handover counts. ``whereabouts`` is where the
    copy was last sent: ``shelf``, ``transit:{isil}``, ``hold:{pickup}`` or ``staff``.
    """

    pii: str
    owner: str
    title: str
    author: str = ""
    isbn: str = ""
    publisher: str = ""
    price: str = ""
    call_number: str = ""
    circulates: bool = True
    discarded: bool = False
    ill: bool = False
    ill_from: str = ""
    children: bool = False
    collection: str = ""
    whereabouts: str = "shelf"

    @property
    def key(self) -> ItemKey:
        return (self.owner, self.pii)


@dataclass(frozen=True, slots=True)
class Patron:
    """A reader: card number, name, home library, category, loan limit, block and PIN.

    ``pin_hash`` is an scrypt hash string (:mod:`central.domain.pins`); ``pin_failures`` counts
    wrong PINs in a row, up to the configured lock-out.
    """

    card: str
    name: str
    home: str
    category: str = "adult"
    limit: int = 10
    blocked: bool = False
    block_reason: str = ""
    expires: date | None = None
    pin_hash: str | None = None
    pin_failures: int = 0


@dataclass(frozen=True, slots=True)
class Loan:
    """A copy on loan. ``exception_id`` links a loan created by a conflicting offline replay to
    the exception-queue entry staff must look at."""

    owner: str
    pii: str
    patron: str
    kiosk: str
    tx_id: str
    start_ms: int
    due_ms: int
    renewals: int = 0
    offline: bool = False
    exception_id: int | None = None

    @property
    def key(self) -> ItemKey:
        return (self.owner, self.pii)


class HoldState(enum.StrEnum):
    WAITING = "waiting"  # placed; no copy on the hold shelf yet (the item is "reserved")
    ON_SHELF = "on_shelf"  # the copy waits on the hold shelf at ``pickup`` until ``expires_ms``
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def active(self) -> bool:
        return self in (HoldState.WAITING, HoldState.ON_SHELF)


@dataclass(frozen=True, slots=True)
class Hold:
    """A patron's hold on a copy, picked up at ``pickup`` (an ISIL)."""

    hold_id: int
    owner: str
    pii: str
    patron: str
    pickup: str
    placed_ms: int
    state: HoldState = HoldState.WAITING
    expires_ms: int | None = None
    ended_ms: int | None = None

    @property
    def key(self) -> ItemKey:
        return (self.owner, self.pii)


class ConflictKind(enum.StrEnum):
    """Why an offline replay (or an out-of-order one) needs staff attention."""

    CHECKOUT_PATRON_UNKNOWN = "checkout_patron_unknown"
    CHECKOUT_PATRON_BLOCKED = "checkout_patron_blocked"
    CHECKOUT_PATRON_EXPIRED = "checkout_patron_expired"
    CHECKOUT_OVER_LIMIT = "checkout_over_limit"
    CHECKOUT_ITEM_UNKNOWN = "checkout_item_unknown"
    CHECKOUT_NOT_MEMBER = "checkout_not_member"
    CHECKOUT_NOT_FOR_CIRCULATION = "checkout_not_for_circulation"
    CHECKOUT_ON_LOAN_TO_OTHER = "checkout_on_loan_to_other"
    CHECKOUT_SUPERSEDED = "checkout_superseded"
    CHECKOUT_RESERVED = "checkout_reserved"
    RETURN_NOT_MEMBER = "return_not_member"
    RETURN_ITEM_UNKNOWN = "return_item_unknown"
    RETURN_NOT_ON_LOAN = "return_not_on_loan"
    RETURN_STALE = "return_stale"
    RETURN_RESERVED = "return_reserved"
    RETURN_ILL = "return_ill"
    RENEW_REFUSED = "renew_refused"
    SEQ_CONFLICT = "seq_conflict"


@dataclass(frozen=True, slots=True)
class ExceptionEntry:
    """One entry of the staff exception queue."""

    exception_id: int
    kiosk: str
    tx_id: str
    kind: ConflictKind
    detail: str
    created_ms: int
    resolved: bool = False
    resolution: str = ""
    staff: str = ""
    resolved_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ProcessedTx:
    """A transaction central has processed, with the reply every repeat of its ``tx_id`` gets."""

    tx_id: str
    kiosk: str
    seq: int
    reply: Reply
    processed_ms: int


@dataclass(frozen=True, slots=True)
class PendingTx:
    """A transaction held back because an earlier ``seq`` of its kiosk has not arrived."""

    tx: Transaction
    held_since_ms: int


@dataclass(frozen=True, slots=True)
class KioskProgress:
    """Where a kiosk's transaction stream stands (the fleet view's raw data)."""

    kiosk: str
    last_seq: int = 0
    last_ts: int | None = None
    last_seen_ms: int | None = None
    processed: int = 0


@dataclass(frozen=True, slots=True)
class GapRecord:
    """A hole in a kiosk's ``seq`` stream: ``skipped`` when the reorder timeout gave up waiting
    for ``first..last``, ``late`` when one of those finally arrived and was applied out of order."""

    kind: str
    kiosk: str
    first: int
    last: int
    at_ms: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A staff action a kiosk journalled (``op`` = ``staff:<action>``): who did what, where and
    when. It changes no loan or copy; it is kept so staff work at the machines can be reviewed.
    ``recorded_ms`` is when central processed it; ``ts`` when staff did it."""

    kiosk: str
    seq: int
    tx_id: str
    ts: int
    staff: str
    action: str
    detail: Mapping[str, object] = field(default_factory=dict, hash=False)
    item: TxItem | None = None
    recorded_ms: int = 0
