"""The one module that imports python-escpos: connections and printing rendered receipts.

Text encoding (python-escpos 3.1): its ``text()`` picks single-byte code pages per character
(``ESC t n``), and — a hard-coded shortcut in ``MagicEncode.write`` — sends any chunk containing
a CJK ideograph (U+4E00..U+9FA5 only) as raw GB18030 *without* switching the printer into its
Chinese mode and without covering CJK punctuation or other ranges. So Chinese receipts do not
use ``text()``: after ``ESC @`` we select the Chinese (double-byte) mode with ``FS &`` and send
every line encoded as GB18030, the encoding Chinese ESC/POS printers use. Non-Chinese receipts
cancel that mode with ``FS .`` (a printer that powers up in Chinese mode would otherwise read
Latin code-page bytes as halves of Chinese characters) and go through ``text()``. Character size
uses ``GS !`` (``custom_size``), which scales Chinese glyphs too; ``ESC !`` would not.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

from drivers.errors import DriverUnavailable, PrinterError
from drivers.printer.layout import Cut, RenderedReceipt, TextLine
from drivers.printer.spec import PrinterSpec, format_printer_spec
from drivers.printer.status import PAPER_STATUS_REQUEST

__all__ = ["FS_CHINESE_OFF", "FS_CHINESE_ON", "EscposDevice", "open_escpos"]

FS_CHINESE_ON = b"\x1c\x26"  # FS &: select Kanji/Chinese character mode
FS_CHINESE_OFF = b"\x1c\x2e"  # FS .: cancel it
_INIT = b"\x1b\x40"  # ESC @

_DEFAULT_TIMEOUT_S = {"serial": 1.0, "network": 5.0, "usb": 5.0}


def _printers() -> ModuleType:
    try:
        return importlib.import_module("escpos.printer")
    except ImportError as exc:
        raise DriverUnavailable(
            f"python-escpos is not installed ({exc}); install the 'printer' extra"
        ) from exc


def open_escpos(spec: PrinterSpec) -> EscposDevice:
    """Open the connection ``spec`` describes; ``PrinterError`` if the printer is not there."""
    printers = _printers()
    timeout = spec.timeout_s if spec.timeout_s is not None else _DEFAULT_TIMEOUT_S.get(spec.kind)
    profile = {"profile": spec.profile} if spec.profile else {}
    builders: dict[str, Any] = {
        "dummy": lambda: printers.Dummy(**profile),
        "file": lambda: printers.File(spec.target, **profile),
        "serial": lambda: printers.Serial(
            spec.target, baudrate=spec.baudrate or 9600, timeout=timeout, **profile
        ),
        "usb": lambda: printers.Usb(
            spec.vendor_id,
            spec.product_id,
            timeout=round((timeout or 0) * 1000),  # pyusb counts milliseconds
            in_ep=spec.in_ep if spec.in_ep is not None else 0x82,
            out_ep=spec.out_ep if spec.out_ep is not None else 0x01,
            **profile,
        ),
        "network": lambda: printers.Network(
            spec.target, port=spec.port or 9100, timeout=timeout, **profile
        ),
    }
    if spec.kind == "file" and not os.path.exists(spec.target):
        # python-escpos opens the path for writing and would create a plain file (as root, even
        # under /dev): a printer device that is not there is a fault, not something to create.
        raise PrinterError(
            f"cannot open printer {format_printer_spec(spec)!r}: {spec.target} does not exist"
        )
    if spec.kind == "usb" and not printers.Usb.is_usable():
        raise DriverUnavailable("USB printers need pyusb (python-escpos[usb]); it is not installed")
    try:
        printer = builders[spec.kind]()
        if spec.kind != "dummy":
            printer.open()
    except Exception as exc:  # DeviceNotFoundError, USBNotFoundError, OSError, profile errors
        detail = " ".join(str(exc).split())  # escpos messages span lines
        raise PrinterError(
            f"cannot open printer {format_printer_spec(spec)!r}: {type(exc).__name__}: {detail}"
        ) from exc
    return EscposDevice(printer, can_read=spec.kind in ("serial", "usb", "network"))


class EscposDevice:
    """A :class:`~drivers.printer.printer.PrinterDevice` over an open python-escpos printer."""

    def __init__(self, printer: Any, *, can_read: bool) -> None:
        self.escpos = printer  # the python-escpos object (tests read ``Dummy.output``)
        self._can_read = can_read

    def print_rendered(self, rendered: RenderedReceipt) -> None:
        p = self.escpos
        p._raw(_INIT)
        p._raw(FS_CHINESE_ON if rendered.cjk else FS_CHINESE_OFF)
        for op in rendered.ops:
            if isinstance(op, Cut):
                p.cut()
                continue
            self._line(op, cjk=rendered.cjk)

    def _line(self, line: TextLine, *, cjk: bool) -> None:
        p = self.escpos
        size = 2 if line.double else 1
        p.set(align=line.align, bold=line.bold, custom_size=True, width=size, height=size)
        if cjk:
            p._raw(line.text.encode("gb18030") + b"\n")
        else:
            p.text(line.text + "\n")

    def query_paper(self) -> bytes | None:
        """The raw ``DLE EOT 4`` reply; ``None`` when this connection cannot read."""
        if not self._can_read:
            return None
        self.escpos._raw(PAPER_STATUS_REQUEST)
        reply: bytes = self.escpos._read()
        return bytes(reply)

    def close(self) -> None:
        self.escpos.close()
