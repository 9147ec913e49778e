"""Circulation configuration values refuse nonsense with a message naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from circ_world import HOME, MEMBER

from kiosk.circulation import (
    Debounce,
    ItemPolicyConfig,
    MachineMode,
    OfflineConfig,
    Op,
    SessionConfig,
    Timeouts,
)
from kiosk.circulation.config import same_isil
from kiosk.errors import ConfigError


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (lambda: Debounce(appear_count=0), r"debounce\.appear_count = 0: expected an integer ≥ 1"),
        (lambda: Debounce(vanish_count=True), r"debounce\.vanish_count = True"),
        (lambda: Debounce(appear_ms=-1), r"debounce\.appear_ms = -1: expected an integer ≥ 0"),
        (lambda: Debounce(vanish_ms=1.5), r"debounce\.vanish_ms = 1\.5"),
        (lambda: Timeouts(idle_ms=0), r"timeouts\.idle_ms = 0: expected an integer ≥ 1"),
        (lambda: Timeouts(goodbye_ms="5s"), r"timeouts\.goodbye_ms = '5s'"),
        (lambda: SessionConfig(mode="both"), r"session\.mode = 'both': expected one of"),
        (lambda: SessionConfig(ops=()), r"session\.ops = \(\): expected distinct operations"),
        (lambda: SessionConfig(ops=(Op.RETURN, Op.RETURN)), r"session\.ops"),
        (lambda: SessionConfig(ops=("checkout",)), r"session\.ops"),
        (lambda: SessionConfig(max_pin_attempts=0), r"session\.max_pin_attempts = 0"),
        (lambda: SessionConfig(max_read_attempts=-2), r"session\.max_read_attempts = -2"),
        (lambda: ItemPolicyConfig(home_library=" "), r"items\.home_library = ' '"),
        (lambda: ItemPolicyConfig(HOME, frozenset({""})), r"items\.member_libraries"),
        (lambda: OfflineConfig(library=""), r"offline\.library = ''"),
        (lambda: OfflineConfig(HOME, item_limit=-1), r"offline\.item_limit = -1"),
        (lambda: OfflineConfig(HOME, loan_days=1.0), r"offline\.loan_days = 1\.0"),
        (lambda: OfflineConfig(HOME, utc_offset_minutes=900), r"offline\.utc_offset_minutes"),
    ],
)
def test_bad_configuration_names_the_field(build: Any, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        build()


def test_defaults_are_usable() -> None:
    config = SessionConfig()
    assert config.mode is MachineMode.BOTH
    assert config.ops == (Op.CHECKOUT, Op.RETURN, Op.RENEW)
    assert config.timeouts.idle_ms > config.timeouts.goodbye_ms
    assert OfflineConfig(HOME).ops == frozenset({Op.CHECKOUT, Op.RETURN})


def test_ops_given_as_a_list_become_a_tuple() -> None:
    assert SessionConfig(ops=[Op.RETURN]).ops == (Op.RETURN,)  # type: ignore[arg-type]


def test_membership_ignores_case_and_includes_home() -> None:
    config = ItemPolicyConfig(HOME, frozenset({MEMBER}))
    assert config.is_member(None)
    assert config.is_member(HOME.lower())
    assert config.is_member(MEMBER.swapcase())
    assert not config.is_member("CN-110108-1-NLC")
    assert same_isil("de-Heu1", "DE-HEU1") and not same_isil(None, None)
