"""LED patterns as data, and their expansion into ticks."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import DriverConfigError
from drivers.gpio import DEFAULT_LED_PATTERNS, LedPattern, led_levels, sos
from drivers.gpio.patterns import BeepPattern, check_beep_patterns, check_led_patterns


def _runs(levels: list[bool]) -> list[tuple[bool, int]]:
    return [(level, len(list(group))) for level, group in itertools.groupby(levels)]


def test_sos_is_three_short_three_long_three_short() -> None:
    ticks = list(itertools.islice(led_levels("sos", {"sos": sos(0.1)}, 0.1), 34))
    assert _runs(ticks) == [
        (True, 1), (False, 1), (True, 1), (False, 1), (True, 1), (False, 3),
        (True, 3), (False, 1), (True, 3), (False, 1), (True, 3), (False, 3),
        (True, 1), (False, 1), (True, 1), (False, 1), (True, 1), (False, 7),
    ]
    again = list(itertools.islice(led_levels("sos", {"sos": sos(0.1)}, 0.1), 68))
    assert again[34:] == again[:34]  # it repeats


def test_ok_is_steady_then_hands_over_to_idle() -> None:
    ticks = list(itertools.islice(led_levels("ok", DEFAULT_LED_PATTERNS, 0.5), 14))
    assert ticks == [True] * 6 + [True, True, False, False] * 2


def test_a_finite_pattern_ends() -> None:
    assert list(led_levels("off", DEFAULT_LED_PATTERNS, 0.05)) == [False, False]


@given(
    steps=st.lists(
        st.tuples(st.booleans(), st.floats(min_value=0.001, max_value=5)), min_size=1, max_size=8
    ),
    tick=st.floats(min_value=0.01, max_value=1),
)
def test_each_step_lasts_its_rounded_tick_count(steps: list[tuple[bool, float]],
                                                tick: float) -> None:
    patterns = {"p": LedPattern(tuple(steps))}
    ticks = list(led_levels("p", patterns, tick))
    expected = [lit for lit, seconds in steps for _ in range(max(1, round(seconds / tick)))]
    assert ticks == expected


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ({"a": LedPattern(())}, "LED pattern 'a' has no steps"),
        ({"a": LedPattern(((True, 0.0),))}, "LED pattern 'a': step (True, 0.0) is not"),
        ({"a": LedPattern(((True, 1.0),), then="b")},
         "LED pattern 'a' continues with unknown pattern 'b'"),
        ({"a": LedPattern(((True, 1.0),), repeat=True, then="a")},
         "LED pattern 'a' repeats forever; it cannot have 'then'"),
    ],
)
def test_unplayable_led_patterns_are_refused(patterns: dict[str, LedPattern],
                                             message: str) -> None:
    with pytest.raises(DriverConfigError, match=re.escape(message)):
        check_led_patterns(patterns)


def test_unplayable_beeps_and_ticks_are_refused() -> None:
    with pytest.raises(DriverConfigError, match="beep pattern 'x': needs on_s > 0"):
        check_beep_patterns({"x": BeepPattern(0.0, 0.1, 1)})
    with pytest.raises(DriverConfigError, match="LED tick must be > 0"):
        next(led_levels("off", DEFAULT_LED_PATTERNS, 0))
