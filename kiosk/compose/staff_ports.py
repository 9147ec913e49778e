"""The staff tool pages' ports (kiosk.web.staff_tools) over the daemon's journal, reader, GPIO
and logging. Reader and journal work runs on their own threads through the runtime."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from drivers.gpio import KioskGpio
from drivers.reader import Reader
from kiosk import gz, tagdata
from kiosk.journal import Journal, TxRecord
from kiosk.logs import mask
from kiosk.security import SecurityMode, apply_security
from kiosk.tagio import read_tag, write_tag

__all__ = ["GpioHardware", "JournalOutbox", "LogRing", "ReaderTagTools"]

T = TypeVar("T")
JournalCall = Callable[[Callable[[Journal], Any]], Awaitable[Any]]
ReaderCall = Callable[[Callable[[Reader], Any]], Awaitable[Any]]


def _row(record: TxRecord) -> dict[str, Any]:
    item = record.item
    return {
        "tx_id": record.tx_id,
        "op": record.op,
        "pii": None if item is None else item.pii,
        "ts_ms": record.ts_ms,
        "step": str(record.step),
        "offline": record.offline,
        "parked": record.parked,
        "note": record.note,
        "answered": record.answered_ms is not None,
    }


class JournalOutbox:
    """Outbox depth and rows, parked rows, rows staff must reconcile; retry and sync now."""

    def __init__(self, call: JournalCall, sync_now: Callable[[], None]) -> None:
        self._call = call
        self._sync_now = sync_now

    async def snapshot(self, limit: int) -> Mapping[str, Any]:
        def look(journal: Journal) -> dict[str, Any]:
            seqs = journal.db.query(
                "SELECT seq FROM tx WHERE step = 'reconcile' ORDER BY seq DESC LIMIT ?", (limit,)
            )
            reconcile = [journal.get(f"{journal.kiosk}:{seq}") for (seq,) in seqs]
            return {
                "depth": journal.outbox_depth(),
                "queued": [_row(r) for r in journal.outbox(limit)],
                "parked": [_row(r) for r in journal.parked(limit)],
                "reconcile": [_row(r) for r in reconcile if r is not None],
            }

        found: dict[str, Any] = await self._call(look)
        return found

    async def retry(self, tx_id: str) -> bool:
        done = bool(await self._call(lambda journal: journal.unpark(tx_id)))
        self._sync_now()
        return done

    async def sync_now(self) -> None:
        self._sync_now()


class ReaderTagTools:
    """Read, secure, write and lock the tags on the pad (on the reader's thread)."""

    def __init__(self, call: ReaderCall, *, mode: SecurityMode, attempts: int) -> None:
        self._call = call
        self._mode = mode
        self._attempts = attempts

    async def scan(self) -> Sequence[Mapping[str, Any]]:
        def work(reader: Reader) -> list[dict[str, Any]]:
            return [_describe(reader, seen.uid) for seen in reader.inventory()]

        found: list[dict[str, Any]] = await self._call(work)
        return found

    async def secure(self, uid: str, secured: bool) -> Mapping[str, Any]:
        def work(reader: Reader) -> dict[str, Any]:
            outcome = apply_security(
                reader, bytes.fromhex(uid), secured=secured, mode=self._mode,
                attempts=self._attempts,
            )
            return {"result": str(outcome.result), "attempts": outcome.attempts,
                    "detail": outcome.detail}

        done: dict[str, Any] = await self._call(work)
        return done

    async def write(self, uid: str, profile: str, elements: Mapping[int, str]) -> Mapping[str, Any]:
        if profile != "none":
            gz.require(profile, elements)  # ProfileError lists every problem

        def work(reader: Reader) -> dict[str, Any]:
            encoded, _after = write_tag(reader, bytes.fromhex(uid), elements)
            return {"written_bytes": len(encoded.data), **_describe(reader, bytes.fromhex(uid))}

        done: dict[str, Any] = await self._call(work)
        return done

    async def lock(self, uid: str, blocks: Sequence[int]) -> Mapping[str, Any]:
        def work(reader: Reader) -> dict[str, Any]:
            reader.lock_blocks(bytes.fromhex(uid), list(blocks))
            return _describe(reader, bytes.fromhex(uid))

        done: dict[str, Any] = await self._call(work)
        return done


def _describe(reader: Reader, uid: bytes) -> dict[str, Any]:
    """One tag as the tag-tools page shows it; a tag that cannot be read says why."""
    base: dict[str, Any] = {"uid": uid.hex().upper()}
    try:
        reading = read_tag(reader, uid)
    except (OSError, ValueError) as exc:
        return {**base, "error": " ".join(str(exc).split())}
    elements = reading.data.elements
    match = gz.identify(elements)
    return {
        **base,
        "afi": reading.info.afi,
        "dsfid": reading.info.dsfid,
        "eas": reading.eas,
        "block_size": reading.info.block_size,
        "blocks": reading.info.block_count,
        "locked_blocks": list(reading.locked_blocks),
        "profile": match.name,
        "elements": [
            {
                "oid": oid,
                "zh": tagdata.element(oid).name_zh,
                "en": tagdata.element(oid).name,
                "value": value,
            }
            for oid, value in sorted(elements.items())
        ],
    }


class GpioHardware:
    """LED, buzzer and latch tests and the inputs' state, on the daemon's GPIO panel."""

    _TESTS: Mapping[str, Callable[[KioskGpio, str], object]] = {
        "led": lambda gpio, pattern: gpio.led(pattern),
        "buzzer": lambda gpio, pattern: gpio.beep(pattern),
        "latch": lambda gpio, _pattern: gpio.pulse_latch(),
    }

    def __init__(self, gpio: KioskGpio) -> None:
        self._gpio = gpio

    def state(self) -> Mapping[str, Any]:
        g = self._gpio
        return {
            "inputs": {
                "door_closed": g.door_closed,
                "bin_full": g.bin_full,
                "service_key": g.service_key,
            },
            "tests": {"led": ["off", "idle", "busy", "ok", "error"],
                      "buzzer": ["ok", "refuse", "error"], "latch": ["pulse"]},
        }

    def test(self, device: str, pattern: str) -> str:
        run = self._TESTS.get(device)
        if run is None:
            raise ValueError(f"device {device!r}: expected led, buzzer or latch")
        result = run(self._gpio, pattern)
        return "done" if result is None else str(result)


class LogRing(logging.Handler):
    """The latest log records (masked, like the journal's), for the staff logs page."""

    def __init__(self, size: int = 500) -> None:
        super().__init__(logging.DEBUG)
        self._lines: deque[dict[str, Any]] = deque(maxlen=size)
        self._lines_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = mask(record.getMessage())
        except Exception:  # a broken log call must not break logging
            text = str(record.msg)
        line = {
            "ts": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created)),
            "level": record.levelname.lower(),
            "levelno": record.levelno,
            "logger": record.name,
            "message": text,
        }
        with self._lines_lock:
            self._lines.append(line)

    def lines(self, level: int, limit: int) -> Sequence[Mapping[str, Any]]:
        with self._lines_lock:
            chosen = [line for line in self._lines if line["levelno"] >= level]
        return list(reversed(chosen[-limit:]))
