"""A real MQTT broker for tests: the product's testbed (:mod:`kiosk.testbed`) plus pytest fixtures.

The classes live in :mod:`kiosk.testbed.broker` (the chaos and bench commands and the demo use
them too); this module re-exports them for ``from broker import Broker, Pki, Proxy``.

Fixtures: ``pki`` (session), ``broker`` (function), ``proxy`` (function, in front of ``broker``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.testbed.broker import (
    CENTRAL,
    Broker,
    Pki,
    Proxy,
    TestbedUnavailable,
    free_port,
    mosquitto_path,
    openssl_path,
)

__all__ = [
    "CENTRAL",
    "Broker",
    "Pki",
    "Proxy",
    "TestbedUnavailable",
    "broker",
    "free_port",
    "mosquitto_path",
    "openssl_path",
    "pki",
    "proxy",
]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki.create(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def broker(pki: Pki, tmp_path: Path) -> Iterator[Broker]:
    b = Broker(pki, tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def proxy(broker: Broker) -> Iterator[Proxy]:
    p = Proxy(broker.port)
    yield p
    p.close()
