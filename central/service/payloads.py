"""CBOR payloads of the contract: decoding with a size limit and the ``"v": 1`` envelope check,
and encoding of what central sends.

Anything that is not a CBOR map with text keys and ``v == 1`` becomes one
:class:`~central.domain.errors.TransactionError` naming the topic and what was wrong, so a bad
message is a log line and (where the sender asked for a reply) an error reply, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping

import cbor2

from central.domain.errors import TransactionError

__all__ = ["MAX_PAYLOAD", "VERSION", "decode_map", "encode_map", "field_text"]

VERSION = 1
MAX_PAYLOAD = 16 * 1024  # a transaction is a few hundred bytes; anything near this is not one


def decode_map(topic: str, payload: bytes, limit: int = MAX_PAYLOAD) -> dict[str, object]:
    if len(payload) > limit:
        raise TransactionError(f"{topic}: payload of {len(payload)} bytes, expected ≤ {limit}")
    try:
        value = cbor2.loads(payload)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, MemoryError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TransactionError(f"{topic}: not CBOR ({first}), expected a CBOR map") from None
    if not isinstance(value, dict):
        raise TransactionError(f"{topic}: CBOR {type(value).__name__}, expected a map")
    if not all(isinstance(k, str) for k in value):
        raise TransactionError(f"{topic}: map with non-text keys, expected text keys")
    version = value.get("v")
    if isinstance(version, bool) or version != VERSION:
        raise TransactionError(f"{topic}: v={version!r}, expected v={VERSION}")
    return value


def encode_map(body: Mapping[str, object]) -> bytes:
    """``{"v": 1, **body}`` as CBOR."""
    return cbor2.dumps({"v": VERSION, **body})


def field_text(topic: str, data: Mapping[str, object], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value or len(value) > 256:
        shown = type(value).__name__ if value is not None else "missing"
        raise TransactionError(f"{topic}: {key}: {shown}, expected non-empty text (≤ 256 chars)")
    return value
