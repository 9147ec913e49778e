"""Pure conversions between the session machine's values, the journal's records and central's maps.

The three sides each have their own words (the machine's ``Op.RETURN`` is the journal's and the
contract's ``checkin``; the machine holds a due date as a ``datetime``, the journal and the
contract as epoch milliseconds), so the runtime translates in one place. Nothing here does I/O;
bad maps from central never raise: they come back as ``None`` ("no usable answer") for the
caller to treat like a timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kiosk.circulation import Decision, ItemIdentity, Op, Patron, PatronCard, Verdict
from kiosk.circulation.patron import CardKind
from kiosk.circulation.reasons import Message, Reason
from kiosk.circulation.session import ItemDecided, PatronVerified, RequestDecision
from kiosk.journal import Decision as JournalDecision
from kiosk.journal import ItemRef, Result, TxRecord

__all__ = [
    "JOURNAL_OP",
    "MACHINE_OP",
    "decided_from_reply",
    "identity_from_record",
    "item_ref",
    "journal_decision",
    "ms_to_datetime",
    "patron_key",
    "verified_from_reply",
    "wire_event",
]

JOURNAL_OP: Mapping[Op, str] = {Op.CHECKOUT: "checkout", Op.RETURN: "checkin", Op.RENEW: "renew"}
MACHINE_OP: Mapping[str, Op] = {word: op for op, word in JOURNAL_OP.items()}

_RESULT_VERDICT: Mapping[str, Verdict] = {
    "accepted": Verdict.ACCEPTED,
    "refused": Verdict.REFUSED,
    "exception": Verdict.REFUSED,
}


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def patron_key(patron: Patron | None) -> str | None:
    """What the contract's ``patron`` field carries: the card number central confirmed."""
    return None if patron is None else patron.patron_id


def item_ref(action: RequestDecision, home_library: str) -> ItemRef:
    """The journal's item for a decision request; a tag without an owner is the home library's."""
    identity = action.identity
    if identity.pii is None:
        raise ValueError(f"tag {action.uid}: no primary item identifier to journal")
    info = identity.set_info
    set_text = None if info is None else f"{info.total:02d}{info.part:02d}"
    return ItemRef(identity.pii, identity.owner or home_library, action.uid, set_text)


def identity_from_record(record: TxRecord) -> ItemIdentity:
    """Rebuild what the offline policy needs (PII, owner) from a journalled row."""
    item = record.item
    if item is None:
        return ItemIdentity.unreadable("00", "no item in the journal row")
    return ItemIdentity(uid=item.uid, pii=item.pii, owner=item.owner)


def journal_decision(decision: Decision) -> JournalDecision:
    """The offline policy's decision as the journal records it (due as epoch milliseconds)."""
    due = None if decision.due is None else int(decision.due.timestamp() * 1000)
    return JournalDecision(Result(decision.result.value), decision.reason.value, due)


def wire_event(record: TxRecord) -> dict[str, Any]:
    """The ``evt/tx`` map for a journal row: the journal already speaks the contract."""
    return record.event()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _message(value: object) -> Message | None:
    if isinstance(value, Mapping):
        zh, en = value.get("zh"), value.get("en")
        if isinstance(zh, str) and isinstance(en, str):
            return Message(zh, en)
    return None


def _reason(value: object, fallback: Reason) -> Reason:
    try:
        return Reason(str(value))
    except ValueError:
        return fallback


def decided_from_reply(
    reply: Mapping[str, Any], request: int, uid: str
) -> tuple[ItemDecided, JournalDecision] | None:
    """Central's reply as the machine's event and the journal's decision; ``None`` if unusable."""
    result = reply.get("result")
    if not isinstance(result, str) or result not in _RESULT_VERDICT:
        return None
    verdict = _RESULT_VERDICT[result]
    if result == "exception":
        reason = Reason.CENTRAL_EXCEPTION
    else:
        fallback = Reason.OK if verdict is Verdict.ACCEPTED else Reason.CENTRAL_REFUSED
        reason = _reason(reply.get("reason"), fallback)
    due_ms = reply.get("due")
    due = None
    if isinstance(due_ms, int) and not isinstance(due_ms, bool) and due_ms >= 0:
        due = ms_to_datetime(due_ms)
    else:
        due_ms = None
    event = ItemDecided(
        request,
        uid,
        verdict,
        reason,
        due,
        _text(reply.get("route")),
        False,
        _text(reply.get("title")) or "",
        _message(reply.get("message")) if reason is not Reason.CENTRAL_EXCEPTION else None,
    )
    record = JournalDecision(
        Result(result),
        str(reply.get("reason"))[:64] if _text(reply.get("reason")) else None,
        due_ms,
    )
    return event, record


def verified_from_reply(
    reply: Mapping[str, Any], request: int, card: PatronCard
) -> PatronVerified | None:
    """Central's patron look-up as the machine's event; ``None`` if unusable."""
    result = reply.get("result")
    if result not in ("accepted", "refused"):
        return None
    if result == "refused":
        return PatronVerified(
            request, Verdict.REFUSED, _reason(reply.get("reason"), Reason.PATRON_UNKNOWN)
        )
    number = _text(reply.get("card")) or card.label
    shown_card = card if card.number is not None else PatronCard(CardKind.UID, number, card.uid)
    patron = Patron(number, _text(reply.get("name")) or "", shown_card)
    return PatronVerified(request, Verdict.ACCEPTED, Reason.OK, patron)
