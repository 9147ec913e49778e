"""Fixtures for the central-domain tests: a fresh network and a transaction desk per test."""

from __future__ import annotations

import pytest
from central_world import Desk, build

from central.domain import CentralDomain


@pytest.fixture
def domain() -> CentralDomain:
    return build()


@pytest.fixture
def desk(domain: CentralDomain) -> Desk:
    return Desk(domain)
