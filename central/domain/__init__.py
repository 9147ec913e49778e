"""The reference central domain: the rules of the central library system, pure and in-process.

Catalogue (display data, owner), patrons (cards, PIN hashes, blocks, limits), loans, holds (hold
shelf, pick-up, expiry), member libraries (ISIL ↔ 4-digit code), kiosks, the exception queue and
exactly-once, in-order transaction processing. The MQTT edge later puts a broker between this and
the kiosks without changing it. See :mod:`central.domain.service` for the rules on offline replays.
"""

from __future__ import annotations

from central.domain.calendar import due_ms, end_of_day_ms, local_date
from central.domain.errors import (
    CentralError,
    ConflictError,
    DataImportError,
    TransactionError,
    UnknownRecordError,
)
from central.domain.importing import COLUMNS, KINDS
from central.domain.masking import mask_card, mask_name
from central.domain.messages import (
    CIRCULATION_OPS,
    REPLY_KEYS,
    STAFF_PREFIX,
    Held,
    ItemReply,
    ItemStatus,
    OfflineDecision,
    Op,
    PatronReply,
    Reply,
    Result,
    Transaction,
    TxItem,
)
from central.domain.model import (
    AuditEntry,
    ConflictKind,
    ExceptionEntry,
    GapRecord,
    Hold,
    HoldState,
    Item,
    KioskProgress,
    KioskRegistration,
    Library,
    Loan,
    Patron,
)
from central.domain.pins import hash_pin, verify_pin
from central.domain.repository import InMemoryRepository, Repository
from central.domain.rules import Facts, Verdict
from central.domain.service import CentralDomain, DomainConfig, FleetEntry

__all__ = [
    "CIRCULATION_OPS",
    "COLUMNS",
    "KINDS",
    "REPLY_KEYS",
    "STAFF_PREFIX",
    "AuditEntry",
    "CentralDomain",
    "CentralError",
    "ConflictError",
    "ConflictKind",
    "DataImportError",
    "DomainConfig",
    "ExceptionEntry",
    "Facts",
    "FleetEntry",
    "GapRecord",
    "Held",
    "Hold",
    "HoldState",
    "InMemoryRepository",
    "Item",
    "ItemReply",
    "ItemStatus",
    "KioskProgress",
    "KioskRegistration",
    "Library",
    "Loan",
    "OfflineDecision",
    "Op",
    "Patron",
    "PatronReply",
    "Reply",
    "Repository",
    "Result",
    "Transaction",
    "TransactionError",
    "TxItem",
    "UnknownRecordError",
    "Verdict",
    "due_ms",
    "end_of_day_ms",
    "hash_pin",
    "local_date",
    "mask_card",
    "mask_name",
    "verify_pin",
]
