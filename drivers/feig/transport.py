"""The byte pipe to a FEIG reader: a pyserial URL, request/answer timing and resynchronisation.

Any pyserial URL works: ``/dev/ttyUSB0``, ``/dev/serial/by-id/…``, a pty such as ``/dev/pts/7``
(the emulator), or ``socket://host:10001`` (LAN readers, the emulator over TCP). Defaults follow
the reader's factory settings: 38400 baud, 8 data bits, even parity, 1 stop bit.

Timing, per exchange:

- *idle*: the reader needs ≥ 5 ms of silence after its last answer byte before it listens to a
  new request (PSST, CFG1). The transport sleeps only what is left of it since the last answer,
  so the driver's own work between frames counts towards it. It is a property of the serial line
  (the RS-485 bus turns round, the reader's UART re-arms), like the baud rate: by default it is
  kept on device paths and ptys and left out on ``socket://`` (a LAN reader's TCP stream has no
  line turnaround). ``SerialSettings(idle=…)`` sets it either way.
- the input is flushed before each request, so a late answer to an earlier request cannot be
  taken for this one;
- *timeout*: the whole answer must arrive within it, else :class:`ReaderTimeout` — the reader
  sends nothing at all for a frame with a bad CRC or length;
- *gap*: when the line stays quiet for this long in the middle of a frame, the partial frame is
  given up and decoding resumes at the next complete valid frame (a garbage byte can look like a
  long length field). It is larger than the manual's 12 ms inter-character limit because
  USB-serial adapters deliver bytes in bursts (FTDI latency timer: 16 ms).

A port that fails (unplugged adapter, closed TCP connection) raises :class:`ReaderUnavailable`;
the reader base class closes and re-opens.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import serial

from drivers.errors import ReaderError, ReaderTimeout, ReaderUnavailable
from drivers.feig.frames import FrameReader

__all__ = ["SERIAL_IDLE", "Port", "SerialSettings", "SerialTransport", "Transport"]

SERIAL_IDLE = 0.005  # s of silence the reader needs before a request (PSST, CFG1)

_T = TypeVar("_T")

try:
    import termios

    # A tty whose other end vanished fails tcflush() with termios.error, which is no OSError.
    _PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)
except ImportError:  # pragma: no cover - not POSIX
    _PORT_ERRORS = (serial.SerialException, OSError)
# ValueError: pyserial's answer to a URL it cannot parse.
_OPEN_ERRORS: tuple[type[BaseException], ...] = (*_PORT_ERRORS, ValueError)


class Port(Protocol):
    """The part of a pyserial port the transport uses."""

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


class Transport(Protocol):
    """What :class:`~drivers.feig.reader.FeigReader` needs: open, close, one exchange."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def exchange(self, frame: bytes, timeout: float, match: Callable[[bytes], _T | None]) -> _T:
        """Send ``frame``; return ``match(answer)`` for the first answer it accepts."""
        ...


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """Line settings (ignored by ``socket://``) and the protocol's timing."""

    baudrate: int = 38400
    bytesize: int = 8
    parity: str = serial.PARITY_EVEN
    stopbits: float = 1
    idle: float | None = None  # None: 5 ms on a serial line, 0 on socket:// (see the docstring)
    gap: float = 0.05
    write_timeout: float = 1.0

    def __post_init__(self) -> None:
        if self.baudrate <= 0:
            raise ValueError(f"baud rate must be positive, got {self.baudrate}")
        if self.parity not in serial.PARITY_NAMES:
            raise ValueError(
                f"parity {self.parity!r}: expected one of {', '.join(serial.PARITY_NAMES)}"
            )
        if self.bytesize not in (5, 6, 7, 8):
            raise ValueError(f"byte size must be 5–8 bits, got {self.bytesize}")
        if self.stopbits not in (1, 1.5, 2):
            raise ValueError(f"stop bits must be 1, 1.5 or 2, got {self.stopbits}")
        for name in ("idle", "gap", "write_timeout"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be ≥ 0 seconds, got {value}")
        if self.gap <= 0:
            raise ValueError("gap must be > 0 seconds")


Opener = Callable[..., Port]


def _pyserial_opener(url: str, **options: Any) -> Port:
    port: Port = serial.serial_for_url(url, **options)
    return port


class SerialTransport:
    """A :class:`Transport` over a pyserial port (``opener`` is ``serial_for_url`` by default)."""

    def __init__(
        self,
        url: str,
        settings: SerialSettings | None = None,
        *,
        opener: Opener = _pyserial_opener,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url:
            raise ValueError("reader URL is empty: expected a device path or socket://host:port")
        self.url = url
        self.settings = settings or SerialSettings()
        self._opener = opener
        self._clock = clock
        self._sleep = sleep
        self._port: Port | None = None
        self._decoder = FrameReader(responses=True)
        self._last_answer = float("-inf")
        idle = self.settings.idle
        if idle is None:
            idle = 0.0 if url.startswith("socket://") else SERIAL_IDLE
        self.idle = idle

    @property
    def discarded(self) -> int:
        """Bytes dropped while resynchronising, since the transport was made."""
        return self._decoder.discarded

    def open(self) -> None:
        if self._port is not None:
            return
        s = self.settings
        options: dict[str, Any] = {
            "baudrate": s.baudrate,
            "bytesize": s.bytesize,
            "parity": s.parity,
            "stopbits": s.stopbits,
            "timeout": s.gap,
            "write_timeout": s.write_timeout,
        }
        if "://" not in self.url:
            options["exclusive"] = True  # two daemons on one reader would garble both
        try:
            self._port = self._opener(self.url, **options)
        except _OPEN_ERRORS as exc:
            raise ReaderUnavailable(f"cannot open FEIG reader at {self.url}: {exc}") from exc
        self._decoder.clear()

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(*_PORT_ERRORS):
                port.close()  # it is gone either way

    def exchange(self, frame: bytes, timeout: float, match: Callable[[bytes], _T | None]) -> _T:
        port = self._port
        if port is None:
            raise ReaderUnavailable(f"FEIG reader at {self.url} is not open")
        wait = self._last_answer + self.idle - self._clock()
        if wait > 0:
            self._sleep(wait)
        try:
            return self._exchange(port, frame, timeout, match)
        except ReaderError:
            raise
        except serial.SerialTimeoutException as exc:
            raise ReaderTimeout(f"FEIG reader at {self.url}: write timed out ({exc})") from exc
        except _PORT_ERRORS as exc:
            raise ReaderUnavailable(f"FEIG reader at {self.url} went away: {exc}") from exc

    def _exchange(
        self, port: Port, frame: bytes, timeout: float, match: Callable[[bytes], _T | None]
    ) -> _T:
        decoder = self._decoder
        port.reset_input_buffer()
        decoder.clear()
        port.write(frame)
        deadline = self._clock() + timeout
        while True:
            chunk = port.read(decoder.needed())
            if chunk:
                frames = decoder.feed(chunk)
            elif decoder.pending:
                frames = decoder.expire()  # quiet in mid-frame: resynchronise
            else:
                frames = []
            for raw in frames:
                result = match(raw)
                if result is not None:
                    self._last_answer = self._clock()
                    return result
            if self._clock() >= deadline:
                pending = decoder.pending
                detail = f"; {len(pending)} bytes of an incomplete frame" if pending else ""
                raise ReaderTimeout(
                    f"FEIG reader at {self.url}: no valid answer within {timeout:g} s{detail}"
                )
