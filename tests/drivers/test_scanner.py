"""Serial barcode scanner: the pure splitter/classifier, then the reader over real pyserial ports
(``loop://`` and ``socket://`` to a TCP "scanner" on 127.0.0.1)."""

from __future__ import annotations

import queue
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import serial
from hypothesis import given
from hypothesis import strategies as st

from drivers.cards import CardEvent
from drivers.errors import CardReaderError, DriverConfigError
from drivers.scanner import (
    BarcodeScanner,
    LineSplitter,
    Overlong,
    ScanWarning,
    classify_line,
    serial_opener,
)
from drivers.supervisor import Backoff, DeviceFault, DeviceRecovered

# -- LineSplitter --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terminator", "stream", "lines"),
    [
        ("cr", b"123\r456\r", [b"123", b"456"]),
        ("cr", b"123\r\n456\r\n", [b"123", b"\n456"]),  # the LF stays; classify_line strips it
        ("lf", b"123\n456\n7", [b"123", b"456"]),
        ("crlf", b"123\r\n45\r6\r\n", [b"123", b"45\r6"]),
        ("any", b"123\r\n456\n789\r", [b"123", b"", b"456", b"789"]),
    ],
)
def test_splitter_honours_the_terminator(terminator: str, stream: bytes,
                                         lines: list[bytes]) -> None:
    assert LineSplitter(terminator).feed(stream) == lines  # type: ignore[arg-type]


def test_splitter_joins_a_crlf_split_across_reads() -> None:
    splitter = LineSplitter("crlf")
    assert splitter.feed(b"9787\r") == []
    assert splitter.feed(b"\n") == [b"9787"]


def test_splitter_reports_an_overlong_run_once_and_resynchronises() -> None:
    splitter = LineSplitter("cr", max_length=8)
    assert splitter.feed(b"ABCDEFGHIJ") == [Overlong(b"ABCDEFGHI")]
    assert splitter.feed(b"KLMNOPQRSTUVWXYZ") == []  # still the same run: no second report
    assert splitter.feed(b"Z\r12345678\r") == [b"12345678"]


@given(
    terminator=st.sampled_from(["cr", "lf", "crlf", "any"]),
    payloads=st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\r", b"").replace(
        b"\n", b"")), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=10),
    max_length=st.integers(min_value=1, max_value=16),
)
def test_splitter_output_does_not_depend_on_read_boundaries(
    terminator: str, payloads: list[bytes], cuts: list[int], max_length: int
) -> None:
    sep = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "any": b"\r\n"}[terminator]
    stream = b"".join(p + sep for p in payloads)
    whole = LineSplitter(terminator, max_length).feed(stream)  # type: ignore[arg-type]
    chunked_splitter = LineSplitter(terminator, max_length)  # type: ignore[arg-type]
    chunked: list[bytes | Overlong] = []
    start = 0
    for cut in [*sorted({min(c, len(stream)) for c in cuts}), len(stream)]:
        chunked += chunked_splitter.feed(stream[start:cut])
        start = cut
    assert chunked == whole
    expected = [p if len(p) <= max_length else Overlong(p[: max_length + 1]) for p in payloads]
    if terminator == "any":
        expected = [x for p in expected for x in (p, b"")]
    assert whole == expected


# -- classify_line --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"31234567", "31234567"),
        (b"\n31234567 ", "31234567"),
        (b"", None),
        (b"  \t", None),
        ("图书 ISBN 978-7".encode(), "图书 ISBN 978-7"),
    ],
)
def test_classify_keeps_printable_text(raw: bytes, text: str | None) -> None:
    assert classify_line(raw) == text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x02123\x03", "non-printable character U+0002 at 0"),
        (b"12\x1b34", "non-printable character U+001B at 2"),
        (b"1\xff2", "not UTF-8 text (byte 0xFF at 1)"),
    ],
)
def test_classify_rejects_junk_with_a_precise_message(raw: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        classify_line(raw)


@given(st.binary(max_size=64))
def test_classify_returns_text_or_none_or_raises_value_error(raw: bytes) -> None:
    try:
        text = classify_line(raw)
    except ValueError:
        return
    assert text is None or (text and text.isprintable() and text == text.strip())


def test_bad_settings_are_refused() -> None:
    with pytest.raises(DriverConfigError, match="terminator 'tab' is not one of"):
        LineSplitter("tab")  # type: ignore[arg-type]
    with pytest.raises(DriverConfigError, match="max_length must be >= 1"):
        BarcodeScanner(lambda: serial.serial_for_url("loop://"), on_event=print, max_length=0)


# -- the scanner over real pyserial ports --------------------------------------------------------


@pytest.fixture
def loop_port() -> Iterator[serial.SerialBase]:
    port = serial.serial_for_url("loop://", timeout=0.01)
    yield port
    port.close()


def test_scanner_over_loop_emits_barcodes_and_warns_about_junk(
    loop_port: serial.SerialBase,
) -> None:
    events: queue.Queue[CardEvent] = queue.Queue()
    warnings: queue.Queue[ScanWarning] = queue.Queue()
    scanner = BarcodeScanner(lambda: loop_port, on_event=events.put, on_warning=warnings.put,
                             terminator="cr", clock=lambda: 7.0)
    scanner.start()
    try:
        loop_port.write(b"31234567\r\r  \r\x02BAD\x03\r")
        loop_port.write(b"978711")
        loop_port.write(b"1234567\r")
        assert events.get(timeout=5) == CardEvent("scanner", None, "31234567", "barcode", 7.0)
        junk = warnings.get(timeout=5)
        assert junk == ScanWarning("scanner", "dropped a line: non-printable character U+0002 at 0",
                                   b"\x02BAD\x03", 7.0)
        assert events.get(timeout=5).number == "9787111234567"
        assert events.empty() and warnings.empty()  # the empty and blank lines vanished
    finally:
        scanner.stop()
    assert scanner.state == "stopped"


def test_open_failure_is_a_card_reader_error() -> None:
    with pytest.raises(CardReaderError, match="cannot open scanner port '/nonexistent/ttyX'"):
        serial_opener("/nonexistent/ttyX")()


def test_a_malformed_port_url_is_a_config_error() -> None:
    with pytest.raises(DriverConfigError, match="scanner port 'bogus://x'"):
        serial_opener("bogus://x")()


class TcpScanner:
    """A scanner behind a TCP serial server: accepts one connection at a time."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: queue.Queue[socket.socket] = queue.Queue()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections.put(conn)

    def close(self) -> None:
        self.server.close()


def _wait_until_up(scanner: BarcodeScanner) -> None:
    """pyserial's socket:// open() discards input already waiting: send only once it is open."""
    deadline = time.monotonic() + 5
    while scanner.state != "up":
        assert time.monotonic() < deadline, f"scanner never came up: {scanner.state}"
        time.sleep(0.005)


def test_scanner_reports_an_unplug_and_recovers() -> None:
    tcp = TcpScanner()
    events: queue.Queue[CardEvent] = queue.Queue()
    faults: queue.Queue[DeviceFault] = queue.Queue()
    recovered: queue.Queue[DeviceRecovered] = queue.Queue()
    scanner = BarcodeScanner(
        serial_opener(f"socket://127.0.0.1:{tcp.port}", timeout_s=0.02),
        on_event=events.put,
        on_fault=faults.put,
        on_recover=recovered.put,
        backoff=Backoff(initial_s=0.001, cap_s=0.002),
    )
    scanner.start()
    try:
        first = tcp.connections.get(timeout=5)
        _wait_until_up(scanner)
        first.sendall(b"P0001\r\n")
        assert events.get(timeout=5).number == "P0001"
        first.sendall(b"HALF-A-LI")
        first.close()  # unplugged mid-line
        fault = faults.get(timeout=5)
        assert "socket disconnected" in fault.error and fault.attempt == 1
        second = tcp.connections.get(timeout=5)
        assert recovered.get(timeout=5).attempts == 1
        _wait_until_up(scanner)
        second.sendall(b"NE\r\nP0002\r\n")  # the half line before the unplug is not a code
        assert events.get(timeout=5).number == "NE"
        assert events.get(timeout=5).number == "P0002"
        second.close()
    finally:
        scanner.stop()
        tcp.close()
