"""Runs ``kiosk run`` as a subprocess under a fake systemd notify socket (a datagram socket the
test binds), with a demo-like configuration in a temp dir: virtual pad with a tag file, mock
GPIO, dummy printer, web on a free port, journal in the temp dir.

Every wait is bounded (a safety net against a hang, not a timing assertion).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from drivers.virtual import save_tags
from kiosk.runtime import sim

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 20.0
LIBRARY, MEMBER = "CN-440100-0001", "CN-440100-0002"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(tmp: Path, *, reader: str | None = None, port: int | None = None) -> Path:
    tags = tmp / "tags.json"
    save_tags(tags, [sim.item_tag(i, owner=LIBRARY) for i in (1, 2)])
    text = f"""
[kiosk]
id = "test-kiosk"
library = "{LIBRARY}"
member_libraries = ["{MEMBER}"]
mode = "both"

[reader]
spec = "{reader or f'virtual:{tags}'}"
poll_ms = 50

[gpio]
factory = "mock"
latch = 17
status_led = 27
buzzer = 22
door_closed = 5
bin_full = 6
service_key = 13

[printer]
spec = "dummy"

[web]
bind = "127.0.0.1"
port = {port or free_port()}

[journal]
path = "{tmp / 'journal.db'}"

[logging]
level = "info"
"""
    path = tmp / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Daemon:
    """One daemon process and the datagrams it sent to its notify socket."""

    proc: subprocess.Popen[str]
    sock: socket.socket
    messages: list[str] = field(default_factory=list)

    @classmethod
    def spawn(
        cls, config: Path, *, watchdog_usec: int | None = None, extra: tuple[str, ...] = ()
    ) -> Daemon:
        folder = Path(tempfile.mkdtemp(prefix="kn", dir="/tmp"))  # AF_UNIX paths are short
        address = str(folder / "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(address)
        env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "WATCHDOG_PID")}
        env["NOTIFY_SOCKET"] = address
        env.pop("WATCHDOG_USEC", None)
        if watchdog_usec is not None:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", "--config", str(config), *extra],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return cls(proc, sock)

    def next_message(self, timeout: float = WAIT_S) -> str | None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return None
        text = data.decode("utf-8")
        self.messages.append(text)
        return text

    def wait_for(self, needle: str) -> str:
        """The first (new) datagram containing ``needle``."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            message = self.next_message(0.2)
            if message is not None and needle in message:
                return message
        err = ""
        if self.proc.poll() is not None and self.proc.stderr is not None:
            err = self.proc.stderr.read()[-2000:]
        raise AssertionError(
            f"no {needle!r} from the daemon; got {self.messages[-10:]}; "
            f"exit {self.proc.poll()}; stderr: {err}"
        )

    def finish(self) -> tuple[int, str]:
        """Wait for the exit (kill after the safety net); the exit status and stderr."""
        try:
            _, err = self.proc.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        while self.next_message(0.05) is not None:
            pass
        self.sock.close()
        return self.proc.returncode, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()


def http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return int(reply.status)
