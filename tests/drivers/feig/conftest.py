"""Fixtures for the FEIG tests: a scripted line under the real transport and driver."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from feig_script import Answer, FakeClock, Opener, ScriptedPort

from drivers.feig.reader import FeigReader
from drivers.feig.transport import SerialTransport


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scripted(clock: FakeClock) -> Callable[..., tuple[FeigReader, ScriptedPort]]:
    """``scripted([(request, answer), …])`` → an open FeigReader on a ScriptedPort."""

    def make(
        steps: list[tuple[bytes, Answer]], *, retries: int = 0, **reader_options: object
    ) -> tuple[FeigReader, ScriptedPort]:
        port = ScriptedPort(steps, clock)
        transport = SerialTransport(
            "/dev/ttyFEIG", opener=Opener([port]), clock=clock, sleep=clock.sleep
        )
        reader = FeigReader(
            transport=transport,
            retries=retries,
            sleep=clock.sleep,
            **reader_options,  # type: ignore[arg-type]
        )
        reader.open()
        return reader, port

    return make
