"""The reference central domain's entry point: one object with every operation central offers.

:class:`CentralDomain` is a facade over a :class:`~central.domain.repository.Repository`:
look-ups (:mod:`.lookups`), transactions (:mod:`.processing`, which documents exactly-once
processing, ``seq`` order and offline replays), holds, the exception queue, imports
(:mod:`.importing`), members and kiosks, and the fleet view. Pure and in-process: time comes in as
epoch milliseconds (``now_ms`` for when central acts; a transaction's ``ts`` for when the patron
acted), so the MQTT edge later calls the same methods without this module changing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from central.domain import importing
from central.domain.calendar import end_of_day_ms, local_date, next_open_day
from central.domain.errors import ConflictError, UnknownRecordError
from central.domain.lookups import item_lookup, patron_lookup
from central.domain.messages import Held, ItemReply, PatronReply, Reply, Transaction
from central.domain.model import (
    AuditEntry,
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
from central.domain.pins import DEFAULT_COST
from central.domain.processing import TransactionProcessor
from central.domain.queries import (
    BLOCKED_VERSION,
    HOLDS_VERSION,
    active_holds,
    end_hold,
    require_item,
    require_kiosk,
    require_library,
    require_patron,
    set_whereabouts,
)
from central.domain.repository import InMemoryRepository, Repository
from kiosk.circulation.reasons import Route

__all__ = ["BLOCKED_VERSION", "HOLDS_VERSION", "CentralDomain", "DomainConfig", "FleetEntry"]


@dataclass(frozen=True, slots=True)
class DomainConfig:
    """Tunables that are not per library.

    ``reorder_timeout_ms``: how long a transaction after a ``seq`` gap is held for the missing one.
    ``max_pin_failures``: wrong PINs in a row before the card is locked for PIN entry.
    ``pin_salt``: source of fresh salt (e.g. ``lambda: os.urandom(16)``) for plain PINs in imports.
    ``pin_cost``: scrypt (n, r, p) for PINs hashed on import.
    """

    reorder_timeout_ms: int = 30_000
    max_pin_failures: int = 5
    pin_salt: Callable[[], bytes] | None = None
    pin_cost: tuple[int, int, int] = DEFAULT_COST


@dataclass(frozen=True, slots=True)
class FleetEntry:
    """One kiosk in the fleet view."""

    kiosk: str
    library: str
    last_seq: int
    last_ts: int | None
    last_seen_ms: int | None
    processed: int
    held: int
    gaps: int


class CentralDomain:
    """The central system's rules over a repository of records."""

    def __init__(self, repo: Repository | None = None, config: DomainConfig | None = None) -> None:
        self._repo: Repository = repo if repo is not None else InMemoryRepository()
        self._config = config if config is not None else DomainConfig()
        self._tx = TransactionProcessor(self._repo, self._config.reorder_timeout_ms)

    @property
    def repo(self) -> Repository:
        return self._repo

    @property
    def config(self) -> DomainConfig:
        return self._config

    # ------------------------------------------------------------------ members, kiosks, data

    def add_library(self, library: Library) -> None:
        self._repo.put_library(library)

    def library(self, isil: str) -> Library:
        return require_library(self._repo, isil)

    def library_by_code(self, code: str) -> Library:
        for library in self._repo.libraries():
            if library.code == code:
                return library
        raise UnknownRecordError(f"library code {code!r}: not known to central")

    def libraries(self) -> list[Library]:
        return sorted(self._repo.libraries(), key=lambda lib: lib.code)

    def register_kiosk(self, registration: KioskRegistration) -> None:
        """Register a machine; its library must be known (kiosk ids are the MQTT usernames)."""
        require_library(self._repo, registration.library)
        self._repo.put_kiosk(registration)

    def kiosk(self, kiosk: str) -> KioskRegistration:
        return require_kiosk(self._repo, kiosk)

    def add_item(self, item: Item) -> None:
        self._repo.put_item(item)

    def add_patron(self, patron: Patron) -> None:
        """Add or replace a patron; a change of block status changes the blocked-cards version."""
        with self._repo.atomic():
            old = self._repo.get_patron(patron.card)
            self._repo.put_patron(patron)
            if (old is not None and old.blocked) != patron.blocked:
                self._repo.bump_version(BLOCKED_VERSION)

    def block_patron(self, card: str, reason: str = "") -> Patron:
        patron = replace(require_patron(self._repo, card), blocked=True, block_reason=reason)
        self.add_patron(patron)
        return patron

    def unblock_patron(self, card: str) -> Patron:
        patron = replace(require_patron(self._repo, card), blocked=False, block_reason="")
        self.add_patron(patron)
        return patron

    def unlock_pin(self, card: str) -> Patron:
        patron = replace(require_patron(self._repo, card), pin_failures=0)
        self._repo.put_patron(patron)
        return patron

    def load_json(
        self, document: str | bytes | Mapping[str, object], source: str = "document"
    ) -> dict[str, int]:
        """Import members, kiosks, catalogue, patrons and holds (see :mod:`.importing`); returns
        the number of records per section."""
        return importing.load_json(self, document, source)

    def load_csv(self, kind: str, text: str, source: str | None = None) -> int:
        """Import one CSV file of ``kind``; returns the number of rows (see :mod:`.importing`)."""
        return importing.load_csv(self, kind, text, source)

    # ------------------------------------------------------------------ look-ups

    def patron(
        self, card: str, pin: str | None, now_ms: int, *, kiosk: str | None = None
    ) -> PatronReply:
        """Identify a reader at a machine: known, PIN, blocked, expired, loans and limit.

        ``kiosk`` picks the library whose ``pin_required`` and time zone apply (the patron's home
        library when omitted). See :mod:`.lookups` for the PIN rules.
        """
        with self._repo.atomic():
            return patron_lookup(
                self._repo,
                card,
                pin,
                now_ms,
                kiosk=kiosk,
                max_pin_failures=self._config.max_pin_failures,
            )

    def item(self, pii: str, owner_isil: str | None) -> ItemReply:
        """Display data and circulation state of a copy."""
        return item_lookup(self._repo, pii, owner_isil)

    # ------------------------------------------------------------------ transactions

    def apply(self, tx: Transaction, now_ms: int) -> Reply | Held:
        """Process one transaction exactly once and in its kiosk's ``seq`` order.

        Returns the reply, or :class:`Held` while an earlier ``seq`` is missing. Raises
        :class:`UnknownRecordError` for an unregistered kiosk; nothing is recorded then, so the
        kiosk keeps the transaction queued and it goes through once the kiosk is registered.
        """
        return self._tx.apply(tx, now_ms)

    def apply_wire(self, data: Mapping[str, object], now_ms: int, *, kiosk: str) -> Reply | Held:
        """:meth:`apply` for a decoded ``evt/tx`` map; ``kiosk`` is the sender from the topic."""
        return self.apply(Transaction.from_wire(data, kiosk=kiosk), now_ms)

    def take_released(self) -> list[Reply]:
        """Replies of held transactions that ran because their missing ``seq`` arrived."""
        return self._tx.take_released()

    def release_gaps(self, now_ms: int) -> list[Reply]:
        """Give up waiting for ``seq`` gaps older than the reorder timeout; returns the replies."""
        return self._tx.release_gaps(now_ms)

    def gap_log(self) -> list[GapRecord]:
        return self._repo.gaps()

    def loans(self, card: str | None = None) -> list[Loan]:
        return self._repo.loans_of(card) if card is not None else self._repo.loans()

    def audit(self, kiosk: str | None = None) -> list[AuditEntry]:
        """Staff actions the kiosks reported (all, or one kiosk's), oldest first."""
        return self._repo.audit(kiosk)

    # ------------------------------------------------------------------ exception queue

    def exceptions(self, open_only: bool = True) -> list[ExceptionEntry]:
        return [e for e in self._repo.exceptions() if not (open_only and e.resolved)]

    def resolve_exception(
        self, exception_id: int, resolution: str, staff: str, now_ms: int
    ) -> ExceptionEntry:
        """Close an exception-queue entry, recording what staff did and who did it."""
        entry = self._repo.get_exception(exception_id)
        if entry is None:
            raise UnknownRecordError(f"exception {exception_id}: no such queue entry")
        if entry.resolved:
            raise ConflictError(
                f"exception {exception_id}: already resolved by {entry.staff} ({entry.resolution})"
            )
        if not resolution.strip() or not staff.strip():
            raise ConflictError(f"exception {exception_id}: resolution and staff must not be empty")
        resolved = replace(
            entry, resolved=True, resolution=resolution, staff=staff, resolved_ms=now_ms
        )
        self._repo.put_exception(resolved)
        return resolved

    # ------------------------------------------------------------------ holds

    def place_hold(self, owner: str, pii: str, patron: str, pickup: str, now_ms: int) -> Hold:
        """Reserve a copy for ``patron`` to collect at ``pickup`` (joins the copy's queue)."""
        with self._repo.atomic():
            item = require_item(self._repo, owner, pii)
            require_patron(self._repo, patron)
            pickup_library = require_library(self._repo, pickup)
            if not pickup_library.member:
                raise ConflictError(f"pickup {pickup!r}: not a member library")
            if any(h.patron == patron for h in active_holds(self._repo, item.key)):
                raise ConflictError(f"hold on {owner}/{pii}: {patron} already holds it")
            loan = self._repo.get_loan(item.key)
            if loan is not None and loan.patron == patron:
                raise ConflictError(f"hold on {owner}/{pii}: already on loan to {patron}")
            hold = Hold(self._repo.next_id("hold"), owner, pii, patron, pickup, now_ms)
            self._repo.put_hold(hold)
            self._repo.bump_version(HOLDS_VERSION)
            return hold

    def cancel_hold(self, hold_id: int, now_ms: int) -> Hold:
        with self._repo.atomic():
            hold = self._active_hold(hold_id)
            if hold.state is HoldState.ON_SHELF:
                set_whereabouts(self._repo, hold.key, str(Route.STAFF))
            return end_hold(self._repo, hold, HoldState.CANCELLED, now_ms)

    def hold_arrived(self, owner: str, pii: str, now_ms: int) -> Hold:
        """Staff put the copy on the hold shelf for the head of its queue, until the pick-up
        library's hold-shelf period ends."""
        with self._repo.atomic():
            item = require_item(self._repo, owner, pii)
            if self._repo.get_loan(item.key) is not None:
                raise ConflictError(f"{owner}/{pii}: on loan, cannot go on the hold shelf")
            holds = active_holds(self._repo, item.key)
            if not holds or holds[0].state is not HoldState.WAITING:
                raise ConflictError(f"{owner}/{pii}: no waiting hold to put on the shelf")
            head = holds[0]
            pickup = require_library(self._repo, head.pickup)
            last_day = local_date(now_ms, pickup.utc_offset_minutes) + timedelta(
                days=pickup.hold_shelf_days
            )
            expires = end_of_day_ms(next_open_day(last_day, pickup), pickup.utc_offset_minutes)
            shelved = replace(head, state=HoldState.ON_SHELF, expires_ms=expires)
            self._repo.put_hold(shelved)
            self._repo.put_item(replace(item, whereabouts=f"{Route.HOLD}:{head.pickup}"))
            self._repo.bump_version(HOLDS_VERSION)
            return shelved

    def expire_holds(self, now_ms: int) -> list[Hold]:
        """End hold-shelf waits whose expiry has passed; the copies go back to staff."""
        expired: list[Hold] = []
        with self._repo.atomic():
            for hold in self._repo.holds():
                if hold.state is HoldState.ON_SHELF and (hold.expires_ms or 0) < now_ms:
                    set_whereabouts(self._repo, hold.key, str(Route.STAFF))
                    expired.append(end_hold(self._repo, hold, HoldState.EXPIRED, now_ms))
        return expired

    def holds(self, active_only: bool = True) -> list[Hold]:
        return [h for h in self._repo.holds() if h.state.active or not active_only]

    def holds_snapshot(self, library_isil: str | None = None) -> dict[str, object]:
        """Active holds for the kiosks' offline policy: all, or those whose copy belongs to
        ``library_isil`` or waits for pick-up there. ``version`` changes with every hold change."""
        holds = [
            {
                "pii": h.pii,
                "owner": h.owner,
                "patron": h.patron,
                "pickup": h.pickup,
                "expires": h.expires_ms,
                "state": str(h.state),
            }
            for h in self.holds()
            if library_isil is None or library_isil in (h.owner, h.pickup)
        ]
        return {"version": self._repo.version(HOLDS_VERSION), "holds": holds}

    def blocked_cards(self) -> dict[str, object]:
        cards = sorted(p.card for p in self._repo.patrons() if p.blocked)
        return {"version": self._repo.version(BLOCKED_VERSION), "cards": cards}

    def bump_holds_version(self) -> int:
        """Mark the holds as changed (imports and direct edits); returns the new version."""
        return self._repo.bump_version(HOLDS_VERSION)

    def _active_hold(self, hold_id: int) -> Hold:
        hold = self._repo.get_hold(hold_id)
        if hold is None:
            raise UnknownRecordError(f"hold {hold_id}: no such hold")
        if not hold.state.active:
            raise ConflictError(f"hold {hold_id}: already {hold.state}")
        return hold

    # ------------------------------------------------------------------ fleet

    def fleet(self) -> list[FleetEntry]:
        """Every registered kiosk with its last ``seq``, last transaction time, held and gaps."""
        gaps = self._repo.gaps()
        progress = {p.kiosk: p for p in self._repo.progress()}
        entries = []
        for reg in sorted(self._repo.kiosks(), key=lambda r: r.kiosk):
            seen = progress.get(reg.kiosk, KioskProgress(reg.kiosk))
            entries.append(
                FleetEntry(
                    kiosk=reg.kiosk,
                    library=reg.library,
                    last_seq=seen.last_seq,
                    last_ts=seen.last_ts,
                    last_seen_ms=seen.last_seen_ms,
                    processed=seen.processed,
                    held=len(self._repo.pending(reg.kiosk)),
                    gaps=sum(1 for g in gaps if g.kiosk == reg.kiosk),
                )
            )
        return entries
