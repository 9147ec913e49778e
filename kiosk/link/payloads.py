"""CBOR payloads of the MQTT contract: one JSON Schema per message, size limits, encode/decode.

Every incoming payload is size-checked *before* it is decoded, decoded with CBOR, and checked
against its message schema; anything else is a one-line :class:`~kiosk.errors.PayloadError`
naming the topic, the field and what was expected (the link logs it and drops the message).
Outgoing messages are checked against the same schemas, so a bug here never reaches central.
The schemas are reproduced in ``docs/asyncapi.yaml``; a test keeps the two identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import cbor2

from kiosk.errors import PayloadError
from kiosk.link.schema import first_error

__all__ = [
    "ALERT_KINDS",
    "LIMITS",
    "SCHEMAS",
    "STATUS_OFFLINE",
    "STATUS_ONLINE",
    "Message",
    "decode",
    "decode_status",
    "encode",
]

STATUS_ONLINE = b"online"
STATUS_OFFLINE = b"offline"
ALERT_KINDS = (
    "bin_full",
    "reader_fault",
    "security_write_failed",
    "disk_low",
    "tamper",
    "outbox_parked",
)


class Message(StrEnum):
    """Message names (the ``components.schemas`` keys of the AsyncAPI document)."""

    TX = "Tx"
    TX_REPLY = "TxReply"
    INFO = "Info"
    PATRON_REQUEST = "PatronRequest"
    PATRON_REPLY = "PatronReply"
    ITEM_REQUEST = "ItemRequest"
    ITEM_REPLY = "ItemReply"
    TELEMETRY = "Telemetry"
    ALERT = "Alert"
    COMMAND = "Command"
    COMMAND_RESULT = "CommandResult"
    CONFIG = "Config"
    HOLDS = "Holds"
    HOLDS_DELTA = "HoldsDelta"
    BLOCKED_CARDS = "BlockedCards"


_V = {"const": 1}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 256}
_OPT_TEXT = {"type": ["string", "null"], "maxLength": 256}
_UINT = {"type": "integer", "minimum": 0}
_OPT_UINT = {"type": ["integer", "null"], "minimum": 0}
_RESULT = {"enum": ["accepted", "refused", "exception"]}
_BILINGUAL = {
    "type": ["object", "null"],
    "required": ["zh", "en"],
    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
}
_ITEM = {
    "type": "object",
    "required": ["pii", "owner"],
    "properties": {
        "pii": {"type": "string", "minLength": 1, "maxLength": 64},
        "owner": {"type": "string", "maxLength": 64},
        "set": {"type": "string", "maxLength": 16},
        "uid": {"type": "string", "pattern": "^([0-9A-Fa-f]{2}){1,16}$"},
    },
}
_HOLD = {
    "type": "object",
    "required": ["pii", "owner", "patron", "pickup"],
    "properties": {
        "pii": {"type": "string", "minLength": 1, "maxLength": 64},
        "owner": {"type": "string", "minLength": 1, "maxLength": 64},
        "patron": {"type": "string", "minLength": 1, "maxLength": 64},
        "pickup": {"type": "string", "minLength": 1, "maxLength": 64},
        "expires": _OPT_UINT,
        "state": {"type": "string", "maxLength": 32},
    },
}
_DUE = "due time in milliseconds since the epoch (like ts)"
_STAFF_OP = (
    "staff:<action> is a staff action (with staff and detail, usually no item); it takes its "
    "seq like any transaction, and central records it in its audit list with no circulation "
    "effect and replies accepted / ok"
)
_DISPLAY = {key: _OPT_TEXT for key in ("title", "author", "isbn", "call_number", "publisher")}

SCHEMAS: Mapping[Message, Mapping[str, Any]] = MappingProxyType(
    {
        Message.TX: {
            "type": "object",
            "required": ["v", "tx_id", "seq", "ts", "op", "offline"],
            "properties": {
                "v": _V,
                "tx_id": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}:[1-9][0-9]*$"},
                "seq": {"type": "integer", "minimum": 1},
                "ts": _UINT,
                "op": {
                    "type": "string",
                    "pattern": "^(checkout|checkin|renew|staff:[a-z][a-z0-9_.-]{0,47})$",
                    "description": _STAFF_OP,
                },
                "item": _ITEM,
                "patron": {"type": ["string", "null"], "maxLength": 64},
                "offline": {"type": "boolean"},
                "decision": {
                    "type": "object",
                    "required": ["result"],
                    "properties": {
                        "result": _RESULT,
                        "reason": {"type": "string", "maxLength": 64},
                        "due": {**_UINT, "description": _DUE},
                    },
                },
                "staff": {"type": "string", "maxLength": 64},
                "detail": {"type": "object"},
            },
        },
        Message.TX_REPLY: {
            "type": "object",
            "required": ["v", "tx_id", "result"],
            "properties": {
                "v": _V,
                "tx_id": _TEXT,
                "result": _RESULT,
                "reason": _OPT_TEXT,
                "route": _OPT_TEXT,
                "due": {**_OPT_UINT, "description": _DUE},
                "message": _BILINGUAL,
                "price": {"type": ["string", "number", "null"], "maxLength": 32},
                **_DISPLAY,
            },
        },
        Message.INFO: {
            "type": "object",
            "required": ["v", "kiosk", "sw", "boot_id", "config_version", "outbox_depth", "ts"],
            "properties": {
                "v": _V,
                "kiosk": _TEXT,
                "sw": _TEXT,
                "boot_id": _TEXT,
                "config_version": _OPT_UINT,
                "outbox_depth": _UINT,
                "parked": _UINT,
                "health": {"type": "object"},
                "ts": _UINT,
            },
        },
        Message.PATRON_REQUEST: {
            "type": "object",
            "required": ["v", "card"],
            "properties": {
                "v": _V,
                "card": {"type": "string", "minLength": 1, "maxLength": 64},
                "pin": {"type": ["string", "null"], "maxLength": 64},
            },
        },
        Message.PATRON_REPLY: {
            "type": "object",
            "required": ["v", "card", "result"],
            "properties": {
                "v": _V,
                "card": _TEXT,
                "result": _RESULT,
                "reason": _OPT_TEXT,
                "message": _BILINGUAL,
                "known": {"type": "boolean"},
                "name": _OPT_TEXT,
                "blocked": {"type": "boolean"},
                "loans": _UINT,
                "limit": _UINT,
                "overdue": _UINT,
            },
        },
        Message.ITEM_REQUEST: {
            "type": "object",
            "required": ["v", "pii"],
            "properties": {
                "v": _V,
                "pii": {"type": "string", "minLength": 1, "maxLength": 64},
                "owner": {"type": ["string", "null"], "maxLength": 64},
            },
        },
        Message.ITEM_REPLY: {
            "type": "object",
            "required": ["v", "pii", "status"],
            "properties": {
                "v": _V,
                "pii": _TEXT,
                "owner": _OPT_TEXT,
                "status": _TEXT,
                "reason": _OPT_TEXT,
                "message": _BILINGUAL,
                "known": {"type": "boolean"},
                **_DISPLAY,
            },
        },
        Message.TELEMETRY: {
            "type": "object",
            "required": ["v", "ts"],
            "properties": {
                "v": _V,
                "ts": _UINT,
                "counters": {"type": "object"},
                "gauges": {"type": "object"},
            },
        },
        Message.ALERT: {
            "type": "object",
            "required": ["v", "kind", "severity", "detail", "ts"],
            "properties": {
                "v": _V,
                "kind": {"enum": list(ALERT_KINDS)},
                "severity": {"enum": ["info", "warning", "critical"]},
                "detail": {"type": "string", "maxLength": 2000},
                "ts": _UINT,
                "data": {"type": "object"},
            },
        },
        Message.COMMAND: {
            "type": "object",
            "required": ["v", "cmd_id"],
            "properties": {
                "v": _V,
                "cmd_id": {"type": "string", "minLength": 1, "maxLength": 128},
                "args": {"type": "object"},
                "expires": _UINT,
            },
        },
        Message.COMMAND_RESULT: {
            "type": "object",
            "required": ["v", "cmd_id", "name", "ok"],
            "properties": {
                "v": _V,
                "cmd_id": {"type": "string", "minLength": 1, "maxLength": 128},
                "name": _TEXT,
                "ok": {"type": "boolean"},
                "result": {"type": ["object", "null"]},
                "error": {"type": ["string", "null"], "maxLength": 2000},
            },
        },
        Message.CONFIG: {
            "type": "object",
            "required": ["v", "version"],
            "properties": {"v": _V, "version": _UINT},
        },
        Message.HOLDS: {
            "type": "object",
            "required": ["v", "version", "holds"],
            "properties": {
                "v": _V,
                "version": _UINT,
                "holds": {"type": "array", "maxItems": 200_000, "items": _HOLD},
            },
        },
        Message.HOLDS_DELTA: {
            "type": "object",
            "required": ["v", "version", "base"],
            "properties": {
                "v": _V,
                "version": _UINT,
                "base": _UINT,
                "add": {"type": "array", "maxItems": 10_000, "items": _HOLD},
                "remove": {"type": "array", "maxItems": 10_000, "items": _HOLD},
            },
        },
        Message.BLOCKED_CARDS: {
            "type": "object",
            "required": ["v", "version", "cards"],
            "properties": {
                "v": _V,
                "version": _UINT,
                "library": {"type": "string", "maxLength": 64},
                "cards": {
                    "type": "array",
                    "maxItems": 500_000,
                    "items": {"type": "string", "minLength": 1, "maxLength": 64},
                },
            },
        },
    }
)

# Bytes a payload may have before it is even decoded (a holds snapshot is the big one).
LIMITS: Mapping[Message, int] = MappingProxyType(
    {
        **{m: 16 * 1024 for m in Message},
        Message.TX: 64 * 1024,
        Message.CONFIG: 256 * 1024,
        Message.HOLDS: 16 * 1024 * 1024,
        Message.HOLDS_DELTA: 2 * 1024 * 1024,
        Message.BLOCKED_CARDS: 16 * 1024 * 1024,
    }
)


def decode(message: Message, topic: str, payload: bytes) -> dict[str, Any]:
    """Size-check, CBOR-decode and schema-check one received payload."""
    limit = LIMITS[message]
    if len(payload) > limit:
        raise PayloadError(f"{topic}: {len(payload)} bytes, expected ≤ {limit} for a {message}")
    try:
        value = cbor2.loads(payload)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError, RecursionError) as exc:
        raise PayloadError(f"{topic}: not valid CBOR ({exc}), expected a {message} map") from None
    error = first_error(SCHEMAS[message], value)
    if error is not None:
        raise PayloadError(f"{topic}: {message}: {error}")
    assert isinstance(value, dict)
    return value


def encode(message: Message, value: Mapping[str, Any], topic: str = "") -> bytes:
    """Schema-check and CBOR-encode one outgoing message (``v`` is added when absent)."""
    body = {"v": 1, **value}
    error = first_error(SCHEMAS[message], body)
    if error is not None:
        raise PayloadError(f"{topic or message}: outgoing {message}: {error}")
    try:
        data = cbor2.dumps(body)
    except (cbor2.CBOREncodeError, TypeError, ValueError) as exc:
        raise PayloadError(f"{topic or message}: cannot encode {message}: {exc}") from None
    if len(data) > LIMITS[message]:
        raise PayloadError(f"{topic or message}: {len(data)} bytes, limit {LIMITS[message]}")
    return data


def decode_status(topic: str, payload: bytes) -> bool:
    """A ``status`` payload (UTF-8 text, not CBOR): True for ``online``, False for ``offline``."""
    if payload == STATUS_ONLINE:
        return True
    if payload == STATUS_OFFLINE:
        return False
    raise PayloadError(f"{topic}: {payload[:20]!r}, expected b'online' or b'offline'")
