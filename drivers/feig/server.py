"""Put the FEIG emulator on a pseudo-terminal or a TCP port, in a thread of its own.

A driver then opens the reader exactly as it would open hardware: the pty's slave path (or a
stable symlink to it) through pyserial, or ``socket://127.0.0.1:PORT`` like a LAN reader.

- Framing is the reader's: bytes are collected into frames with :class:`FrameReader`; garbage and
  frames with a bad CRC get no answer; a partial frame followed by a quiet line (``gap``) is given
  up, as a reader's inter-character timeout would.
- Unplugging: while the emulator reports ``plugged`` false (the pad's :meth:`unplug`), the pty is
  closed — the driver's port fails like a pulled USB adapter — and the TCP port stops listening
  and drops its connections. On :meth:`replug` a new pty appears (the symlink, if any, follows
  it) and the TCP port listens again on the same number.
- :func:`run_emulator` is the blocking entry point for ``kiosk emulate feig``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, Self

from drivers.feig.emulator import FeigEmulator
from drivers.feig.frames import FrameReader
from drivers.feig.mifare import MifareClassic
from drivers.virtual.pad import VirtualPad

__all__ = [
    "Emulator",
    "ListenSpec",
    "PtyServer",
    "TcpServer",
    "parse_listen",
    "run_emulator",
    "serve_pty",
    "serve_tcp",
]

_log = logging.getLogger(__name__)

DEFAULT_GAP = 0.05  # s of silence that ends a partial frame
_POLL = 0.05  # s between checks of the plugged state


class Emulator(Protocol):
    """What a server needs: answer one frame, and say whether the reader is plugged in."""

    def handle(self, frame: bytes) -> bytes | None: ...

    @property
    def plugged(self) -> bool: ...


class _Server:
    """The thread, the wake-up pipe and the stop logic shared by both servers."""

    def __init__(self, emulator: Emulator, *, gap: float = DEFAULT_GAP) -> None:
        if gap <= 0:
            raise ValueError(f"gap must be positive, got {gap}")
        self.emulator = emulator
        self.gap = gap
        self.errors: list[BaseException] = []  # handler crashes (answered with silence)
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._main, name=type(self).__name__, daemon=True)

    def start(self) -> None:
        self._setup()
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and release the pty or socket (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    @property
    def online(self) -> bool:
        """Whether the pty is open / the port is listening right now."""
        raise NotImplementedError

    def settle(self, timeout: float = 2.0) -> None:
        """Wait until the server has caught up with the emulator's plugged state.

        The thread looks at the state every 50 ms; tests that unplug and at once expect a
        failure call this in between.
        """
        deadline = time.monotonic() + timeout
        while self.online != self.emulator.plugged:
            if time.monotonic() >= deadline or not self._thread.is_alive():
                raise RuntimeError(f"{type(self).__name__} did not follow the plugged state")
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
            time.sleep(0.002)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, frame: bytes) -> bytes | None:
        try:
            return self.emulator.handle(frame)
        except Exception as exc:  # the emulator must outlive any frame; record and stay silent
            _log.exception("emulator failed on frame %s", frame.hex(" ").upper())
            self.errors.append(exc)
            return None

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            os.read(self._wake_r, 4096)

    def _main(self) -> None:
        try:
            while not self._stop.is_set():
                self._step()
        finally:
            self._teardown()

    # overridden
    def _setup(self) -> None: ...

    def _step(self) -> None: ...

    def _teardown(self) -> None: ...


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class PtyServer(_Server):
    """The emulator on a pseudo-terminal: open :attr:`path` (or :attr:`link`) with pyserial."""

    def __init__(
        self, emulator: Emulator, *, link: str | None = None, gap: float = DEFAULT_GAP
    ) -> None:
        super().__init__(emulator, gap=gap)
        self.link = link
        self._master: int | None = None
        self._slave: int | None = None
        self._path: str | None = None
        self._decoder = FrameReader(responses=False)
        self._last_rx = 0.0

    @property
    def path(self) -> str:
        """The slave device (``/dev/pts/N``) now; a new one after each replug."""
        if self._path is None:
            raise RuntimeError("the pty is closed (reader unplugged or server stopped)")
        return self._path

    @property
    def address(self) -> str:
        """What a driver should open: the stable link if there is one, else the slave path."""
        return self.link or self.path

    @property
    def online(self) -> bool:
        return self._master is not None

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self._master, self._slave = master, slave
        self._path = os.ttyname(slave)
        self._decoder.clear()
        if self.link:
            temporary = f"{self.link}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            os.symlink(self._path, temporary)
            os.replace(temporary, self.link)

    def _close_pty(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        self._path = None

    def _setup(self) -> None:
        if self.emulator.plugged:
            self._open_pty()

    def _teardown(self) -> None:
        self._close_pty()
        if self.link:
            with contextlib.suppress(OSError):
                os.unlink(self.link)

    def _step(self) -> None:
        plugged = self.emulator.plugged
        if plugged and self._master is None:
            self._open_pty()
        elif not plugged and self._master is not None:
            self._close_pty()
        fds = [self._wake_r] + ([self._master] if self._master is not None else [])
        timeout = self.gap if self._decoder.pending else _POLL
        ready, _, _ = select.select(fds, [], [], timeout)
        if self._wake_r in ready:
            self._drain_wake()
        if self._master is None or self._stop.is_set():
            return
        frames: list[bytes] = []
        if self._master in ready:
            try:
                data = os.read(self._master, 4096)
            except OSError:
                data = b""
            if data:
                self._last_rx = time.monotonic()
                frames = self._decoder.feed(data)
        elif self._decoder.pending and time.monotonic() - self._last_rx >= self.gap:
            frames = self._decoder.expire()
        for frame in frames:
            answer = self._answer(frame)
            if answer is not None and self._master is not None:
                with contextlib.suppress(OSError):
                    _write_all(self._master, answer)


@dataclass(slots=True)
class _Client:
    sock: socket.socket
    decoder: FrameReader
    last_rx: float = 0.0


class TcpServer(_Server):
    """The emulator on a TCP port, like a FEIG LAN reader: connect to :attr:`url`."""

    def __init__(
        self,
        emulator: Emulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        gap: float = DEFAULT_GAP,
    ) -> None:
        super().__init__(emulator, gap=gap)
        if not 0 <= port <= 0xFFFF:
            raise ValueError(f"TCP port must be 0–65535, got {port}")
        self.host = host
        self.port = port
        self._listener: socket.socket | None = None
        self._clients: dict[socket.socket, _Client] = {}

    @property
    def url(self) -> str:
        """The pyserial URL of this server (``socket://HOST:PORT``)."""
        return f"socket://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return f"tcp:{self.host}:{self.port}"

    @property
    def online(self) -> bool:
        return self._listener is not None

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.port))
            listener.listen(4)
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]  # the real number when 0 was asked for
        self._listener = listener

    def _setup(self) -> None:
        if self.emulator.plugged:
            self._listen()

    def _drop_all(self) -> None:
        for client in list(self._clients.values()):
            self._drop(client)
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _teardown(self) -> None:
        self._drop_all()

    def _drop(self, client: _Client) -> None:
        self._clients.pop(client.sock, None)
        with contextlib.suppress(OSError):
            client.sock.close()

    def _step(self) -> None:
        plugged = self.emulator.plugged
        if plugged and self._listener is None:
            try:
                self._listen()
            except OSError:
                _log.warning("cannot listen on %s again yet", self.address)
        elif not plugged and self._listener is not None:
            self._drop_all()
        waiting = any(c.decoder.pending for c in self._clients.values())
        fds: list[int | socket.socket] = [self._wake_r, *self._clients]
        if self._listener is not None:
            fds.append(self._listener)
        ready, _, _ = select.select(fds, [], [], self.gap if waiting else _POLL)
        if self._wake_r in ready:
            self._drain_wake()
        if self._stop.is_set():
            return
        if self._listener is not None and self._listener in ready:
            with contextlib.suppress(OSError):
                sock, _ = self._listener.accept()
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._clients[sock] = _Client(sock, FrameReader(responses=False))
        now = time.monotonic()
        for client in list(self._clients.values()):
            frames: list[bytes] = []
            if client.sock in ready:
                try:
                    data = client.sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    self._drop(client)
                    continue
                client.last_rx = now
                frames = client.decoder.feed(data)
            elif client.decoder.pending and now - client.last_rx >= self.gap:
                frames = client.decoder.expire()
            for frame in frames:
                answer = self._answer(frame)
                if answer is None:
                    continue
                try:
                    client.sock.sendall(answer)
                except OSError:
                    self._drop(client)
                    break


def serve_pty(
    emulator: Emulator, *, link: str | None = None, gap: float = DEFAULT_GAP
) -> PtyServer:
    """Start ``emulator`` on a new pty; ``link`` names a symlink that always points at it."""
    server = PtyServer(emulator, link=link, gap=gap)
    server.start()
    return server


def serve_tcp(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, gap: float = DEFAULT_GAP
) -> TcpServer:
    """Start ``emulator`` on a TCP port (0: a free one; see :attr:`TcpServer.port`)."""
    server = TcpServer(emulator, host, port, gap=gap)
    server.start()
    return server


@dataclass(frozen=True, slots=True)
class ListenSpec:
    """Where to serve: ``kind`` is ``"pty"`` (optional ``link``) or ``"tcp"`` (host, port)."""

    kind: str
    host: str = ""
    port: int = 0
    link: str | None = None


_LISTEN_HELP = "expected 'pty', 'pty:LINK-PATH' or 'tcp:HOST:PORT' (e.g. tcp:127.0.0.1:10001)"


def parse_listen(spec: str) -> ListenSpec:
    """Parse a ``--listen`` value (see :data:`_LISTEN_HELP`); a clear ValueError otherwise."""
    kind, sep, rest = spec.partition(":")
    if kind == "pty":
        if sep and not rest:
            raise ValueError(f"listen spec {spec!r}: empty link path; {_LISTEN_HELP}")
        return ListenSpec("pty", link=rest or None)
    if kind == "tcp":
        host, colon, port_text = rest.rpartition(":")
        host = host.strip("[]")
        if not colon or not host:
            raise ValueError(f"listen spec {spec!r}: missing host or port; {_LISTEN_HELP}")
        if not port_text.isdigit() or not 0 <= int(port_text) <= 0xFFFF:
            raise ValueError(f"listen spec {spec!r}: port {port_text!r} is not 0–65535")
        return ListenSpec("tcp", host=host, port=int(port_text))
    raise ValueError(f"listen spec {spec!r}: unknown kind {kind!r}; {_LISTEN_HELP}")


def run_emulator(
    listen: str,
    pad: VirtualPad,
    *,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    cards: Iterable[MifareClassic] = (),
    address: int = 0x00,
) -> None:
    """Serve a FEIG emulator for ``pad`` until ``stop`` is set (forever without one).

    ``ready`` is called with the address to give a driver once it is listening: the pty path (or
    its link) for ``pty``, ``tcp:HOST:PORT`` (real port number) for ``tcp``.
    """
    where = parse_listen(listen)
    emulator = FeigEmulator(pad, cards=cards, address=address)
    server: PtyServer | TcpServer
    if where.kind == "pty":
        server = serve_pty(emulator, link=where.link)
    else:
        server = serve_tcp(emulator, where.host, where.port)
    try:
        if ready is not None:
            ready(server.address)
        (stop or threading.Event()).wait()
    finally:
        server.stop()
