"""Fixtures for the central service tests: domains on a SQLite file, a handler, a clock.

The domain suite's world (``tests/central/central_world.py``) is reused so the SQLite repository
is held to exactly the same scenarios as the in-memory one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_DOMAIN_TESTS = str(Path(__file__).resolve().parent.parent / "central")
if _DOMAIN_TESTS not in sys.path:  # the domain suite's helpers (central_world) by plain import
    sys.path.insert(0, _DOMAIN_TESTS)

from central_world import Desk, build  # noqa: E402
from service_world import close, sqlite_copy  # noqa: E402

from central.domain import CentralDomain  # noqa: E402


@pytest.fixture
def domain(tmp_path: Path) -> Iterator[CentralDomain]:
    """The domain suite's network, stored in a SQLite file."""
    world = sqlite_copy(build(), tmp_path / "central.db")
    yield world
    close(world)


@pytest.fixture
def desk(domain: CentralDomain) -> Desk:
    return Desk(domain)
