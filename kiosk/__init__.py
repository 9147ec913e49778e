"""Library RFID self-service kiosk: the application core.

Sub-packages: :mod:`kiosk.tagdata` (ISO 28560-2 codec, pure), :mod:`kiosk.gz` (DB4401/T 96
profiles, library barcodes, Annex E patron cards), :mod:`kiosk.cli` (the ``kiosk`` command).
"""

__version__ = "0.1.0"
