"""The drivers package's exception tree.

Each leaf also inherits the built-in a caller would naturally catch. Reader errors carry the
reader's own status code (``status``) and, where the tag answered with one, the ISO 15693 error
code (``tag_error``), so a technician can look both up::

    DriverError
    ├── DriverUnavailable(ImportError)   optional library (gpiozero, nfcpy, escpos…) not installed,
    │                                    or an unknown driver name
    ├── DriverConfigError(ValueError)    a driver setting or argument that cannot be used (printer
    │                                    spec string, pin spec, card-number rule, receipt fields…)
    ├── TagFileError(ValueError)         a virtual-pad tag file (JSON) that cannot be loaded
    ├── DeviceError(OSError)             any device that is absent, unplugged or misbehaving
    │   ├── GpioError                    pin factory or pin problems
    │   ├── PrinterError                 receipt printer problems
    │   ├── CardReaderError              patron-card reader / barcode scanner problems
    │   └── ReaderError                  RFID pad problems
    │       ├── ReaderUnavailable(ConnectionError)   port cannot be opened / device gone
    │       ├── ReaderTimeout(TimeoutError)          no (complete) answer within the timeout
    │       ├── NoTag(LookupError)                   no tag answered / the tag left the field
    │       ├── BlockLocked(PermissionError)         block, AFI, DSFID or EAS is locked
    │       ├── WriteFailed                          the tag refused or failed a write / lock
    │       ├── AuthenticationFailed(PermissionError) MIFARE key rejected
    │       └── ReaderProtocolError(ValueError)      malformed frame, CRC error, unexpected reply
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "BlockLocked",
    "CardReaderError",
    "DeviceError",
    "DriverConfigError",
    "DriverError",
    "DriverUnavailable",
    "GpioError",
    "NoTag",
    "PrinterError",
    "ReaderError",
    "ReaderProtocolError",
    "ReaderTimeout",
    "ReaderUnavailable",
    "TagFileError",
    "WriteFailed",
]


class DriverError(Exception):
    """Root of every error raised on purpose by the ``drivers`` package."""


class DriverUnavailable(DriverError, ImportError):
    """A driver that cannot be used here: unknown name or a missing optional library."""


class TagFileError(DriverError, ValueError):
    """A virtual-pad tag file that is not valid: the message names the file, tag and key."""


class DriverConfigError(DriverError, ValueError):
    """A driver setting or argument that cannot be used; the message says which and what fits."""


class DeviceError(DriverError, OSError):
    """A device that is absent, unplugged or misbehaving."""


class GpioError(DeviceError):
    """A GPIO pin factory or pin problem."""


class PrinterError(DeviceError):
    """A receipt printer problem."""


class CardReaderError(DeviceError):
    """A patron-card reader or barcode scanner problem."""


class ReaderError(DeviceError):
    """An RFID reader problem, with the reader's status code and the tag's error code if any."""

    def __init__(
        self, message: str, *, status: int | None = None, tag_error: int | None = None
    ) -> None:
        self.status = status
        self.tag_error = tag_error
        codes = []
        if status is not None:
            codes.append(f"reader status 0x{status:02X}")
        if tag_error is not None:
            codes.append(f"tag error 0x{tag_error:02X}")
        super().__init__(f"{message} ({', '.join(codes)})" if codes else message)


class ReaderUnavailable(ReaderError, ConnectionError):
    """The reader's port cannot be opened, or the device went away."""


class ReaderTimeout(ReaderError, TimeoutError):
    """No complete answer arrived within the timeout."""


class NoTag(ReaderError, LookupError):
    """No tag answered: none in the field, or the addressed tag has left it."""


class BlockLocked(ReaderError, PermissionError):
    """The block (or AFI, DSFID, EAS) is locked and cannot be written."""


class WriteFailed(ReaderError):
    """The tag refused or failed a write or lock."""


class AuthenticationFailed(ReaderError, PermissionError):
    """A MIFARE Classic key was rejected."""


class ReaderProtocolError(ReaderError, ValueError):
    """A malformed frame, a CRC error or an answer that does not fit the request."""
