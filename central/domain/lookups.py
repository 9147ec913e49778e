"""Patron and item look-ups (``req/patron``, ``req/item``): what a kiosk asks before it acts.

A patron look-up checks the PIN before it reveals anything about the reader; wrong PINs are
counted on the patron record and lock PIN entry at the configured maximum until staff unlock it.
A patron with no PIN on record cannot pass a required PIN check (and is not counted): staff must
set one. An item look-up never refuses; its reason code only informs.
"""

from __future__ import annotations

from dataclasses import replace

from central.domain.masking import mask_card, mask_name
from central.domain.messages import ItemReply, ItemStatus, PatronReply, Result
from central.domain.model import HoldState, Item, Library, Patron
from central.domain.pins import verify_pin
from central.domain.queries import (
    active_holds,
    find_item,
    patron_expired,
    require_kiosk,
    require_library,
)
from central.domain.repository import Repository
from kiosk.circulation.reasons import Reason, Route, message_for

__all__ = ["item_lookup", "patron_lookup"]


def patron_lookup(
    repo: Repository,
    card: str,
    pin: str | None,
    now_ms: int,
    *,
    kiosk: str | None,
    max_pin_failures: int,
) -> PatronReply:
    """Identify a reader (call inside ``repo.atomic()``: a PIN check may update the patron)."""
    found = repo.get_patron(card)
    masked = mask_card(card)
    if found is None:
        return _refused(card, masked, Reason.PATRON_UNKNOWN)
    library = _rules_library(repo, kiosk, found.home)
    if library.pin_required or pin is not None:
        refusal = _check_pin(repo, found, pin, max_pin_failures)
        if refusal is not None:
            return _refused(card, masked, refusal, known=True, pin_required=True)
    expired = patron_expired(found, now_ms, library)
    reason = Reason.OK
    if found.blocked:
        reason = Reason.PATRON_BLOCKED
    elif expired:
        reason = Reason.PATRON_EXPIRED
    loans = repo.loans_of(card)
    ready = [h for h in repo.holds() if h.patron == card and h.state is HoldState.ON_SHELF]
    return PatronReply(
        card=card,
        result=Result.ACCEPTED if reason is Reason.OK else Result.REFUSED,
        reason=reason,
        message=message_for(reason),
        known=True,
        card_masked=masked,
        name=found.name,
        name_masked=mask_name(found.name),
        category=found.category,
        blocked=found.blocked,
        expired=expired,
        expires=found.expires.isoformat() if found.expires else None,
        pin_required=library.pin_required,
        loans=len(loans),
        limit=found.limit,
        overdue=sum(1 for loan in loans if loan.due_ms < now_ms),
        holds_ready=len(ready),
    )


def _rules_library(repo: Repository, kiosk: str | None, home: str) -> Library:
    """The kiosk's library when the look-up comes from a kiosk, else the patron's home."""
    isil = require_kiosk(repo, kiosk).library if kiosk is not None else home
    return require_library(repo, isil)


def _check_pin(repo: Repository, patron: Patron, pin: str | None, limit: int) -> Reason | None:
    if patron.pin_failures >= limit:
        return Reason.PIN_LOCKED
    if not pin:
        return Reason.PIN_REQUIRED
    if patron.pin_hash is None:
        return Reason.PIN_WRONG
    if verify_pin(pin, patron.pin_hash):
        if patron.pin_failures:
            repo.put_patron(replace(patron, pin_failures=0))
        return None
    failures = patron.pin_failures + 1
    repo.put_patron(replace(patron, pin_failures=failures))
    return Reason.PIN_LOCKED if failures >= limit else Reason.PIN_WRONG


def _refused(
    card: str, masked: str, reason: Reason, *, known: bool = False, pin_required: bool = False
) -> PatronReply:
    return PatronReply(
        card=card,
        result=Result.REFUSED,
        reason=reason,
        message=message_for(reason),
        known=known,
        card_masked=masked,
        pin_required=pin_required,
    )


def item_lookup(repo: Repository, pii: str, owner_isil: str | None) -> ItemReply:
    """Display data and where the copy stands (by PII alone when ``owner_isil`` is empty)."""
    owner_isil = owner_isil or ""
    item = find_item(repo, pii, owner_isil)
    owner = repo.get_library(item.owner if item else owner_isil)
    member = owner is not None and owner.member
    if item is None:
        reason = Reason.ITEM_UNKNOWN if member else Reason.NOT_MEMBER_LIBRARY
        return ItemReply(pii, owner_isil, ItemStatus.UNKNOWN, reason, member=member)
    loan = repo.get_loan(item.key)
    holds = active_holds(repo, item.key)
    transit_to = _transit_destination(item)
    if loan is not None:
        status = ItemStatus.ON_LOAN
    elif any(h.state is HoldState.ON_SHELF for h in holds):
        status = ItemStatus.ON_HOLD_SHELF
    elif transit_to is not None:
        status = ItemStatus.IN_TRANSIT
    elif item.whereabouts == Route.STAFF:
        status = ItemStatus.AT_STAFF
    else:
        status = ItemStatus.AVAILABLE
    reason = Reason.OK
    if not member:
        reason = Reason.NOT_MEMBER_LIBRARY
    elif item.discarded:
        reason = Reason.DISCARDED
    elif not item.circulates:
        reason = Reason.NOT_FOR_CIRCULATION
    head = holds[0] if holds else None
    return ItemReply(
        pii=item.pii,
        owner=item.owner,
        status=status,
        reason=reason,
        known=True,
        member=member,
        title=item.title,
        author=item.author,
        isbn=item.isbn,
        publisher=item.publisher,
        price=item.price,
        call_number=item.call_number,
        circulates=item.circulates,
        discarded=item.discarded,
        ill=item.ill,
        reserved=bool(holds),
        on_loan_to=loan.patron if loan else None,
        due=loan.due_ms if loan else None,
        hold_patron=head.patron if head else None,
        hold_pickup=head.pickup if head else None,
        hold_expires=head.expires_ms if head else None,
        transit_to=transit_to,
    )


def _transit_destination(item: Item) -> str | None:
    prefix = f"{Route.TRANSIT}:"
    return item.whereabouts[len(prefix) :] if item.whereabouts.startswith(prefix) else None
