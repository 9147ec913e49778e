"""The python-escpos adapter: bytes produced on ``Dummy``, a file printer, and a network printer
on 127.0.0.1 that answers (or does not answer) the paper-status query."""

from __future__ import annotations

import ast
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.errors import DriverUnavailable, PrinterError
from drivers.printer import (
    FS_CHINESE_OFF,
    FS_CHINESE_ON,
    PAPER_STATUS_REQUEST,
    Receipt,
    ReceiptLine,
    ReceiptPrinter,
    open_receipt_printer,
)
from drivers.supervisor import Backoff, DeviceFault, DeviceSupervisor

ESC_INIT = b"\x1b@"
FULL_CUT = b"\x1dV\x00"
DOUBLE = b"\x1d!\x11"
NORMAL = b"\x1d!\x00"


def zh_receipt() -> Receipt:
    return Receipt(
        library="深圳图书馆",
        machine_id="K-001",
        patron="0012345678",
        kind="checkout",
        at=dt.datetime(2026, 11, 24, 10, 32),
        lines=(ReceiptLine("三体：地球往事", "31234567", dt.date(2026, 12, 24)),),
        footer="谢谢使用",
    )


def en_receipt() -> Receipt:
    return Receipt(
        library="City Library",
        machine_id="K-2",
        patron="12345678",
        kind="return",
        at=dt.datetime(2026, 11, 24, 10, 32),
        language="en",
        lines=(ReceiptLine("Café society", "B-77", status="Returned"),),
    )


def test_chinese_receipt_bytes_on_dummy() -> None:
    printer = open_receipt_printer("dummy")
    printer.print_receipt(zh_receipt())
    out: bytes = printer.device.escpos.output  # type: ignore[attr-defined]
    assert out.startswith(ESC_INIT + FS_CHINESE_ON)
    assert DOUBLE + b"\x1bE\x01\x1ba\x01" + "深圳图书馆".encode("gb18030") + b"\n" in out
    for text in ("借书凭条", "读者：******5678", "1. 三体：地球往事", "应还 2026-12-24",
                 "共 1 册", "谢谢使用"):
        assert text.encode("gb18030") in out
    assert b"0012345678" not in out  # the card number never reaches paper
    assert out.endswith(b"\x1bd\x06" + FULL_CUT)  # feed six lines, full cut
    assert NORMAL in out


def test_english_receipt_bytes_on_dummy() -> None:
    printer = open_receipt_printer("dummy")
    printer.print_receipt(en_receipt())
    out: bytes = printer.device.escpos.output  # type: ignore[attr-defined]
    assert out.startswith(ESC_INIT + FS_CHINESE_OFF)
    assert FS_CHINESE_ON not in out
    assert b"Return receipt\n" in out
    assert b"1. Caf\x82 society\n" in out  # code page 437 (ESC t 0) for the accent
    assert b"\x1bt\x00" in out
    assert b"Patron: ****5678\n" in out
    assert out.endswith(FULL_CUT)


def test_dummy_and_file_printers_cannot_tell_the_paper_status(tmp_path: Path) -> None:
    assert open_receipt_printer("dummy").paper_status() == "unknown"
    target = tmp_path / "lp0"
    target.touch()  # the device node a printer driver would have made
    printer = open_receipt_printer(f"file:{target}")
    printer.print_receipt(en_receipt())
    assert printer.paper_status() == "unknown"
    printer.close()
    data = target.read_bytes()
    assert data.startswith(ESC_INIT + FS_CHINESE_OFF) and data.endswith(FULL_CUT)
    assert PAPER_STATUS_REQUEST not in data  # nothing asked of a printer that cannot answer


class NetworkPrinter:
    """A raw-TCP (port 9100 style) printer on 127.0.0.1 with a scripted status reply."""

    def __init__(self, status_reply: bytes | None) -> None:
        self.status_reply = status_reply
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connected = threading.Event()
        self.conn: socket.socket | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        self.conn = conn
        self.connected.set()
        with conn:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                self.received += data
                if PAPER_STATUS_REQUEST in data and self.status_reply is not None:
                    conn.sendall(self.status_reply)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def network_printer(request: pytest.FixtureRequest) -> Iterator[NetworkPrinter]:
    server = NetworkPrinter(request.param)
    yield server
    server.close()


@pytest.mark.parametrize(
    ("network_printer", "status"),
    [(b"\x12", "ok"), (b"\x1e", "near-end"), (b"\x72", "out"), (b"\x00", "unknown"),
     (None, "unknown")],
    indirect=["network_printer"],
)
def test_network_printer_paper_status(network_printer: NetworkPrinter, status: str) -> None:
    printer = open_receipt_printer(f"network:127.0.0.1:{network_printer.port}?timeout=0.2")
    try:
        assert printer.paper_status() == status
    finally:
        printer.close()


@pytest.mark.parametrize("network_printer", [b"\x12"], indirect=True)
def test_network_printer_receives_the_receipt(network_printer: NetworkPrinter) -> None:
    printer = open_receipt_printer(f"network:127.0.0.1:{network_printer.port}?timeout=2")
    printer.print_receipt(zh_receipt())
    assert printer.paper_status() == "ok"  # the status round trip also orders the bytes
    printer.close()
    assert bytes(network_printer.received).startswith(ESC_INIT + FS_CHINESE_ON)
    assert "深圳图书馆".encode("gb18030") in network_printer.received


@pytest.mark.parametrize("network_printer", [None], indirect=True)
def test_a_printer_that_went_away_raises_printer_error(network_printer: NetworkPrinter) -> None:
    printer = open_receipt_printer(f"network:127.0.0.1:{network_printer.port}?timeout=1")
    assert network_printer.connected.wait(5)
    assert network_printer.conn is not None
    network_printer.conn.shutdown(socket.SHUT_RDWR)
    network_printer.conn.close()
    with pytest.raises(PrinterError, match=r"printing failed: .*Error"):
        for _ in range(50):  # the first writes may still land in the socket buffer
            printer.print_receipt(zh_receipt())
    assert printer.paper_status() == "unknown"


def test_absent_printers_fail_to_open_with_one_line_messages(tmp_path: Path) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    for spec in (f"network:127.0.0.1:{port}?timeout=1", f"file:{tmp_path}/lp9",
                 "serial:/dev/nonexistent-printer-tty"):
        with pytest.raises(PrinterError, match=r"cannot open printer '") as info:
            open_receipt_printer(spec)
        assert "\n" not in str(info.value)
    assert not (tmp_path / "lp9").exists()  # an absent device is never created as a file


def test_usb_without_pyusb_is_unavailable() -> None:
    pytest.importorskip("escpos")
    try:
        import usb.core  # noqa: F401
    except ImportError:
        with pytest.raises(DriverUnavailable, match="USB printers need pyusb"):
            open_receipt_printer("usb:04b8:0e15")
    else:
        with pytest.raises(PrinterError):
            open_receipt_printer("usb:04b8:0e15")


def test_supervised_printer_is_reopened_after_a_print_failure(tmp_path: Path) -> None:
    """The daemon's shape: hold the printer open; on PrinterError report it; get a new one."""
    faults: list[DeviceFault] = []
    opened: list[ReceiptPrinter] = []
    ready = threading.Semaphore(0)

    def open_fn() -> ReceiptPrinter:
        device = tmp_path / f"lp{len(opened)}"
        device.touch()
        opened.append(open_receipt_printer(f"file:{device}"))
        ready.release()
        return opened[-1]

    supervisor: DeviceSupervisor[ReceiptPrinter] = DeviceSupervisor(
        open_fn, name="printer", backoff=Backoff(initial_s=0.001, cap_s=0.001),
        on_fault=faults.append,
    )
    supervisor.start()
    try:
        assert ready.acquire(timeout=5)
        supervisor.report_fault(PrinterError("printing failed: paper jam"))
        assert ready.acquire(timeout=5)
        assert [f.error for f in faults] == ["PrinterError: printing failed: paper jam"]
    finally:
        supervisor.stop()
    assert len(opened) == 2


def test_only_the_adapter_imports_escpos() -> None:
    root = Path(__file__).resolve().parents[3] / "drivers"
    importers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and "import" in ast.unparse(node.func) and node.args:
                names = [str(getattr(node.args[0], "value", ""))]
            if any(n.split(".")[0] == "escpos" for n in names):
                importers.add(path.relative_to(root.parent).as_posix())
    assert importers == {"drivers/printer/_escpos.py"}
