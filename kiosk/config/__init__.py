"""The kiosk's configuration file (``/etc/kiosk/kiosk.toml``): schema, loading, rendering.

- :mod:`~kiosk.config.schema` — every key in one table (type, default, allowed values, meaning)
- :mod:`~kiosk.config.load` — TOML → :class:`KioskConfig`, problems located as FILE:LINE: KEY
- :mod:`~kiosk.config.model` — the frozen dataclass tree and its ``to_…`` helpers
- :mod:`~kiosk.config.render` — the effective configuration as TOML or a JSON-able dict
"""

from kiosk.config.load import ConfigProblem, check_config, check_text, load_config, parse_config
from kiosk.config.model import (
    GpioSection,
    JournalSection,
    KioskConfig,
    KioskSection,
    LoggingSection,
    MqttSection,
    NfcSection,
    OfflineSection,
    PatronSection,
    PrinterSection,
    ReaderSection,
    ScannerSection,
    SecuritySection,
    WebSection,
)
from kiosk.config.render import config_to_dict, render_toml
from kiosk.config.schema import REQUIRED, SCHEMA, SECTIONS, Key, keys_of

__all__ = [
    "REQUIRED",
    "SCHEMA",
    "SECTIONS",
    "ConfigProblem",
    "GpioSection",
    "JournalSection",
    "Key",
    "KioskConfig",
    "KioskSection",
    "LoggingSection",
    "MqttSection",
    "NfcSection",
    "OfflineSection",
    "PatronSection",
    "PrinterSection",
    "ReaderSection",
    "ScannerSection",
    "SecuritySection",
    "WebSection",
    "check_config",
    "check_text",
    "config_to_dict",
    "keys_of",
    "load_config",
    "parse_config",
    "render_toml",
]
