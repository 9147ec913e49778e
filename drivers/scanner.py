"""Serial barcode scanners: line-terminated text over a pyserial port becomes card/item events.

A scanner in serial (or USB CDC-ACM) mode sends each code followed by a terminator — CR by
default on most models, LF or CRLF on others. Splitting is a pure :class:`LineSplitter` (bytes
in, lines out); :func:`classify_line` decides what a line is; :class:`BarcodeScanner` runs the
read loop under a :class:`~drivers.supervisor.DeviceSupervisor`, so an unplugged scanner is
reported and re-opened with backoff. Ports come from :func:`serial_opener` (any pyserial URL:
``/dev/ttyACM0``, ``socket://host:port``, ``loop://``). Keyboard-wedge (USB HID) scanners type
into the screen instead and never reach this module.

Empty lines are dropped silently; lines that are not printable text (binary noise, a wrong baud
rate, control prefixes) and over-long runs without a terminator are dropped with a
:class:`ScanWarning` passed to ``on_warning``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import serial

from drivers.cards.events import CardEvent
from drivers.errors import CardReaderError, DriverConfigError
from drivers.supervisor import (
    Backoff,
    DeviceFault,
    DeviceRecovered,
    SupervisedReader,
)

__all__ = [
    "BarcodeScanner",
    "LineSplitter",
    "Overlong",
    "ScanWarning",
    "SerialPortLike",
    "Terminator",
    "classify_line",
    "serial_opener",
]

_log = logging.getLogger(__name__)

Terminator = Literal["cr", "lf", "crlf", "any"]

# What ends a line for each setting. "any" treats CR and LF alike; the empty line a CRLF pair
# then leaves behind is dropped like every empty line.
_SEPARATORS: dict[str, tuple[bytes, ...]] = {
    "cr": (b"\r",),
    "lf": (b"\n",),
    "crlf": (b"\r\n",),
    "any": (b"\r", b"\n"),
}


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """Input the scanner sent that was dropped, with the raw bytes for the log."""

    source: str
    message: str
    data: bytes
    at: float


@dataclass(frozen=True, slots=True)
class Overlong:
    """A run of input longer than the splitter's ``max_length``; ``head`` is its start."""

    head: bytes


class LineSplitter:
    """Sans-IO splitter: :meth:`feed` bytes in any chunking, get complete lines back.

    A run longer than ``max_length`` without a terminator is reported once (as an
    :class:`Overlong` holding its first bytes) and skipped up to the next terminator, so
    noise on the line cannot grow memory without bound.
    """

    __slots__ = ("_buffer", "_discarding", "_head", "_separators", "_slack", "max_length")

    def __init__(self, terminator: Terminator = "any", max_length: int = 512) -> None:
        if terminator not in _SEPARATORS:
            raise DriverConfigError(
                f"scanner terminator {terminator!r} is not one of {', '.join(_SEPARATORS)}"
            )
        if max_length < 1:
            raise DriverConfigError(f"scanner max_length must be >= 1, got {max_length!r}")
        self._separators = _SEPARATORS[terminator]
        self._slack = max(len(s) for s in self._separators) - 1
        self.max_length = max_length
        # Enough of the run to show in a warning, and the same however the reads were cut.
        self._head = min(32, max_length + 1)
        self._buffer = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> list[bytes | Overlong]:
        """Add received bytes; return the lines (without terminators) completed by them."""
        self._buffer += data
        out: list[bytes | Overlong] = []
        while True:
            cut = self._next_separator()
            if cut is None:
                break
            end, width = cut
            line = bytes(self._buffer[:end])
            del self._buffer[: end + width]
            if self._discarding:
                self._discarding = False
            elif len(line) > self.max_length:
                out.append(Overlong(line[: self._head]))
            else:
                out.append(line)
        # The buffer may hold a full-length line plus the first byte of a CRLF still to come.
        if len(self._buffer) > self.max_length + self._slack:
            if not self._discarding:
                out.append(Overlong(bytes(self._buffer[: self._head])))
                self._discarding = True
            # Keep one byte: it may be the CR of a CRLF split across reads.
            del self._buffer[:-1]
        return out

    def _next_separator(self) -> tuple[int, int] | None:
        found = [(i, len(s)) for s in self._separators if (i := self._buffer.find(s)) >= 0]
        return min(found) if found else None


def classify_line(raw: bytes) -> str | None:
    """The scanned text of one line, ``None`` for an empty line; raise ``ValueError`` for junk.

    Surrounding whitespace is dropped (a stray LF of a CRLF pair, padding spaces). What remains
    must be UTF-8 and printable.
    """
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte 0x{raw[exc.start]:02X} at {exc.start})") from exc
    if not text:
        return None
    bad = next((i for i, ch in enumerate(text) if not ch.isprintable()), None)
    if bad is not None:
        raise ValueError(f"non-printable character U+{ord(text[bad]):04X} at {bad}")
    return text


class SerialPortLike(Protocol):
    """The part of a pyserial port the scanner uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


def serial_opener(
    url: str, *, baudrate: int = 9600, timeout_s: float = 0.2
) -> Callable[[], SerialPortLike]:
    """A function opening ``url`` with pyserial.

    An absent port raises ``CardReaderError`` (retried); a malformed URL or setting raises
    ``DriverConfigError`` (fatal to the supervisor).

    The read timeout bounds how long a stop request waits for the read loop.
    """

    def open_port() -> SerialPortLike:
        try:
            port: SerialPortLike = serial.serial_for_url(
                url, baudrate=baudrate, timeout=timeout_s
            )
        except (serial.SerialException, OSError) as exc:
            raise CardReaderError(f"cannot open scanner port {url!r}: {exc}") from exc
        except ValueError as exc:  # an unknown URL scheme or impossible settings: not transient
            raise DriverConfigError(f"scanner port {url!r}: {exc}") from exc
        return port

    return open_port


class BarcodeScanner(SupervisedReader[SerialPortLike]):
    """Reads lines from a serial scanner in its own thread; emits ``kind="barcode"`` events."""

    def __init__(
        self,
        open_port: Callable[[], SerialPortLike],
        *,
        on_event: Callable[[CardEvent], None],
        on_warning: Callable[[ScanWarning], None] | None = None,
        name: str = "scanner",
        terminator: Terminator = "any",
        max_length: int = 512,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
        on_fault: Callable[[DeviceFault], None] | None = None,
        on_recover: Callable[[DeviceRecovered], None] | None = None,
    ) -> None:
        LineSplitter(terminator, max_length)  # validate now, not in the thread
        self._terminator: Terminator = terminator
        self._max_length = max_length
        self._on_event = on_event
        self._on_warning = on_warning
        self._clock = clock
        super().__init__(
            open_port,
            name=name,
            clock=clock,
            backoff=backoff,
            on_fault=on_fault,
            on_recover=on_recover,
        )

    def _read(self, port: SerialPortLike, stop: threading.Event) -> None:
        # A fresh splitter per connection: half a line from before an unplug is not a code.
        splitter = LineSplitter(self._terminator, self._max_length)
        while not stop.is_set():
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise CardReaderError(f"scanner {self.name!r} read failed: {exc}") from exc
            if data:
                for item in splitter.feed(data):
                    self._handle(item)

    def _handle(self, item: bytes | Overlong) -> None:
        if isinstance(item, Overlong):
            self._warn(f"over {self._max_length} bytes without a line terminator", item.head)
            return
        try:
            text = classify_line(item)
        except ValueError as exc:
            self._warn(f"dropped a line: {exc}", item)
            return
        if text is not None:
            self._emit(CardEvent(self.name, None, text, "barcode", self._clock()))

    def _emit(self, event: CardEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # the listener's bug must not look like a scanner fault
            _log.exception("%s: on_event callback failed for %s", self.name, event)

    def _warn(self, message: str, data: bytes) -> None:
        warning = ScanWarning(self.name, message, data, self._clock())
        if self._on_warning is None:
            _log.warning("%s: %s: %s", self.name, message, data.hex(" "))
            return
        try:
            self._on_warning(warning)
        except Exception:
            _log.exception("%s: on_warning callback failed", self.name)
