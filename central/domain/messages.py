"""What crosses the kiosk↔central boundary: transactions in, replies out (mqtt-contract.md).

:meth:`Transaction.from_wire` checks a decoded ``evt/tx`` map field by field and refuses anything
malformed with a one-line :class:`~central.domain.errors.TransactionError` (which field, what was
found, what was expected), so nothing half-valid reaches the rules. Replies know their own wire
form (:meth:`Reply.to_wire`): a fixed set of keys, ``None`` where a value does not apply, so a
consumer never has to guess whether a key is missing or empty. The envelope (``"v": 1``, topic,
correlation data) is the MQTT edge's business, not the domain's.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from central.domain.errors import TransactionError
from kiosk.circulation.reasons import Message, Reason, message_for

__all__ = [
    "CIRCULATION_OPS",
    "REPLY_KEYS",
    "STAFF_PREFIX",
    "Held",
    "ItemReply",
    "ItemStatus",
    "OfflineDecision",
    "Op",
    "PatronReply",
    "Reply",
    "Result",
    "Transaction",
    "TxItem",
]


class Op(enum.StrEnum):
    """What a transaction does. ``STAFF`` is a staff action, ``staff:<action>`` on the wire: it
    takes its kiosk's ``seq`` like the rest but has no circulation effect (it is audited)."""

    CHECKOUT = "checkout"
    CHECKIN = "checkin"
    RENEW = "renew"
    STAFF = "staff"


CIRCULATION_OPS = frozenset({Op.CHECKOUT, Op.CHECKIN, Op.RENEW})
STAFF_PREFIX = "staff:"
_OPS = {op.value: op for op in Op}
_STAFF_ACTION = re.compile(r"[a-z][a-z0-9_.-]{0,47}")
_OP_WORDS = "checkout, checkin, renew or staff:<action>"
_MAX_DETAIL_DEPTH = 8


class Result(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    EXCEPTION = "exception"


_MAX_TEXT = 256


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _text(
    data: Mapping[str, object], key: str, path: str, *, required: bool = True, empty: bool = False
) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise TransactionError(f"{_where(path, key)}: missing, expected text")
        return None
    if not isinstance(value, str):
        raise TransactionError(f"{_where(path, key)}: {type(value).__name__}, expected text")
    if not value and not empty:
        raise TransactionError(f"{_where(path, key)}: empty, expected text")
    if len(value) > _MAX_TEXT:
        raise TransactionError(f"{_where(path, key)}: {len(value)} chars, expected ≤ {_MAX_TEXT}")
    return value


def _uint(data: Mapping[str, object], key: str, path: str, *, required: bool = True) -> int | None:
    value = data.get(key)
    if value is None:
        if required:
            raise TransactionError(f"{_where(path, key)}: missing, expected an unsigned integer")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TransactionError(f"{_where(path, key)}: {value!r}, expected an unsigned integer")
    return value


def _bool(data: Mapping[str, object], key: str, path: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise TransactionError(f"{_where(path, key)}: {value!r}, expected true or false")
    return value


def _map(data: Mapping[str, object], key: str, path: str) -> Mapping[str, object] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise TransactionError(f"{_where(path, key)}: {type(value).__name__}, expected a map")
    return value


def _json_like(value: object, path: str, depth: int = 0) -> None:
    """Refuse what a JSON column cannot hold (bytes, tags, non-text keys, NaN, deep nesting):
    a staff action's ``detail`` is stored as JSON for the audit list."""
    if depth > _MAX_DETAIL_DEPTH:
        raise TransactionError(f"{path}: nested deeper than {_MAX_DETAIL_DEPTH}, expected less")
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TransactionError(f"{path}: {value!r}, expected a finite number")
        return
    if isinstance(value, list | tuple):
        for index, element in enumerate(value):
            _json_like(element, f"{path}[{index}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, element in value.items():
            if not isinstance(key, str):
                raise TransactionError(f"{path}: key {key!r}, expected text keys")
            _json_like(element, f"{path}.{key}", depth + 1)
        return
    kind = type(value).__name__
    raise TransactionError(f"{path}: {kind}, expected text, number, bool, list or map")


def _op(data: Mapping[str, object]) -> tuple[Op, str | None]:
    """The wire ``op`` as (:class:`Op`, staff action or None)."""
    raw = _text(data, "op", "") or ""
    if raw.startswith(STAFF_PREFIX):
        action = raw[len(STAFF_PREFIX) :]
        if not _STAFF_ACTION.fullmatch(action):
            raise TransactionError(
                f"op: {raw!r}, expected staff:<action> with 1..48 of a-z 0-9 _ . - "
                "starting with a letter"
            )
        return Op.STAFF, action
    op = _OPS.get(raw)
    if op is None or op is Op.STAFF:  # a bare "staff" names no action
        raise TransactionError(f"op: {raw!r}, expected one of {_OP_WORDS}")
    return op, None


@dataclass(frozen=True, slots=True)
class TxItem:
    """The item as the kiosk read it from the tag. ``ill`` / ``ill_institution`` come from the tag
    (ISO 28560 OID 11) and make central route a return to staff even if its own record says
    otherwise."""

    pii: str
    owner: str
    set_info: str | None = None
    uid: str | None = None
    ill: bool = False
    ill_institution: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, object], path: str = "item") -> TxItem:
        return cls(
            pii=_text(data, "pii", path) or "",
            owner=_text(data, "owner", path, empty=True) or "",
            set_info=_text(data, "set", path, required=False),
            uid=_text(data, "uid", path, required=False),
            ill=_bool(data, "ill", path),
            ill_institution=_text(data, "ill_institution", path, required=False),
        )

    def to_wire(self) -> dict[str, object]:
        wire: dict[str, object] = {"pii": self.pii, "owner": self.owner}
        if self.set_info is not None:
            wire["set"] = self.set_info
        if self.uid is not None:
            wire["uid"] = self.uid
        if self.ill:
            wire["ill"] = True
        if self.ill_institution is not None:
            wire["ill_institution"] = self.ill_institution
        return wire


@dataclass(frozen=True, slots=True)
class OfflineDecision:
    """What the kiosk decided on its own while central was out of reach."""

    result: Result
    reason: str | None = None
    due: int | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, object], path: str = "decision") -> OfflineDecision:
        raw = _text(data, "result", path) or ""
        try:
            result = Result(raw)
        except ValueError:
            raise TransactionError(
                f"{path}.result: {raw!r}, expected one of {', '.join(Result)}"
            ) from None
        return cls(
            result=result,
            reason=_text(data, "reason", path, required=False),
            due=_uint(data, "due", path, required=False),
        )

    def to_wire(self) -> dict[str, object]:
        return {"result": str(self.result), "reason": self.reason, "due": self.due}


@dataclass(frozen=True, slots=True)
class Transaction:
    """One ``evt/tx`` message: the unit of exactly-once, in-order processing.

    A circulation transaction (``checkout``, ``checkin``, ``renew``) always has an ``item``. A
    staff action (``op`` :attr:`Op.STAFF`, ``staff:<action>`` on the wire) has ``staff`` (who),
    ``action`` and ``detail`` instead, and usually no item.
    """

    tx_id: str
    seq: int
    kiosk: str
    ts: int
    op: Op
    item: TxItem | None
    patron: str | None = None
    offline: bool = False
    decision: OfflineDecision | None = None
    staff: str | None = None
    action: str | None = None
    detail: Mapping[str, object] | None = field(default=None, hash=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, object], *, kiosk: str | None = None) -> Transaction:
        """Check and convert a decoded ``evt/tx`` map.

        ``kiosk`` is the id from the topic (the authenticated sender); a payload naming another
        kiosk is refused rather than trusted.
        """
        if not isinstance(data, Mapping):
            raise TransactionError(f"transaction: {type(data).__name__}, expected a map")
        named = _text(data, "kiosk", "", required=kiosk is None)
        if kiosk is not None and named is not None and named != kiosk:
            raise TransactionError(f"kiosk: {named!r} in the payload, but sent by {kiosk!r}")
        op, action = _op(data)
        staff = op is Op.STAFF
        item = _map(data, "item", "")
        if item is None and not staff:
            raise TransactionError("item: missing, expected a map with pii and owner")
        patron = _text(data, "patron", "", required=op in (Op.CHECKOUT, Op.RENEW))
        decision = _map(data, "decision", "")
        detail = _map(data, "detail", "")
        if detail is not None:
            _json_like(detail, "detail")
        seq = _uint(data, "seq", "") or 0
        if seq < 1:
            raise TransactionError("seq: 0, expected an integer ≥ 1")
        return cls(
            tx_id=_text(data, "tx_id", "") or "",
            seq=seq,
            kiosk=kiosk if kiosk is not None else (named or ""),
            ts=_uint(data, "ts", "") or 0,
            op=op,
            item=TxItem.from_wire(item) if item is not None else None,
            patron=patron,
            offline=_bool(data, "offline", ""),
            decision=OfflineDecision.from_wire(decision) if decision is not None else None,
            staff=_text(data, "staff", "", required=staff),
            action=action,
            detail=dict(detail) if detail is not None else ({} if staff else None),
        )

    @property
    def wire_op(self) -> str:
        """``op`` as the kiosk sent it (``staff:<action>`` for a staff action)."""
        return f"{STAFF_PREFIX}{self.action}" if self.op is Op.STAFF else str(self.op)

    def to_wire(self) -> dict[str, object]:
        wire: dict[str, object] = {
            "tx_id": self.tx_id,
            "seq": self.seq,
            "kiosk": self.kiosk,
            "ts": self.ts,
            "op": self.wire_op,
            "patron": self.patron,
            "offline": self.offline,
        }
        if self.item is not None:
            wire["item"] = self.item.to_wire()
        if self.decision is not None:
            wire["decision"] = self.decision.to_wire()
        if self.staff is not None:
            wire["staff"] = self.staff
        if self.detail is not None:
            wire["detail"] = dict(self.detail)
        return wire


REPLY_KEYS = (
    "tx_id",
    "result",
    "reason",
    "route",
    "due",
    "message",
    "title",
    "author",
    "isbn",
    "call_number",
    "price",
    "publisher",
)


@dataclass(frozen=True, slots=True)
class Reply:
    """Central's answer to one transaction; also its end-to-end acknowledgement."""

    tx_id: str
    result: Result
    reason: Reason
    message: Message
    route: str | None = None
    due: int | None = None
    title: str | None = None
    author: str | None = None
    isbn: str | None = None
    call_number: str | None = None
    price: str | None = None
    publisher: str | None = None

    def to_wire(self) -> dict[str, object]:
        """The reply map: exactly :data:`REPLY_KEYS`, ``None`` where a value does not apply."""
        return {
            "tx_id": self.tx_id,
            "result": str(self.result),
            "reason": str(self.reason),
            "route": self.route,
            "due": self.due,
            "message": {"zh": self.message.zh, "en": self.message.en},
            "title": self.title,
            "author": self.author,
            "isbn": self.isbn,
            "call_number": self.call_number,
            "price": self.price,
            "publisher": self.publisher,
        }


@dataclass(frozen=True, slots=True)
class Held:
    """Marker: the transaction waits for ``expected`` (an earlier seq of the same kiosk)."""

    tx_id: str
    kiosk: str
    seq: int
    expected: int


@dataclass(frozen=True, slots=True)
class PatronReply:
    """Answer to a patron look-up (``req/patron``).

    When the card is unknown or the PIN check fails, only the masked card number is returned:
    nothing about a reader is told to someone who has not proven they hold the card.
    """

    card: str
    result: Result
    reason: Reason
    message: Message
    known: bool = False
    card_masked: str = ""
    name: str | None = None
    name_masked: str | None = None
    category: str | None = None
    blocked: bool = False
    expired: bool = False
    expires: str | None = None
    pin_required: bool = False
    loans: int = 0
    limit: int = 0
    overdue: int = 0
    holds_ready: int = 0

    @property
    def may_borrow(self) -> bool:
        return self.result is Result.ACCEPTED and self.loans < self.limit

    def to_wire(self) -> dict[str, object]:
        return {
            "card": self.card,
            "result": str(self.result),
            "reason": str(self.reason),
            "message": {"zh": self.message.zh, "en": self.message.en},
            "known": self.known,
            "card_masked": self.card_masked,
            "name": self.name,
            "name_masked": self.name_masked,
            "category": self.category,
            "blocked": self.blocked,
            "expired": self.expired,
            "expires": self.expires,
            "pin_required": self.pin_required,
            "loans": self.loans,
            "limit": self.limit,
            "overdue": self.overdue,
            "holds_ready": self.holds_ready,
        }


class ItemStatus(enum.StrEnum):
    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    ON_HOLD_SHELF = "on_hold_shelf"
    IN_TRANSIT = "in_transit"
    AT_STAFF = "at_staff"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ItemReply:
    """Answer to an item look-up (``req/item``): display data and where the copy stands.

    ``reason`` is informational (``ok``, ``item_unknown``, ``not_member_library``,
    ``not_for_circulation``, ``discarded``); the rules are applied only to transactions.
    """

    pii: str
    owner: str
    status: ItemStatus
    reason: Reason
    known: bool = False
    member: bool = False
    title: str | None = None
    author: str | None = None
    isbn: str | None = None
    publisher: str | None = None
    price: str | None = None
    call_number: str | None = None
    circulates: bool = False
    discarded: bool = False
    ill: bool = False
    reserved: bool = False
    on_loan_to: str | None = None
    due: int | None = None
    hold_patron: str | None = None
    hold_pickup: str | None = None
    hold_expires: int | None = None
    transit_to: str | None = None

    @property
    def message(self) -> Message:
        return message_for(self.reason)

    def to_wire(self) -> dict[str, object]:
        message = self.message
        return {
            "pii": self.pii,
            "owner": self.owner,
            "status": str(self.status),
            "reason": str(self.reason),
            "message": {"zh": message.zh, "en": message.en},
            "known": self.known,
            "member": self.member,
            "title": self.title,
            "author": self.author,
            "isbn": self.isbn,
            "publisher": self.publisher,
            "price": self.price,
            "call_number": self.call_number,
            "circulates": self.circulates,
            "discarded": self.discarded,
            "ill": self.ill,
            "reserved": self.reserved,
            "on_loan_to": self.on_loan_to,
            "due": self.due,
            "hold_patron": self.hold_patron,
            "hold_pickup": self.hold_pickup,
            "hold_expires": self.hold_expires,
            "transit_to": self.transit_to,
        }
