"""systemd's notify protocol in-house, and a watchdog gate that pings only for live loops.

``Type=notify`` units learn "ready", "status", "still alive" and "stopping" from datagrams sent
to the AF_UNIX socket in ``$NOTIFY_SOCKET`` (``@name`` is the abstract namespace). The protocol is
declared stable by systemd; a few lines replace libsystemd.

The watchdog must not be pinged by a free-running timer: that would keep a wedged daemon alive.
:class:`WatchdogGate` (pure: the clock is an argument) lets ``WATCHDOG=1`` through only while
every registered loop — reader, MQTT, journal writer — has reported progress within the window.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

__all__ = ["Notifier", "WatchdogGate", "ping_if_healthy", "watchdog_period"]


class Notifier:
    """Sends notify messages to one socket address; without an address every send is a no-op."""

    def __init__(self, address: str | None) -> None:
        self.address = address or None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Notifier:
        return cls(environ.get("NOTIFY_SOCKET"))

    def send(self, *fields: str) -> bool:
        """Send ``KEY=VALUE`` lines as one datagram; ``False`` when not under systemd."""
        if self.address is None:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(target)
            sock.sendall("\n".join(fields).encode("utf-8"))
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={' '.join(text.split())}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        return self.send("STOPPING=1", *([f"STATUS={status}"] if status else []))


def watchdog_period(
    environ: Mapping[str, str] = os.environ, pid: int | None = None
) -> float | None:
    """``WatchdogSec=`` in seconds when it applies to this process, else ``None``."""
    usec = environ.get("WATCHDOG_USEC", "")
    target = environ.get("WATCHDOG_PID")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if target and target != str(os.getpid() if pid is None else pid):
        return None
    return int(usec) / 1_000_000


class WatchdogGate:
    """Healthy only while every registered loop has beaten within ``window`` seconds."""

    def __init__(self, window: float) -> None:
        if not window > 0:
            raise ValueError(f"watchdog window must be > 0 seconds, got {window!r}")
        self.window = window
        self._last: dict[str, float] = {}

    def register(self, name: str, now: float) -> None:
        """Start watching ``name``; registering counts as its first beat."""
        self._last[name] = now

    def beat(self, name: str, now: float) -> None:
        """``name`` made progress at ``now`` (an unknown name is a wiring bug)."""
        if name not in self._last:
            raise ValueError(f"watchdog: loop {name!r} was never registered; "
                             f"registered: {', '.join(sorted(self._last)) or 'none'}")
        self._last[name] = max(self._last[name], now)

    def stale(self, now: float) -> dict[str, float]:
        """Loops silent for longer than the window, with seconds since their last beat."""
        return {name: now - last for name, last in self._last.items() if now - last > self.window}

    def healthy(self, now: float) -> bool:
        """``True`` when at least one loop is registered and none is stale."""
        return bool(self._last) and not self.stale(now)


def ping_if_healthy(gate: WatchdogGate, notifier: Notifier, now: float) -> bool:
    """Call from the supervision loop every ``period / 2``: ``WATCHDOG=1`` if healthy, else a
    ``STATUS=`` naming the stalled loops (systemd then kills and restarts us). Returns the ping."""
    if gate.healthy(now):
        notifier.watchdog()
        return True
    stale = gate.stale(now)
    names = ", ".join(f"{name} silent {age:.0f} s" for name, age in sorted(stale.items()))
    notifier.status(f"watchdog withheld: {names or 'no loop registered'}")
    return False
