"""Receipt printing: receipt model, pure layout, spec strings, paper status, escpos adapter.

Only :mod:`drivers.printer._escpos` imports python-escpos (lazily).
"""

from drivers.printer._escpos import FS_CHINESE_OFF, FS_CHINESE_ON, EscposDevice, open_escpos
from drivers.printer.layout import (
    Align,
    Cut,
    PrintOp,
    RenderedReceipt,
    TextLine,
    justify,
    render,
    text_width,
    wrap,
)
from drivers.printer.printer import PrinterDevice, ReceiptPrinter, open_receipt_printer
from drivers.printer.receipt import Language, Receipt, ReceiptKind, ReceiptLine, mask_number
from drivers.printer.spec import (
    PrinterKind,
    PrinterSpec,
    format_printer_spec,
    parse_printer_spec,
)
from drivers.printer.status import PAPER_STATUS_REQUEST, PaperStatus, decode_paper_status

__all__ = [
    "FS_CHINESE_OFF",
    "FS_CHINESE_ON",
    "PAPER_STATUS_REQUEST",
    "Align",
    "Cut",
    "EscposDevice",
    "Language",
    "PaperStatus",
    "PrintOp",
    "PrinterDevice",
    "PrinterKind",
    "PrinterSpec",
    "Receipt",
    "ReceiptKind",
    "ReceiptLine",
    "ReceiptPrinter",
    "RenderedReceipt",
    "TextLine",
    "decode_paper_status",
    "format_printer_spec",
    "justify",
    "mask_number",
    "open_escpos",
    "open_receipt_printer",
    "parse_printer_spec",
    "render",
    "text_width",
    "wrap",
]
