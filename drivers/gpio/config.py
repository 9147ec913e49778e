"""Which pin does what: one :class:`PinSpec` per kiosk function, gathered in a :class:`GpioConfig`.

Pins are BCM numbers (``17``) or names gpiozero understands (``"GPIO17"``, ``"BCM17"``,
``"BOARD11"``, ``"J8:11"``). Polarity is per pin: an output with ``active_high=False`` is
energised by driving it low (common on relay boards); an input is *active* when it reads
``active_high``'s level — with ``pull_up`` set, the internal resistor is enabled and
``active_high`` still decides what counts as active. Any function may be absent (``None``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Literal

from drivers.errors import DriverConfigError

__all__ = ["INPUTS", "OUTPUTS", "GpioConfig", "LedIdle", "PinSpec"]

INPUTS = ("door_closed", "bin_full", "service_key")
OUTPUTS = ("latch", "status_led", "buzzer")

LedIdle = Literal["slow-blink", "steady"]

_BCM_NAME = re.compile(r"(?:GPIO|BCM)(\d{1,2})", re.IGNORECASE)
_MAX_BCM = 53  # BCM2835 has 54 lines; header pins are 0..27


@dataclass(frozen=True, slots=True)
class PinSpec:
    """One pin: where it is and how it is wired."""

    pin: int | str
    active_high: bool = True
    pull_up: bool | None = None
    bounce_s: float | None = None

    def __post_init__(self) -> None:
        pin = self.pin
        if isinstance(pin, bool) or not isinstance(pin, int | str):
            raise DriverConfigError(f"pin {pin!r}: expected a BCM number or a pin name")
        if isinstance(pin, int) and not 0 <= pin <= _MAX_BCM:
            raise DriverConfigError(f"pin {pin}: BCM numbers run from 0 to {_MAX_BCM}")
        if isinstance(pin, str) and (not pin or pin != pin.strip() or len(pin) > 16):
            raise DriverConfigError(f"pin {pin!r}: expected a name like 'GPIO17' or 'BOARD11'")
        if self.bounce_s is not None and not 0 <= self.bounce_s <= 10:
            raise DriverConfigError(
                f"pin {pin!r}: bounce_s must be None or 0..10 seconds, got {self.bounce_s!r}"
            )

    @property
    def bcm(self) -> int | None:
        """The BCM number when the spec names one (``17``, ``"GPIO17"``, ``"BCM17"``)."""
        if isinstance(self.pin, int):
            return self.pin
        match = _BCM_NAME.fullmatch(self.pin)
        return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class GpioConfig:
    """The kiosk's GPIO wiring and timing. Every function is optional."""

    latch: PinSpec | None = None  # return-chute latch (solenoid via relay/MOSFET)
    door_closed: PinSpec | None = None  # chute door reed switch, active = closed
    bin_full: PinSpec | None = None  # return bin full sensor
    service_key: PinSpec | None = None  # staff key switch
    status_led: PinSpec | None = None
    buzzer: PinSpec | None = None  # active buzzer (on/off)
    latch_pulse_s: float = 1.0  # how long the latch stays energised
    latch_refuse_when_door_open: bool = False
    led_idle: LedIdle = "slow-blink"

    def __post_init__(self) -> None:
        for name in OUTPUTS:
            spec = getattr(self, name)
            if spec is not None and (spec.pull_up is not None or spec.bounce_s is not None):
                raise DriverConfigError(
                    f"gpio {name}: an output takes no pull_up or bounce_s (pin {spec.pin!r})"
                )
        if not 0 < self.latch_pulse_s <= 60:
            raise DriverConfigError(
                f"gpio latch_pulse_s must be within (0, 60] seconds, got {self.latch_pulse_s!r}"
            )
        if self.latch_refuse_when_door_open and self.door_closed is None:
            raise DriverConfigError(
                "gpio latch_refuse_when_door_open needs a door_closed input to know the door state"
            )
        if self.led_idle not in ("slow-blink", "steady"):
            raise DriverConfigError(
                f"gpio led_idle {self.led_idle!r} is not one of 'slow-blink', 'steady'"
            )
        self._check_duplicates()

    def pins(self) -> dict[str, PinSpec]:
        """The configured functions and their pins."""
        return {
            f.name: spec
            for f in fields(self)
            if isinstance(spec := getattr(self, f.name), PinSpec)
        }

    def _check_duplicates(self) -> None:
        seen: dict[int | str, str] = {}
        for name, spec in self.pins().items():
            key: int | str = spec.bcm if spec.bcm is not None else str(spec.pin).upper()
            if key in seen:
                raise DriverConfigError(
                    f"gpio {name}: pin {spec.pin!r} is already used by {seen[key]}"
                )
            seen[key] = name
