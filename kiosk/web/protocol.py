"""The patron screen's WebSocket messages: browser input → session events, pure and validated.

Browser → server (JSON text frames, at most :data:`MAX_FRAME` bytes)::

    {"type": "card", "number": "0001012345678"}   typed on the on-screen keypad
    {"type": "pin", "pin": "1234"}
    {"type": "mode", "op": "checkout" | "return" | "renew"}
    {"type": "finish"} | {"type": "cancel"} | {"type": "resume"}
    {"type": "receipt", "print": true | false}

Server → browser: ``{"type": "view", "view": {...}}`` (see :func:`kiosk.web.screen.render`) and
``{"type": "error", "code": …, "message": …}``. Anything that is not one of the messages above
gets an error frame naming what was wrong and what was expected; it never reaches the machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.circulation.decision import Op
from kiosk.circulation.patron import CardKind
from kiosk.circulation.session import (
    Cancel,
    CardPresented,
    Event,
    Finish,
    ModeChosen,
    PinEntered,
    ReceiptChosen,
    Resume,
)
from kiosk.errors import KioskError

__all__ = ["MAX_CARD", "MAX_FRAME", "MAX_PIN", "BadMessage", "error_frame", "parse_message"]

MAX_FRAME = 4096
MAX_CARD = 32
MAX_PIN = 16


class BadMessage(KioskError, ValueError):
    """A browser message that cannot be used; ``code`` goes into the error frame.

    A leaf of the kiosk tree kept local to the web edge: the app turns it into an error frame.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text_field(msg: Mapping[str, Any], name: str, limit: int, *, digits: bool) -> str:
    value = msg.get(name)
    what = "digits" if digits else "letters and digits"
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadMessage(
            "bad_field", f"{msg.get('type')}.{name}: expected 1–{limit} {what}, got {value!r:.40}"
        )
    ok = value.isascii() and (value.isdigit() if digits else value.isalnum())
    if not ok:
        raise BadMessage("bad_field", f"{msg.get('type')}.{name}: expected {what} only")
    return value


def _card(msg: Mapping[str, Any]) -> Event:
    number = _text_field(msg, "number", MAX_CARD, digits=False)
    return CardPresented(CardKind.BARCODE_TYPED, number=number)


def _pin(msg: Mapping[str, Any]) -> Event:
    return PinEntered(_text_field(msg, "pin", MAX_PIN, digits=True))


def _mode(msg: Mapping[str, Any]) -> Event:
    op = msg.get("op")
    if not isinstance(op, str) or op not in {o.value for o in Op}:
        raise BadMessage("bad_field", f"mode.op: expected one of {', '.join(Op)}, got {op!r:.40}")
    return ModeChosen(Op(op))


def _receipt(msg: Mapping[str, Any]) -> Event:
    choice = msg.get("print")
    if not isinstance(choice, bool):
        raise BadMessage("bad_field", f"receipt.print: expected true or false, got {choice!r:.40}")
    return ReceiptChosen(print=choice)


_PARSERS: dict[str, Callable[[Mapping[str, Any]], Event]] = {
    "card": _card,
    "pin": _pin,
    "mode": _mode,
    "finish": lambda _m: Finish(),
    "cancel": lambda _m: Cancel(),
    "resume": lambda _m: Resume(),
    "receipt": _receipt,
}


def parse_message(data: str | bytes) -> Event:
    """One browser frame → one session event; :class:`BadMessage` says what was wrong."""
    if len(data) > MAX_FRAME:
        raise BadMessage("too_big", f"frame of {len(data)} bytes: expected at most {MAX_FRAME}")
    try:
        msg = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage("bad_json", f"frame is not JSON ({exc}): expected a JSON object") from None
    if not isinstance(msg, dict):
        raise BadMessage("bad_json", f"frame is JSON {type(msg).__name__}: expected an object")
    kind = msg.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise BadMessage(
            "unknown_type", f"type {kind!r:.40}: expected one of {', '.join(sorted(_PARSERS))}"
        )
    return parser(msg)


def error_frame(code: str, message: str) -> str:
    return json.dumps({"type": "error", "code": code, "message": message}, ensure_ascii=False)
