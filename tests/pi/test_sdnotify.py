"""sd_notify to a real AF_UNIX datagram socket; the watchdog gate withholds pings for a wedged
loop."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk.sdnotify import Notifier, WatchdogGate, ping_if_healthy, watchdog_period


def _receive_all(sock: socket.socket) -> list[str]:
    sock.setblocking(False)
    got = []
    while True:
        try:
            got.append(sock.recv(4096).decode())
        except BlockingIOError:
            return got


def test_messages_arrive_in_order(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        notifier = Notifier.from_environ({"NOTIFY_SOCKET": path})
        assert notifier.ready("started")
        assert notifier.status("reader ok,\n mqtt down")
        assert notifier.watchdog()
        assert notifier.stopping()
        assert _receive_all(server) == [
            "READY=1\nSTATUS=started",
            "STATUS=reader ok, mqtt down",
            "WATCHDOG=1",
            "STOPPING=1",
        ]


def test_abstract_namespace_socket() -> None:
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind("\0" + name)
        assert Notifier(f"@{name}").ready()
        assert _receive_all(server) == ["READY=1"]


def test_without_notify_socket_nothing_is_sent() -> None:
    assert Notifier.from_environ({}).ready() is False


def test_watchdog_period_applies_to_our_pid_only() -> None:
    assert watchdog_period({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert watchdog_period({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, pid=2) is None
    assert watchdog_period({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"}, pid=7) == 30.0
    assert watchdog_period({}) is None and watchdog_period({"WATCHDOG_USEC": "x"}) is None


def test_gate_withholds_when_one_loop_is_wedged() -> None:
    gate = WatchdogGate(window=10.0)
    assert not gate.healthy(0.0)  # nobody vouches yet
    for name in ("reader", "mqtt", "journal"):
        gate.register(name, 0.0)
    assert gate.healthy(5.0)
    gate.beat("reader", 9.0)
    gate.beat("mqtt", 9.0)
    assert gate.healthy(10.0)
    assert not gate.healthy(10.5)  # journal silent since 0
    assert gate.stale(10.5) == {"journal": 10.5}
    gate.beat("journal", 11.0)
    assert gate.healthy(12.0)
    gate.beat("reader", 5.0)  # a late report from the past does not rewind
    assert gate.stale(18.5) == {}  # reader at 9, not 5
    with pytest.raises(ValueError, match="never registered"):
        gate.beat("printer", 1.0)


def test_ping_if_healthy_sends_watchdog_or_status(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        notifier = Notifier(path)
        gate = WatchdogGate(window=5.0)
        gate.register("reader", 0.0)
        assert ping_if_healthy(gate, notifier, 1.0)
        assert not ping_if_healthy(gate, notifier, 20.0)
        assert _receive_all(server) == [
            "WATCHDOG=1",
            "STATUS=watchdog withheld: reader silent 20 s",
        ]
