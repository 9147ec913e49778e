"""Backoff policy and the device supervision loop, driven by a fake clock in one thread."""

from __future__ import annotations

import queue
import random
import re
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import CardReaderError, DriverConfigError, DriverUnavailable, PrinterError
from drivers.supervisor import Backoff, DeviceFault, DeviceRecovered, DeviceSupervisor


class FakeClock:
    """A clock that only moves when the supervisor sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Device:
    def __init__(self, serial: int) -> None:
        self.serial = serial
        self.closed = False

    def close(self) -> None:
        self.closed = True


# -- Backoff ----------------------------------------------------------------------------------


def test_backoff_bases_double_up_to_the_cap() -> None:
    backoff = Backoff(initial_s=0.5, factor=2.0, cap_s=4.0, jitter=0.0)
    assert [backoff.base(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert [backoff.delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_with_factor_one_is_constant() -> None:
    backoff = Backoff(initial_s=2.0, factor=1.0, cap_s=2.0, jitter=0.0)
    assert {backoff.delay(n) for n in (0, 1, 50, 10**9)} == {2.0}


def test_backoff_jitter_is_reproducible_from_the_seed() -> None:
    a = Backoff(jitter=0.5, rng=random.Random(7))
    b = Backoff(jitter=0.5, rng=random.Random(7))
    c = Backoff(jitter=0.5, rng=random.Random(8))
    seq_a = [a.delay(n) for n in range(10)]
    assert seq_a == [b.delay(n) for n in range(10)]
    assert seq_a != [c.delay(n) for n in range(10)]


@given(
    attempt=st.integers(min_value=0, max_value=10**6),
    seed=st.integers(),
    shape=st.tuples(
        st.floats(min_value=0.001, max_value=10),  # initial
        st.floats(min_value=1, max_value=10),  # factor
        st.floats(min_value=0, max_value=1000),  # cap above initial
        st.floats(min_value=0, max_value=0.99),  # jitter
    ),
)
def test_backoff_delay_stays_within_jitter_band_and_cap(
    attempt: int, seed: int, shape: tuple[float, float, float, float]
) -> None:
    initial, factor, extra_cap, jitter = shape
    cap = initial + extra_cap
    backoff = Backoff(initial_s=initial, factor=factor, cap_s=cap, jitter=jitter,
                      rng=random.Random(seed))
    base = backoff.base(attempt)
    delay = backoff.delay(attempt)
    assert initial <= base <= cap
    assert base * (1 - jitter) - 1e-12 <= delay <= base
    assert 0 < delay <= cap


@given(st.integers(min_value=0, max_value=200))
def test_backoff_base_never_decreases(attempt: int) -> None:
    backoff = Backoff(initial_s=0.1, factor=1.7, cap_s=45.0, jitter=0.0)
    assert backoff.base(attempt) <= backoff.base(attempt + 1)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"initial_s": 0}, "initial_s must be > 0"),
        ({"factor": 0.5}, "factor must be >= 1"),
        ({"initial_s": 5, "cap_s": 1}, "cap_s must be >= initial_s"),
        ({"jitter": 1.0}, "jitter must be in [0, 1)"),
        ({"jitter": -0.1}, "jitter must be in [0, 1)"),
    ],
)
def test_backoff_rejects_impossible_settings(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(DriverConfigError, match=re.escape(fragment)):
        Backoff(**kwargs)  # type: ignore[arg-type]


def test_backoff_rejects_negative_attempt() -> None:
    with pytest.raises(DriverConfigError, match="attempt must be >= 0"):
        Backoff().base(-1)


# -- DeviceSupervisor: the retry schedule -------------------------------------------------------


def test_retry_schedule_fault_and_recovery_callbacks() -> None:
    """Absent three times, then up; unplugged once while running; then stopped."""
    clock = FakeClock()
    faults: list[DeviceFault] = []
    recoveries: list[DeviceRecovered] = []
    opened: list[Device] = []
    open_results: list[Exception | None] = [
        CardReaderError("no reader on /dev/ttyUSB0"),
        CardReaderError("no reader on /dev/ttyUSB0"),
        OSError(19, "No such device"),
        None,
        None,
    ]

    def open_fn() -> Device:
        outcome = open_results.pop(0)
        if outcome is not None:
            raise outcome
        opened.append(Device(len(opened)))
        return opened[-1]

    runs = []

    def run_fn(device: Device, stop: threading.Event) -> None:
        runs.append(device.serial)
        if device.serial == 0:
            raise CardReaderError("read failed: device disconnected")
        supervisor.stop()

    supervisor = DeviceSupervisor(
        open_fn,
        name="nfc",
        backoff=Backoff(initial_s=0.5, factor=2.0, cap_s=30.0, jitter=0.25,
                        rng=random.Random(42)),
        run_fn=run_fn,
        clock=clock,
        sleep=clock.sleep,
        on_fault=faults.append,
        on_recover=recoveries.append,
    )
    supervisor.run()

    twin = Backoff(initial_s=0.5, factor=2.0, cap_s=30.0, jitter=0.25, rng=random.Random(42))
    expected = [twin.delay(0), twin.delay(1), twin.delay(2), twin.delay(0)]
    assert clock.sleeps == expected
    assert [f.attempt for f in faults] == [1, 2, 3, 1]
    assert [f.retry_in for f in faults] == expected
    assert [f.error for f in faults] == [
        "CardReaderError: no reader on /dev/ttyUSB0",
        "CardReaderError: no reader on /dev/ttyUSB0",
        "OSError: [Errno 19] No such device",
        "CardReaderError: read failed: device disconnected",
    ]
    assert all(f.device == "nfc" and not f.fatal for f in faults)
    starts = [1000.0 + sum(expected[:n]) for n in range(4)]
    assert [f.at for f in faults] == pytest.approx(starts)
    # Recovered once after the three failed opens, and again after the unplug.
    assert [(r.attempts, r.down_s) for r in recoveries] == [
        (3, pytest.approx(sum(expected[:3]))),
        (1, pytest.approx(expected[3])),
    ]
    assert runs == [0, 1]
    assert all(device.closed for device in opened)
    assert supervisor.state == "stopped"
    assert supervisor.device is None


def test_a_missing_library_is_fatal_and_reported_once() -> None:
    clock = FakeClock()
    faults: list[DeviceFault] = []

    def open_fn() -> Device:
        raise DriverUnavailable("nfcpy is not installed")

    supervisor = DeviceSupervisor(open_fn, name="nfc", clock=clock, sleep=clock.sleep,
                                  on_fault=faults.append)
    supervisor.run()
    assert len(faults) == 1
    assert faults[0].fatal and faults[0].retry_in is None
    assert faults[0].error == "DriverUnavailable: nfcpy is not installed"
    assert clock.sleeps == []
    assert supervisor.state == "failed"


def test_a_work_loop_that_returns_by_itself_counts_as_a_fault() -> None:
    clock = FakeClock()
    faults: list[DeviceFault] = []
    calls = []

    def run_fn(device: Device, stop: threading.Event) -> None:
        calls.append(device)
        if len(calls) == 2:
            supervisor.stop()

    supervisor = DeviceSupervisor(lambda: Device(0), name="scanner", run_fn=run_fn, clock=clock,
                                  sleep=clock.sleep, on_fault=faults.append,
                                  backoff=Backoff(jitter=0.0))
    supervisor.run()
    assert [f.error for f in faults] == ["the device's work loop ended unexpectedly"]
    assert clock.sleeps == [0.5]


def test_broken_callbacks_do_not_stop_supervision() -> None:
    clock = FakeClock()
    attempts = []

    def open_fn() -> Device:
        attempts.append(1)
        if len(attempts) < 3:
            raise OSError("absent")
        return Device(0)

    def bad_listener(event: object) -> None:
        raise RuntimeError("listener bug")

    def run_fn(device: Device, stop: threading.Event) -> None:
        supervisor.stop()

    supervisor = DeviceSupervisor(open_fn, name="printer", run_fn=run_fn, clock=clock,
                                  sleep=clock.sleep, on_fault=bad_listener,
                                  on_recover=bad_listener)
    supervisor.run()
    assert len(attempts) == 3
    assert supervisor.state == "stopped"


def test_stop_during_backoff_ends_the_loop_without_another_open() -> None:
    clock = FakeClock()
    attempts = []

    def open_fn() -> Device:
        attempts.append(1)
        raise OSError("absent")

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        supervisor.stop()

    supervisor = DeviceSupervisor(open_fn, name="scanner", clock=clock, sleep=sleep)
    supervisor.run()
    assert len(attempts) == 1
    assert supervisor.state == "stopped"


# -- DeviceSupervisor: a held (passive) device in a thread --------------------------------------


def test_held_device_is_reopened_after_a_reported_fault() -> None:
    events: queue.Queue[object] = queue.Queue()
    devices: list[Device] = []

    def open_fn() -> Device:
        devices.append(Device(len(devices)))
        events.put(("opened", devices[-1].serial))
        return devices[-1]

    supervisor: DeviceSupervisor[Device] = DeviceSupervisor(
        open_fn,
        name="printer",
        backoff=Backoff(initial_s=0.001, cap_s=0.001, jitter=0.0),
        on_fault=events.put,
    )
    supervisor.start()
    try:
        assert events.get(timeout=5) == ("opened", 0)
        _wait(lambda: supervisor.device is devices[0])
        supervisor.report_fault(PrinterError("paper jam"))
        fault = events.get(timeout=5)
        assert isinstance(fault, DeviceFault)
        assert fault.error == "PrinterError: paper jam"
        assert events.get(timeout=5) == ("opened", 1)
        assert devices[0].closed
        _wait(lambda: supervisor.state == "up")
    finally:
        supervisor.stop()
    assert supervisor.state == "stopped"
    assert devices[1].closed
    with pytest.raises(RuntimeError, match="already started"):
        supervisor.start()


def _wait(predicate: object, timeout: float = 5.0) -> None:
    """Poll ``predicate`` until true (a bounded wait, not a timing assertion)."""
    done = threading.Event()
    for _ in range(int(timeout / 0.005)):
        if predicate():  # type: ignore[operator]
            return
        done.wait(0.005)
    raise AssertionError("condition not reached")
