"""Keep a device open: retry with capped, jittered exponential backoff; report faults and recovery.

Every kiosk device (patron-card reader, barcode scanner, printer, RFID pad) can be absent at start
or unplugged later. The daemon must keep running, say so, and pick the device up again when it
comes back. :class:`DeviceSupervisor` owns that loop for one device::

    open_fn() ──ok──▶ run_fn(device, stop) ──returns/raises──▶ close ─┐
       │                                                             │
       └──raises──▶ on_fault(DeviceFault) ──▶ sleep(backoff) ◀────────┘

* ``run_fn`` is the device's work loop (read cards, read lines); it returns when ``stop`` is set
  and raises when the device fails. Without ``run_fn`` the device is *held* open for others to use
  (``supervisor.device``) until somebody calls :meth:`DeviceSupervisor.report_fault` — the shape
  of a printer, which is only used on demand.
* ``on_recover(DeviceRecovered)`` follows the first successful open after one or more faults.
* :class:`~drivers.errors.DriverUnavailable` and :class:`~drivers.errors.DriverConfigError` are
  fatal (retrying cannot help): reported once with ``fatal=True``, then the loop ends.
* Time comes in through ``clock`` and ``sleep`` so tests can run the whole schedule in one thread
  with a fake clock; :meth:`run` is the loop, :meth:`start` runs it in a daemon thread.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from drivers.errors import DriverConfigError, DriverUnavailable

__all__ = [
    "Backoff",
    "DeviceFault",
    "DeviceRecovered",
    "DeviceSupervisor",
    "SupervisedReader",
    "SupervisorState",
    "SupportsClose",
]

_log = logging.getLogger(__name__)

SupervisorState = Literal["starting", "up", "down", "failed", "stopped"]


class SupportsClose(Protocol):
    """Anything a supervisor can hold: it only needs to be closable."""

    def close(self) -> None: ...


D = TypeVar("D", bound=SupportsClose)
E = TypeVar("E")


class Backoff:
    """Capped exponential backoff with proportional jitter drawn from an injected ``Random``.

    The n-th retry (``attempt`` counts from 0) waits ``base = min(cap_s, initial_s * factor**n)``
    shortened by a random fraction of at most ``jitter``: the delay lies in
    ``(base * (1 - jitter), base]``. Jitter spreads the retries of many kiosks after a shared
    outage; shortening (never lengthening) keeps the cap a hard upper bound.
    """

    __slots__ = ("_rng", "cap_s", "factor", "initial_s", "jitter")

    def __init__(
        self,
        *,
        initial_s: float = 0.5,
        factor: float = 2.0,
        cap_s: float = 30.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        checks = (
            (initial_s > 0, f"initial_s must be > 0, got {initial_s!r}"),
            (factor >= 1, f"factor must be >= 1, got {factor!r}"),
            (cap_s >= initial_s, f"cap_s must be >= initial_s ({initial_s!r}), got {cap_s!r}"),
            (0 <= jitter < 1, f"jitter must be in [0, 1), got {jitter!r}"),
        )
        for ok, message in checks:
            if not ok:
                raise DriverConfigError(f"Backoff: {message}")
        self.initial_s = float(initial_s)
        self.factor = float(factor)
        self.cap_s = float(cap_s)
        self.jitter = float(jitter)
        self._rng = rng if rng is not None else random.Random()

    def base(self, attempt: int) -> float:
        """The un-jittered delay before retry number ``attempt`` (0-based)."""
        if attempt < 0:
            raise DriverConfigError(f"Backoff: attempt must be >= 0, got {attempt}")
        if self.factor == 1:
            return self.initial_s
        # Compare in log space: factor**attempt overflows a float long before attempt gets silly.
        if attempt * math.log(self.factor) >= math.log(self.cap_s / self.initial_s):
            return self.cap_s
        return min(self.cap_s, self.initial_s * self.factor**attempt)

    def delay(self, attempt: int) -> float:
        """The jittered delay before retry number ``attempt`` (0-based); consumes one draw."""
        return self.base(attempt) * (1.0 - self.jitter * self._rng.random())


@dataclass(frozen=True, slots=True)
class DeviceFault:
    """A device could not be opened or failed while in use."""

    device: str
    error: str
    attempt: int  # consecutive failures so far, 1-based
    retry_in: float | None  # seconds until the next attempt; None when fatal
    at: float
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class DeviceRecovered:
    """A device is open again after ``attempts`` consecutive failures."""

    device: str
    attempts: int
    down_s: float
    at: float


class DeviceSupervisor(Generic[D]):
    """Open, run and re-open one device, reporting faults and recovery (see module docstring)."""

    def __init__(
        self,
        open_fn: Callable[[], D],
        *,
        name: str,
        backoff: Backoff | None = None,
        run_fn: Callable[[D, threading.Event], None] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] | None = None,
        on_fault: Callable[[DeviceFault], None] | None = None,
        on_recover: Callable[[DeviceRecovered], None] | None = None,
    ) -> None:
        self.name = name
        self._open_fn = open_fn
        self._run_fn = run_fn
        self._backoff = backoff if backoff is not None else Backoff()
        self._clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by stop() and report_fault(): ends a wait early
        self._sleep = sleep if sleep is not None else self._wake.wait
        self._on_fault = on_fault
        self._on_recover = on_recover
        self._lock = threading.Lock()
        self._device: D | None = None
        self._pending: str | None = None
        self._state: SupervisorState = "starting"
        self._thread: threading.Thread | None = None

    # -- what the daemon sees ---------------------------------------------------------------

    @property
    def state(self) -> SupervisorState:
        return self._state

    @property
    def device(self) -> D | None:
        """The open device, or ``None`` while it is absent."""
        with self._lock:
            return self._device

    @property
    def stopping(self) -> threading.Event:
        """Set once :meth:`stop` was called; work loops watch it."""
        return self._stop

    def report_fault(self, error: BaseException | str) -> None:
        """Tell the supervisor the held device failed (e.g. a print raised): close and retry.

        Only a held device (no ``run_fn``) reacts; a work loop reports its faults by raising.
        """
        with self._lock:
            self._pending = error if isinstance(error, str) else _describe(error)
        self._wake.set()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Run :meth:`run` in a daemon thread."""
        if self._thread is not None:
            raise RuntimeError(f"supervisor {self.name!r} already started")
        self._thread = threading.Thread(
            target=self.run, name=f"{self.name}-supervisor", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the loop to end, close the device and wait for the thread (if any)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        """The supervision loop; returns after :meth:`stop` or a fatal fault.

        A stopped supervisor stays stopped: build a new one to supervise the device again.
        """
        failures = 0
        down_since = 0.0
        while not self._stop.is_set():
            try:
                device = self._open_fn()
            except Exception as exc:
                failures += 1
                if failures == 1:
                    down_since = self._clock()
                if not self._fault(_describe(exc), failures, fatal=_is_fatal(exc)):
                    break
                continue
            if self._stop.is_set():
                _close_quietly(device, self.name)
                break
            if failures:
                self._recovered(failures, down_since)
            failures = 0
            error = self._serve(device)
            if error is None:
                break  # stopped
            failures = 1
            down_since = self._clock()
            if not self._fault(error, failures, fatal=False):
                break
        if self._state != "failed":
            self._state = "stopped"

    # -- internals --------------------------------------------------------------------------------

    def _serve(self, device: D) -> str | None:
        """Run or hold the open device; return what ended it, ``None`` if stopped."""
        with self._lock:
            self._device = device
            self._pending = None
        self._state = "up"
        try:
            if self._run_fn is None:
                return self._hold()
            self._run_fn(device, self._stop)
            return None if self._stop.is_set() else "the device's work loop ended unexpectedly"
        except Exception as exc:
            return None if self._stop.is_set() else _describe(exc)
        finally:
            with self._lock:
                self._device = None
            _close_quietly(device, self.name)

    def _hold(self) -> str | None:
        """Wait until stopped (``None``) or a fault is reported (its description)."""
        while not self._stop.is_set():
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                pending, self._pending = self._pending, None
            if pending is not None and not self._stop.is_set():
                return pending
        return None

    def _fault(self, error: str, attempt: int, *, fatal: bool) -> bool:
        """Report a fault; sleep the backoff unless fatal. Return whether to keep going."""
        retry_in = None if fatal else self._backoff.delay(attempt - 1)
        self._state = "failed" if fatal else "down"
        fault = DeviceFault(self.name, error, attempt, retry_in, self._clock(), fatal)
        if self._on_fault is not None:
            _call_quietly(self._on_fault, fault, self.name)
        else:
            _log.warning("%s: %s (attempt %d)", self.name, fault.error, attempt)
        if retry_in is None:
            return False
        if not self._stop.is_set():
            self._wake.clear()
            # stop() sets _stop before _wake: re-checking after the clear cannot miss a stop.
            if not self._stop.is_set():
                self._sleep(retry_in)
        return not self._stop.is_set()

    def _recovered(self, attempts: int, down_since: float) -> None:
        now = self._clock()
        event = DeviceRecovered(self.name, attempts, max(0.0, now - down_since), now)
        if self._on_recover is not None:
            _call_quietly(self._on_recover, event, self.name)
        else:
            _log.info("%s: back after %d failed attempts", self.name, attempts)


def _is_fatal(error: BaseException) -> bool:
    """Retrying cannot fix a missing library or an impossible setting."""
    return isinstance(error, DriverUnavailable | DriverConfigError)


def _describe(error: BaseException) -> str:
    text = str(error) or "(no message)"
    return f"{type(error).__name__}: {text}"


def _close_quietly(device: SupportsClose, name: str) -> None:
    try:
        device.close()
    except Exception:  # a device that fails to close is already gone; nothing to add
        _log.debug("%s: close failed", name, exc_info=True)


def _call_quietly(callback: Callable[[E], None], event: E, name: str) -> None:
    try:
        callback(event)
    except Exception:  # a broken listener must not stop the supervision of the device
        _log.exception("%s: supervisor callback failed", name)


class SupervisedReader(Generic[D]):
    """A device read in its own supervised thread: the card reader and the scanner build on it.

    Subclasses implement :meth:`_read` (the loop over an open device, until ``stop`` is set); the
    supervisor opens the device, runs the loop, and re-opens it with backoff after a fault.
    """

    def __init__(
        self,
        open_fn: Callable[[], D],
        *,
        name: str,
        clock: Callable[[], float],
        backoff: Backoff | None,
        on_fault: Callable[[DeviceFault], None] | None,
        on_recover: Callable[[DeviceRecovered], None] | None,
    ) -> None:
        self.name = name
        self._supervisor: DeviceSupervisor[D] = DeviceSupervisor(
            open_fn,
            name=name,
            backoff=backoff,
            run_fn=self._read,
            clock=clock,
            on_fault=on_fault,
            on_recover=on_recover,
        )

    @property
    def state(self) -> SupervisorState:
        return self._supervisor.state

    def start(self) -> None:
        """Start the reading thread."""
        self._supervisor.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop reading, close the device and wait for the thread."""
        self._supervisor.stop(timeout)

    def _read(self, device: D, stop: threading.Event) -> None:
        raise NotImplementedError
