"""Processing circulation transactions: exactly once, in order, with offline replays.

Staff actions
    A kiosk journals staff actions (``op`` = ``staff:<action>``, with ``staff`` and ``detail``)
    and sends them like any transaction, each with the next ``seq``. They go through the same
    exactly-once and ``seq``-order machinery (so they never hold back the transactions after
    them), change no loan, hold or copy, are recorded in the audit list
    (:class:`~central.domain.model.AuditEntry`) and are answered ``accepted`` / ``ok``.

Exactly once, in order
    Each ``tx_id`` is processed at most once; a repeat gets the first reply, unchanged, and changes
    nothing. Each kiosk's transactions are applied in ``seq`` order: one that arrives after a gap is
    held (:class:`~central.domain.messages.Held`) until the missing ``seq`` arrives (then the held
    ones run, and their replies wait in :meth:`CentralDomain.take_released`) or until
    :meth:`CentralDomain.release_gaps` finds it held longer than the reorder timeout (then the gap
    is logged as ``skipped`` and processing goes on). A skipped ``seq`` that turns up later is
    applied and logged as ``late``. A ``seq`` already used by another ``tx_id`` is a
    ``seq_conflict``: the reply is ``exception`` and staff get a queue entry with the payload.

Offline replays: the physical world wins
    A transaction the kiosk decided offline is applied with its original ``ts`` (due dates run from
    it). A kiosk's offline refusal is recorded and answered ``refused`` with no effect. An offline
    acceptance already happened at the machine, so central records what it can and, where its own
    rules would have refused, answers ``exception`` and opens an exception-queue entry:

    ============================  ==============================================================
    kind                          state central keeps
    ============================  ==============================================================
    checkout_patron_unknown       nothing (no loan to an unknown card); staff trace the copy
    checkout_item_unknown         nothing (no record to lend)
    checkout_not_member           nothing
    checkout_patron_blocked       the loan is created (the patron has the copy), flagged
    checkout_patron_expired       the loan is created, flagged
    checkout_over_limit           the loan is created, flagged
    checkout_not_for_circulation  the loan is created, flagged (also for discarded copies)
    checkout_reserved             the loan is created, flagged; the hold stays for staff to
                                  recall the copy or re-assign the hold
    checkout_on_loan_to_other     the earlier loan is closed and the new one created, flagged
                                  (the copy evidently came back without its return reaching us)
    checkout_superseded           nothing: the copy was lent again after this checkout
    return_not_on_loan            nothing to end; the copy's whereabouts follow the route
    return_stale                  nothing: the copy was lent again after this return
    return_reserved               the loan ends; the copy is marked for staff (it is in a
                                  general return bin, but a reader waits for it)
    return_ill                    the loan ends; the copy is marked for staff
    return_not_member/_item_unk.  nothing
    renew_refused                 nothing: the old due date stands; staff contact the patron
    ============================  ==============================================================

    An offline checkout of a copy already on loan to the same patron restarts that loan from
    ``ts`` (the patron returned it offline elsewhere and borrowed it again); it is not a conflict.
    Central computes due dates itself; the receipt's offline due date may differ.
"""

from __future__ import annotations

from dataclasses import replace

from central.domain.calendar import due_ms
from central.domain.messages import Held, OfflineDecision, Op, Reply, Result, Transaction
from central.domain.model import (
    AuditEntry,
    ConflictKind,
    ExceptionEntry,
    GapRecord,
    HoldState,
    Item,
    KioskProgress,
    KioskRegistration,
    Loan,
    PendingTx,
    ProcessedTx,
)
from central.domain.queries import (
    active_holds,
    end_hold,
    find_item,
    patron_expired,
    require_kiosk,
    require_library,
)
from central.domain.repository import Repository
from central.domain.rules import RULES, Facts, Verdict
from kiosk.circulation.reasons import REASONS, Reason, Route, message_for

__all__ = ["TransactionProcessor"]

_EXCEPTION_MESSAGE = REASONS[Reason.CENTRAL_EXCEPTION]

# Offline checkout that central would refuse: reason → (conflict kind, does a loan get created).
_CHECKOUT_CONFLICTS: dict[Reason, tuple[ConflictKind, bool]] = {
    Reason.PATRON_UNKNOWN: (ConflictKind.CHECKOUT_PATRON_UNKNOWN, False),
    Reason.NOT_MEMBER_LIBRARY: (ConflictKind.CHECKOUT_NOT_MEMBER, False),
    Reason.ITEM_UNKNOWN: (ConflictKind.CHECKOUT_ITEM_UNKNOWN, False),
    Reason.PATRON_BLOCKED: (ConflictKind.CHECKOUT_PATRON_BLOCKED, True),
    Reason.PATRON_EXPIRED: (ConflictKind.CHECKOUT_PATRON_EXPIRED, True),
    Reason.PATRON_OVER_LIMIT: (ConflictKind.CHECKOUT_OVER_LIMIT, True),
    Reason.NOT_FOR_CIRCULATION: (ConflictKind.CHECKOUT_NOT_FOR_CIRCULATION, True),
    Reason.DISCARDED: (ConflictKind.CHECKOUT_NOT_FOR_CIRCULATION, True),
    Reason.ON_HOLD_FOR_OTHER: (ConflictKind.CHECKOUT_RESERVED, True),
    Reason.ON_LOAN_TO_OTHER: (ConflictKind.CHECKOUT_ON_LOAN_TO_OTHER, True),
}

# Offline return that needs staff: reason → (conflict kind, does the loan end).
_CHECKIN_CONFLICTS: dict[Reason, tuple[ConflictKind, bool]] = {
    Reason.NOT_MEMBER_LIBRARY: (ConflictKind.RETURN_NOT_MEMBER, False),
    Reason.ITEM_UNKNOWN: (ConflictKind.RETURN_ITEM_UNKNOWN, False),
    Reason.NOT_ON_LOAN: (ConflictKind.RETURN_NOT_ON_LOAN, False),
    Reason.RESERVED: (ConflictKind.RETURN_RESERVED, True),
    Reason.RESERVED_TO_STAFF: (ConflictKind.RETURN_RESERVED, True),
    Reason.ILL_TO_STAFF: (ConflictKind.RETURN_ILL, True),
}


class TransactionProcessor:
    """Applies transactions to the repository; owned by :class:`~central.domain.CentralDomain`."""

    def __init__(self, repo: Repository, reorder_timeout_ms: int) -> None:
        self._repo = repo
        self._reorder_timeout_ms = reorder_timeout_ms
        self._released: list[Reply] = []

    def apply(self, tx: Transaction, now_ms: int) -> Reply | Held:
        """Process one transaction exactly once and in its kiosk's ``seq`` order.

        Returns the reply, or :class:`Held` when an earlier ``seq`` is missing. Raises
        :class:`UnknownRecordError` for an unregistered kiosk (nothing is recorded: the kiosk keeps
        the transaction queued and it goes through once the kiosk is registered).
        """
        released: list[Reply] = []
        with self._repo.atomic():
            done = self._repo.get_processed(tx.tx_id)
            if done is not None:
                return done.reply
            registration = require_kiosk(self._repo, tx.kiosk)
            progress = self._progress(tx.kiosk)
            if tx.seq <= progress.last_seq:
                other = self._repo.processed_at(tx.kiosk, tx.seq)
                if other is not None:
                    return self._seq_conflict(tx, other.tx_id, now_ms)
                self._repo.add_gap(GapRecord("late", tx.kiosk, tx.seq, tx.seq, now_ms))
                return self._process(tx, registration, now_ms)
            if tx.seq > progress.last_seq + 1:
                waiting = {p.tx.seq: p.tx for p in self._repo.pending(tx.kiosk)}
                earlier = waiting.get(tx.seq)
                if earlier is not None and earlier.tx_id != tx.tx_id:
                    return self._seq_conflict(tx, earlier.tx_id, now_ms)
                if earlier is None:
                    self._repo.put_pending(PendingTx(tx, now_ms))
                return Held(tx.tx_id, tx.kiosk, tx.seq, progress.last_seq + 1)
            reply = self._process(tx, registration, now_ms)
            released = self._drain(tx.kiosk, now_ms, force=False)
        self._released.extend(released)
        return reply

    def take_released(self) -> list[Reply]:
        """Replies for held transactions that ran since the last call (oldest first).

        They are not lost if the caller crashes before sending them: the kiosk re-sends, and the
        repeat gets the stored reply.
        """
        released, self._released = self._released, []
        return released

    def release_gaps(self, now_ms: int) -> list[Reply]:
        """Stop waiting for missing ``seq`` values held longer than the reorder timeout.

        The gap is logged (``skipped``) and the held transactions run in order; their replies are
        returned (and not repeated by :meth:`take_released`).
        """
        replies: list[Reply] = []
        with self._repo.atomic():
            for kiosk in self._repo.pending_kiosks():
                replies.extend(self._drain(kiosk, now_ms, force=True))
        return replies

    def _drain(self, kiosk: str, now_ms: int, *, force: bool) -> list[Reply]:
        """Run held transactions that are next in line (or, with ``force``, timed out)."""
        replies: list[Reply] = []
        registration = require_kiosk(self._repo, kiosk)
        timeout = self._reorder_timeout_ms
        for pending in self._repo.pending(kiosk):
            expected = self._progress(kiosk).last_seq + 1
            tx = pending.tx
            if tx.seq > expected:
                if not (force and pending.held_since_ms + timeout <= now_ms):
                    break
                self._repo.add_gap(GapRecord("skipped", kiosk, expected, tx.seq - 1, now_ms))
            self._repo.delete_pending(kiosk, tx.seq)
            if self._repo.get_processed(tx.tx_id) is None:
                replies.append(self._process(tx, registration, now_ms))
        return replies

    def _progress(self, kiosk: str) -> KioskProgress:
        return self._repo.get_progress(kiosk) or KioskProgress(kiosk)

    def _seq_conflict(self, tx: Transaction, other_tx_id: str, now_ms: int) -> Reply:
        detail = f"seq {tx.seq} already used by {other_tx_id}; payload {tx.to_wire()!r}"
        self._open_exception(tx, ConflictKind.SEQ_CONFLICT, detail, now_ms)
        reply = Reply(tx.tx_id, Result.EXCEPTION, Reason.CENTRAL_EXCEPTION, _EXCEPTION_MESSAGE)
        self._repo.put_processed(ProcessedTx(tx.tx_id, tx.kiosk, tx.seq, reply, now_ms))
        return reply

    def _process(self, tx: Transaction, registration: KioskRegistration, now_ms: int) -> Reply:
        if tx.op is Op.STAFF:
            reply = self._audit(tx, now_ms)
        else:
            reply = self._circulate(tx, registration, now_ms)
        self._repo.put_processed(ProcessedTx(tx.tx_id, tx.kiosk, tx.seq, reply, now_ms))
        progress = self._progress(tx.kiosk)
        self._repo.put_progress(
            replace(
                progress,
                last_seq=max(progress.last_seq, tx.seq),
                last_ts=tx.ts if progress.last_ts is None else max(progress.last_ts, tx.ts),
                last_seen_ms=now_ms,
                processed=progress.processed + 1,
            )
        )
        return reply

    def _audit(self, tx: Transaction, now_ms: int) -> Reply:
        """Record a staff action; it has no circulation effect."""
        assert tx.staff is not None and tx.action is not None  # from_wire checks both
        entry = AuditEntry(
            kiosk=tx.kiosk,
            seq=tx.seq,
            tx_id=tx.tx_id,
            ts=tx.ts,
            staff=tx.staff,
            action=tx.action,
            detail=dict(tx.detail or {}),
            item=tx.item,
            recorded_ms=now_ms,
        )
        self._repo.put_audit(entry)
        return Reply(tx.tx_id, Result.ACCEPTED, Reason.OK, message_for(Reason.OK))

    def _circulate(self, tx: Transaction, registration: KioskRegistration, now_ms: int) -> Reply:
        facts = self._facts(tx, registration)
        verdict = RULES[tx.op](facts)
        if tx.offline:
            reply = self._replay(tx, facts, verdict, now_ms)
        elif verdict.accepted:
            reply = self._effect(tx, facts, verdict)
        else:
            reply = self._reply(tx, facts, verdict)
        return reply

    def _facts(self, tx: Transaction, registration: KioskRegistration) -> Facts:
        library = require_library(self._repo, registration.library)
        tx_item = tx.item
        assert tx_item is not None  # from_wire requires an item for every circulation op
        item = find_item(self._repo, tx_item.pii, tx_item.owner)
        owner_isil = item.owner if item is not None else tx_item.owner
        patron = self._repo.get_patron(tx.patron) if tx.patron else None
        key = item.key if item is not None else (owner_isil, tx_item.pii)
        return Facts(
            op=tx.op,
            ts=tx.ts,
            card=tx.patron,
            tx_item=tx_item,
            kiosk=registration,
            library=library,
            owner=self._repo.get_library(owner_isil),
            item=item,
            patron=patron,
            patron_expired=patron is not None and patron_expired(patron, tx.ts, library),
            patron_loans=len(self._repo.loans_of(patron.card)) if patron else 0,
            loan=self._repo.get_loan(key),
            holds=tuple(active_holds(self._repo, key)),
        )

    def _effect(self, tx: Transaction, f: Facts, verdict: Verdict) -> Reply:
        """Carry out an accepted transaction (online, or offline with no conflict)."""
        assert f.item is not None  # every accepted verdict has a catalogue record
        if tx.op is Op.CHECKOUT:
            loan = self._lend(tx, f, f.item)
            return self._reply(tx, f, verdict, due=loan.due_ms)
        if tx.op is Op.CHECKIN:
            self._take_back(f.item, verdict.route)
            return self._reply(tx, f, verdict)
        assert f.loan is not None
        renewed = due_ms(tx.ts, f.library.renew_days, f.library)
        loan = replace(f.loan, due_ms=max(renewed, f.loan.due_ms), renewals=f.loan.renewals + 1)
        self._repo.put_loan(loan)
        return self._reply(tx, f, verdict, due=loan.due_ms)

    def _lend(self, tx: Transaction, f: Facts, item: Item, exception_id: int | None = None) -> Loan:
        """Create (or replace) the loan of ``item`` to the transaction's patron from ``ts``."""
        assert tx.patron is not None and f.patron is not None
        days = f.library.loan_days_for(f.patron.category)
        loan = Loan(
            owner=item.owner,
            pii=item.pii,
            patron=tx.patron,
            kiosk=tx.kiosk,
            tx_id=tx.tx_id,
            start_ms=tx.ts,
            due_ms=due_ms(tx.ts, days, f.library),
            offline=tx.offline,
            exception_id=exception_id,
        )
        self._repo.put_loan(loan)
        if f.holds and f.holds[0].patron == tx.patron:  # the pick-up: checking out fulfils it
            end_hold(self._repo, f.holds[0], HoldState.FULFILLED, tx.ts)
        if item.whereabouts != Route.SHELF:
            self._repo.put_item(replace(item, whereabouts=str(Route.SHELF)))
        return loan

    def _take_back(self, item: Item, route: str | None) -> None:
        self._repo.delete_loan(item.key)
        where = route or str(Route.STAFF)
        if item.whereabouts != where:
            self._repo.put_item(replace(item, whereabouts=where))

    def _replay(self, tx: Transaction, f: Facts, verdict: Verdict, now_ms: int) -> Reply:
        """Apply a transaction the kiosk decided offline (see the module docstring)."""
        decision = tx.decision or OfflineDecision(Result.ACCEPTED)
        if decision.result is not Result.ACCEPTED:
            reason = _reason_or(decision.reason, Reason.OFFLINE_NOT_ALLOWED)
            return self._reply(tx, f, Verdict(Result.REFUSED, reason))
        if tx.op is Op.CHECKOUT:
            return self._replay_checkout(tx, f, verdict, now_ms)
        if tx.op is Op.CHECKIN:
            return self._replay_checkin(tx, f, verdict, now_ms)
        if verdict.accepted:
            return self._effect(tx, f, verdict)
        detail = f"offline renewal that central refuses ({verdict.reason}); due date unchanged"
        self._open_exception(tx, ConflictKind.RENEW_REFUSED, detail, now_ms)
        return self._exception_reply(tx, f, verdict)

    def _replay_checkout(self, tx: Transaction, f: Facts, verdict: Verdict, now_ms: int) -> Reply:
        loan = f.loan
        if verdict.accepted:
            return self._effect(tx, f, verdict)
        if verdict.reason is Reason.ALREADY_ON_LOAN_TO_PATRON and loan is not None:
            if tx.ts > loan.start_ms:  # returned offline elsewhere, then borrowed again
                assert f.item is not None
                loan = self._lend(tx, f, f.item)
            accepted = Verdict(Result.ACCEPTED, Reason.OK)
            return self._reply(tx, f, accepted, due=loan.due_ms)
        kind, lend = _CHECKOUT_CONFLICTS.get(
            verdict.reason, (ConflictKind.CHECKOUT_NOT_FOR_CIRCULATION, True)
        )
        if loan is not None and loan.patron != tx.patron and loan.start_ms > tx.ts:
            kind, lend = ConflictKind.CHECKOUT_SUPERSEDED, False
        if f.item is None or f.patron is None:
            lend = False
        detail = self._checkout_detail(verdict, f, lend)
        exception_id = self._open_exception(tx, kind, detail, now_ms)
        due = None
        if lend:
            assert f.item is not None
            due = self._lend(tx, f, f.item, exception_id).due_ms
        return self._exception_reply(tx, f, verdict, due=due)

    def _checkout_detail(self, verdict: Verdict, f: Facts, lend: bool) -> str:
        parts = [f"offline checkout that central refuses ({verdict.reason})"]
        if f.loan is not None and f.loan.patron != f.card:
            parts.append(f"copy was on loan to {f.loan.patron} since {f.loan.start_ms}")
        if f.holds:
            parts.append(f"hold {f.holds[0].hold_id} for {f.holds[0].patron} stays")
        parts.append("loan created, flagged" if lend else "no loan created")
        return "; ".join(parts)

    def _replay_checkin(self, tx: Transaction, f: Facts, verdict: Verdict, now_ms: int) -> Reply:
        loan = f.loan
        if loan is not None and loan.start_ms > tx.ts:
            detail = (
                f"offline return at {tx.ts} predates the current loan to {loan.patron} "
                f"(since {loan.start_ms}); loan kept"
            )
            self._open_exception(tx, ConflictKind.RETURN_STALE, detail, now_ms)
            return self._exception_reply(tx, f, verdict)
        conflict = _CHECKIN_CONFLICTS.get(verdict.reason)
        if conflict is None:
            return self._effect(tx, f, verdict)
        kind, ends_loan = conflict
        route = verdict.route
        if ends_loan:
            route = str(Route.STAFF)
        if f.item is not None and (ends_loan or verdict.accepted):
            self._take_back(f.item, route)
        detail = f"offline return that needs staff ({verdict.reason})"
        if loan is not None and ends_loan:
            detail += f"; loan to {loan.patron} ended"
        if route is not None:
            detail += f"; copy marked {route}"
        self._open_exception(tx, kind, detail, now_ms)
        return self._exception_reply(tx, f, replace(verdict, route=route))

    def _reply(
        self, tx: Transaction, f: Facts, verdict: Verdict, *, due: int | None = None
    ) -> Reply:
        return _reply(
            tx.tx_id,
            verdict.result,
            reason=verdict.reason,
            item=f.item,
            route=verdict.route,
            due=due,
        )

    def _exception_reply(
        self,
        tx: Transaction,
        f: Facts,
        verdict: Verdict,
        *,
        due: int | None = None,
    ) -> Reply:
        """``exception``: staff find the queue entry by ``tx_id`` (the contract has no field)."""
        reason = Reason.CENTRAL_EXCEPTION if verdict.reason is Reason.OK else verdict.reason
        reply = _reply(
            tx.tx_id,
            Result.EXCEPTION,
            reason=reason,
            item=f.item,
            route=verdict.route,
            due=due,
        )
        return replace(reply, message=_EXCEPTION_MESSAGE)

    def _open_exception(self, tx: Transaction, kind: ConflictKind, detail: str, now_ms: int) -> int:
        exception_id = self._repo.next_id("exception")
        self._repo.put_exception(
            ExceptionEntry(exception_id, tx.kiosk, tx.tx_id, kind, detail, now_ms)
        )
        return exception_id


def _reason_or(code: str | None, default: Reason) -> Reason:
    try:
        return Reason(code) if code else default
    except ValueError:
        return default


def _reply(
    tx_id: str,
    result: Result,
    *,
    reason: Reason,
    item: Item | None,
    route: str | None,
    due: int | None,
) -> Reply:
    reply = Reply(tx_id, result, reason, message_for(reason), route=route, due=due)
    if item is None:
        return reply
    return replace(
        reply,
        title=item.title or None,
        author=item.author or None,
        isbn=item.isbn or None,
        call_number=item.call_number or None,
        price=item.price or None,
        publisher=item.publisher or None,
    )
