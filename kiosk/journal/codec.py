"""CBOR for the journal's payload columns (item, decision, detail, central reply).

CBOR because the MQTT payloads are CBOR too (architecture §4): a reply is stored exactly as it was
decoded, bytes and integers intact. Encoding is canonical so equal values give equal blobs, which
lets a retried ``begin`` compare what it is given with what is stored.
"""

from __future__ import annotations

from typing import Any

import cbor2

from kiosk.errors import JournalError, RecordError

__all__ = ["MAX_BLOB", "decode", "encode"]

MAX_BLOB = 64 * 1024  # a reply or a staff detail map is small; anything bigger is a bug upstream


def encode(field: str, value: Any) -> bytes:
    """Canonical CBOR of ``value``; RecordError when it cannot be encoded or is too big."""
    try:
        blob = cbor2.dumps(value, canonical=True)
    except (cbor2.CBOREncodeError, TypeError, ValueError) as exc:
        raise RecordError(f"{field}: cannot be stored as CBOR: {exc}") from None
    if len(blob) > MAX_BLOB:
        raise RecordError(f"{field}: {len(blob)} bytes as CBOR, at most {MAX_BLOB} allowed")
    return blob


def decode(field: str, blob: bytes, where: str) -> Any:
    """Decode a stored blob; a failure means the database holds damaged data (JournalError)."""
    try:
        return cbor2.loads(blob)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
        raise JournalError(f"{where}: stored {field} is not valid CBOR: {exc}") from None
