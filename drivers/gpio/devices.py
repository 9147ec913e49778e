"""The kiosk's GPIO panel: latch, door/bin/service-key inputs, status LED and buzzer.

:class:`KioskGpio` is built from a :class:`~drivers.gpio.config.GpioConfig` and an explicit pin
factory (:func:`~drivers.gpio.factory.make_pin_factory`); it never touches gpiozero's global
factory. Absent functions are simply not there: their inputs read ``None`` and their outputs do
nothing. Input callbacks run in gpiozero's threads — the daemon wraps them with
``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from drivers.errors import DriverConfigError
from drivers.gpio._gpiozero import InputLine, OutputLine, OutputRole, PinFactory
from drivers.gpio.config import INPUTS, GpioConfig
from drivers.gpio.patterns import (
    DEFAULT_BEEP_PATTERNS,
    DEFAULT_LED_PATTERNS,
    STEADY_IDLE,
    BeepPattern,
    LedPattern,
    check_beep_patterns,
    check_led_patterns,
    led_levels,
)

__all__ = ["InputEvent", "KioskGpio", "LatchResult"]

_log = logging.getLogger(__name__)

LatchResult = Literal["pulsed", "door-open", "absent"]


@dataclass(frozen=True, slots=True)
class InputEvent:
    """An input changed: ``name`` is one of ``door_closed``, ``bin_full``, ``service_key``."""

    name: str
    active: bool
    at: float


class KioskGpio:
    """The kiosk's GPIO functions over gpiozero devices built with ``pin_factory``."""

    def __init__(
        self,
        config: GpioConfig,
        pin_factory: PinFactory,
        *,
        clock: Callable[[], float] = time.time,
        led_patterns: Mapping[str, LedPattern] | None = None,
        beep_patterns: Mapping[str, BeepPattern] | None = None,
        tick_s: float = 0.05,
    ) -> None:
        if not tick_s > 0:
            raise DriverConfigError(f"gpio tick_s must be > 0, got {tick_s!r}")
        patterns = dict(DEFAULT_LED_PATTERNS if led_patterns is None else led_patterns)
        if led_patterns is None and config.led_idle == "steady":
            patterns["idle"] = STEADY_IDLE
        check_led_patterns(patterns)
        beeps = dict(DEFAULT_BEEP_PATTERNS if beep_patterns is None else beep_patterns)
        check_beep_patterns(beeps)
        self._config = config
        self._clock = clock
        self._led_patterns = patterns
        self._beep_patterns = beeps
        self._tick_s = tick_s
        self._listeners: list[Callable[[InputEvent], None]] = []
        self._lock = threading.Lock()
        self._outputs: dict[str, OutputLine] = {}
        self._inputs: dict[str, InputLine] = {}
        try:
            self._build(pin_factory)
        except BaseException:
            self.close()
            raise

    def _build(self, factory: PinFactory) -> None:
        roles: dict[str, OutputRole] = {"latch": "plain", "status_led": "led", "buzzer": "buzzer"}
        for name, role in roles.items():
            spec = getattr(self._config, name)
            if spec is not None:
                self._outputs[name] = OutputLine(name, spec, factory, role)
        for name in INPUTS:
            spec = getattr(self._config, name)
            if spec is not None:
                self._inputs[name] = InputLine(name, spec, factory, self._changed_handler(name))

    # -- outputs ---------------------------------------------------------------------------------

    def pulse_latch(self, seconds: float | None = None) -> LatchResult:
        """Energise the chute latch for ``seconds`` (default: the configured pulse), then release.

        Returns ``"door-open"`` without pulsing when configured to refuse while the door is open,
        and ``"absent"`` when no latch is wired.
        """
        latch = self._outputs.get("latch")
        if latch is None:
            return "absent"
        duration = self._config.latch_pulse_s if seconds is None else seconds
        if not 0 < duration <= 60:
            raise DriverConfigError(f"latch pulse must be within (0, 60] seconds, got {duration!r}")
        if self._config.latch_refuse_when_door_open and not self.door_closed:
            return "door-open"
        latch.blink(duration, 0.0, 1)
        return "pulsed"

    def led(self, pattern: str) -> None:
        """Show ``pattern`` (``off``, ``idle``, ``busy``, ``ok``, ``error``) on the status LED."""
        if pattern not in self._led_patterns:
            known = ", ".join(self._led_patterns)
            raise DriverConfigError(f"unknown LED pattern {pattern!r}; expected one of {known}")
        line = self._outputs.get("status_led")
        if line is not None:
            line.play(led_levels(pattern, self._led_patterns, self._tick_s), self._tick_s)

    def beep(self, pattern: str) -> None:
        """Sound ``pattern`` (``ok``: one short, ``refuse``: three short, ``error``: one long)."""
        beep = self._beep_patterns.get(pattern)
        if beep is None:
            known = ", ".join(self._beep_patterns)
            raise DriverConfigError(f"unknown beep pattern {pattern!r}; expected one of {known}")
        line = self._outputs.get("buzzer")
        if line is not None:
            line.blink(beep.on_s, beep.off_s, beep.n)

    # -- inputs ----------------------------------------------------------------------------------

    @property
    def door_closed(self) -> bool | None:
        return self._read("door_closed")

    @property
    def bin_full(self) -> bool | None:
        return self._read("bin_full")

    @property
    def service_key(self) -> bool | None:
        return self._read("service_key")

    def on_change(self, callback: Callable[[InputEvent], None]) -> None:
        """Call ``callback(InputEvent)`` whenever a configured input changes."""
        with self._lock:
            self._listeners.append(callback)

    def close(self) -> None:
        """Release every pin (outputs go inactive first). Safe to call twice."""
        for line in self._outputs.values():
            _quietly(line.close)
        for inp in self._inputs.values():
            _quietly(inp.close)
        self._outputs = {}
        self._inputs = {}

    def _read(self, name: str) -> bool | None:
        line = self._inputs.get(name)
        return None if line is None else line.active

    def _changed_handler(self, name: str) -> Callable[[bool], None]:
        def changed(active: bool) -> None:
            event = InputEvent(name, active, self._clock())
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(event)
                except Exception:  # one broken listener must not silence the others
                    _log.exception("gpio: on_change listener failed for %s", event)

        return changed


def _quietly(close: Callable[[], None]) -> None:
    try:
        close()
    except Exception:
        _log.debug("gpio: close failed", exc_info=True)
