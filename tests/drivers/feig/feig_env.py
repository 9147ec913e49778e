"""Contract-suite environments for the FEIG driver: driver → pty or TCP → emulator → VirtualPad.

Imported by tests/drivers/conftest.py into ``READER_FACTORIES`` (as ``feig-pty`` and
``feig-tcp``). Unplugging unplugs the pad; the emulator's server then closes the pty (the
driver's port fails like a pulled adapter) or stops listening (connection refused), and
``settle()`` waits until it has, so the contract can expect ReaderUnavailable at once.
"""

from __future__ import annotations

from pathlib import Path

from contract import ReaderEnv

from drivers.feig.emulator import FeigEmulator
from drivers.feig.reader import FeigReader
from drivers.feig.server import PtyServer, TcpServer, serve_pty, serve_tcp
from drivers.virtual import VirtualPad

# Short enough that the contract's injected reader timeouts stay quick, long enough for a busy
# 2-core machine (a timeout is retried by the base class anyway).
TIMEOUT = 0.25


def _no_sleep(seconds: float) -> None:
    """Retries in tests need no real back-off."""


def _env(name: str, pad: VirtualPad, server: PtyServer | TcpServer, url: str) -> ReaderEnv:
    reader = FeigReader(url, timeout=TIMEOUT, sleep=_no_sleep)

    def unplug() -> None:
        pad.unplug()
        server.settle()

    def replug() -> None:
        pad.replug()
        server.settle()

    def close() -> None:
        try:
            reader.close()
        finally:
            server.stop()

    return ReaderEnv(name, reader, pad, unplug=unplug, replug=replug, close=close)


def make_feig_pty_env(tmp_path: Path) -> ReaderEnv:
    pad = VirtualPad()
    server = serve_pty(FeigEmulator(pad), link=str(tmp_path / "feig-reader"))
    return _env("feig-pty", pad, server, server.address)


def make_feig_tcp_env(tmp_path: Path) -> ReaderEnv:
    pad = VirtualPad()
    server = serve_tcp(FeigEmulator(pad), "127.0.0.1", 0)
    return _env("feig-tcp", pad, server, server.url)
