"""Hardware drivers: RFID readers (with emulators), patron cards, scanner, GPIO, printer.

This package never imports :mod:`kiosk` or :mod:`central`; it speaks bytes, UIDs, blocks and
pins. Errors: :mod:`drivers.errors`. The reader interface: :mod:`drivers.reader`.
"""
