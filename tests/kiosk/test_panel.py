"""The panel: screen actions → LED, buzzer, latch and receipts (pure, fake devices)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from kiosk.circulation._actions import Beep, BeepPattern, ItemResult, PrintReceipt, Show
from kiosk.circulation._states import State
from kiosk.circulation.decision import Op, Verdict
from kiosk.circulation.patron import Patron
from kiosk.circulation.reasons import Reason, message_for
from kiosk.panel import BUZZER_FOR_BEEP, LED_FOR_SCREEN, Panel, ReceiptOrder

NOW = datetime(2026, 11, 24, 10, 30)


class Signals:
    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    def _call(self, what: str, arg: str) -> None:
        if what == self.fail:
            raise OSError(f"{what} wire cut")
        self.calls.append((what, arg))

    def led(self, pattern: str) -> None:
        self._call("led", pattern)

    def beep(self, pattern: str) -> None:
        self._call("beep", pattern)

    def pulse_latch(self, seconds: float | None = None) -> object:
        self._call("latch", "pulse")
        return "pulsed"


class Printer:
    def __init__(self) -> None:
        self.orders: list[ReceiptOrder] = []

    def print_order(self, order: ReceiptOrder) -> str:
        self.orders.append(order)
        return f"receipt with {len(order.items)} items"


def result(op: Op, verdict: Verdict, pii: str, *, title: str = "三体") -> ItemResult:
    reason = Reason.OK if verdict is Verdict.ACCEPTED else Reason.RESERVED
    return ItemResult(
        uid="E0040100" + pii[-8:], op=op, result=verdict, reason=reason,
        message=message_for(reason), pii=pii, title=title,
        due=datetime(2026, 12, 24) if verdict is Verdict.ACCEPTED else None,
    )


def panel(signals: Signals | None, printer: Printer | None = None,
          run: Callable[[Callable[[], None]], None] = lambda work: work()) -> Panel:
    return Panel(signals, lambda: printer, run_blocking=run, clock=lambda: NOW)


def test_every_screen_and_beep_has_a_device_pattern() -> None:
    assert set(LED_FOR_SCREEN) == set(State)
    assert set(BUZZER_FOR_BEEP) == set(BeepPattern)


@pytest.mark.parametrize("screen", list(State))
def test_led_follows_the_screen(screen: State) -> None:
    signals = Signals()
    panel(signals).observe(Show(screen))
    assert signals.calls == [("led", LED_FOR_SCREEN[screen])]


def test_refusal_beeps_three_short_and_only_accepted_returns_open_the_chute() -> None:
    signals = Signals()
    p = panel(signals)
    p.observe(Beep(BeepPattern.ERROR))
    p.observe(result(Op.RETURN, Verdict.REFUSED, "0001100000003"))
    p.observe(result(Op.CHECKOUT, Verdict.ACCEPTED, "0001100000004"))
    p.observe(result(Op.RETURN, Verdict.ACCEPTED, "0001100000005"))
    assert signals.calls == [("beep", "refuse"), ("latch", "pulse")]
    assert p.latch_pulses == 1


def test_a_broken_device_never_stops_the_others() -> None:
    signals = Signals(fail="led")
    p = panel(signals)
    p.observe(Show(State.ITEMS))  # the LED fails: logged, swallowed
    p.observe(Beep(BeepPattern.OK))
    assert signals.calls == [("beep", "ok")]


def test_receipt_lists_the_session_once_per_item_in_the_patrons_language() -> None:
    printer = Printer()
    p = panel(None, printer)
    p.set_language("en")
    p.observe(Show(State.ITEMS, op=Op.CHECKOUT, patron=Patron("0001000012345", "王小明")))
    p.observe(result(Op.CHECKOUT, Verdict.ACCEPTED, "0001100000001"))
    p.observe(result(Op.CHECKOUT, Verdict.ACCEPTED, "0001100000001"))  # seen again: one line
    p.observe(result(Op.CHECKOUT, Verdict.REFUSED, "0001100000002", title="活着"))
    p.observe(PrintReceipt(("ignored",)))
    (order,) = printer.orders
    assert (order.kind, order.patron, order.language, order.at) == (
        "checkout", "0001000012345", "en", NOW,
    )
    assert [(i.barcode, i.status, i.due is not None) for i in order.items] == [
        ("0001100000001", "Issued", True),
        ("0001100000002", "Not issued", False),
    ]
    assert p.last_receipt == "receipt with 2 items" and p.receipts_printed == 1


def test_welcome_forgets_the_last_session_and_no_printer_prints_nothing() -> None:
    printer = Printer()
    p = panel(None, printer)
    p.observe(result(Op.RETURN, Verdict.ACCEPTED, "0001100000001"))
    p.observe(Show(State.WELCOME))
    assert p.order().items == ()
    absent = panel(None, None)
    absent.observe(PrintReceipt(()))
    assert absent.last_receipt is None and absent.receipts_printed == 0
