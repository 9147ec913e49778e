"""GPIO for the kiosk through gpiozero with an explicit pin factory.

``config`` (pin mapping), ``factory`` (which pin factory, gpiochip found by label), ``patterns``
(LED/buzzer patterns as data), ``devices`` (:class:`KioskGpio`). Only
:mod:`drivers.gpio._gpiozero` imports gpiozero, lazily.
"""

from drivers.gpio._gpiozero import PinFactory
from drivers.gpio.config import INPUTS, OUTPUTS, GpioConfig, LedIdle, PinSpec
from drivers.gpio.devices import InputEvent, KioskGpio, LatchResult
from drivers.gpio.factory import (
    CHIP_LABELS,
    Board,
    FactoryName,
    find_gpiochip,
    gpiochip_labels,
    make_pin_factory,
    parse_model,
    read_board,
)
from drivers.gpio.patterns import (
    DEFAULT_BEEP_PATTERNS,
    DEFAULT_LED_PATTERNS,
    STEADY_IDLE,
    BeepPattern,
    BeepPatternName,
    LedPattern,
    LedPatternName,
    led_levels,
    sos,
)

__all__ = [
    "CHIP_LABELS",
    "DEFAULT_BEEP_PATTERNS",
    "DEFAULT_LED_PATTERNS",
    "INPUTS",
    "OUTPUTS",
    "STEADY_IDLE",
    "BeepPattern",
    "BeepPatternName",
    "Board",
    "FactoryName",
    "GpioConfig",
    "InputEvent",
    "KioskGpio",
    "LatchResult",
    "LedIdle",
    "LedPattern",
    "LedPatternName",
    "PinFactory",
    "PinSpec",
    "find_gpiochip",
    "gpiochip_labels",
    "led_levels",
    "make_pin_factory",
    "parse_model",
    "read_board",
    "sos",
]
