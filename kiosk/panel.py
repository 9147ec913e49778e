"""The machine's physical answers to the session: status LED, buzzer, chute latch, receipts.

The session machine only says what happens (``Show``, ``Beep``, ``ItemResult``,
``PrintReceipt``); this module turns that into what the patron sees and hears on the cabinet —
tables, not if-chains — through two small ports the composition root fills in (the GPIO panel
and the receipt printer). It keeps the session's results so a receipt can be built with titles,
barcodes and due dates, and remembers the last receipt's text for the simulator and the tests.

A failing device never stops the session: each call is guarded and logged once per failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kiosk.circulation._actions import (
    Action,
    Beep,
    BeepPattern,
    ItemResult,
    PrintReceipt,
    Show,
)
from kiosk.circulation._states import State
from kiosk.circulation.decision import Op, Verdict

__all__ = [
    "BUZZER_FOR_BEEP",
    "LED_FOR_SCREEN",
    "Panel",
    "ReceiptItem",
    "ReceiptOrder",
    "ReceiptPort",
    "SignalPort",
]

log = logging.getLogger(__name__)

LED_FOR_SCREEN: dict[State, str] = {
    State.WELCOME: "idle",
    State.PIN: "busy",
    State.VERIFYING: "busy",
    State.CHOOSE: "busy",
    State.ITEMS: "busy",
    State.STILL_THERE: "busy",
    State.FINISHING: "busy",
    State.RECEIPT: "busy",
    State.GOODBYE: "ok",
    State.OUT_OF_SERVICE: "error",
    State.STAFF: "busy",
}
"""Status-LED pattern (drivers.gpio names) for each screen."""

BUZZER_FOR_BEEP: dict[BeepPattern, str] = {
    BeepPattern.OK: "ok",  # one short
    BeepPattern.ERROR: "refuse",  # three short: an item was refused
    BeepPattern.ATTENTION: "error",  # one long: look at the screen
}
"""Buzzer pattern for each of the machine's beeps."""

_RECEIPT_KIND: dict[Op, str] = {Op.CHECKOUT: "checkout", Op.RETURN: "return", Op.RENEW: "renew"}
_STATUS: dict[tuple[Op, Verdict], tuple[str, str]] = {
    (Op.CHECKOUT, Verdict.ACCEPTED): ("已借", "Issued"),
    (Op.CHECKOUT, Verdict.REFUSED): ("未借出", "Not issued"),
    (Op.RETURN, Verdict.ACCEPTED): ("已还", "Returned"),
    (Op.RETURN, Verdict.REFUSED): ("未还", "Not returned"),
    (Op.RENEW, Verdict.ACCEPTED): ("已续借", "Renewed"),
    (Op.RENEW, Verdict.REFUSED): ("未续借", "Not renewed"),
}


class SignalPort(Protocol):
    """The GPIO panel as the session needs it (drivers.gpio.KioskGpio fits)."""

    def led(self, pattern: str) -> None: ...

    def beep(self, pattern: str) -> None: ...

    def pulse_latch(self, seconds: float | None = None) -> object: ...


@dataclass(frozen=True, slots=True)
class ReceiptItem:
    title: str
    barcode: str
    due: datetime | None
    status: str


@dataclass(frozen=True, slots=True)
class ReceiptOrder:
    """One receipt to print, independent of any printer library."""

    kind: str  # checkout | return | renew
    patron: str
    at: datetime
    language: str
    items: tuple[ReceiptItem, ...]


class ReceiptPort(Protocol):
    """Prints a receipt and returns its text as printed (raises on a printer failure)."""

    def print_order(self, order: ReceiptOrder) -> str: ...


class Panel:
    """Feeds the cabinet's devices from the session's actions (call :meth:`observe` for each).

    Args:
        signals: the GPIO panel, or ``None`` when there is none.
        receipts: returns the printer port while one is available (``None``: no printer now).
        run_blocking: runs a slow call (printing) off the event loop.
        clock: wall clock for the receipt's time.
        language: the receipt language (the kiosk's default language).
        latch_on_return: open the return chute for each accepted return.
    """

    def __init__(
        self,
        signals: SignalPort | None,
        receipts: Callable[[], ReceiptPort | None],
        *,
        run_blocking: Callable[[Callable[[], None]], None],
        clock: Callable[[], datetime],
        language: str = "zh",
        latch_on_return: bool = True,
    ) -> None:
        self._signals = signals
        self._receipts = receipts
        self._run_blocking = run_blocking
        self._clock = clock
        self._language = language
        self._latch_on_return = latch_on_return
        self._results: dict[tuple[str, Op], ItemResult] = {}
        self._patron = ""
        self._op: Op | None = None
        self._failed: set[str] = set()
        self.last_receipt: str | None = None
        self.receipts_printed = 0
        self.latch_pulses = 0

    def set_language(self, language: str) -> None:
        self._language = language

    def observe(self, action: Action) -> None:
        handler = _HANDLERS.get(type(action))
        if handler is not None:
            handler(self, action)

    # ------------------------------------------------------------------ handlers

    def _on_show(self, action: Show) -> None:
        if action.patron is not None:
            self._patron = action.patron.patron_id
        if action.op is not None:
            self._op = action.op
        pattern = LED_FOR_SCREEN.get(action.screen)
        if pattern is not None:
            self._signal("led", lambda s: s.led(pattern))
        if action.screen is State.WELCOME:
            self._results.clear()
            self._patron = ""
            self._op = None

    def _on_beep(self, action: Beep) -> None:
        pattern = BUZZER_FOR_BEEP[action.pattern]
        self._signal("buzzer", lambda s: s.beep(pattern))

    def _on_result(self, action: ItemResult) -> None:
        self._results[(action.pii or action.uid, action.op)] = action
        if self._op is None:
            self._op = action.op
        if (
            self._latch_on_return
            and action.op is Op.RETURN
            and action.result is Verdict.ACCEPTED
        ):
            self.latch_pulses += 1
            self._signal("latch", lambda s: s.pulse_latch())

    def _on_print(self, action: PrintReceipt) -> None:
        order = self.order()
        port = self._receipts()
        if port is None:
            log.warning("receipt requested but no printer is available")
            return

        def work() -> None:
            try:
                self.last_receipt = port.print_order(order)
                self.receipts_printed += 1
            except Exception as exc:
                log.error("receipt printer: %s", exc)

        self._run_blocking(work)

    # ------------------------------------------------------------------ pieces

    def order(self) -> ReceiptOrder:
        """The receipt of the session so far."""
        results = list(self._results.values())
        op = self._op or (results[0].op if results else Op.CHECKOUT)
        zh = self._language == "zh"
        items = tuple(
            ReceiptItem(
                title=r.title or (r.pii or r.uid),
                barcode=r.pii or r.uid,
                due=r.due if r.result is Verdict.ACCEPTED else None,
                status=_status(r, zh),
            )
            for r in results
        )
        return ReceiptOrder(
            kind=_RECEIPT_KIND.get(op, "checkout"),
            patron=self._patron,
            at=self._clock(),
            language=self._language,
            items=items,
        )

    def _signal(self, device: str, call: Callable[[SignalPort], object]) -> None:
        signals = self._signals
        if signals is None:
            return
        try:
            call(signals)
        except Exception as exc:
            if device not in self._failed:
                log.error("%s: %s", device, exc)
            self._failed.add(device)
        else:
            self._failed.discard(device)


def _status(result: ItemResult, zh: bool) -> str:
    words = _STATUS.get((result.op, result.result), ("", ""))
    text = words[0] if zh else words[1]
    if result.offline:
        text += "（离线）" if zh else " (offline)"
    return text


_HANDLERS: dict[type[Action], Callable[[Panel, Any], None]] = {
    Show: Panel._on_show,
    Beep: Panel._on_beep,
    ItemResult: Panel._on_result,
    PrintReceipt: Panel._on_print,
}
