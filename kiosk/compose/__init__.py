"""Parts of the composition root (:mod:`kiosk.app`) that adapt drivers to the core's ports.

Like :mod:`kiosk.app`, these modules may import both ``kiosk`` and ``drivers``; nothing else in
``kiosk`` does.

- :mod:`.receipts` — :class:`~kiosk.panel.ReceiptPort` over a ``drivers.printer`` printer.
- :mod:`.staffdesk` — the staff maintenance desk wired to the daemon's journal and devices.
- :mod:`.staff_ports` — the staff tool pages' ports: outbox, tag tools, hardware test, logs.
"""
