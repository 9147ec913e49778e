"""Runs the reader contract (tests/drivers/contract.py) against every factory in conftest.py."""

from __future__ import annotations

from contract import ReaderContract


class TestReaderContract(ReaderContract):
    """Collected once per ``reader_env`` parameter: virtual, FEIG emulators, hardware."""
