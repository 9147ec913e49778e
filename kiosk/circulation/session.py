"""The patron session: a table-driven, sans-IO state machine (issue §1).

``machine.handle(event) -> list[Action]``: events in (frozen values, :mod:`._events`), actions out
(frozen values, :mod:`._actions`) for the I/O layer to execute in order. The rules of operation are
at the top of :mod:`._states`; which event is allowed in which state is :data:`TRANSITIONS`.

The screen flow (every arrow is a row of :data:`TRANSITIONS` or a timeout)::

    WELCOME   --card--> PIN (if required) --PIN--> VERIFYING
    VERIFYING --accepted--> CHOOSE (BOTH machines) --operation--> ITEMS
    VERIFYING --PIN wrong--> PIN;  --refused / PIN locked--> GOODBYE
    ITEMS     --done--> FINISHING (only while answers are in flight) --> RECEIPT --> GOODBYE
    ITEMS     --idle, items on the pad--> STILL_THERE --resume / pad activity--> ITEMS
    ITEMS, STILL_THERE --idle, timeout--> (FINISHING) --> WELCOME
    PIN, VERIFYING, CHOOSE, RECEIPT --timeout / cancel--> WELCOME;  GOODBYE --timeout--> WELCOME
    any --OutOfService / StaffOverride--> OUT_OF_SERVICE / STAFF (an open session ends)

Return-only machines have no patron: the first item read in WELCOME opens an ITEMS session.

Items are handled as *units*: one tag, or every part of a multi-part item (one decision for
all). A unit's pipeline: the tag counts on the pad (debounced) → ``ReadTag`` → local
:class:`~kiosk.circulation.items.ItemPolicy` → ``RequestDecision`` (all units in flight at
once) → ``ItemDecided`` → tag security → ``ItemResult``.

Security ordering (architecture §5, the dp2SSL order):

- checkout: ``ApplySecurity(secured=False)`` only after central (or the offline policy) accepted
  the checkout of that very unit; success is shown once every part reads back unsecured;
- return: ``ApplySecurity(secured=True)`` is sent with the request (or after acceptance, per
  ``return_secure_first``); success is shown only after every part reads back secured; a refused
  return whose tag this session secured is rolled back (``rollback=True``) unless the tag was
  already secured when read;
- a write answered ``tag_gone`` tells the patron to put the item back and is retried when an
  inventory sees the tag again (bounded); after ``put_back_ms`` the unit fails SECURITY_FAILED.
  A failed checkout set has its already-unsecured parts secured again.

Every unit that gets a decision gets exactly one ``ItemResult`` per tag; problems the patron can
fix (put it back, add the missing parts) are ``ItemNotice`` actions, not results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from kiosk.circulation._actions import (
    Action,
    ApplySecurity,
    Beep,
    BeepPattern,
    EndReason,
    EndSession,
    ItemNotice,
    ItemResult,
    PrintReceipt,
    PromptStillThere,
    ReadTag,
    RequestDecision,
    Show,
    VerifyPatron,
)
from kiosk.circulation._events import (
    Cancel,
    CardPresented,
    Event,
    Finish,
    ItemDecided,
    ModeChosen,
    OutOfService,
    PatronVerified,
    PinEntered,
    ReceiptChosen,
    Resume,
    SecurityDone,
    StaffOverride,
    TagRead,
    TagsSeen,
    Tick,
)
from kiosk.circulation._pad import Pad
from kiosk.circulation._receipt import receipt_lines
from kiosk.circulation._states import State
from kiosk.circulation.config import MachineMode, SessionConfig, Timeouts
from kiosk.circulation.decision import ROUTE_STAFF, Decision, Op, Verdict
from kiosk.circulation.items import ItemIdentity, ItemPolicy, SetKey
from kiosk.circulation.patron import CardKind, Patron, PatronCard
from kiosk.circulation.reasons import Reason, message_for
from kiosk.errors import SessionError
from kiosk.security import SecurityResult

__all__ = [
    "TRANSITIONS",
    "Action",
    "ApplySecurity",
    "Beep",
    "BeepPattern",
    "Cancel",
    "CardPresented",
    "EndReason",
    "EndSession",
    "Event",
    "Finish",
    "ItemDecided",
    "ItemNotice",
    "ItemResult",
    "ModeChosen",
    "OutOfService",
    "PatronVerified",
    "PinEntered",
    "PrintReceipt",
    "PromptStillThere",
    "ReadTag",
    "ReceiptChosen",
    "RequestDecision",
    "Resume",
    "SecurityDone",
    "SessionMachine",
    "Show",
    "StaffOverride",
    "State",
    "TagRead",
    "TagsSeen",
    "Tick",
    "VerifyPatron",
]

Handler = Callable[["SessionMachine", Any], None]

# The security state each operation leaves a tag in (renew writes nothing).
_TARGET: dict[Op, bool] = {Op.CHECKOUT: False, Op.RETURN: True}

# Per-state time limits (ITEMS is measured from the last activity instead, see _state_deadline).
_STATE_TIMEOUT: dict[State, Callable[[Timeouts], int]] = {
    State.PIN: lambda t: t.step_ms,
    State.VERIFYING: lambda t: t.verify_ms,
    State.CHOOSE: lambda t: t.step_ms,
    State.STILL_THERE: lambda t: t.still_there_ms,
    State.FINISHING: lambda t: t.pending_grace_ms,
    State.RECEIPT: lambda t: t.receipt_ms,
    State.GOODBYE: lambda t: t.goodbye_ms,
}

_WORKING_STATES = frozenset({State.ITEMS, State.STILL_THERE})


@dataclass(slots=True, eq=False)
class _TagInfo:
    """What the machine knows about a tag counted on the pad (dropped when it leaves)."""

    identity: ItemIdentity | None = None
    secured: bool | None = None
    read_pending: bool = False
    read_attempts: int = 0
    after_inventory: int = -1  # read again only once a later inventory sees it
    # Lay on the pad when a session ended (or opened one) and has not been lifted since: it
    # opens no session by itself and, on a return-only machine, is not returned again.
    spent: bool = False


@dataclass(slots=True, eq=False)
class _Sec:
    """Tag-security progress of one tag of a unit."""

    prior: bool | None  # secured when read (None: unknown)
    state: bool | None = None  # what this session wrote and verified
    target: bool | None = None  # what it must become (None: nothing to write)
    rollback: bool = False
    in_flight: int | None = None
    in_flight_target: bool | None = None
    failed: bool = False
    gone_writes: int = 0
    after_inventory: int = -1  # write only once an inventory later than this one sees the tag
    notified: bool = False  # "put it back" shown for the current absence


@dataclass(slots=True, eq=False)
class _Unit:
    """One item: a single tag, or all parts of a set; one decision for all."""

    request: int | None  # None: decided locally
    uids: tuple[str, ...]
    op: Op
    identity: ItemIdentity  # the first part's; the decision is about the item it names
    sec: dict[str, _Sec]
    identities: dict[str, ItemIdentity] = field(default_factory=dict)
    decided: ItemDecided | None = None
    local: Decision | None = None
    final: bool = False
    waiting_since: int | None = None

    @property
    def decision(self) -> Decision | None:
        if self.decided is not None:
            return self.decided.decision
        return self.local


@dataclass(slots=True, eq=False)
class _Session:
    """Everything that lives for one patron session and is dropped when it ends."""

    card: PatronCard | None = None
    pin_given: bool = False
    pin_attempts: int = 0
    verify_request: int | None = None
    patron: Patron | None = None
    op: Op | None = None
    units: list[_Unit] = field(default_factory=list)
    unit_of: dict[str, _Unit] = field(default_factory=dict)
    pending: dict[int, _Unit] = field(default_factory=dict)
    writes: dict[int, tuple[_Unit, str]] = field(default_factory=dict)
    set_since: dict[SetKey, int] = field(default_factory=dict)
    set_notified: set[str] = field(default_factory=set)
    results: list[ItemResult] = field(default_factory=list)
    finishing: tuple[EndReason, State] | None = None
    abandoned: set[str] = field(default_factory=set)


class SessionMachine:
    """One kiosk's patron session. Not thread-safe: one loop owns it.

    Args:
        config: session behaviour (mode, PIN, timeouts, debouncing).
        policy: the kiosk-side item policy (local refusals before central).
        now: the starting time in milliseconds (monotonic clock of the caller's choosing).
    """

    def __init__(self, config: SessionConfig, policy: ItemPolicy, *, now: int = 0) -> None:
        self._config = config
        self._policy = policy
        self._pad = Pad(config.debounce)
        self._now = now
        self._state = State.WELCOME
        self._entered_at = now
        self._activity_at = now
        self._next_request = 1
        self._inventories = 0
        self._tags: dict[str, _TagInfo] = {}
        self._out_of_service = False
        self._s = _Session()
        self._in_session = False
        self._out: list[Action] = []

    # ------------------------------------------------------------------ public surface

    @property
    def state(self) -> State:
        return self._state

    @property
    def now(self) -> int:
        return self._now

    @property
    def in_session(self) -> bool:
        return self._in_session

    @property
    def patron(self) -> Patron | None:
        return self._s.patron

    @property
    def op(self) -> Op | None:
        return self._s.op

    @property
    def present(self) -> tuple[str, ...]:
        """UIDs counted as on the pad, in stack order."""
        return self._pad.present

    def next_deadline(self) -> int | None:
        """The earliest time a ``Tick`` would change something (``None``: nothing pending)."""
        times: list[int] = []
        deadline = self._state_deadline()
        if deadline is not None:
            times.append(deadline)
        put_back = self._config.timeouts.put_back_ms
        times.extend(
            u.waiting_since + put_back
            for u in self._s.units
            if u.waiting_since is not None and not u.final
        )
        if self._state in _WORKING_STATES:
            settle = self._config.timeouts.set_settle_ms
            times.extend(since + settle for since in self._s.set_since.values())
        return min(times) if times else None

    def handle(self, event: Event) -> list[Action]:
        """Feed one event; returns the actions to execute, in order.

        Raises:
            SessionError: the event is not allowed in the current state (or names an
                operation this machine does not offer); nothing has changed.
        """
        handler = TRANSITIONS[self._state].get(type(event))
        if handler is None:
            allowed = ", ".join(sorted(t.__name__ for t in TRANSITIONS[self._state]))
            raise SessionError(
                f"{type(event).__name__} is not allowed in state {self._state} "
                f"(allowed: {allowed})"
            )
        self._validate(event)
        out: list[Action] = []
        self._out = out
        if isinstance(event, (TagsSeen, Tick)):
            self._now = max(self._now, event.now)
            self._fire_deadlines()
            handler = TRANSITIONS[self._state][type(event)]
        handler(self, event)
        self._reconcile()
        return out

    # ------------------------------------------------------------------ plumbing

    def _emit(self, action: Action) -> None:
        self._out.append(action)

    def _new_request(self) -> int:
        number = self._next_request
        self._next_request += 1
        return number

    def _touch(self) -> None:
        self._activity_at = self._now

    def _enter(self, state: State, **show: Any) -> None:
        self._state = state
        self._entered_at = self._now
        if state is State.ITEMS:
            self._activity_at = self._now
        if state in (State.CHOOSE, State.ITEMS) and self._config.mode is MachineMode.BOTH:
            show.setdefault("ops", self._config.ops)
        self._emit(Show(state, op=self._s.op, patron=self._s.patron, **show))

    def _validate(self, event: Event) -> None:
        if isinstance(event, ModeChosen):
            if self._state is State.ITEMS and self._config.mode is not MachineMode.BOTH:
                raise SessionError(
                    f"ModeChosen: this machine (mode {self._config.mode}) offers no choice"
                )
            if event.op not in self._config.ops:
                offered = ", ".join(self._config.ops)
                raise SessionError(f"ModeChosen({event.op}): not offered here (offered: {offered})")
        elif (
            isinstance(event, PatronVerified)
            and event.result is Verdict.ACCEPTED
            and event.patron is None
            and event.request == self._s.verify_request
        ):
            raise SessionError(f"PatronVerified(request {event.request}) accepted no patron")

    def _state_deadline(self) -> int | None:
        timeouts = self._config.timeouts
        if self._state is State.ITEMS:
            return self._activity_at + timeouts.idle_ms
        limit = _STATE_TIMEOUT.get(self._state)
        return None if limit is None else self._entered_at + limit(timeouts)

    def _fire_deadlines(self) -> None:
        for _ in range(len(State)):  # each timeout moves to a state with a later deadline
            deadline = self._state_deadline()
            if deadline is None or deadline > self._now:
                return
            _ON_TIMEOUT[self._state](self)
            self._reconcile()

    # ------------------------------------------------------------------ event handlers

    def _ignore(self, event: Event) -> None:
        """Accepted and deliberately without effect in this state (see Rule 4)."""

    def _on_tick(self, event: Tick) -> None:
        """Time only: deadlines have fired already; the reconcile pass does the rest."""

    def _on_tags_seen(self, event: TagsSeen) -> None:
        self._inventories += 1
        change = self._pad.update(event.inventory, self._now)
        for uid in change.appeared:
            info = self._tags[uid] = _TagInfo()
            unit = self._s.unit_of.get(uid)
            if unit is not None:  # put back: no need to read it again
                sec = unit.sec[uid]
                sec.notified = False
                info.identity = unit.identities.get(uid)
                info.secured = sec.state if sec.state is not None else sec.prior
        for uid in change.removed:
            self._tags.pop(uid, None)
            self._s.set_notified.discard(uid)
        if (change.appeared or change.removed) and self._state in _WORKING_STATES:
            self._touch()
            if self._state is State.STILL_THERE:
                self._enter(State.ITEMS)

    def _on_tag_read(self, event: TagRead) -> None:
        info = self._tags.get(event.uid)
        if info is None:
            return  # it left the pad meanwhile; read again if it comes back
        info.read_pending = False
        if event.identity is None:
            info.read_attempts += 1
            info.after_inventory = self._inventories
            if info.read_attempts >= self._config.max_read_attempts:
                info.identity = ItemIdentity.unreadable(
                    event.uid, f"the tag left the field in {info.read_attempts} reads"
                )
            return
        identity = event.identity
        if identity.uid != event.uid:
            identity = replace(identity, uid=event.uid)
        info.identity = identity
        info.secured = event.secured

    def _on_card(self, event: CardPresented) -> None:
        card = event.card
        if self._config.mode is MachineMode.RETURN_ONLY or card.blank:
            return
        self._begin(card)

    def _on_pin(self, event: PinEntered) -> None:
        self._verify(event.pin)

    def _on_verified(self, event: PatronVerified) -> None:
        s = self._s
        if event.request != s.verify_request:
            return  # a late answer to an earlier attempt
        s.verify_request = None
        if event.result is Verdict.ACCEPTED and event.patron is not None:
            s.patron = event.patron
            self._after_identified()
            return
        reason = event.reason
        max_attempts = self._config.max_pin_attempts
        if reason is Reason.PIN_WRONG:
            s.pin_attempts += 1
            left = max_attempts - s.pin_attempts
            if left > 0:
                self._emit(Beep(BeepPattern.ERROR))
                self._enter(
                    State.PIN, reason=reason, message=message_for(reason), attempts_left=left
                )
                return
            reason = Reason.PIN_LOCKED
        elif reason is Reason.PIN_REQUIRED and not s.pin_given:
            self._enter(
                State.PIN, reason=reason, message=message_for(reason), attempts_left=max_attempts
            )
            return
        self._emit(Beep(BeepPattern.ERROR))
        self._end_session(EndReason.REFUSED)
        self._enter(State.GOODBYE, reason=reason, message=message_for(reason))

    def _on_mode_chosen(self, event: ModeChosen) -> None:
        self._s.op = event.op
        self._enter(State.ITEMS)

    def _on_mode_switch(self, event: ModeChosen) -> None:
        """Switch operation mid-session (BOTH machines); items already handled keep theirs."""
        self._s.op = event.op
        self._touch()
        self._enter(State.ITEMS)

    def _on_finish(self, event: Finish) -> None:
        waiting = [u for u in self._s.units if not u.final and u.waiting_since is not None]
        if waiting:
            for unit in waiting:
                for uid in unit.uids:
                    if not self._pad.in_hand(uid):
                        self._notice(uid, Reason.TAG_REMOVED)
            self._emit(Beep(BeepPattern.ATTENTION))
            self._touch()
            if self._state is not State.ITEMS:
                self._enter(State.ITEMS)
            return
        self._leave(EndReason.FINISHED, State.RECEIPT, finalize_waiting=False)

    def _on_resume(self, event: Resume) -> None:
        self._touch()
        self._enter(State.ITEMS)

    def _on_cancel_identify(self, event: Cancel) -> None:
        self._end_session(EndReason.CANCELLED)
        self._enter(State.WELCOME)

    def _on_cancel_items(self, event: Cancel) -> None:
        self._leave(EndReason.CANCELLED, State.GOODBYE, finalize_waiting=True)

    def _on_cancel_receipt(self, event: Cancel) -> None:
        self._end_session(EndReason.FINISHED)
        self._enter(State.GOODBYE)

    def _on_receipt(self, event: ReceiptChosen) -> None:
        if event.print:
            self._emit(PrintReceipt(receipt_lines(self._s.results, self._s.patron)))
        self._end_session(EndReason.FINISHED)
        self._enter(State.GOODBYE)

    def _on_item_decided(self, event: ItemDecided) -> None:
        unit = self._s.pending.get(event.request)
        if unit is None or unit.uids[0] != event.uid:
            return  # not ours (any more): the journal has it
        del self._s.pending[event.request]
        unit.decided = event

    def _on_security_done(self, event: SecurityDone) -> None:
        entry = self._s.writes.get(event.request)
        if entry is None or entry[1] != event.uid:
            return
        del self._s.writes[event.request]
        unit, uid = entry
        sec = unit.sec[uid]
        wrote = sec.in_flight_target
        sec.in_flight = None
        sec.in_flight_target = None
        outcome = event.outcome
        if outcome in (SecurityResult.SECURED, SecurityResult.UNSECURED):
            got = outcome is SecurityResult.SECURED
            if got is wrote:
                sec.state = got
                return
            outcome = SecurityResult.FAILED  # verified the opposite of what was asked
        sec.state = None
        if sec.rollback or unit.final:
            sec.target = None  # undoing is best effort: never hold the patron for it
            return
        if outcome is SecurityResult.TAG_GONE:
            sec.gone_writes += 1
            sec.after_inventory = self._inventories
            if sec.gone_writes < self._config.max_security_attempts:
                if not sec.notified:
                    sec.notified = True
                    self._notice(uid, Reason.TAG_REMOVED)
                return
        sec.failed = True

    def _on_out_of_service(self, event: OutOfService) -> None:
        self._out_of_service = event.on
        if event.on:
            if self._state not in (State.OUT_OF_SERVICE, State.STAFF):
                self._abort(EndReason.OUT_OF_SERVICE)
                self._enter(State.OUT_OF_SERVICE, reason=Reason.OUT_OF_SERVICE)
        elif self._state is State.OUT_OF_SERVICE:
            self._enter(State.WELCOME)

    def _on_staff(self, event: StaffOverride) -> None:
        if event.active:
            if self._state is not State.STAFF:
                self._abort(EndReason.STAFF)
                self._enter(State.STAFF)
        elif self._state is State.STAFF:
            if self._out_of_service:
                self._enter(State.OUT_OF_SERVICE, reason=Reason.OUT_OF_SERVICE)
            else:
                self._enter(State.WELCOME)

    # ------------------------------------------------------------------ timeouts

    def _timeout_to_welcome(self) -> None:
        if self._in_session:
            self._end_session(EndReason.TIMEOUT)
        self._enter(State.WELCOME)

    def _timeout_idle(self) -> None:
        if self._items_on_pad():
            self._emit(PromptStillThere(self._config.timeouts.still_there_ms))
            self._emit(Beep(BeepPattern.ATTENTION))
            self._enter(State.STILL_THERE)
        else:
            self._leave(EndReason.TIMEOUT, State.WELCOME, finalize_waiting=True)

    def _timeout_still_there(self) -> None:
        self._leave(EndReason.TIMEOUT, State.WELCOME, finalize_waiting=True)

    def _timeout_finishing(self) -> None:
        finishing = self._s.finishing or (EndReason.TIMEOUT, State.WELCOME)
        self._abandon(Reason.SECURITY_FAILED)
        self._complete(*finishing)

    # ------------------------------------------------------------------ session life

    def _begin(self, card: PatronCard) -> None:
        self._s = _Session(card=card)
        self._in_session = True
        if card.uid is not None and card.uid in self._tags:
            self._tags[card.uid].spent = True
        if self._config.pin_required:
            self._enter(State.PIN, attempts_left=self._config.max_pin_attempts)
        else:
            self._verify(None)

    def _verify(self, pin: str | None) -> None:
        s = self._s
        assert s.card is not None  # PIN and VERIFYING only follow _begin
        s.verify_request = self._new_request()
        s.pin_given = pin is not None
        self._emit(VerifyPatron(s.verify_request, s.card, pin))
        self._enter(State.VERIFYING)

    def _after_identified(self) -> None:
        mode = self._config.mode
        if mode is MachineMode.CHECKOUT:
            self._s.op = Op.CHECKOUT
        elif mode is MachineMode.RETURN:
            self._s.op = Op.RETURN
        elif len(self._config.ops) == 1:
            self._s.op = self._config.ops[0]
        else:
            self._enter(State.CHOOSE)
            return
        self._enter(State.ITEMS)

    def _leave(self, reason: EndReason, then: State, *, finalize_waiting: bool) -> None:
        """End the session once nothing is in flight (FINISHING waits, bounded by the grace)."""
        if finalize_waiting:
            for unit in list(self._s.units):
                if not unit.final and unit.waiting_since is not None:
                    self._fail_unit(unit, Reason.SECURITY_FAILED)
            self._drive_all()
        if not self._settled():
            self._s.finishing = (reason, then)
            self._enter(State.FINISHING)
            return
        self._complete(reason, then)

    def _complete(self, reason: EndReason, then: State) -> None:
        self._s.finishing = None
        if then is State.RECEIPT:
            if self._config.receipts and self._s.results:
                self._enter(State.RECEIPT)
                return
            then = State.GOODBYE
        self._end_session(reason)
        self._enter(then)

    def _abort(self, reason: EndReason) -> None:
        if self._in_session:
            self._abandon(Reason.OUT_OF_SERVICE)
            self._end_session(reason)

    def _abandon(self, reason: Reason) -> None:
        """Give every open unit its final result now and stop listening for its answers.

        Parts of a failed checkout that were already unsecured are sent one last secure write
        (its answer is not awaited): better a secured tag than an unsecured one in the library.
        """
        s = self._s
        for unit in s.units:
            if unit.request is not None and unit.decided is None:
                s.abandoned.update(unit.uids)
                continue
            s.abandoned.update(uid for uid, sec in unit.sec.items() if sec.in_flight is not None)
            if not unit.final:
                self._fail_unit(unit, reason)
        s.units.clear()
        s.unit_of.clear()
        s.pending.clear()
        s.writes.clear()

    def _end_session(self, reason: EndReason) -> None:
        s = self._s
        unfinished = set(s.abandoned)
        for unit in s.units:
            if unit.request is not None and unit.decided is None:
                unfinished.update(unit.uids)
            unfinished.update(uid for uid, sec in unit.sec.items() if sec.in_flight is not None)
        self._emit(EndSession(reason, frozenset(unfinished)))
        self._s = _Session()
        self._in_session = False
        # The session covered whatever lies on the pad: only a tag placed anew opens the next
        # one (a card left lying there, an unanswered or incomplete return-only item).
        for uid in self._pad.present:
            self._tags[uid].spent = True

    def _settled(self) -> bool:
        s = self._s
        return not s.pending and not s.writes and all(u.final for u in s.units)

    def _items_on_pad(self) -> bool:
        return any(not self._is_card(uid) for uid in self._pad.present)

    def _is_card(self, uid: str) -> bool:
        card = self._s.card
        if card is not None and uid == card.uid:
            return True
        info = self._tags.get(uid)
        return info is not None and info.identity is not None and info.identity.is_patron_card

    # ------------------------------------------------------------------ the reconcile pass

    def _reconcile(self) -> None:
        """Bring the item pipeline up to date with what is known (after every event).

        Repeated while a pass changes the state, so that a second pass with nothing new to
        tell would emit nothing (tested: ``handle(Tick(now))`` after any event returns []).
        """
        for _ in range(len(State)):
            before = self._state
            self._issue_reads()
            if self._state in (State.WELCOME, State.GOODBYE):
                self._start_from_pad()
            if self._state in _WORKING_STATES and self._s.op is not None:
                self._form_units()
            self._drive_all()
            if self._state is State.FINISHING and self._s.finishing and self._settled():
                self._complete(*self._s.finishing)
            if self._state is before:
                return

    def _issue_reads(self) -> None:
        if self._state in (State.OUT_OF_SERVICE, State.STAFF):
            return
        for uid in self._pad.present:
            info = self._tags[uid]
            if (
                info.identity is None
                and not info.read_pending
                and uid not in self._s.unit_of
                and self._pad.in_hand(uid)
                and self._inventories > info.after_inventory
            ):
                info.read_pending = True
                self._emit(ReadTag(uid))

    def _start_from_pad(self) -> None:
        """A patron card laid on the pad opens a session; return-only: any item does."""
        return_only = self._config.mode is MachineMode.RETURN_ONLY
        for uid in self._pad.present:
            info = self._tags[uid]
            identity = info.identity
            if identity is None:
                continue
            if return_only:
                if not identity.is_patron_card and not info.spent:
                    self._s = _Session(op=Op.RETURN)
                    self._in_session = True
                    self._enter(State.ITEMS)
                    return
            elif identity.is_patron_card and not info.spent:
                info.spent = True
                self._begin(PatronCard(CardKind.RFID_TAG, identity.pii, uid))
                return

    def _form_units(self) -> None:
        s = self._s
        op = s.op
        assert op is not None
        return_only = self._config.mode is MachineMode.RETURN_ONLY
        candidates: list[tuple[str, ItemIdentity]] = []
        parts: dict[SetKey, dict[str, int]] = {}
        for uid in self._pad.present:
            info = self._tags[uid]
            identity = info.identity
            if identity is None or uid in s.unit_of or self._is_card(uid):
                continue
            if return_only and info.spent:
                continue
            candidates.append((uid, identity))
            key = identity.set_key
            if key is not None and identity.set_info is not None:
                parts.setdefault(key, {})[uid] = identity.set_info.part
        formed: set[SetKey] = set()
        incomplete: set[SetKey] = set()
        for uid, identity in candidates:
            key = identity.set_key
            if key is not None and (key in formed or key in incomplete):
                continue
            ordinals = frozenset(parts[key].values()) if key is not None else None
            local = self._policy.check(op, identity, ordinals)
            if local is None:
                uids = tuple(parts[key]) if key is not None else (uid,)
                if key is not None:
                    formed.add(key)
                self._request(uids, identity, op)
            elif local.reason is Reason.SET_INCOMPLETE and key is not None:
                incomplete.add(key)
                self._set_incomplete(key, tuple(parts[key]))
            else:
                self._add_unit(_Unit(None, (uid,), op, identity, self._secs((uid,)), local=local))
        for key in [k for k in s.set_since if k not in incomplete]:
            del s.set_since[key]

    def _set_incomplete(self, key: SetKey, uids: tuple[str, ...]) -> None:
        s = self._s
        since = s.set_since.setdefault(key, self._now)
        if self._now - since < self._config.timeouts.set_settle_ms:
            return
        for uid in uids:
            if uid not in s.set_notified:
                s.set_notified.add(uid)
                self._notice(uid, Reason.SET_INCOMPLETE)

    def _secs(self, uids: tuple[str, ...]) -> dict[str, _Sec]:
        secs: dict[str, _Sec] = {}
        for uid in uids:
            info = self._tags.get(uid)
            secs[uid] = _Sec(prior=info.secured if info is not None else None)
        return secs

    def _add_unit(self, unit: _Unit) -> None:
        self._s.units.append(unit)
        for uid in unit.uids:
            self._s.unit_of[uid] = unit
            info = self._tags.get(uid)
            if info is not None and info.identity is not None:
                unit.identities[uid] = info.identity

    def _request(self, uids: tuple[str, ...], identity: ItemIdentity, op: Op) -> None:
        request = self._new_request()
        unit = _Unit(request, uids, op, identity, self._secs(uids))
        self._add_unit(unit)
        self._s.pending[request] = unit
        self._emit(RequestDecision(request, uids[0], op, identity, self._s.patron, uids))
        if op is Op.RETURN and self._config.return_secure_first:
            for sec in unit.sec.values():
                sec.target = True

    def _drive_all(self) -> None:
        for unit in list(self._s.units):
            self._drive(unit)

    def _drive(self, unit: _Unit) -> None:
        decision = unit.decision
        target = _TARGET.get(unit.op)
        if not unit.final and target is not None and (decision is None or decision.accepted):
            for uid, sec in unit.sec.items():
                if sec.state is not target and not self._pad.is_present(uid) and not sec.notified:
                    sec.notified = True
                    self._notice(uid, Reason.TAG_REMOVED)
        if decision is not None and not unit.final:
            if not decision.accepted:
                self._finalize(unit, Verdict.REFUSED, decision.reason, decision.route)
                for sec in unit.sec.values():
                    wrote = sec.state is True or sec.in_flight_target is True
                    if unit.op is Op.RETURN and wrote and sec.prior is not True:
                        sec.target, sec.rollback = False, True
                    else:
                        sec.target = None
            elif target is None:
                self._finalize(unit, Verdict.ACCEPTED, decision.reason, decision.route)
            else:
                for sec in unit.sec.values():
                    if sec.target is None:
                        sec.target = target
        self._write(unit)
        if decision is None or unit.final or not decision.accepted or target is None:
            return
        if any(sec.failed for sec in unit.sec.values()):
            self._fail_unit(unit, Reason.SECURITY_FAILED)
        elif all(sec.state is target for sec in unit.sec.values()):
            self._finalize(unit, Verdict.ACCEPTED, decision.reason, decision.route)
        elif any(
            sec.in_flight is None and sec.state is not target and not self._writable(uid, sec)
            for uid, sec in unit.sec.items()
        ):
            if unit.waiting_since is None:
                unit.waiting_since = self._now
            elif self._now - unit.waiting_since >= self._config.timeouts.put_back_ms:
                self._fail_unit(unit, Reason.SECURITY_FAILED)
        else:
            unit.waiting_since = None

    def _writable(self, uid: str, sec: _Sec) -> bool:
        return self._pad.in_hand(uid) and self._inventories > sec.after_inventory

    def _write(self, unit: _Unit) -> None:
        for uid, sec in unit.sec.items():
            if sec.target is None or sec.failed or sec.in_flight is not None:
                continue
            if sec.state is sec.target:
                continue
            if not self._writable(uid, sec):
                if sec.rollback and not self._pad.is_present(uid):
                    sec.target = None  # gone with the patron: nothing to undo on the pad
                continue
            request = self._new_request()
            sec.in_flight, sec.in_flight_target = request, sec.target
            self._s.writes[request] = (unit, uid)
            self._emit(ApplySecurity(request, uid, sec.target, sec.rollback))

    def _fail_unit(self, unit: _Unit, reason: Reason) -> None:
        route = ROUTE_STAFF if unit.op is Op.RETURN else None
        self._finalize(unit, Verdict.REFUSED, reason, route)
        for sec in unit.sec.values():
            unsecured = sec.state is False or sec.in_flight_target is False
            if unit.op is Op.CHECKOUT and unsecured:
                sec.target, sec.rollback = True, True
            else:
                sec.target = None
        self._write(unit)

    def _finalize(self, unit: _Unit, verdict: Verdict, reason: Reason, route: str | None) -> None:
        unit.final = True
        unit.waiting_since = None
        decided = unit.decided
        decision = unit.decision
        message = message_for(reason)
        if decided is not None and decided.message is not None and reason is decided.reason:
            message = decided.message
        title = (decided.title if decided is not None else "") or unit.identity.title
        accepted = verdict is Verdict.ACCEPTED
        for uid in unit.uids:
            result = ItemResult(
                uid=uid,
                op=unit.op,
                result=verdict,
                reason=reason,
                message=message,
                pii=unit.identity.pii,
                title=title,
                due=decision.due if accepted and decision is not None else None,
                route=route,
                offline=decision.offline if decision is not None else False,
            )
            self._emit(result)
            self._s.results.append(result)
        self._emit(Beep(BeepPattern.OK if accepted else BeepPattern.ERROR))
        self._touch()

    def _notice(self, uid: str, reason: Reason) -> None:
        self._emit(ItemNotice(uid, reason, message_for(reason)))
        self._emit(Beep(BeepPattern.ATTENTION))
        self._touch()


_ALWAYS: dict[type[Event], Handler] = {
    TagsSeen: SessionMachine._on_tags_seen,
    Tick: SessionMachine._on_tick,
    TagRead: SessionMachine._on_tag_read,
    ItemDecided: SessionMachine._on_item_decided,
    SecurityDone: SessionMachine._on_security_done,
    PatronVerified: SessionMachine._ignore,
    CardPresented: SessionMachine._ignore,
    OutOfService: SessionMachine._on_out_of_service,
    StaffOverride: SessionMachine._on_staff,
    Cancel: SessionMachine._ignore,
}


TRANSITIONS: Final[Mapping[State, Mapping[type[Event], Handler]]] = {
    State.WELCOME: {**_ALWAYS, CardPresented: SessionMachine._on_card},
    State.PIN: {
        **_ALWAYS,
        PinEntered: SessionMachine._on_pin,
        Cancel: SessionMachine._on_cancel_identify,
    },
    State.VERIFYING: {
        **_ALWAYS,
        PatronVerified: SessionMachine._on_verified,
        Cancel: SessionMachine._on_cancel_identify,
    },
    State.CHOOSE: {
        **_ALWAYS,
        ModeChosen: SessionMachine._on_mode_chosen,
        Cancel: SessionMachine._on_cancel_identify,
    },
    State.ITEMS: {
        **_ALWAYS,
        ModeChosen: SessionMachine._on_mode_switch,
        Finish: SessionMachine._on_finish,
        Cancel: SessionMachine._on_cancel_items,
    },
    State.STILL_THERE: {
        **_ALWAYS,
        Resume: SessionMachine._on_resume,
        Finish: SessionMachine._on_finish,
        Cancel: SessionMachine._on_cancel_items,
    },
    State.FINISHING: dict(_ALWAYS),
    State.RECEIPT: {
        **_ALWAYS,
        ReceiptChosen: SessionMachine._on_receipt,
        Cancel: SessionMachine._on_cancel_receipt,
    },
    State.GOODBYE: {**_ALWAYS, CardPresented: SessionMachine._on_card},
    State.OUT_OF_SERVICE: dict(_ALWAYS),
    State.STAFF: dict(_ALWAYS),
}
"""Which event each state accepts, and the handler that runs. Anything else raises SessionError."""

_ON_TIMEOUT: Final[Mapping[State, Callable[[SessionMachine], None]]] = {
    State.PIN: SessionMachine._timeout_to_welcome,
    State.VERIFYING: SessionMachine._timeout_to_welcome,
    State.CHOOSE: SessionMachine._timeout_to_welcome,
    State.ITEMS: SessionMachine._timeout_idle,
    State.STILL_THERE: SessionMachine._timeout_still_there,
    State.FINISHING: SessionMachine._timeout_finishing,
    State.RECEIPT: SessionMachine._timeout_to_welcome,
    State.GOODBYE: SessionMachine._timeout_to_welcome,
}
"""What a state's timeout does (states without one wait forever)."""
