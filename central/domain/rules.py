"""The circulation rules as pure functions of the facts central holds about one transaction.

The service gathers :class:`Facts` (patron, copy, its loan, its active holds, the kiosk and
libraries involved); a rule function turns them into a :class:`Verdict` (accepted or refused, the
reason code, the return route). Nothing here reads storage or changes anything, so every rule is
tested by building facts directly. The checks run in a fixed order; the first that fails decides:

checkout  patron unknown → blocked → expired → owner not a member → item unknown → discarded →
          not for circulation → on loan (to this patron / to another) → on hold for another
          (the head of the item's hold queue is someone else) → over the loan limit → accepted
checkin   owner not a member → item unknown → interlibrary loan (→ staff) → reserved (refused, or
          → staff when the kiosk has a staff bin) → accepted: ``shelf`` at the owner library,
          ``transit:{owner}`` elsewhere; reason ``not_on_loan`` when there was no loan
renew     patron unknown → blocked → expired → owner not a member → item unknown → not this
          patron's loan → reserved by another patron → renewal limit → overdue (if the library
          forbids renewing overdue loans) → accepted

Decisions and why:
- Interlibrary-loan copies are ACCEPTED at returns with route ``staff``: the loan ends (the
  patron's account is cleared, as at the desk) and staff send the copy back to the lending
  institution, which a member-library transit crate must not do.
- A reserved copy is refused at returns unless the kiosk has a staff bin, because a reader waits
  for it: putting it on the shelf or into transit would lose it.
- The ``hold:{pickup}`` route of the contract is not produced: a copy is put on the hold shelf by
  staff (``hold_arrived``), never straight out of a return chute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from central.domain.messages import Op, Result, TxItem
from central.domain.model import Hold, Item, KioskRegistration, Library, Loan, Patron
from kiosk.circulation.reasons import Reason, Route

__all__ = ["RULES", "Facts", "Verdict", "checkin_verdict", "checkout_verdict", "renew_verdict"]


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the rules may look at for one transaction."""

    op: Op
    ts: int
    card: str | None
    tx_item: TxItem
    kiosk: KioskRegistration
    library: Library  # the kiosk's library: its rules (loan period, time zone) apply
    owner: Library | None  # the copy's owner library, None when central does not know it
    item: Item | None
    patron: Patron | None
    patron_expired: bool
    patron_loans: int
    loan: Loan | None
    holds: tuple[Hold, ...]  # active holds on the copy, queue order (head first)


@dataclass(frozen=True, slots=True)
class Verdict:
    result: Result
    reason: Reason
    route: str | None = None

    @property
    def accepted(self) -> bool:
        return self.result is Result.ACCEPTED


def _refuse(reason: Reason, route: str | None = None) -> Verdict:
    return Verdict(Result.REFUSED, reason, route)


def _patron_refusal(f: Facts) -> Verdict | None:
    if f.patron is None:
        return _refuse(Reason.PATRON_UNKNOWN)
    if f.patron.blocked:
        return _refuse(Reason.PATRON_BLOCKED)
    if f.patron_expired:
        return _refuse(Reason.PATRON_EXPIRED)
    return None


def _item_refusal(f: Facts) -> Verdict | None:
    if f.owner is None or not f.owner.member:
        return _refuse(Reason.NOT_MEMBER_LIBRARY)
    if f.item is None:
        return _refuse(Reason.ITEM_UNKNOWN)
    return None


def checkout_verdict(f: Facts) -> Verdict:
    refusal = _patron_refusal(f) or _item_refusal(f)
    if refusal is not None:
        return refusal
    assert f.item is not None and f.patron is not None  # narrowed by the checks above
    if f.item.discarded:
        return _refuse(Reason.DISCARDED)
    if not f.item.circulates:
        return _refuse(Reason.NOT_FOR_CIRCULATION)
    if f.loan is not None:
        mine = f.loan.patron == f.card
        return _refuse(Reason.ALREADY_ON_LOAN_TO_PATRON if mine else Reason.ON_LOAN_TO_OTHER)
    if f.holds and f.holds[0].patron != f.card:
        return _refuse(Reason.ON_HOLD_FOR_OTHER)
    if f.patron_loans >= f.patron.limit:
        return _refuse(Reason.PATRON_OVER_LIMIT)
    return Verdict(Result.ACCEPTED, Reason.OK)


def shelf_route(item: Item, kiosk_library: str) -> str:
    """``shelf`` at the owner library, ``transit:{owner}`` at any other member library."""
    if item.owner == kiosk_library:
        return str(Route.SHELF)
    return f"{Route.TRANSIT}:{item.owner}"


def is_ill(f: Facts) -> bool:
    """Central's record or the tag (OID 11 ILL borrowing institution) says interlibrary loan."""
    return bool((f.item is not None and f.item.ill) or f.tx_item.ill or f.tx_item.ill_institution)


def checkin_verdict(f: Facts) -> Verdict:
    refusal = _item_refusal(f)
    if refusal is not None:
        return refusal
    assert f.item is not None
    if is_ill(f):
        return Verdict(Result.ACCEPTED, Reason.ILL_TO_STAFF, str(Route.STAFF))
    if f.holds:
        if f.kiosk.accepts_reserved_to_staff_bin:
            return Verdict(Result.ACCEPTED, Reason.RESERVED_TO_STAFF, str(Route.STAFF))
        return _refuse(Reason.RESERVED)
    reason = Reason.OK if f.loan is not None else Reason.NOT_ON_LOAN
    return Verdict(Result.ACCEPTED, reason, shelf_route(f.item, f.kiosk.library))


def renew_verdict(f: Facts) -> Verdict:
    refusal = _patron_refusal(f) or _item_refusal(f)
    if refusal is not None:
        return refusal
    if f.loan is None or f.loan.patron != f.card:
        return _refuse(Reason.NOT_YOUR_LOAN)
    if any(hold.patron != f.card for hold in f.holds):
        return _refuse(Reason.RENEW_RESERVED)
    if f.loan.renewals >= f.library.max_renewals:
        return _refuse(Reason.RENEW_LIMIT)
    if f.ts > f.loan.due_ms and not f.library.renew_when_overdue:
        return _refuse(Reason.RENEW_OVERDUE)
    return Verdict(Result.ACCEPTED, Reason.OK)


RULES: dict[Op, Callable[[Facts], Verdict]] = {
    Op.CHECKOUT: checkout_verdict,
    Op.CHECKIN: checkin_verdict,
    Op.RENEW: renew_verdict,
}
