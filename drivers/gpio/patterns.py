"""Status-LED and buzzer patterns as data, and their expansion into on/off ticks.

An LED pattern is a list of ``(lit, seconds)`` steps played once or forever; a finite pattern may
name the pattern that follows (``ok`` shows steady for three seconds, then goes back to
``idle``). :func:`led_levels` expands a pattern into one boolean per ``tick_s`` — gpiozero's
``source`` plays that stream in its own thread. Buzzer patterns map onto ``Buzzer.beep``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from drivers.errors import DriverConfigError

__all__ = [
    "DEFAULT_BEEP_PATTERNS",
    "DEFAULT_LED_PATTERNS",
    "STEADY_IDLE",
    "BeepPattern",
    "BeepPatternName",
    "LedPattern",
    "LedPatternName",
    "check_beep_patterns",
    "check_led_patterns",
    "led_levels",
    "sos",
]

LedPatternName = Literal["off", "idle", "busy", "ok", "error"]
BeepPatternName = Literal["ok", "refuse", "error"]


@dataclass(frozen=True, slots=True)
class LedPattern:
    """``steps`` of ``(lit, seconds)``; ``repeat`` loops them; ``then`` follows a finite one.

    After a finite pattern with no ``then`` the LED keeps the level of the last step.
    """

    steps: tuple[tuple[bool, float], ...]
    repeat: bool = False
    then: str | None = None


@dataclass(frozen=True, slots=True)
class BeepPattern:
    """``n`` beeps of ``on_s`` seconds separated by ``off_s`` seconds."""

    on_s: float
    off_s: float
    n: int


def sos(unit_s: float = 0.15) -> LedPattern:
    """Morse SOS, repeated: dot = 1 unit, dash = 3, gaps 1 / 3 (letters) / 7 (words)."""
    dot, dash = (True, unit_s), (True, 3 * unit_s)
    gap, letter_gap, word_gap = (False, unit_s), (False, 3 * unit_s), (False, 7 * unit_s)

    def letter(mark: tuple[bool, float]) -> list[tuple[bool, float]]:
        return [mark, gap, mark, gap, mark]

    steps = [*letter(dot), letter_gap, *letter(dash), letter_gap, *letter(dot), word_gap]
    return LedPattern(tuple(steps), repeat=True)


DEFAULT_LED_PATTERNS: Mapping[str, LedPattern] = {
    "off": LedPattern(((False, 0.1),)),
    "idle": LedPattern(((True, 1.0), (False, 1.0)), repeat=True),
    "busy": LedPattern(((True, 0.15), (False, 0.15)), repeat=True),
    "ok": LedPattern(((True, 3.0),), then="idle"),
    "error": sos(),
}

STEADY_IDLE = LedPattern(((True, 0.1),))

DEFAULT_BEEP_PATTERNS: Mapping[str, BeepPattern] = {
    "ok": BeepPattern(0.1, 0.1, 1),
    "refuse": BeepPattern(0.1, 0.1, 3),
    "error": BeepPattern(1.0, 0.0, 1),
}


def check_led_patterns(patterns: Mapping[str, LedPattern]) -> None:
    """Raise ``DriverConfigError`` unless every pattern can be played."""
    for name, pattern in patterns.items():
        if not pattern.steps:
            raise DriverConfigError(f"LED pattern {name!r} has no steps")
        for lit, seconds in pattern.steps:
            if not isinstance(lit, bool) or not seconds > 0:
                raise DriverConfigError(
                    f"LED pattern {name!r}: step ({lit!r}, {seconds!r}) is not (bool, seconds > 0)"
                )
        if pattern.then is not None and pattern.then not in patterns:
            raise DriverConfigError(
                f"LED pattern {name!r} continues with unknown pattern {pattern.then!r}"
            )
        if pattern.repeat and pattern.then is not None:
            raise DriverConfigError(f"LED pattern {name!r} repeats forever; it cannot have 'then'")


def check_beep_patterns(patterns: Mapping[str, BeepPattern]) -> None:
    """Raise ``DriverConfigError`` unless every beep pattern can be played."""
    for name, beep in patterns.items():
        if not (beep.on_s > 0 and beep.off_s >= 0 and beep.n >= 1):
            raise DriverConfigError(
                f"beep pattern {name!r}: needs on_s > 0, off_s >= 0 and n >= 1, got {beep}"
            )


def led_levels(name: str, patterns: Mapping[str, LedPattern], tick_s: float) -> Iterator[bool]:
    """The LED level for each tick of pattern ``name`` (and whatever follows it).

    Each step lasts ``round(seconds / tick_s)`` ticks, at least one.
    """
    if not tick_s > 0:
        raise DriverConfigError(f"LED tick must be > 0 seconds, got {tick_s!r}")
    current: str | None = name
    while current is not None:
        pattern = patterns[current]
        ticks = [lit for lit, seconds in pattern.steps for _ in range(_ticks(seconds, tick_s))]
        if pattern.repeat:
            yield from itertools.cycle(ticks)
        yield from ticks
        current = pattern.then


def _ticks(seconds: float, tick_s: float) -> int:
    return max(1, round(seconds / tick_s))
