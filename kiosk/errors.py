"""The kiosk package's exception tree.

Every error the application core raises on purpose derives from :class:`KioskError`; each leaf also
inherits the built-in a caller would naturally catch, so ``except ValueError`` keeps working::

    KioskError
    ├── TagDataError(ValueError)        tag memory that is not valid ISO 28560-2, or values that
    │                                   cannot be encoded (carries the byte offset and the reason)
    ├── ProfileError(ValueError)        elements that break a DB4401/T 96 tag profile
    ├── BarcodeError(ValueError)        a library barcode of the wrong shape or check digit
    ├── CardDataError(ValueError)       a MIFARE sector-2 block that breaks DB4401/T 96 Annex E
    ├── ConfigError(ValueError)         configuration that is missing, malformed or impossible
    ├── RecordError(ValueError)         a journal record or state-document value of the wrong shape
    ├── JournalError(RuntimeError)      the journal cannot do it: illegal step, unknown tx_id,
    │                                   corrupt or too-new database file, SQLite failure
    ├── StateError(RuntimeError)        a state document that cannot be read or written
    ├── LogisticsError(ValueError)      a transit item, bin operation or statistics event that
    │                                   cannot be used (which field or key, what was expected)
    ├── PayloadError(ValueError)        an MQTT payload that is too big, not CBOR, or not the
    │                                   shape the contract gives its topic (topic, field, expected)
    └── SessionError(RuntimeError)      an event the patron-session state machine does not accept
                                        in its current state (names the event and the state)

Drivers have their own tree in :mod:`drivers.errors`; the application maps them at the edge.
"""

from __future__ import annotations

__all__ = [
    "BarcodeError",
    "CardDataError",
    "ConfigError",
    "JournalError",
    "KioskError",
    "LogisticsError",
    "PayloadError",
    "ProfileError",
    "RecordError",
    "SessionError",
    "StateError",
    "TagDataError",
]


class KioskError(Exception):
    """Root of every error raised on purpose by the ``kiosk`` package."""


class TagDataError(KioskError, ValueError):
    """Tag memory or element values that break ISO 28560-2 / ISO/IEC 15962.

    ``offset`` is the byte offset in tag memory where the problem was found (``None`` when the
    problem is with a value to be encoded rather than with bytes), ``reason`` the plain text.
    """

    def __init__(self, reason: str, offset: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{reason}{where}")


class ProfileError(KioskError, ValueError):
    """Elements that do not satisfy a tag profile (which, and why, in the message)."""


class BarcodeError(KioskError, ValueError):
    """A library barcode that is malformed or fails its check digit."""


class CardDataError(KioskError, ValueError):
    """A MIFARE Classic sector-2 block that does not follow DB4401/T 96 Annex E."""


class ConfigError(KioskError, ValueError):
    """Configuration that cannot be used: says which file, line, key and what was expected."""


class RecordError(KioskError, ValueError):
    """A journal record or state-document value of the wrong shape: which field, what was wanted."""


class JournalError(KioskError, RuntimeError):
    """The durable journal cannot do what was asked; the message names the file or the tx_id."""


class StateError(KioskError, RuntimeError):
    """A state document (TinyDB JSON file) that cannot be read or written safely."""


class SessionError(KioskError, RuntimeError):
    """An event the patron-session state machine does not accept in its current state.

    Raised before the machine changes anything, so the caller can log it and carry on.
    """


class LogisticsError(KioskError, ValueError):
    """Transit-bin or statistics input that cannot be used (which field, what was expected)."""


class PayloadError(KioskError, ValueError):
    """An MQTT payload that breaks the contract: names the topic, the field, what was expected."""
