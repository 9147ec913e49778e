"""Test helpers for FEIG transcripts: hex frames with CRC, a scripted serial port, a fake clock.

``CMD("FF B0 01 00")`` is a host frame (LEN and CRC added), ``ANS("00 B0 00 …")`` a reader frame.
:class:`ScriptedPort` stands in for the pyserial port (the only thing that cannot exist here: a
reader on a wire); everything above it — transport, decoder, driver — is the real code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.errors import ReaderTimeout
from drivers.feig.frames import with_crc


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def CMD(text: str) -> bytes:
    """A standard host → reader frame from ``COM-ADR CMD DATA…`` hex: LEN and CRC added."""
    body = _hex(text)
    return with_crc(bytes((len(body) + 3,)) + body)


def ANS(text: str) -> bytes:
    """A standard reader → host frame from ``COM-ADR CMD STATUS DATA…`` hex."""
    return CMD(text)


def HEX(text: str) -> bytes:
    """Raw bytes from hex, exactly as written."""
    return _hex(text)


@dataclass
class FakeClock:
    """Monotonic time that only moves when something sleeps or a read times out."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Answer = bytes | BaseException | None


class ScriptedPort:
    """A pyserial-like port playing ``(expected request, answer)`` steps in order.

    ``answer`` bytes become readable after the request is written (``None``: the reader stays
    silent; an exception: raised by the next read). ``inject()`` puts bytes on the line now.
    Reads with nothing to deliver advance the clock by the port timeout, as a real read would.
    """

    def __init__(self, steps: list[tuple[bytes, Answer]], clock: FakeClock) -> None:
        self.steps = list(steps)
        self.clock = clock
        self.timeout = 0.05
        self.written: list[bytes] = []
        self.events: list[str] = []
        self.closed = False
        self._rx = bytearray()
        self._error: BaseException | None = None
        self.flush_error: BaseException | None = None

    def inject(self, data: bytes) -> None:
        self._rx += data

    def write(self, data: bytes) -> int:
        self.events.append("write")
        assert self.steps, f"unexpected request {data.hex(' ').upper()}"
        expected, answer = self.steps.pop(0)
        assert data.hex(" ").upper() == expected.hex(" ").upper()
        self.written.append(data)
        if isinstance(answer, BaseException):
            self._error = answer
        elif answer is not None:
            self._rx += answer
        return len(data)

    def read(self, size: int = 1) -> bytes:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if not self._rx:
            self.clock.now += self.timeout
            return b""
        chunk = bytes(self._rx[:size])
        del self._rx[:size]
        return chunk

    def reset_input_buffer(self) -> None:
        self.events.append("flush")
        if self.flush_error is not None:
            raise self.flush_error
        self._rx.clear()

    def close(self) -> None:
        self.closed = True


@dataclass
class Opener:
    """Hands out scripted ports to the transport and records how it asked for them."""

    ports: list[ScriptedPort | BaseException]
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, url: str, **options: Any) -> ScriptedPort:
        self.calls.append((url, options))
        port = self.ports.pop(0)
        if isinstance(port, BaseException):
            raise port
        return port


class EmulatorTransport:
    """A transport that hands frames straight to an in-process emulator (no line at all)."""

    def __init__(self, handle: Callable[[bytes], bytes | None]) -> None:
        self.handle = handle
        self.frames: list[bytes] = []

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def exchange(self, frame: bytes, timeout: float, match: Callable[[bytes], Any]) -> Any:
        self.frames.append(frame)
        answer = self.handle(frame)
        if answer is None:
            raise ReaderTimeout("emulator stayed silent")
        result = match(answer)
        if result is None:
            raise ReaderTimeout("emulator answer not accepted")
        return result
