"""The one module that imports gpiozero: pin factories and two small line wrappers.

Every gpiozero device gets ``pin_factory=`` explicitly; gpiozero's global ``Device.pin_factory``
is never read or written, so two kiosks (or two tests) in one process cannot disturb each other.
gpiozero errors become :class:`~drivers.errors.GpioError` naming the kiosk function and pin.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, Literal, Protocol

from drivers.errors import DriverUnavailable, GpioError
from drivers.gpio.config import PinSpec

__all__ = [
    "InputLine",
    "OutputLine",
    "OutputRole",
    "PinFactory",
    "lgpio_factory",
    "mock_factory",
    "rpigpio_factory",
]

OutputRole = Literal["led", "buzzer", "plain"]


class PinFactory(Protocol):
    """A gpiozero pin factory, as far as we rely on it."""

    def close(self) -> None: ...


def _import(module: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise DriverUnavailable(f"{what} is not available ({exc})") from exc


def _gpiozero() -> ModuleType:
    return _import("gpiozero", "gpiozero")


def mock_factory(*, pwm: bool = False) -> PinFactory:
    """gpiozero's ``MockFactory`` (a Pi 3B by default); ``pwm=True`` gives PWM-capable pins."""
    mock = _import("gpiozero.pins.mock", "gpiozero")
    pin_class = mock.MockPWMPin if pwm else mock.MockPin
    factory: PinFactory = mock.MockFactory(pin_class=pin_class)
    return factory


def rpigpio_factory() -> PinFactory:
    """gpiozero's RPi.GPIO factory (Pi 3/4 only)."""
    _gpiozero()
    module = _import("gpiozero.pins.rpigpio", "RPi.GPIO (gpiozero's rpigpio pin factory)")
    try:
        factory: PinFactory = module.RPiGPIOFactory()
    except Exception as exc:  # RuntimeError on a Pi 5 ("Cannot determine SOC peripheral base")
        raise GpioError(f"RPi.GPIO pin factory failed: {type(exc).__name__}: {exc}") from exc
    return factory


def lgpio_factory(chip: int) -> PinFactory:
    """gpiozero's lgpio factory on ``/dev/gpiochip<chip>`` (Pi 3/4/5)."""
    _gpiozero()
    module = _import("gpiozero.pins.lgpio", "lgpio (gpiozero's lgpio pin factory)")
    try:
        factory: PinFactory = module.LGPIOFactory(chip=chip)
    except Exception as exc:
        raise GpioError(
            f"lgpio pin factory on gpiochip{chip} failed: {type(exc).__name__}: {exc}"
        ) from exc
    return factory


def _make(function: str, spec: PinSpec, build: Callable[[], Any]) -> Any:
    try:
        return build()
    except Exception as exc:  # gpiozero raises a zoo of PinError/GPIOZeroError/ValueError types
        raise GpioError(
            f"gpio {function}: cannot use pin {spec.pin!r}: {type(exc).__name__}: {exc}"
        ) from exc


class OutputLine:
    """An output pin driven steady, blinked (gpiozero ``blink``/``beep``) or fed a level stream."""

    def __init__(
        self, function: str, spec: PinSpec, factory: PinFactory, role: OutputRole = "plain"
    ) -> None:
        gz = _gpiozero()
        cls = {"led": gz.LED, "buzzer": gz.Buzzer, "plain": gz.DigitalOutputDevice}[role]
        self.function = function
        self._role = role
        self._device = _make(
            function,
            spec,
            lambda: cls(
                spec.pin,
                active_high=spec.active_high,
                initial_value=False,
                pin_factory=factory,
            ),
        )

    @property
    def is_active(self) -> bool:
        return bool(self._device.value)

    def set(self, active: bool) -> None:
        """Hold the line steady (stops any blink or stream)."""
        self._device.source = None
        if active:
            self._device.on()
        else:
            self._device.off()

    def blink(self, on_s: float, off_s: float, n: int | None) -> None:
        """``n`` on/off cycles in gpiozero's background thread (``None`` = forever); ends off."""
        self._device.source = None
        if self._role == "buzzer":
            self._device.beep(on_time=on_s, off_time=off_s, n=n, background=True)
        else:
            self._device.blink(on_time=on_s, off_time=off_s, n=n, background=True)

    def play(self, levels: Iterator[bool], tick_s: float) -> None:
        """Feed one level per ``tick_s`` through gpiozero's ``source`` thread."""
        self._device.source = None
        self._device.source_delay = tick_s
        self._device.source = levels

    def close(self) -> None:
        self._device.close()


class InputLine:
    """An input pin; ``on_change(active)`` runs in gpiozero's thread on every debounced edge."""

    def __init__(
        self,
        function: str,
        spec: PinSpec,
        factory: PinFactory,
        on_change: Callable[[bool], None],
    ) -> None:
        gz = _gpiozero()
        self.function = function
        if spec.pull_up is None:
            kwargs: dict[str, Any] = {"pull_up": None, "active_state": spec.active_high}
            self._invert = False
        else:
            # With a pull resistor gpiozero fixes the active level itself (low when pulled up);
            # honour the configured polarity by inverting in software when they disagree.
            kwargs = {"pull_up": spec.pull_up}
            self._invert = spec.active_high == spec.pull_up
        self._device = _make(
            function,
            spec,
            lambda: gz.DigitalInputDevice(
                spec.pin, bounce_time=spec.bounce_s, pin_factory=factory, **kwargs
            ),
        )

        def changed() -> None:
            on_change(self.active)

        self._device.when_activated = changed
        self._device.when_deactivated = changed

    @property
    def active(self) -> bool:
        return bool(self._device.value) != self._invert

    def close(self) -> None:
        self._device.when_activated = None
        self._device.when_deactivated = None
        self._device.close()
