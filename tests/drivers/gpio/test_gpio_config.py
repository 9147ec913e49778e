"""Pin specs and the GPIO configuration: what is accepted, and the messages for what is not."""

from __future__ import annotations

import re

import pytest

from drivers.errors import DriverConfigError
from drivers.gpio import GpioConfig, PinSpec


@pytest.mark.parametrize(
    ("pin", "bcm"),
    [(17, 17), ("GPIO17", 17), ("bcm4", 4), ("BOARD11", None), ("J8:11", None), (0, 0)],
)
def test_pin_spec_knows_its_bcm_number(pin: int | str, bcm: int | None) -> None:
    assert PinSpec(pin).bcm == bcm


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pin": 54}, "pin 54: BCM numbers run from 0 to 53"),
        ({"pin": -1}, "pin -1: BCM numbers run from 0 to 53"),
        ({"pin": True}, "pin True: expected a BCM number or a pin name"),
        ({"pin": 1.5}, "pin 1.5: expected a BCM number or a pin name"),
        ({"pin": ""}, "pin '': expected a name like 'GPIO17' or 'BOARD11'"),
        ({"pin": " GPIO4"}, "pin ' GPIO4': expected a name like 'GPIO17' or 'BOARD11'"),
        ({"pin": 4, "bounce_s": -0.1}, "pin 4: bounce_s must be None or 0..10 seconds, got -0.1"),
    ],
)
def test_pin_spec_rejects_bad_values(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DriverConfigError, match=re.escape(message)):
        PinSpec(**kwargs)  # type: ignore[arg-type]


def test_config_lists_only_present_functions() -> None:
    config = GpioConfig(latch=PinSpec(17), bin_full=PinSpec("GPIO22", pull_up=True))
    assert config.pins() == {"latch": PinSpec(17), "bin_full": PinSpec("GPIO22", pull_up=True)}
    assert GpioConfig().pins() == {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latch": PinSpec(17), "buzzer": PinSpec("GPIO17")},
         "gpio buzzer: pin 'GPIO17' is already used by latch"),
        ({"status_led": PinSpec("BOARD11"), "bin_full": PinSpec("board11")},
         "gpio status_led: pin 'BOARD11' is already used by bin_full"),
        ({"latch": PinSpec(17, pull_up=True)},
         "gpio latch: an output takes no pull_up or bounce_s (pin 17)"),
        ({"buzzer": PinSpec(18, bounce_s=0.1)},
         "gpio buzzer: an output takes no pull_up or bounce_s (pin 18)"),
        ({"latch_pulse_s": 0}, "gpio latch_pulse_s must be within (0, 60] seconds, got 0"),
        ({"latch_pulse_s": 61}, "gpio latch_pulse_s must be within (0, 60] seconds, got 61"),
        ({"latch": PinSpec(17), "latch_refuse_when_door_open": True},
         "gpio latch_refuse_when_door_open needs a door_closed input"),
        ({"led_idle": "pulse"}, "gpio led_idle 'pulse' is not one of 'slow-blink', 'steady'"),
    ],
)
def test_config_rejects_impossible_wiring(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DriverConfigError, match=re.escape(message)):
        GpioConfig(**kwargs)  # type: ignore[arg-type]
