"""The reference central domain's exception tree.

Every error the central domain raises on purpose derives from :class:`CentralError`; each leaf also
inherits the built-in a caller would naturally catch::

    CentralError
    ├── DataImportError(ValueError)      a bad row/field in an imported catalogue, patron, hold,
    │                                    member or kiosk file (names the source, row and column)
    ├── TransactionError(ValueError)     a transaction or request that is malformed (missing or
    │                                    mistyped field, kiosk id that contradicts the topic)
    ├── UnknownRecordError(LookupError)  a kiosk, library, patron, item, hold or exception id
    │                                    that central does not know
    └── ConflictError(ValueError)        a staff/demo operation that contradicts the current state
                                         (resolving a resolved exception, shelving a loaned item)

Circulation refusals are NOT errors: they are replies with ``result="refused"`` and a reason code.
An error means the request itself could not be processed, so the MQTT edge must not acknowledge
it as a transaction (the kiosk keeps it queued and retries).
"""

from __future__ import annotations

__all__ = [
    "CentralError",
    "ConflictError",
    "DataImportError",
    "TransactionError",
    "UnknownRecordError",
]


class CentralError(Exception):
    """Root of every error raised on purpose by ``central.domain``."""


class DataImportError(CentralError, ValueError):
    """An imported record that cannot be used.

    ``source`` is the file (or document) name, ``row`` the CSV line number (header = 1) or the JSON
    list index, ``column`` the field; the message says what was found and what was expected.
    """

    def __init__(self, source: str, row: int | None, column: str | None, problem: str) -> None:
        self.source = source
        self.row = row
        self.column = column
        self.problem = problem
        where = source
        if row is not None:
            where += f" row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")


class TransactionError(CentralError, ValueError):
    """A transaction or look-up request that is malformed (which field, what was expected)."""


class UnknownRecordError(CentralError, LookupError):
    """An identifier that names nothing central knows (which kind, which id)."""


class ConflictError(CentralError, ValueError):
    """A staff or demo operation that the current state does not allow (and why)."""
