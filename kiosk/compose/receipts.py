"""The receipt printer as the panel's :class:`~kiosk.panel.ReceiptPort`."""

from __future__ import annotations

from typing import cast

from drivers.printer import Receipt, ReceiptLine, ReceiptPrinter, TextLine, render
from drivers.printer.receipt import Language, ReceiptKind
from kiosk.panel import ReceiptOrder

__all__ = ["PrinterReceipts", "receipt_of"]


def receipt_of(order: ReceiptOrder, *, library: str, machine_id: str) -> Receipt:
    """The driver's receipt for ``order`` (the patron number is masked when printed)."""
    return Receipt(
        library=library,
        machine_id=machine_id,
        patron=order.patron or "-",
        kind=cast(ReceiptKind, order.kind),
        at=order.at,
        lines=tuple(
            ReceiptLine(
                title=item.title,
                barcode=item.barcode,
                due=None if item.due is None else item.due.date(),
                status=item.status,
            )
            for item in order.items
        ),
        language=cast(Language, order.language if order.language in ("zh", "en") else "zh"),
    )


class PrinterReceipts:
    """Prints :class:`ReceiptOrder` s on a :class:`ReceiptPrinter`; returns the printed text."""

    def __init__(self, printer: ReceiptPrinter, *, library: str, machine_id: str) -> None:
        self._printer = printer
        self._library = library
        self._machine = machine_id

    def print_order(self, order: ReceiptOrder) -> str:
        receipt = receipt_of(order, library=self._library, machine_id=self._machine)
        self._printer.print_receipt(receipt)
        rendered = render(receipt, columns=self._printer.columns, cjk_capable=self._printer.cjk)
        return "\n".join(op.text for op in rendered.ops if isinstance(op, TextLine))
