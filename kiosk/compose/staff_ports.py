"""The staff tool pages' ports (:mod:`kiosk.web.staff_tools`) over the daemon's journal, reader,
GPIO panel and logging.

Journal and reader work runs on their own threads through the runtime: each adapter takes the
runtime's ``call`` (``runtime.journal`` / ``runtime.reader``: run ``fn(journal)`` or
``fn(reader)`` on that thread and await its result), so a staff request never touches SQLite or
the serial line from the event loop, and queues behind the patron's work like any other.

    JournalOutbox(runtime.journal, sync_now)               outbox and exception queue
    ReaderTagTools(runtime.reader, mode=…, attempts=…)     read, secure, write, lock
    GpioHardware(parts.gpio)                               LED, buzzer, latch, inputs
    LogRing()  (a logging.Handler on the root logger)      the latest lines, masked
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, get_args

from drivers.gpio import BeepPatternName, KioskGpio, LedPatternName
from drivers.reader import Reader
from kiosk import gz, tagdata
from kiosk.errors import JournalError, KioskError, RecordError
from kiosk.journal import Journal, TxRecord
from kiosk.logs import mask
from kiosk.security import AFI_IN_LIBRARY, SecurityMode, apply_security
from kiosk.tagio import TagReading, read_tag, write_tag
from kiosk.web.staff_tools import (
    HardwareView,
    LogLine,
    OutboxRow,
    OutboxView,
    ProfileField,
    ProfileForm,
    SecureOutcome,
    TagElement,
    TagView,
    ToolError,
    ToolNotFound,
)

__all__ = ["GpioHardware", "JournalOutbox", "LogRing", "ReaderTagTools", "chip_name"]

T = TypeVar("T")
JournalCall = Callable[[Callable[[Journal], Any]], Awaitable[Any]]
ReaderCall = Callable[[Callable[[Reader], Any]], Awaitable[Any]]
SyncNow = Callable[[], Awaitable[None] | None]

# ---------------------------------------------------------------------------- outbox


def _row(kind: str, record: TxRecord) -> OutboxRow:
    reason = ""
    if kind == "parked":
        reason = record.parked or ""
    elif kind == "reconcile":
        central = record.reply.get("reason") if record.reply else None
        reason = " · ".join(str(x) for x in (record.note, central) if x)
    return OutboxRow(
        tx_id=record.tx_id,
        kind=kind,
        op=record.op,
        ts_ms=record.ts_ms,
        step=str(record.step),
        pii=None if record.item is None else record.item.pii,
        reason=reason,
        offline=record.offline,
    )


class JournalOutbox:
    """Outbox depth and age, last sync, the rows staff look at; unpark and sync now.

    ``sync_now`` wakes the outbox drain (the daemon's link; plain or async); ``None``: this
    machine has no link, and "sync now" says so.
    """

    def __init__(self, call: JournalCall, sync_now: SyncNow | None = None) -> None:
        self._call = call
        self._sync_now = sync_now

    async def snapshot(self, limit: int) -> OutboxView:
        def look(journal: Journal) -> OutboxView:
            counts = journal.queue_counts()
            oldest, last = journal.queue_times()
            now = journal.db.now_ms()
            rows = tuple(
                _row(kind, record)
                for kind in ("parked", "reconcile", "queued")
                for record in journal.queue_rows(kind, limit)
            )
            return OutboxView(
                depth=counts["queued"],
                parked=counts["parked"],
                reconcile=counts["reconcile"],
                oldest_queued_age_s=None if oldest is None else max(0, now - oldest) / 1000,
                last_sync_ms=last,
                rows=rows,
                can_sync=self._sync_now is not None,
            )

        view: OutboxView = await self._call(look)
        return view

    async def unpark(self, tx_id: str) -> bool:
        """Put a parked row back into the drain (False: it was not parked) and wake the drain."""

        def work(journal: Journal) -> bool:
            try:
                if journal.get(tx_id) is None:
                    raise ToolNotFound(f"tx_id {tx_id}: not in the journal")
                return journal.unpark(tx_id)
            except (RecordError, JournalError) as exc:
                raise ToolError(f"tx_id {tx_id!r:.100}: {exc}") from None

        done: bool = await self._call(work)
        if done and self._sync_now is not None:
            await self.sync_now()
        return done

    async def sync_now(self) -> None:
        if self._sync_now is None:
            raise ToolNotFound("this machine has no link to central to sync with")
        result = self._sync_now()
        if result is not None:
            await result


# ---------------------------------------------------------------------------- tags

MANUFACTURERS: Mapping[int, str] = {  # ISO/IEC 7816-6 IC manufacturer codes on library tags
    0x02: "STMicroelectronics",
    0x04: "NXP",
    0x05: "Infineon",
    0x07: "Texas Instruments",
    0x08: "Fujitsu",
    0x16: "EM Microelectronic",
}


def chip_name(reading: TagReading) -> str:
    """Manufacturer (from the UID), IC reference and memory, e.g. ``NXP · IC 0x01 · 28 × 4 B``."""
    info = reading.info
    code = reading.uid[1] if len(reading.uid) > 1 else -1
    parts = [MANUFACTURERS.get(code, f"manufacturer 0x{code:02X}")]
    if info.ic_reference is not None:
        parts.append(f"IC 0x{info.ic_reference:02X}")
    if info.block_count and info.block_size:
        parts.append(f"{info.block_count} × {info.block_size} B")
    return " · ".join(parts)


def _names(oid: int, profile: gz.Profile | None) -> tuple[str, str]:
    """The profile's name for the element when the tag conforms to one, else ISO 28560-1's."""
    rule = None if profile is None else profile.rule(oid)
    if rule is not None:
        return rule.name_zh, rule.name_en
    try:
        info = tagdata.element(oid)
    except KioskError:
        return f"OID {oid}", f"OID {oid}"
    return info.name_zh, info.name


def _secured(reading: TagReading, mode: SecurityMode) -> bool | None:
    """True/False when every part the mode uses agrees; None when they disagree."""
    states: list[bool] = []
    if mode.uses_afi:
        states.append(reading.info.afi == AFI_IN_LIBRARY)
    if mode.uses_eas and reading.eas is not None:
        states.append(reading.eas)
    return states[0] if states and len(set(states)) == 1 else None


def describe(reader: Reader, uid: bytes, mode: SecurityMode) -> TagView:
    """One tag as the tag-tools page shows it; a tag that cannot be read says why."""
    shown = uid.hex().upper()
    try:
        reading = read_tag(reader, uid)
    except (KioskError, OSError, ValueError, LookupError) as exc:
        return TagView(uid=shown, error=" ".join(str(exc).split()) or type(exc).__name__)
    elements = reading.data.elements
    match = gz.identify(elements)
    profile = None if match.name is None else gz.PROFILES[match.name]
    problems = reading.data.problems + (match.problems if elements and not match.matched else ())
    return TagView(
        uid=shown,
        chip=chip_name(reading),
        afi=reading.info.afi,
        dsfid=reading.info.dsfid,
        eas=reading.eas,
        secured=_secured(reading, mode),
        block_size=reading.block_size,
        block_count=reading.info.block_count,
        locked_blocks=tuple(reading.locked_blocks),
        profile=match.name,
        closest=match.closest if elements else None,
        problems=tuple(problems),
        elements=tuple(
            TagElement(oid, *_names(oid, profile), value) for oid, value in sorted(elements.items())
        ),
    )


def profile_forms() -> tuple[ProfileForm, ...]:
    """The DB4401/T 96 profiles (kiosk.gz) as write forms: mandatory fields first."""
    return tuple(
        ProfileForm(
            name=profile.name,
            title_zh=profile.title_zh,
            title_en=profile.title_en,
            fields=tuple(
                ProfileField(rule.oid, rule.name_zh, rule.name_en, rule.mandatory)
                for rule in sorted(profile.rules, key=lambda r: not r.mandatory)
            ),
        )
        for profile in gz.PROFILES.values()
    )


class ReaderTagTools:
    """Read, secure, write and lock the tags on the pad, on the reader's thread."""

    def __init__(self, call: ReaderCall, *, mode: SecurityMode, attempts: int) -> None:
        self._call = call
        self._mode = mode
        self._attempts = attempts
        self._forms = profile_forms()

    def profiles(self) -> Sequence[ProfileForm]:
        return self._forms

    async def scan(self) -> Sequence[TagView]:
        def work(reader: Reader) -> list[TagView]:
            return [describe(reader, seen.uid, self._mode) for seen in reader.inventory()]

        found: list[TagView] = await self._call(work)
        return found

    async def secure(self, uid: str, secured: bool) -> SecureOutcome:
        tag = bytes.fromhex(uid)

        def work(reader: Reader) -> SecureOutcome:
            outcome = apply_security(
                reader, tag, secured=secured, mode=self._mode, attempts=self._attempts
            )
            return SecureOutcome(
                str(outcome.result),
                outcome.attempts,
                outcome.detail,
                describe(reader, tag, self._mode),
            )

        done: SecureOutcome = await self._call(work)
        return done

    async def write(self, uid: str, profile: str, elements: Mapping[int, str]) -> TagView:
        """Refuse values the profile or the codec refuse (ToolError, their message) before the
        reader is touched; then encode for this chip, write, verify by reading back."""
        try:
            gz.require(profile, elements)
            tagdata.encode(elements)
        except KioskError as exc:
            raise ToolError(str(exc)) from None
        tag = bytes.fromhex(uid)

        def work(reader: Reader) -> TagView:
            write_tag(reader, tag, elements)
            return describe(reader, tag, self._mode)

        done: TagView = await self._call(work)
        return done

    async def lock(self, uid: str, blocks: Sequence[int]) -> TagView:
        """Lock the blocks not locked yet (permanent); blocks the chip lacks are a ToolError."""
        tag = bytes.fromhex(uid)

        def work(reader: Reader) -> TagView:
            before = read_tag(reader, tag, eas=False)
            count = before.info.block_count or len(before.memory) // before.block_size
            beyond = [b for b in blocks if b >= count]
            if beyond:
                raise ToolError(f"blocks {beyond}: this tag has blocks 0..{count - 1}")
            todo = [b for b in blocks if b not in before.locked_blocks]
            if todo:
                reader.lock_blocks(tag, todo)
            return describe(reader, tag, self._mode)

        done: TagView = await self._call(work)
        return done


# ---------------------------------------------------------------------------- hardware

LED_TESTS: tuple[str, ...] = get_args(LedPatternName)
BUZZER_TESTS: tuple[str, ...] = get_args(BeepPatternName)
LATCH_TESTS = ("pulse", "open", "close")
LATCH_OPEN_S = 10.0  # "open" holds the latch this long at most (a solenoid must not cook)
LATCH_CLOSE_S = 0.02  # "close" restarts the pulse with one this short: released at once


class GpioHardware:
    """LED, buzzer and latch tests and the inputs' state, on the daemon's GPIO panel.

    An LED test pattern stays until the machine next shows a screen (leaving staff mode does).
    """

    def __init__(self, gpio: KioskGpio) -> None:
        self._gpio = gpio

    def state(self) -> HardwareView:
        g = self._gpio
        return HardwareView(
            inputs={
                "door_closed": g.door_closed,
                "bin_full": g.bin_full,
                "service_key": g.service_key,
            },
            tests={"led": LED_TESTS, "buzzer": BUZZER_TESTS, "latch": LATCH_TESTS},
        )

    def test(self, device: str, pattern: str) -> str:
        """Run one test; the answer names what happened (``shown``, ``sounded``, ``open``,
        ``closed``, ``pulsed``, or the latch's ``door-open`` / ``absent``)."""
        g = self._gpio
        if device == "led" and pattern in LED_TESTS:
            g.led(pattern)
            return "shown"
        if device == "buzzer" and pattern in BUZZER_TESTS:
            g.beep(pattern)
            return "sounded"
        if device == "latch" and pattern in LATCH_TESTS:
            seconds = {"pulse": None, "open": LATCH_OPEN_S, "close": LATCH_CLOSE_S}[pattern]
            result = g.pulse_latch(seconds)
            if result != "pulsed" or pattern == "pulse":
                return str(result)
            return "open" if pattern == "open" else "closed"
        raise ToolError(f"{device} {pattern}: no such test")


# ---------------------------------------------------------------------------- logs


class LogRing(logging.Handler):
    """The latest log records, masked like the daemon's log (no PINs, no full patron numbers),
    for the staff logs page. Thread-safe: records arrive from every thread."""

    def __init__(self, size: int = 500) -> None:
        super().__init__(logging.DEBUG)
        self._lines: deque[tuple[int, LogLine]] = deque(maxlen=size)
        self._lines_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            trace = record.exc_text or (
                logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
            )
            text = mask(f"{text}\n{trace}" if trace else text)
        except Exception:  # a broken log call must not break logging
            text = mask(str(record.msg))
        line = LogLine(
            ts_ms=int(record.created * 1000),
            level=record.levelname.lower(),
            logger=record.name,
            message=text,
        )
        with self._lines_lock:
            self._lines.append((record.levelno, line))

    def lines(self, level: int, limit: int) -> Sequence[LogLine]:
        """Up to ``limit`` lines at ``level`` or above, newest first."""
        with self._lines_lock:
            chosen = [line for levelno, line in self._lines if levelno >= level]
        return chosen[::-1][:limit]
