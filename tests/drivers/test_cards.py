"""Patron cards: UID-to-number rules, debouncing, and the reader against nfcpy's udp device.

The nfcpy tests run the real ``ContactlessFrontend`` on ``udp:127.0.0.1:<port>``; a tiny UDP
responder in this file plays an ISO 14443A card (ATQA, anticollision, SAK) with a chosen UID.
"""

from __future__ import annotations

import ast
import functools
import operator
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.cards import (
    LSB_DECIMAL_10,
    UID_HEX,
    CardEvent,
    CardNumberRule,
    CardReader,
    Debouncer,
    open_nfcpy,
)
from drivers.errors import CardReaderError, DriverConfigError
from drivers.supervisor import Backoff, DeviceFault, DeviceRecovered

# -- card number rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uid", "rule", "number"),
    [
        ("DEADBEEF", UID_HEX, "DEADBEEF"),
        ("DEADBEEF", CardNumberRule("hex", "lsb"), "EFBEADDE"),
        ("DEADBEEF", CardNumberRule("decimal", "msb"), "3735928559"),
        ("DEADBEEF", LSB_DECIMAL_10, "4022250974"),
        ("01000000", LSB_DECIMAL_10, "0000000001"),
        ("00000001", CardNumberRule("decimal", "msb", 10), "0000000001"),
        ("0000000A", UID_HEX, "0000000A"),
        ("0A", CardNumberRule("hex", "msb", 6), "00000A"),
        ("04A2246A2B5D80", UID_HEX, "04A2246A2B5D80"),
        ("04A2246A2B5D80", LSB_DECIMAL_10, "36131238064726532"),  # 0x805D2B6A24A204
    ],
)
def test_card_number_examples(uid: str, rule: CardNumberRule, number: str) -> None:
    assert rule.number(bytes.fromhex(uid)) == number


def test_width_pads_but_never_truncates() -> None:
    seven = bytes.fromhex("04A2246A2B5D80")
    assert LSB_DECIMAL_10.number(seven) == str(int.from_bytes(seven, "little"))
    assert len(LSB_DECIMAL_10.number(seven)) > 10


@given(
    uid=st.binary(min_size=1, max_size=10),
    fmt=st.sampled_from(["hex", "decimal"]),
    order=st.sampled_from(["msb", "lsb"]),
    width=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
)
def test_card_number_reads_back_to_the_uid(uid: bytes, fmt: str, order: str,
                                           width: int | None) -> None:
    rule = CardNumberRule(fmt, order, width)  # type: ignore[arg-type]
    number = rule.number(uid)
    assert width is None or len(number) >= width
    value = int(number, 16 if fmt == "hex" else 10)
    assert value.to_bytes(len(uid), "big" if order == "msb" else "little") == uid


@given(st.binary(min_size=4, max_size=4))
def test_chinese_rule_is_always_ten_digits_for_four_byte_uids(uid: bytes) -> None:
    number = LSB_DECIMAL_10.number(uid)
    assert len(number) == 10 and number.isdigit()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"format": "octal"}, "format 'octal' is not one of"),
        ({"byte_order": "big"}, "byte_order 'big' is not one of"),
        ({"width": 0}, "width 0 is not None or an integer"),
        ({"width": True}, "width True is not None or an integer"),
        ({"width": 10.0}, "width 10.0 is not None or an integer"),
    ],
)
def test_card_number_rule_rejects_bad_settings(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(DriverConfigError, match=fragment):
        CardNumberRule(**kwargs)  # type: ignore[arg-type]


def test_empty_uid_is_refused_with_a_message() -> None:
    with pytest.raises(DriverConfigError, match="UID is empty"):
        UID_HEX.number(b"")


# -- debouncing -----------------------------------------------------------------------------------


def test_debounce_holds_back_a_card_until_it_was_away_for_the_window() -> None:
    d = Debouncer(1.0)
    assert d.sighted(b"A", 0.0)
    assert not d.sighted(b"A", 0.5)  # still on the reader
    assert not d.sighted(b"A", 1.4)  # the window slides with each sighting
    assert d.sighted(b"B", 1.5)  # another card is never held back
    assert d.sighted(b"A", 2.4)  # away for exactly the window
    assert not d.sighted(b"A", 1.0)  # clock stepped back: treated as still present
    assert d.sighted(b"A", 2.0)


def test_debounce_window_zero_passes_every_sighting() -> None:
    d = Debouncer(0)
    assert all(d.sighted(b"A", t) for t in (0.0, 0.0, 0.1))


def test_debounce_rejects_negative_window() -> None:
    with pytest.raises(DriverConfigError, match="debounce window must be >= 0"):
        Debouncer(-1)


@given(
    window=st.floats(min_value=0, max_value=5),
    sightings=st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.floats(min_value=0, max_value=3)),
        max_size=200,
    ),
)
def test_debounce_matches_a_model_that_forgets_nothing(
    window: float, sightings: list[tuple[int, float]]
) -> None:
    """Pruning old entries (many keys) never changes a decision."""
    d = Debouncer(window)
    last: dict[int, float] = {}
    now = 0.0
    for key, step in sightings:
        now += step
        expected = key not in last or max(0.0, now - last[key]) >= window
        last[key] = now
        assert d.sighted(key, now) == expected


# -- a fake ISO 14443A card on nfcpy's udp device ------------------------------------------------


def _bcc(data: bytes) -> bytes:
    return bytes([functools.reduce(operator.xor, data, 0)])


class FakeCard:
    """Answers nfcpy's udp frontend like a type A card; RFOFF when no card is in the field."""

    def __init__(self, uid: bytes, sak: int = 0x08, port: int = 0) -> None:
        self.uid = uid
        self.sak = sak
        self.present = True
        self.polls = 0
        self._cond = threading.Condition()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _cascade(self) -> list[bytes]:
        u = self.uid
        return [u] if len(u) == 4 else [b"\x88" + u[:3], u[3:7]]

    def answer(self, data: bytes) -> bytes | None:
        if data == b"\x26":  # SENS_REQ → ATQA (single or double size UID)
            return b"\x04\x00" if len(self.uid) == 4 else b"\x44\x00"
        levels = self._cascade()
        for level, (cmd, part) in enumerate(zip(b"\x93\x95", levels, strict=False)):
            if data == bytes([cmd, 0x20]):  # SDD_REQ → UID part + BCC
                return part + _bcc(part)
            if data == bytes([cmd, 0x70]) + part + _bcc(part):  # SEL_REQ → SAK
                return bytes([0x04 if level < len(levels) - 1 else self.sak])
        return None

    def _serve(self) -> None:
        while True:
            try:
                message, addr = self.sock.recvfrom(1024)
            except OSError:
                return
            if message.startswith(b"RFOFF"):
                continue
            brty, payload = message.split()
            data = bytes.fromhex(payload.decode())
            reply = self.answer(data) if self.present else None
            out = b"RFOFF" if reply is None else brty + b" " + reply.hex().encode()
            self.sock.sendto(out, addr)
            if data == b"\x26":
                with self._cond:
                    self.polls += 1
                    self._cond.notify_all()

    def wait_polls(self, count: int) -> None:
        """Block until ``count`` more sense requests arrived (bounded)."""
        with self._cond:
            target = self.polls + count
            assert self._cond.wait_for(lambda: self.polls >= target, timeout=10)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def card() -> Iterator[FakeCard]:
    fake = FakeCard(bytes.fromhex("DEADBEEF"))
    yield fake
    fake.close()


@pytest.mark.parametrize(
    ("uid", "sak"),
    [
        ("DEADBEEF", 0x08),  # MIFARE Classic 1K
        ("04A2246A2B5D80", 0x00),  # 7-byte Type 2 (NTAG)
        ("08123456", 0x20),  # Type 4A, random UID
    ],
)
def test_nfcpy_source_reads_the_uid_of_a_type_a_card(uid: str, sak: int) -> None:
    fake = FakeCard(bytes.fromhex(uid), sak)
    source = open_nfcpy(f"udp:127.0.0.1:{fake.port}")
    try:
        assert source.read_uid() == bytes.fromhex(uid)
        fake.present = False
        assert source.read_uid() is None
    finally:
        source.close()
        fake.close()


def test_nfcpy_source_reports_a_failed_device(card: FakeCard) -> None:
    source = open_nfcpy(f"udp:127.0.0.1:{card.port}")
    source.close()  # nfcpy now answers like an unplugged reader: IOError(ENODEV)
    with pytest.raises(CardReaderError, match="No such device"):
        source.read_uid()


def test_open_nfcpy_on_a_missing_reader_says_where() -> None:
    with pytest.raises(CardReaderError, match=r"no nfcpy reader at 'tty:USB99:pn532'"):
        open_nfcpy("tty:USB99:pn532")


def test_open_nfcpy_refuses_an_empty_path() -> None:
    with pytest.raises(DriverConfigError, match=r"nfcpy path ' ': expected e\.g\. 'usb'"):
        open_nfcpy(" ")


# -- the reader thread -------------------------------------------------------------------------


class StepClock:
    """A thread-safe clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def _reader(path_for: Callable[[], str], events: queue.Queue[CardEvent], clock: StepClock,
            **kwargs: object) -> CardReader:
    return CardReader(
        lambda: open_nfcpy(path_for()),
        on_event=events.put,
        clock=clock,
        poll_interval_s=0.005,
        debounce_s=1.0,
        backoff=Backoff(initial_s=0.001, cap_s=0.002),
        **kwargs,  # type: ignore[arg-type]
    )


def test_reader_emits_debounced_events_and_stops(card: FakeCard) -> None:
    events: queue.Queue[CardEvent] = queue.Queue()
    clock = StepClock()
    reader = _reader(lambda: f"udp:127.0.0.1:{card.port}", events, clock, rule=LSB_DECIMAL_10)
    reader.start()
    try:
        first = events.get(timeout=10)
        assert first == CardEvent("nfc", bytes.fromhex("DEADBEEF"), "4022250974", "rfid-uid", 100.0)
        card.wait_polls(5)  # held on the reader: no repeat
        card.present = False
        card.wait_polls(3)
        card.present = True  # put back at once: same presentation
        card.wait_polls(3)
        assert events.empty()

        card.present = False
        card.wait_polls(2)
        clock.advance(2.0)  # away longer than the window
        card.wait_polls(2)
        card.present = True
        second = events.get(timeout=10)
        assert (second.number, second.at) == ("4022250974", 102.0)

        card.uid = bytes.fromhex("01000000")  # another card: no debounce
        third = events.get(timeout=10)
        assert (third.uid, third.number) == (bytes.fromhex("01000000"), "0000000001")
    finally:
        reader.stop()
    assert reader.state == "stopped"


def test_reader_survives_a_failing_listener(card: FakeCard) -> None:
    seen: queue.Queue[CardEvent] = queue.Queue()

    def listener(event: CardEvent) -> None:
        seen.put(event)
        raise RuntimeError("bug in the daemon")

    reader = CardReader(lambda: open_nfcpy(f"udp:127.0.0.1:{card.port}"), on_event=listener,
                        poll_interval_s=0.005, debounce_s=0.0)
    reader.start()
    try:
        seen.get(timeout=10)
        seen.get(timeout=10)  # still polling after the listener raised
        assert reader.state == "up"
    finally:
        reader.stop()


def test_reader_retries_an_absent_device_and_reports_recovery(card: FakeCard) -> None:
    events: queue.Queue[CardEvent] = queue.Queue()
    faults: list[DeviceFault] = []
    recovered: queue.Queue[DeviceRecovered] = queue.Queue()
    paths = iter(["tty:USB99:pn532", "tty:USB99:pn532"])
    reader = _reader(
        lambda: next(paths, f"udp:127.0.0.1:{card.port}"),
        events,
        StepClock(),
        on_fault=faults.append,
        on_recover=recovered.put,
    )
    reader.start()
    try:
        back = recovered.get(timeout=10)
        assert back.attempts == 2
        assert [f.attempt for f in faults] == [1, 2]
        assert all("no nfcpy reader at 'tty:USB99:pn532'" in f.error for f in faults)
        assert events.get(timeout=10).number == "DEADBEEF"
    finally:
        reader.stop()


def test_reader_rejects_a_negative_poll_interval() -> None:
    with pytest.raises(DriverConfigError, match="poll_interval_s must be >= 0"):
        CardReader(lambda: open_nfcpy("udp:127.0.0.1:9"), on_event=print, poll_interval_s=-1)


# -- architecture -------------------------------------------------------------------------------


def _modules_importing(package: str) -> set[str]:
    """Driver modules that import ``package`` (statically or via importlib.import_module)."""
    root = Path(__file__).resolve().parents[2] / "drivers"
    found = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [str(node.args[0].value)]
            if any(name == package or name.startswith(package + ".") for name in names):
                found.add(path.relative_to(root.parent).as_posix())
    return found


def test_only_the_adapter_imports_nfcpy() -> None:
    assert _modules_importing("nfc") == {"drivers/cards/_nfcpy.py"}
