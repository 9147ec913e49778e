"""Small reads and writes over the repository that several parts of the domain share.

Each ``require_*`` turns a missing record into an :class:`UnknownRecordError` naming it, so callers
never pass ``None`` further along.
"""

from __future__ import annotations

from dataclasses import replace

from central.domain.calendar import local_date
from central.domain.errors import UnknownRecordError
from central.domain.model import (
    Hold,
    HoldState,
    Item,
    ItemKey,
    KioskRegistration,
    Library,
    Patron,
)
from central.domain.repository import Repository

__all__ = [
    "BLOCKED_VERSION",
    "HOLDS_VERSION",
    "active_holds",
    "end_hold",
    "find_item",
    "patron_expired",
    "require_item",
    "require_kiosk",
    "require_library",
    "require_patron",
    "set_whereabouts",
]

HOLDS_VERSION = "holds"
BLOCKED_VERSION = "blocked"


def require_library(repo: Repository, isil: str) -> Library:
    found = repo.get_library(isil)
    if found is None:
        raise UnknownRecordError(f"library {isil!r}: not known to central")
    return found


def require_kiosk(repo: Repository, kiosk: str) -> KioskRegistration:
    found = repo.get_kiosk(kiosk)
    if found is None:
        raise UnknownRecordError(f"kiosk {kiosk!r}: not registered with central")
    return found


def require_patron(repo: Repository, card: str) -> Patron:
    found = repo.get_patron(card)
    if found is None:
        raise UnknownRecordError(f"patron {card!r}: no such card")
    return found


def require_item(repo: Repository, owner: str, pii: str) -> Item:
    found = repo.get_item((owner, pii))
    if found is None:
        raise UnknownRecordError(f"item {owner}/{pii}: not in the catalogue")
    return found


def find_item(repo: Repository, pii: str, owner: str) -> Item | None:
    """The copy ``owner``/``pii``; with no owner (a tag without one), by PII when unambiguous."""
    if owner:
        return repo.get_item((owner, pii))
    candidates = repo.items_by_pii(pii)
    return candidates[0] if len(candidates) == 1 else None


def active_holds(repo: Repository, key: ItemKey) -> list[Hold]:
    """The copy's waiting and on-shelf holds, head of the queue first."""
    return [h for h in repo.holds_on(key) if h.state.active]


def end_hold(repo: Repository, hold: Hold, state: HoldState, at_ms: int) -> Hold:
    ended = replace(hold, state=state, ended_ms=at_ms)
    repo.put_hold(ended)
    repo.bump_version(HOLDS_VERSION)
    return ended


def set_whereabouts(repo: Repository, key: ItemKey, where: str) -> None:
    item = repo.get_item(key)
    if item is not None and item.whereabouts != where:
        repo.put_item(replace(item, whereabouts=where))


def patron_expired(patron: Patron, at_ms: int, library: Library) -> bool:
    """Past the card's last valid day, counted in the library's time zone."""
    if patron.expires is None:
        return False
    return local_date(at_ms, library.utc_offset_minutes) > patron.expires
