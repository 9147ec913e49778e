"""The kiosk runtime: runs the sans-IO session machine on real I/O (architecture §3).

One asyncio loop owns the :class:`~kiosk.circulation.SessionMachine`. Everything blocking runs
in its own thread (:class:`~kiosk.runtime.worker.ThreadWorker`): the reader (not thread-safe;
inventory polling at low priority so tag work goes first on the air) and the journal (its SQLite
connection belongs to its thread). Events come back onto the loop through one queue.

How each action is executed:

``ReadTag``         read and decode the tag → ``TagRead`` (unreadable identity on bad data)
``VerifyPatron``    central look-up with a timeout, else the offline policy → ``PatronVerified``
``RequestDecision`` journal the intent FIRST (committed, fsynced), then ask central with a
                    timeout; a reply is recorded with ``decide(reply=…)`` (acknowledged), no
                    answer → the offline policy, ``decide(offline=True)`` (stays in the outbox)
                    → ``ItemDecided``. Every item of a stack is its own task: all in flight at once.
``ApplySecurity``   write + verify on the tag; when the item's tags are all at the target state
                    the journal records ``effect_done`` BEFORE the machine hears ``SecurityDone``
``ItemResult``      ``effect_done`` (if not yet) and ``shown`` are committed, THEN observers see it
``EndSession``      transactions the session left open are marked for reconciliation

A checkout central accepted whose tag could not be unsecured is reversed with a compensating
``checkin`` transaction (the machine shows it refused; the loan must not stay).

Nothing a tag, a reader or central does may stop the loop: every task logs and carries on.
Hooks: ``on_action`` sees every action meant for the screen (results only once journalled);
``on_step(kind, tx_id)`` reports each durable step (``intent``, ``decided``, ``written``,
``effect``, ``shown``, ``reconcile``) — the kill tests synchronise on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from drivers.errors import ReaderError
from drivers.reader import Reader
from kiosk.circulation import (
    ItemIdentity,
    ItemPolicy,
    Op,
    SessionConfig,
    SessionMachine,
    Verdict,
)
from kiosk.circulation.offline import OfflineData, OfflinePolicy
from kiosk.circulation.reasons import Reason
from kiosk.circulation.session import (
    Action,
    ApplySecurity,
    EndSession,
    Event,
    ItemDecided,
    ItemResult,
    PatronVerified,
    ReadTag,
    RequestDecision,
    SecurityDone,
    TagRead,
    TagsSeen,
    Tick,
    VerifyPatron,
)
from kiosk.errors import KioskError, SessionError
from kiosk.journal import Decision as JournalDecision
from kiosk.journal import Intent, Journal, RecoveryReport, Result, Security, Step, TxRecord
from kiosk.runtime.central_port import CentralPort
from kiosk.runtime.clock import Clock, SystemClock
from kiosk.runtime.convert import (
    JOURNAL_OP,
    decided_from_reply,
    item_ref,
    journal_decision,
    ms_to_datetime,
    patron_key,
    verified_from_reply,
    wire_event,
)
from kiosk.runtime.recovery import RecoveryOutcome, offline_checkouts, recover
from kiosk.runtime.worker import POLL, WORK, ThreadWorker
from kiosk.security import (
    AFI_IN_LIBRARY,
    SecurityMode,
    SecurityOutcome,
    SecurityResult,
    apply_security,
)
from kiosk.tagio import TagReading, read_tag

__all__ = ["KioskRuntime", "RuntimeConfig"]

_STALE_DEADLINE_RECHECK_S = 1.0
log = logging.getLogger(__name__)

T = TypeVar("T")

_SECURITY_OF: dict[bool, Security] = {True: Security.SECURED, False: Security.UNSECURED}
_RESULT_OF: dict[bool, SecurityResult] = {
    True: SecurityResult.SECURED,
    False: SecurityResult.UNSECURED,
}
_TARGET: dict[Op, bool] = {Op.CHECKOUT: False, Op.RETURN: True}


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """How the runtime talks to its devices and central.

    ``home_library``: owner ISIL for tags that name none. ``central_timeout_s``: how long a
    request waits for central before the offline policy decides. ``poll_interval_s``: pause
    between inventories of the pad. ``drain_interval_s``: how often the outbox is retried.
    """

    kiosk: str
    home_library: str
    security_mode: SecurityMode = SecurityMode.BOTH
    security_attempts: int = 3
    central_timeout_s: float = 3.0
    poll_interval_s: float = 0.02
    drain_interval_s: float = 5.0
    drain_batch: int = 100


@dataclass(slots=True, eq=False)
class _Tx:
    """One journalled transaction of this run (one unit: every part of a set)."""

    op: Op
    parts: tuple[str, ...]
    intent_key: str
    tx_id: str = ""
    begun: asyncio.Event = field(default_factory=asyncio.Event)  # intent committed (or failed)
    decided: asyncio.Event = field(default_factory=asyncio.Event)
    accepted: bool = False
    outcomes: dict[str, SecurityResult] = field(default_factory=dict)
    effect_recorded: bool = False
    shown_recorded: bool = False
    shown: asyncio.Event = field(default_factory=asyncio.Event)
    writes: int = 0
    orphan: bool = False

    @property
    def target(self) -> bool | None:
        return _TARGET.get(self.op)


class KioskRuntime:
    """Runs one kiosk's patron sessions (see the module docstring).

    Args:
        config: device and central settings.
        session: the session machine's configuration.
        policy: the kiosk-side item policy.
        reader: the RFID pad's reader (used only from the reader thread).
        open_journal: opens the journal; called in the journal thread, which then owns it.
        central: the central link.
        offline_policy: decides when central does not answer.
        offline_data: central's last pushed holds and blocked cards; called in the journal
            thread (so it may read the journal database).
        clock: monotonic and wall clocks.
        on_action: sees every screen action (``Show``, notices, beeps, results once shown…).
        on_step: sees each durable step as ``(kind, tx_id)``.
    """

    def __init__(
        self,
        *,
        config: RuntimeConfig,
        session: SessionConfig,
        policy: ItemPolicy,
        reader: Reader,
        open_journal: Callable[[], Journal],
        central: CentralPort,
        offline_policy: OfflinePolicy,
        offline_data: Callable[[], OfflineData] = OfflineData,
        clock: Clock | None = None,
        on_action: Callable[[Action], None] | None = None,
        on_step: Callable[[str, str], None] | None = None,
    ) -> None:
        self.config = config
        self._session_config = session
        self._policy = policy
        self._reader = reader
        self._open_journal = open_journal
        self._central = central
        self._offline_policy = offline_policy
        self._offline_data = offline_data
        self._clock = clock or SystemClock()
        self._on_action = on_action
        self._on_step = on_step
        self._origin = self._clock.monotonic_ms()
        self._machine = SessionMachine(session, policy, now=0)
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._reader_worker: ThreadWorker | None = None
        self._journal_worker: ThreadWorker | None = None
        self._journal: Journal | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[Any]] = []
        self._by_uid: dict[str, _Tx] = {}
        self._inflight: set[str] = set()
        self._backlog = False
        self._kick = asyncio.Event()
        self._boot = ""
        self.recovery: RecoveryOutcome | None = None
        self.report: RecoveryReport | None = None

    # ------------------------------------------------------------------ life cycle

    @property
    def machine(self) -> SessionMachine:
        return self._machine

    async def start(self, *, poll: bool = True, drain: bool = True) -> RecoveryOutcome:
        """Open the journal, finish what a crash left open, then start the loops.

        ``drain=False`` leaves the outbox to someone else (the daemon's MQTT link drains it in
        ``seq`` order with its own window; two drainers would only send every row twice).
        """
        self._reader_worker = ThreadWorker("kiosk-reader")
        self._journal_worker = ThreadWorker("kiosk-journal")
        self._journal = await self._journal_worker.call(self._open_journal)
        self.report = await self.journal(lambda j: j.recover())
        self._boot = f"b{self.report.last_seq}.{self._clock.wall_ms()}"
        self.recovery = await recover(
            self.report,
            journal=self.journal,
            reader=self.reader,
            central=self._central,
            offline_policy=self._offline_policy,
            offline_data=self._offline_data,
            config=self.config,
            clock=self._clock,
            on_step=self._step,
        )
        self._backlog = True  # whatever is still unanswered goes out first
        self._kick.set()
        self._loops.append(asyncio.create_task(self._run_machine(), name="kiosk-machine"))
        if drain:
            self._loops.append(asyncio.create_task(self._drain_loop(), name="kiosk-drain"))
        if poll:
            self._loops.append(asyncio.create_task(self._poll_loop(), name="kiosk-poll"))
        return self.recovery

    async def stop(self) -> None:
        """Stop the loops and tasks (open transactions stay in the journal, as after a crash)."""
        for task in [*self._loops, *self._tasks]:
            task.cancel()
        await asyncio.gather(*self._loops, *self._tasks, return_exceptions=True)
        self._loops.clear()
        if self._journal_worker is not None:
            if self._journal is not None:
                await self._journal_worker.call(self._journal.close)
            self._journal_worker.stop()
        if self._reader_worker is not None:
            self._reader_worker.stop()

    async def __aenter__(self) -> KioskRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def submit(self, event: Event) -> None:
        """Hand an event from the screen, card reader or scanner to the session machine."""
        self._events.put_nowait(event)

    async def journal(self, fn: Callable[[Journal], T]) -> T:
        """Run ``fn(journal)`` in the journal's thread."""
        assert self._journal_worker is not None and self._journal is not None, "not started"
        journal = self._journal
        return await self._journal_worker.call(fn, journal)

    async def reader(self, fn: Callable[[Reader], T], *, priority: int = WORK) -> T:
        """Run ``fn(reader)`` in the reader's thread."""
        assert self._reader_worker is not None, "not started"
        return await self._reader_worker.call(fn, self._reader, priority=priority)

    def _now(self) -> int:
        return self._clock.monotonic_ms() - self._origin

    def _step(self, kind: str, tx_id: str) -> None:
        if self._on_step is not None:
            try:
                self._on_step(kind, tx_id)
            except Exception:
                log.exception("on_step hook failed")

    def _show(self, action: Action) -> None:
        if self._on_action is not None:
            try:
                self._on_action(action)
            except Exception:
                log.exception("on_action hook failed")

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.create_task(coro, name=what)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def _ask(self, call: Awaitable[dict[str, Any] | None]) -> dict[str, Any] | None:
        """Central's answer within the timeout, or ``None``."""
        try:
            return await asyncio.wait_for(call, self.config.central_timeout_s)
        except TimeoutError:
            return None
        except (OSError, ValueError, KioskError) as exc:
            log.warning("central link: %s", exc)
            return None

    # ------------------------------------------------------------------ the loops

    async def _run_machine(self) -> None:
        ticked: int | None = None  # the deadline a Tick was last delivered for
        while True:
            event: Event
            if not self._events.empty():
                # Events already queued come first: a passed deadline must not starve them.
                event = self._events.get_nowait()
            else:
                deadline = self._machine.next_deadline()
                if deadline is None:
                    timeout: float | None = None
                elif deadline == ticked:
                    # The machine was ticked at this deadline and still reports it: nothing is
                    # due until something happens (or the clock moves on), so do not spin.
                    timeout = _STALE_DEADLINE_RECHECK_S
                else:
                    timeout = max(0.0, (deadline - self._now()) / 1000)
                try:
                    event = await asyncio.wait_for(self._events.get(), timeout)
                except TimeoutError:
                    event = Tick(self._now())
                    if deadline is not None and deadline <= self._now():
                        ticked = deadline
            self._feed(event)

    def _feed(self, event: Event) -> None:
        try:
            actions = self._machine.handle(event)
        except SessionError as exc:
            log.warning("ignored: %s", exc)
            return
        except Exception:
            log.exception("session machine failed on %r", event)
            return
        for action in actions:
            try:
                handler = _EXECUTE.get(type(action))
                if handler is None:
                    self._show(action)
                else:
                    handler(self, action)
            except Exception:
                log.exception("executing %r failed", action)

    async def _poll_loop(self) -> None:
        failures = 0
        while True:
            try:
                seen = await self.reader(_inventory, priority=POLL)
            except (ReaderError, OSError) as exc:
                failures += 1
                if failures == 1:
                    log.warning("inventory failed: %s", exc)
                await asyncio.sleep(min(1.0, self.config.poll_interval_s * 2**failures))
                continue
            failures = 0
            self.submit(TagsSeen(seen, self._now()))
            await asyncio.sleep(self.config.poll_interval_s)

    async def _drain_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.config.drain_interval_s)
            self._kick.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("outbox drain failed")

    async def drain(self) -> bool:
        """Send unanswered transactions in ``seq`` order until central stops answering.

        Rows still in flight in this run are skipped. True when nothing is left to send.
        """
        after = 0
        batch = self.config.drain_batch
        while True:
            rows: list[TxRecord] = await self.journal(
                functools.partial(Journal.outbox, limit=batch, after_seq=after)
            )
            if not rows:
                self._backlog = False
                return True
            for row in rows:
                after = row.seq
                if row.tx_id in self._inflight or row.step is Step.INTENT:
                    continue
                reply = await self._ask(self._central.request_tx(wire_event(row)))
                if reply is None or reply.get("tx_id") != row.tx_id:
                    return False
                await self.journal(functools.partial(Journal.ack, tx_id=row.tx_id, reply=reply))

    # ------------------------------------------------------------------ reads and patrons

    def _exec_read(self, action: ReadTag) -> None:
        self._spawn(self._read(action.uid), f"read {action.uid}")

    async def _read(self, uid: str) -> None:
        try:
            raw = bytes.fromhex(uid)
            reading = await self.reader(lambda r: read_tag(r, raw))
        except (ReaderError, OSError) as exc:
            log.info("tag %s not read: %s", uid, exc)
            self.submit(TagRead(uid, None))
            return
        except (KioskError, ValueError) as exc:
            self.submit(TagRead(uid, ItemIdentity.unreadable(uid, str(exc))))
            return
        problems = reading.data.problems
        if problems:
            identity = ItemIdentity.unreadable(uid, "; ".join(problems))
        else:
            identity = ItemIdentity.from_elements(uid, reading.data.elements)
        self.submit(TagRead(uid, identity, self._secured(reading)))

    def _secured(self, reading: TagReading) -> bool | None:
        mode = self.config.security_mode
        afi = reading.info.afi == AFI_IN_LIBRARY if mode.uses_afi else None
        eas = reading.eas if mode.uses_eas else None
        known = [state for state in (afi, eas) if state is not None]
        return all(known) if known else None

    def _exec_verify(self, action: VerifyPatron) -> None:
        self._spawn(self._verify(action), f"verify patron {action.request}")

    async def _verify(self, action: VerifyPatron) -> None:
        card = action.card
        reply = await self._ask(self._central.lookup_patron(card.label, action.pin))
        event = None if reply is None else verified_from_reply(reply, action.request, card)
        if event is None:
            snapshot = await self.journal(lambda _j: self._offline_data())
            check = self._offline_policy.verify(card, snapshot)
            event = PatronVerified(
                action.request, check.result, check.reason, check.patron, offline=True
            )
        self.submit(event)

    # ------------------------------------------------------------------ decisions

    def _exec_request(self, action: RequestDecision) -> None:
        tx = _Tx(action.op, action.parts, f"{self._boot}:{action.request}")
        for uid in action.parts:
            self._by_uid[uid] = tx
        self._spawn(self._request(action, tx), f"decide {action.uid}")

    async def _request(self, action: RequestDecision, tx: _Tx) -> None:
        try:
            event = await self._decide(action, tx)
        except Exception:
            tx.begun.set()
            log.exception("decision for %s failed; refusing it", action.uid)
            event = ItemDecided(action.request, action.uid, Verdict.REFUSED, Reason.CENTRAL_REFUSED)
        tx.accepted = event.result is Verdict.ACCEPTED
        tx.decided.set()
        await self._maybe_effect(tx)
        self.submit(event)

    async def _decide(self, action: RequestDecision, tx: _Tx) -> ItemDecided:
        try:
            item = item_ref(action, self.config.home_library)
        except (ValueError, KioskError) as exc:
            log.warning("tag %s cannot be journalled: %s", action.uid, exc)
            tx.begun.set()
            return ItemDecided(action.request, action.uid, Verdict.REFUSED, Reason.TAG_UNREADABLE)
        parts = list(action.parts)
        intent = Intent(
            tx.intent_key,
            JOURNAL_OP[action.op],
            item=item,
            patron=patron_key(action.patron),
            detail={"parts": parts} if len(parts) > 1 else None,
            ts_ms=self._clock.wall_ms(),
        )
        record = (await self.journal(lambda j: j.begin(intent))).record
        tx.tx_id = record.tx_id
        tx.begun.set()
        self._inflight.add(record.tx_id)
        self._step("intent", record.tx_id)
        try:
            if self._backlog:
                self._kick.set()
            reply = await self._ask(self._central.request_tx(wire_event(record)))
            converted = None
            if reply is not None and reply.get("tx_id") == record.tx_id:
                converted = decided_from_reply(reply, action.request, action.uid)
            if converted is not None and reply is not None:
                event, decision = converted
                await self.journal(
                    lambda j: j.decide(record.tx_id, decision, offline=False, reply=reply)
                )
            else:
                event = await self._decide_offline(action, record)
        finally:
            self._inflight.discard(record.tx_id)
        self._step("decided", record.tx_id)
        return event

    async def _decide_offline(self, action: RequestDecision, record: TxRecord) -> ItemDecided:
        key = patron_key(action.patron)

        def gather(journal: Journal) -> tuple[OfflineData, int]:
            return self._offline_data(), offline_checkouts(journal, key)

        snapshot, count = await self.journal(gather)
        decision = self._offline_policy.decide(
            action.op,
            action.identity,
            action.patron,
            snapshot,
            offline_count_for_patron=count,
            now=ms_to_datetime(record.ts_ms),
        )
        recorded = journal_decision(decision)
        await self.journal(lambda j: j.decide(record.tx_id, recorded, offline=True))
        self._backlog = True
        self._kick.set()
        return ItemDecided.from_decision(action.request, action.uid, decision)

    # ------------------------------------------------------------------ tag security

    def _exec_security(self, action: ApplySecurity) -> None:
        tx = self._by_uid.get(action.uid)
        if tx is not None:
            tx.writes += 1
        self._spawn(self._secure(action, tx), f"security {action.uid}")

    async def _secure(self, action: ApplySecurity, tx: _Tx | None) -> None:
        try:
            if tx is not None:
                await tx.begun.wait()  # the intent is on disk before the tag changes
            outcome = await self.reader(lambda r: self._write_security(r, action))
            if tx is not None and tx.tx_id:
                self._step("written", tx.tx_id)
            if tx is not None and not action.rollback:
                tx.outcomes[action.uid] = outcome.result
                await self._maybe_effect(tx)
        finally:
            if tx is not None:
                tx.writes -= 1
        self.submit(SecurityDone(action.request, action.uid, outcome.result))

    def _write_security(self, reader: Reader, action: ApplySecurity) -> SecurityOutcome:
        try:
            return apply_security(
                reader,
                bytes.fromhex(action.uid),
                secured=action.secured,
                mode=self.config.security_mode,
                attempts=self.config.security_attempts,
            )
        except (ReaderError, OSError, ValueError) as exc:
            return SecurityOutcome(SecurityResult.FAILED, 0, str(exc))

    async def _maybe_effect(self, tx: _Tx) -> None:
        """Record ``effect_done`` once every part of an accepted item is at its target state."""
        target = tx.target
        if tx.effect_recorded or not tx.decided.is_set() or not tx.accepted or target is None:
            return
        if not tx.tx_id or any(tx.outcomes.get(u) is not _RESULT_OF[target] for u in tx.parts):
            return
        tx.effect_recorded = True
        await self.journal(lambda j: j.effect_done(tx.tx_id, _SECURITY_OF[target]))
        self._step("effect", tx.tx_id)

    # ------------------------------------------------------------------ results

    def _exec_result(self, action: ItemResult) -> None:
        tx = self._by_uid.get(action.uid)
        if tx is None or not tx.tx_id:
            self._show(action)  # decided at the kiosk (e.g. unreadable): nothing journalled
            return
        self._spawn(self._result(action, tx), f"result {action.uid}")

    async def _result(self, action: ItemResult, tx: _Tx) -> None:
        if tx.shown_recorded:
            await tx.shown.wait()
            self._show(action)
            return
        tx.shown_recorded = True
        try:
            if not tx.effect_recorded:
                tx.effect_recorded = True
                security = self._final_security(tx, action)
                await self.journal(lambda j: j.effect_done(tx.tx_id, security))
                self._step("effect", tx.tx_id)
            await self.journal(lambda j: j.shown(tx.tx_id))
            self._step("shown", tx.tx_id)
        finally:
            tx.shown.set()
        self._show(action)
        if tx.accepted and tx.op is Op.CHECKOUT and action.result is Verdict.REFUSED:
            self._spawn(self._reverse(tx), f"reverse {tx.tx_id}")

    def _final_security(self, tx: _Tx, result: ItemResult) -> Security:
        target = tx.target
        if result.result is Verdict.ACCEPTED:
            return Security.NOT_NEEDED if target is None else _SECURITY_OF[target]
        if result.reason is Reason.SECURITY_FAILED:
            return Security.SECURITY_FAILED
        return Security.ROLLED_BACK if tx.outcomes else Security.NOT_NEEDED

    async def _reverse(self, tx: _Tx) -> None:
        """Undo a loan whose tag could not be unsecured: a compensating return, journalled."""
        original = await self.journal(lambda j: j.get(tx.tx_id))
        if original is None or original.item is None:
            return
        intent = Intent(
            f"{tx.intent_key}:reverse",
            "checkin",
            item=original.item,
            detail={"reverses": tx.tx_id},
            ts_ms=self._clock.wall_ms(),
        )
        record = (await self.journal(lambda j: j.begin(intent))).record
        self._step("intent", record.tx_id)
        reply = await self._ask(self._central.request_tx(wire_event(record)))
        if reply is not None and reply.get("tx_id") == record.tx_id:
            result = str(reply.get("result"))
            known = result in {r.value for r in Result}
            decision = JournalDecision(Result(result) if known else Result.EXCEPTION)
            await self.journal(
                lambda j: j.decide(record.tx_id, decision, offline=False, reply=reply)
            )
        else:
            decision = JournalDecision(Result.ACCEPTED, Reason.SECURITY_FAILED.value)
            await self.journal(lambda j: j.decide(record.tx_id, decision, offline=True))
            self._backlog = True
        self._step("decided", record.tx_id)
        await self.journal(lambda j: j.effect_done(record.tx_id, Security.NOT_NEEDED))
        await self.journal(lambda j: j.shown(record.tx_id))
        self._step("shown", record.tx_id)

    # ------------------------------------------------------------------ end of a session

    def _exec_end(self, action: EndSession) -> None:
        for uid in action.unfinished:
            tx = self._by_uid.get(uid)
            if tx is not None and not tx.orphan and not tx.shown_recorded:
                tx.orphan = True
                self._spawn(self._settle_orphan(tx), f"settle {uid}")
        for uid, tx in list(self._by_uid.items()):
            if tx.shown_recorded or tx.orphan:
                del self._by_uid[uid]
        self._show(action)

    async def _settle_orphan(self, tx: _Tx) -> None:
        """A transaction its session gave up on: once its tasks end, staff must check it."""
        await tx.decided.wait()
        while tx.writes > 0:
            await asyncio.sleep(self.config.poll_interval_s)
        if not tx.tx_id or tx.shown_recorded:
            return
        note = "session ended before the result was shown: check the tag and the loan"
        await self.journal(lambda j: j.mark_reconcile(tx.tx_id, note))
        self._step("reconcile", tx.tx_id)


def _inventory(reader: Reader) -> frozenset[str]:
    return frozenset(tag.uid_hex for tag in reader.inventory())


_EXECUTE: dict[type[Action], Callable[[KioskRuntime, Any], None]] = {
    ReadTag: KioskRuntime._exec_read,
    VerifyPatron: KioskRuntime._exec_verify,
    RequestDecision: KioskRuntime._exec_request,
    ApplySecurity: KioskRuntime._exec_security,
    ItemResult: KioskRuntime._exec_result,
    EndSession: KioskRuntime._exec_end,
}
"""Actions that need I/O; every other action goes straight to ``on_action``."""
