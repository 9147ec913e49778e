"""The receipt printer the daemon uses: render, print, cut; ask for paper status.

:class:`ReceiptPrinter` depends only on :class:`PrinterDevice`; the python-escpos adapter in
:mod:`drivers.printer._escpos` is one. Every failure while printing becomes
:class:`~drivers.errors.PrinterError`, which the daemon passes to its
:class:`~drivers.supervisor.DeviceSupervisor` (``report_fault``) to have the connection
re-opened with backoff.
"""

from __future__ import annotations

from typing import Protocol

from drivers.errors import PrinterError
from drivers.printer._escpos import open_escpos
from drivers.printer.layout import RenderedReceipt, check_columns, render
from drivers.printer.receipt import Receipt
from drivers.printer.spec import parse_printer_spec
from drivers.printer.status import PaperStatus, decode_paper_status

__all__ = ["PrinterDevice", "ReceiptPrinter", "open_receipt_printer"]


class PrinterDevice(Protocol):
    """An open printer connection."""

    def print_rendered(self, rendered: RenderedReceipt) -> None: ...

    def query_paper(self) -> bytes | None:
        """The raw paper-status reply, ``None`` if the connection cannot read; may raise."""
        ...

    def close(self) -> None: ...


class ReceiptPrinter:
    """Prints :class:`Receipt` s on a printer ``columns`` wide (32 for 58 mm, 48 for 80 mm)."""

    def __init__(self, device: PrinterDevice, *, columns: int = 32, cjk: bool = True) -> None:
        check_columns(columns)
        self.device = device
        self.columns = columns
        self.cjk = cjk  # the printer has Chinese fonts (FS & mode, GB18030)

    def print_receipt(self, receipt: Receipt) -> None:
        """Print and cut ``receipt``; raise ``PrinterError`` if the printer fails."""
        rendered = render(receipt, columns=self.columns, cjk_capable=self.cjk)
        try:
            self.device.print_rendered(rendered)
        except PrinterError:
            raise
        except Exception as exc:  # OSError, usb.core errors, escpos exceptions
            detail = " ".join(str(exc).split())
            raise PrinterError(f"printing failed: {type(exc).__name__}: {detail}") from exc

    def paper_status(self) -> PaperStatus:
        """``ok``, ``near-end``, ``out``, or ``unknown`` when the printer does not answer."""
        try:
            reply = self.device.query_paper()
        except Exception:  # a timeout or a dead link: we simply do not know
            return "unknown"
        return decode_paper_status(reply)

    def close(self) -> None:
        self.device.close()


def open_receipt_printer(spec: str, *, columns: int = 32, cjk: bool = True) -> ReceiptPrinter:
    """Open the printer a spec string names (see :mod:`drivers.printer.spec`)."""
    return ReceiptPrinter(open_escpos(parse_printer_spec(spec)), columns=columns, cjk=cjk)
