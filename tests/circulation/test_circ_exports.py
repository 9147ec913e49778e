"""The public surface: every name in ``__all__`` exists, and the two tables agree."""

from __future__ import annotations

import importlib

import pytest

from kiosk.circulation import State
from kiosk.circulation.session import _ON_TIMEOUT, _STATE_TIMEOUT, TRANSITIONS


@pytest.mark.parametrize(
    "module",
    ["kiosk.circulation", "kiosk.circulation.session", "kiosk.circulation.items",
     "kiosk.circulation.offline", "kiosk.circulation.config", "kiosk.circulation.decision",
     "kiosk.circulation.patron"],
)
def test_all_names_exist(module: str) -> None:
    mod = importlib.import_module(module)
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == []


def test_every_state_but_the_waiting_ones_times_out() -> None:
    assert set(_ON_TIMEOUT) == set(_STATE_TIMEOUT) | {State.ITEMS}
    assert set(State) - set(_ON_TIMEOUT) == {State.WELCOME, State.OUT_OF_SERVICE, State.STAFF}
    assert set(TRANSITIONS) == set(State)
