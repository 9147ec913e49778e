"""Finishing what a crash or power cut left open, before the first patron is served.

The journal lists every transaction whose last committed step is not final
(:meth:`~kiosk.journal.Journal.recover`); each is taken forward from exactly that step, in ``seq``
order, so nothing is lost and nothing is done twice:

=============  ===================================================================================
last step      what recovery does
=============  ===================================================================================
intent         ask central again with the SAME transaction (same tx_id, seq and ts: central
               processes a tx_id once, so a request it already applied gets its first reply);
               no answer → the offline policy decides (recorded offline, stays in the outbox).
               Then as ``decided``.
decided        the tag's security must match the decision: an accepted checkout → unsecured, an
               accepted return → secured; a refusal leaves the tag as found (this run cannot
               know what the session had written). If the tag is on the pad it is read and, if
               needed, written and verified (``effect_done``); if it is gone, or the write fails,
               nothing more can be done here.
effect_done    nothing to do on the tag.
=============  ===================================================================================

Every recovered transaction then ends in ``reconcile``, with a note saying what was done and
that the patron did not see the result on the screen — the journal's record that this result
was never shown.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from drivers.errors import ReaderError
from drivers.reader import Reader
from kiosk.circulation import Patron, PatronCard
from kiosk.circulation.offline import OfflineData, OfflinePolicy
from kiosk.circulation.patron import CardKind
from kiosk.errors import KioskError
from kiosk.journal import Journal, RecoveryReport, Result, Security, Step, TxRecord
from kiosk.journal.journal import MAX_BATCH
from kiosk.runtime.clock import Clock
from kiosk.runtime.convert import (
    MACHINE_OP,
    decided_from_reply,
    identity_from_record,
    journal_decision,
    ms_to_datetime,
    wire_event,
)
from kiosk.security import SecurityMode, SecurityResult, apply_security, security_state

if TYPE_CHECKING:
    from kiosk.runtime.central_port import CentralPort
    from kiosk.runtime.machine import RuntimeConfig

__all__ = ["RecoveryOutcome", "offline_checkouts", "recover"]

log = logging.getLogger(__name__)

T = TypeVar("T")
JournalCall = Callable[[Callable[[Journal], T]], Awaitable[T]]
ReaderCall = Callable[[Callable[[Reader], T]], Awaitable[T]]

_TARGETS: dict[str, bool] = {"checkout": False, "checkin": True}
_SECURITY: dict[bool, Security] = {True: Security.SECURED, False: Security.UNSECURED}
_INVENTORIES = 3  # a tag may miss one inventory; union a few


@dataclass(frozen=True, slots=True)
class RecoveryOutcome:
    """What recovery did: each transaction it finished, with the note it recorded."""

    reconciled: tuple[tuple[str, str], ...] = ()
    asked_central: tuple[str, ...] = ()
    decided_offline: tuple[str, ...] = ()
    written: tuple[str, ...] = ()

    def note(self, tx_id: str) -> str | None:
        return next((note for tid, note in self.reconciled if tid == tx_id), None)


def offline_checkouts(journal: Journal, patron: str | None) -> int:
    """Checkouts accepted offline for ``patron`` that central has not answered yet."""
    if patron is None:
        return 0
    return sum(
        1
        for row in journal.outbox(MAX_BATCH)
        if row.offline
        and row.op == "checkout"
        and row.patron == patron
        and row.decision is not None
        and row.decision.result is Result.ACCEPTED
    )


async def recover(
    report: RecoveryReport,
    *,
    journal: Callable[[Callable[[Journal], Any]], Awaitable[Any]],
    reader: Callable[[Callable[[Reader], Any]], Awaitable[Any]],
    central: CentralPort,
    offline_policy: OfflinePolicy,
    offline_data: Callable[[], OfflineData],
    config: RuntimeConfig,
    clock: Clock,
    on_step: Callable[[str, str], None],
) -> RecoveryOutcome:
    """Take every unfinished transaction of ``report`` to ``reconcile`` (see the module doc)."""
    if report.clean:
        return RecoveryOutcome()
    run = _Recovery(journal, reader, central, offline_policy, offline_data, config, on_step)
    for record in report.unfinished:
        try:
            await run.finish(record)
        except (KioskError, ValueError) as exc:
            log.error("recovery of %s stopped: %s", record.tx_id, exc)
    return RecoveryOutcome(
        tuple(run.reconciled), tuple(run.asked), tuple(run.offline), tuple(run.written)
    )


class _Recovery:
    def __init__(  # noqa: PLR0917 (private; built once, by recover())
        self,
        journal: Callable[[Callable[[Journal], Any]], Awaitable[Any]],
        reader: Callable[[Callable[[Reader], Any]], Awaitable[Any]],
        central: CentralPort,
        offline_policy: OfflinePolicy,
        offline_data: Callable[[], OfflineData],
        config: RuntimeConfig,
        on_step: Callable[[str, str], None],
    ) -> None:
        self.journal = journal
        self.reader = reader
        self.central = central
        self.offline_policy = offline_policy
        self.offline_data = offline_data
        self.config = config
        self.on_step = on_step
        self.reconciled: list[tuple[str, str]] = []
        self.asked: list[str] = []
        self.offline: list[str] = []
        self.written: list[str] = []
        self._field: frozenset[str] | None = None

    async def finish(self, record: TxRecord) -> None:
        notes: list[str] = []
        if record.step is Step.INTENT:
            record = await self._decide(record, notes)
        if record.step is Step.DECIDED:
            await self._secure(record, notes)
        notes.append("recovered after a restart: the patron did not see this result")
        note = "; ".join(notes)
        await self.journal(lambda j: j.mark_reconcile(record.tx_id, note))
        self.reconciled.append((record.tx_id, note))
        self.on_step("reconcile", record.tx_id)

    async def _decide(self, record: TxRecord, notes: list[str]) -> TxRecord:
        try:
            reply = await asyncio.wait_for(
                self.central.request_tx(wire_event(record)), self.config.central_timeout_s
            )
        except (TimeoutError, OSError, ValueError, KioskError):
            reply = None
        converted = None
        if reply is not None and reply.get("tx_id") == record.tx_id:
            converted = decided_from_reply(reply, 0, record.item.uid if record.item else "00")
        if converted is not None and reply is not None:
            decision = converted[1]
            self.asked.append(record.tx_id)
            notes.append(f"central answered on recovery: {decision.result}")
            decided = await self.journal(
                lambda j: j.decide(record.tx_id, decision, offline=False, reply=reply)
            )
        else:
            # The snapshot is read in the journal's thread: its SQLite connection lives there.
            snapshot = await self.journal(lambda _j: self.offline_data())
            offline = self._offline_decision(record, snapshot)
            recorded = journal_decision(offline)
            self.offline.append(record.tx_id)
            notes.append(f"central did not answer: decided offline, {offline.result}")
            decided = await self.journal(lambda j: j.decide(record.tx_id, recorded, offline=True))
        self.on_step("decided", record.tx_id)
        assert isinstance(decided, TxRecord)
        return decided

    def _offline_decision(self, record: TxRecord, snapshot: OfflineData) -> Any:
        op = MACHINE_OP[record.op]
        patron = None
        if record.patron is not None:
            patron = Patron(record.patron, card=PatronCard(CardKind.BARCODE_TYPED, record.patron))
        return self.offline_policy.decide(
            op,
            identity_from_record(record),
            patron,
            snapshot,
            offline_count_for_patron=0,
            now=ms_to_datetime(record.ts_ms),
        )

    async def _secure(self, record: TxRecord, notes: list[str]) -> None:
        decision = record.decision
        target = _TARGETS.get(record.op)
        if decision is None or target is None:
            notes.append("no tag security needed")
            return
        if decision.result is not Result.ACCEPTED:
            notes.append(f"{record.op} {decision.result}: tag left as found")
            return
        uids = _parts(record)
        here = await self._on_pad()
        missing = [uid for uid in uids if uid not in here]
        if missing:
            notes.append(f"tag not on the pad ({', '.join(missing)}): security state unknown")
            return
        failed = []
        for uid in uids:
            outcome = await self.reader(functools.partial(self._ensure, uid=uid, target=target))
            if outcome is None:
                failed.append(uid)
        if failed:
            notes.append(f"security write failed on recovery ({', '.join(failed)})")
            await self.journal(lambda j: j.effect_done(record.tx_id, Security.SECURITY_FAILED))
        else:
            state = "secured" if target else "unsecured"
            notes.append(f"tag {state} on recovery")
            self.written.append(record.tx_id)
            await self.journal(lambda j: j.effect_done(record.tx_id, _SECURITY[target]))
        self.on_step("effect", record.tx_id)

    def _ensure(self, reader: Reader, uid: str, target: bool) -> SecurityResult | None:
        """Bring one tag to ``target`` (reading first: an already-finished write is not redone)."""
        raw = bytes.fromhex(uid)
        mode: SecurityMode = self.config.security_mode
        try:
            afi, eas = security_state(reader, raw, mode)
            if all(state is target for state in (afi, eas) if state is not None):
                return SecurityResult.SECURED if target else SecurityResult.UNSECURED
            outcome = apply_security(
                reader, raw, secured=target, mode=mode, attempts=self.config.security_attempts
            )
        except (ReaderError, OSError, ValueError) as exc:
            log.warning("recovery: tag %s: %s", uid, exc)
            return None
        return outcome.result if outcome.ok else None

    async def _on_pad(self) -> frozenset[str]:
        if self._field is None:
            seen: set[str] = set()
            for _ in range(_INVENTORIES):
                try:
                    tags = await self.reader(lambda r: r.inventory())
                except (ReaderError, OSError) as exc:
                    log.warning("recovery: inventory failed: %s", exc)
                    continue
                seen.update(tag.uid_hex for tag in tags)
            self._field = frozenset(seen)
        return self._field


def _parts(record: TxRecord) -> tuple[str, ...]:
    assert record.item is not None
    parts = record.detail.get("parts") if record.detail is not None else None
    if isinstance(parts, list) and parts and all(isinstance(p, str) for p in parts):
        return tuple(p.upper() for p in parts)
    return (record.item.uid.upper(),)
