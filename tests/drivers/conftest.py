"""Fixtures for the driver tests: ``reader_env``, one per reader factory, for the contract suite.

``READER_FACTORIES`` maps a name to a factory ``(tmp_path) -> ReaderEnv``. The FEIG factories
(``feig-pty``, ``feig-tcp``: the FEIG driver over its emulator, which answers from a VirtualPad)
are added to this table by the FEIG driver's tests. ``hardware`` runs the contract against a real
reader only when the environment variable ``KIOSK_TEST_READER`` names a reader spec; tests that
need to place tags or inject faults skip there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from contract import ReaderEnv
from feig.feig_env import make_feig_pty_env, make_feig_tcp_env

from drivers.reader import Reader
from drivers.virtual import VirtualPad, VirtualReader


def _no_sleep(seconds: float) -> None:
    """Retries in tests need no real back-off."""


def make_virtual_env(tmp_path: Path) -> ReaderEnv:
    pad = VirtualPad()
    reader = VirtualReader(pad, sleep=_no_sleep)
    return ReaderEnv(
        "virtual", reader, pad, unplug=pad.unplug, replug=pad.replug, close=reader.close
    )


def make_hardware_env(tmp_path: Path) -> ReaderEnv:
    spec = os.environ.get("KIOSK_TEST_READER")
    if not spec:
        pytest.skip("set KIOSK_TEST_READER to a reader spec to run the contract on hardware")
    try:
        from drivers.registry import open_reader
    except ImportError as exc:
        pytest.skip(f"no reader registry to open {spec!r}: {exc}")
    reader: Reader = open_reader(spec)
    return ReaderEnv(f"hardware {spec}", reader, None, close=reader.close)


# Reader factories for the contract suite. FEIG factories ("feig-pty", "feig-tcp") are added here.
READER_FACTORIES: dict[str, Callable[[Path], ReaderEnv]] = {
    "virtual": make_virtual_env,
    "hardware": make_hardware_env,
    "feig-pty": make_feig_pty_env,
    "feig-tcp": make_feig_tcp_env,
}


@pytest.fixture(params=list(READER_FACTORIES))
def reader_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReaderEnv]:
    if request.param == "hardware":
        request.applymarker(pytest.mark.hardware)
    env = READER_FACTORIES[request.param](tmp_path)
    try:
        yield env
    finally:
        env.close()
