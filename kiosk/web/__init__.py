"""The local web UI: patron screen and staff maintenance mode (aiohttp, WebSocket, no build step).

- :mod:`.screen` — the screen model folded from the session machine's actions, and its JSON view
  (pure).
- :mod:`.i18n` — the Chinese and English catalogues (``catalog/*.json``), dates and numbers.
- :mod:`.protocol` — browser messages → session events, validated.
- :mod:`.hub` — :class:`ScreenPort` (what the runtime calls) and :class:`ScreenHub` (its fan-out).
- :mod:`.staff`, :mod:`.staff_routes` — staff sign-in with lockout, status, bins, statistics.
- :mod:`.staff_tools` — the tool pages (outbox, tag tools, hardware test, logs), their ports and
  the values they return (adapters: :mod:`kiosk.compose.staff_ports`).
- :mod:`.app` — the aiohttp application factory and ``serve``.
"""

from kiosk.web.app import DEFAULT_HOST, create_app, serve
from kiosk.web.hub import EventSink, ScreenHub, ScreenPort
from kiosk.web.i18n import LANGS, Catalog, Localized
from kiosk.web.protocol import BadMessage, parse_message
from kiosk.web.screen import ItemRow, PatronSummary, ScreenModel, render
from kiosk.web.staff import LoginResult, StaffAuth, StaffSession
from kiosk.web.staff_routes import StaffAction, StaffDesk, StatusLine, handover_page
from kiosk.web.staff_tools import (
    HardwarePort,
    HardwareView,
    LogLine,
    LogPort,
    OutboxPort,
    OutboxRow,
    OutboxView,
    ProfileField,
    ProfileForm,
    SecureOutcome,
    TagElement,
    TagToolsPort,
    TagView,
    ToolError,
    ToolNotFound,
)

__all__ = [
    "DEFAULT_HOST",
    "LANGS",
    "BadMessage",
    "Catalog",
    "EventSink",
    "HardwarePort",
    "HardwareView",
    "ItemRow",
    "Localized",
    "LogLine",
    "LogPort",
    "LoginResult",
    "OutboxPort",
    "OutboxRow",
    "OutboxView",
    "PatronSummary",
    "ProfileField",
    "ProfileForm",
    "ScreenHub",
    "ScreenModel",
    "ScreenPort",
    "SecureOutcome",
    "StaffAction",
    "StaffAuth",
    "StaffDesk",
    "StaffSession",
    "StatusLine",
    "TagElement",
    "TagToolsPort",
    "TagView",
    "ToolError",
    "ToolNotFound",
    "create_app",
    "handover_page",
    "parse_message",
    "render",
    "serve",
]
