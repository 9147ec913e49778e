"""KioskGpio on gpiozero's MockFactory: pins are driven with drive_high/drive_low and outputs
are checked through each mock pin's recorded state history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from drivers.errors import DriverConfigError, GpioError
from drivers.gpio import (
    BeepPattern,
    GpioConfig,
    InputEvent,
    KioskGpio,
    LedPattern,
    PinSpec,
    make_pin_factory,
)

LATCH, DOOR, BIN, KEY, LED, BUZZER = 17, 27, 22, 5, 23, 24

FAST_LEDS = {
    "off": LedPattern(((False, 0.01),)),
    "idle": LedPattern(((True, 0.02), (False, 0.02)), repeat=True),
    "busy": LedPattern(((True, 0.01), (False, 0.01)), repeat=True),
    "ok": LedPattern(((True, 0.03),), then="idle"),
    "error": LedPattern(((True, 0.01), (False, 0.01)), repeat=True),
}
FAST_BEEPS = {
    "ok": BeepPattern(0.01, 0.01, 1),
    "refuse": BeepPattern(0.01, 0.01, 3),
    "error": BeepPattern(0.05, 0.0, 1),
}


def full_config(**overrides: object) -> GpioConfig:
    fields: dict[str, object] = {
        "latch": PinSpec(LATCH),
        "door_closed": PinSpec(DOOR, pull_up=True, active_high=False),  # reed to ground
        "bin_full": PinSpec(f"GPIO{BIN}", active_high=True, bounce_s=0.05),
        "service_key": PinSpec(KEY, pull_up=True, active_high=True),  # NC contact to ground
        "status_led": PinSpec(LED),
        "buzzer": PinSpec(BUZZER),
        "latch_pulse_s": 0.02,
    }
    fields.update(overrides)
    return GpioConfig(**fields)  # type: ignore[arg-type]


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    mock = make_pin_factory("mock")
    yield mock  # type: ignore[misc]
    mock.close()


def build(factory: MockFactory, config: GpioConfig | None = None, **kwargs: object) -> KioskGpio:
    return KioskGpio(config or full_config(), factory, led_patterns=FAST_LEDS,
                     beep_patterns=FAST_BEEPS, tick_s=0.005, clock=lambda: 42.0,
                     **kwargs)  # type: ignore[arg-type]


def states(factory: MockFactory, pin: int) -> list[bool]:
    return [bool(s.state) for s in factory.pin(pin).states]


def wait_until(predicate: Callable[[], bool]) -> None:
    """Bounded polling for gpiozero's background threads (not a timing assertion)."""
    pause = threading.Event()
    for _ in range(2000):
        if predicate():
            return
        pause.wait(0.005)
    raise AssertionError("condition not reached")


# -- latch ---------------------------------------------------------------------------------------


def test_latch_pulse_energises_then_releases(factory: MockFactory) -> None:
    gpio = build(factory)
    try:
        assert gpio.pulse_latch() == "pulsed"
        wait_until(lambda: len(factory.pin(LATCH).states) == 3)
        assert states(factory, LATCH) == [False, True, False]
        gpio.pulse_latch(0.01)
        wait_until(lambda: len(factory.pin(LATCH).states) == 5)
        factory.pin(LATCH).assert_states([False, True, False, True, False])
    finally:
        gpio.close()


def test_active_low_latch_is_energised_by_driving_low(factory: MockFactory) -> None:
    gpio = build(factory, full_config(latch=PinSpec(LATCH, active_high=False)))
    try:
        gpio.pulse_latch()
        wait_until(lambda: len(factory.pin(LATCH).states) == 4)
        # The history starts as an input (low), then idles high = released.
        assert states(factory, LATCH)[1:] == [True, False, True]
    finally:
        gpio.close()


def test_latch_refuses_while_the_door_is_open_when_configured(factory: MockFactory) -> None:
    gpio = build(factory, full_config(latch_refuse_when_door_open=True))
    try:
        assert gpio.door_closed is False  # pulled up, reed open
        assert gpio.pulse_latch() == "door-open"
        assert states(factory, LATCH) == [False]
        factory.pin(DOOR).drive_low()  # door shut
        assert gpio.pulse_latch() == "pulsed"
        wait_until(lambda: len(factory.pin(LATCH).states) == 3)
    finally:
        gpio.close()


def test_latch_pulses_with_the_door_open_when_not_configured_to_refuse(
    factory: MockFactory,
) -> None:
    gpio = build(factory)
    try:
        assert gpio.door_closed is False
        assert gpio.pulse_latch() == "pulsed"
    finally:
        gpio.close()


def test_latch_pulse_length_is_checked(factory: MockFactory) -> None:
    gpio = build(factory)
    try:
        with pytest.raises(DriverConfigError, match=r"latch pulse must be within \(0, 60\]"):
            gpio.pulse_latch(0)
    finally:
        gpio.close()


# -- inputs ----------------------------------------------------------------------------------------


def test_inputs_follow_the_configured_polarity_and_report_changes(factory: MockFactory) -> None:
    gpio = build(factory)
    events: list[InputEvent] = []
    gpio.on_change(events.append)
    try:
        assert (gpio.door_closed, gpio.bin_full, gpio.service_key) == (False, False, True)
        factory.pin(DOOR).drive_low()
        factory.pin(BIN).drive_high()
        factory.pin(KEY).drive_low()  # key turned: contact opens… here pulled to ground
        factory.pin(BIN).drive_low()
        assert (gpio.door_closed, gpio.bin_full, gpio.service_key) == (True, False, False)
        assert events == [
            InputEvent("door_closed", True, 42.0),
            InputEvent("bin_full", True, 42.0),
            InputEvent("service_key", False, 42.0),
            InputEvent("bin_full", False, 42.0),
        ]
    finally:
        gpio.close()


def test_a_failing_listener_does_not_silence_the_others(factory: MockFactory) -> None:
    gpio = build(factory)
    seen: list[str] = []

    def broken(event: InputEvent) -> None:
        raise RuntimeError("listener bug")

    gpio.on_change(broken)
    gpio.on_change(lambda e: seen.append(e.name))
    try:
        factory.pin(BIN).drive_high()
        assert seen == ["bin_full"]
    finally:
        gpio.close()


def test_absent_functions_read_none_and_do_nothing(factory: MockFactory) -> None:
    gpio = build(factory, GpioConfig(bin_full=PinSpec(BIN)))
    try:
        assert (gpio.door_closed, gpio.service_key) == (None, None)
        assert gpio.bin_full is False
        assert gpio.pulse_latch() == "absent"
        gpio.led("busy")
        gpio.beep("error")
        assert LED not in [info.number for info in factory.pins]
    finally:
        gpio.close()


# -- LED and buzzer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("ok", [False, True, False]), ("refuse", [False, True, False, True, False, True, False]),
     ("error", [False, True, False])],
)
def test_beep_patterns(factory: MockFactory, pattern: str, expected: list[bool]) -> None:
    gpio = build(factory)
    try:
        gpio.beep(pattern)
        wait_until(lambda: len(factory.pin(BUZZER).states) == len(expected))
        assert states(factory, BUZZER) == expected
    finally:
        gpio.close()


def test_led_busy_blinks_until_told_otherwise(factory: MockFactory) -> None:
    gpio = build(factory)
    try:
        gpio.led("busy")
        wait_until(lambda: len(factory.pin(LED).states) >= 6)
        gpio.led("off")
        wait_until(lambda: factory.pin(LED).state is False)
        history = states(factory, LED)
        assert history[:6] == [False, True, False, True, False, True]
        assert history[-1] is False
    finally:
        gpio.close()


def test_led_ok_is_steady_then_returns_to_idle_blinking(factory: MockFactory) -> None:
    gpio = build(factory)
    try:
        gpio.led("ok")
        wait_until(lambda: len(factory.pin(LED).states) >= 5)
        # "ok" alone would stop at [False, True]; the further changes are idle's blinking.
        assert states(factory, LED)[:5] == [False, True, False, True, False]
    finally:
        gpio.close()


def test_steady_idle_holds_the_led_on(factory: MockFactory) -> None:
    gpio = KioskGpio(full_config(led_idle="steady"), factory, tick_s=0.005)
    try:
        gpio.led("idle")
        wait_until(lambda: factory.pin(LED).state is True)
        gpio.led("off")
        wait_until(lambda: factory.pin(LED).state is False)
        assert states(factory, LED) == [False, True, False]
    finally:
        gpio.close()


def test_unknown_patterns_are_refused_with_the_choices(factory: MockFactory) -> None:
    gpio = build(factory)
    try:
        with pytest.raises(DriverConfigError, match="unknown LED pattern 'party'; expected one of"
                           " off, idle, busy, ok, error"):
            gpio.led("party")
        with pytest.raises(DriverConfigError, match="unknown beep pattern 'tune'"):
            gpio.beep("tune")
    finally:
        gpio.close()


# -- construction and release ---------------------------------------------------------------------


def test_a_bad_pin_is_a_gpio_error_and_releases_what_was_built(factory: MockFactory) -> None:
    with pytest.raises(GpioError, match="gpio buzzer: cannot use pin 'GPIO99'"):
        KioskGpio(GpioConfig(latch=PinSpec(LATCH), buzzer=PinSpec("GPIO99")), factory)
    gpio = KioskGpio(GpioConfig(latch=PinSpec(LATCH)), factory)  # the latch pin is free again
    gpio.close()


def test_close_releases_every_pin_and_is_idempotent(factory: MockFactory) -> None:
    gpio = build(factory)
    gpio.led("busy")
    gpio.close()
    gpio.close()
    again = build(factory)
    again.close()


def test_two_kiosks_on_separate_factories_do_not_share_pins() -> None:
    a_factory, b_factory = make_pin_factory("mock"), make_pin_factory("mock")
    a, b = build(a_factory), build(b_factory)  # type: ignore[arg-type]
    try:
        a_factory.pin(BIN).drive_high()  # type: ignore[attr-defined]
        assert (a.bin_full, b.bin_full) == (True, False)
    finally:
        a.close()
        b.close()
