"""The staff tool pages' real parts for the web tests: a journal in tmp_path on its own thread,
the virtual pad on the reader's thread, gpiozero's mock pins, a log ring, staff S7 / PIN 13579.

The pad holds a secured gz-item book (OIDs 1 and 3 locked, as libraries program them) and a blank
SLIX tag. The journal holds one parked, one reconcile, one central-exception and two queued rows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from drivers.gpio import GpioConfig, KioskGpio, PinSpec, make_pin_factory
from drivers.reader import Reader
from drivers.virtual import VirtualPad, VirtualReader, VirtualTag, make_uid
from kiosk import tagdata
from kiosk.compose.staff_ports import GpioHardware, JournalOutbox, LogRing, ReaderTagTools
from kiosk.journal import Decision, Intent, ItemRef, Journal
from kiosk.security import SecurityMode
from kiosk.state import ScryptParams, StateDocuments
from kiosk.web import Catalog, StaffAction, StaffAuth, StaffDesk

T = TypeVar("T")
STAFF, STAFF_PIN = "S7", "13579"
BOOK_PII, OWNER = "0001100012345", "CN-440100-1-0001"
NEW_PII = "0001100009999"
PINS = {
    "status_led": 27,
    "buzzer": 22,
    "latch": 17,
    "bin_full": 6,
    "door_closed": 5,
    "service_key": 13,
}


def book_tag() -> VirtualTag:
    elements = {1: BOOK_PII, 3: OWNER, 5: "10", 6: "TP311/42"}
    encoded = tagdata.encode(elements, lock=(1, 3), capacity=112)
    return VirtualTag(
        "slix",
        make_uid("slix", 0x1234),
        encoded.data.ljust(112, b"\0"),
        afi=0x07,
        dsfid=0x06,
        eas=True,
        locked_blocks=encoded.lock_blocks,
    )


class ToolWorld:
    def __init__(self, tmp: Path, *, sync: bool = True) -> None:
        self._journal_thread = ThreadPoolExecutor(1, "journal")
        self._reader_thread = ThreadPoolExecutor(1, "reader")
        self.journal = self._journal_thread.submit(self._open, tmp).result()
        self.book = book_tag()
        self.blank = VirtualTag("slix", make_uid("slix", 0x7777), bytes(112))
        self.pad = VirtualPad([self.book, self.blank])
        self.reader = VirtualReader(self.pad)
        self.reader.open()
        self.pins: Any = make_pin_factory("mock")
        config = GpioConfig(**{name: PinSpec(pin) for name, pin in PINS.items()})
        self.gpio = KioskGpio(config, self.pins)
        self.logs = LogRing(50)
        self.reports: list[StaffAction] = []
        self.synced = 0
        self.sync = sync
        self.docs = StateDocuments.open(
            tmp / "state.json", clock=time.time, scrypt=ScryptParams(n=2**8, r=8, p=1)
        )
        self.docs.set_staff_secret(STAFF, STAFF_PIN)

    @staticmethod
    def _open(tmp: Path) -> Journal:
        journal = Journal.open(tmp / "journal.db", kiosk="k1", clock=time.time)

        def begin(n: int) -> str:
            ref = ItemRef(f"00011000{n:05d}", OWNER, f"E0040100000000{n:02X}", None)
            return journal.begin(Intent(f"s:{n}", "checkout", item=ref)).record.tx_id

        parked, reconcile, exception, queued = (begin(n) for n in range(1, 5))
        journal.decide(parked, Decision("accepted", "ok"), offline=True)
        journal.park(parked, "PUBACK 0x87 not authorized")
        journal.mark_reconcile(reconcile, "crashed before the security write")
        journal.ack(exception, {"result": "exception", "reason": "central_exception"})
        del queued
        return journal

    def on_journal(self, fn: Callable[[Journal], T]) -> Any:
        return asyncio.get_running_loop().run_in_executor(self._journal_thread, fn, self.journal)

    def on_reader(self, fn: Callable[[Reader], T]) -> Any:
        return asyncio.get_running_loop().run_in_executor(self._reader_thread, fn, self.reader)

    def pin(self, name: str) -> bool:
        return bool(self.pins.pin(PINS[name]).state)

    def desk(self, catalog: Catalog, **parts: Any) -> StaffDesk:
        """A desk with every tool; ``parts`` override them (``outbox=None``: no outbox)."""

        def sync_now() -> None:
            self.synced += 1

        tools: dict[str, Any] = {
            "outbox": JournalOutbox(self.on_journal, sync_now if self.sync else None),
            "tags": ReaderTagTools(self.on_reader, mode=SecurityMode.BOTH, attempts=3),
            "hardware": GpioHardware(self.gpio),
            "logs": self.logs,
        }
        tools.update(parts)
        return StaffDesk(
            auth=StaffAuth(self.docs.verify_staff, clock=time.monotonic),
            catalog=catalog,
            report=self.reports.append,
            today=lambda: date(2026, 11, 24),
            **tools,
        )

    def close(self) -> None:
        self.gpio.close()
        self.reader.close()
        self._journal_thread.submit(self.journal.close).result()
        self._journal_thread.shutdown()
        self._reader_thread.shutdown()
