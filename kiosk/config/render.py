"""The effective configuration (defaults filled in) as TOML text or a JSON-able dict.

``render_toml`` output is itself a valid configuration: ``kiosk config check`` accepts it and
loads the same values (a test holds that round trip).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.config.model import KioskConfig
from kiosk.config.schema import SECTIONS, keys_of

__all__ = ["config_to_dict", "render_toml"]


def _plain(kind: str, value: Any) -> Any:
    """The TOML/JSON form of a loaded value (``None`` pins → "none", unset paths → "")."""
    if value is None:
        return "none" if kind == "pin" else ""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def config_to_dict(config: KioskConfig) -> dict[str, dict[str, Any]]:
    """``{section: {key: value}}`` in schema order."""
    return {
        section: {
            key.name: _plain(key.kind, getattr(getattr(config, section), key.name))
            for key in keys_of(section)
        }
        for section in SECTIONS
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def render_toml(config: KioskConfig, *, comments: bool = True) -> str:
    """TOML text of the effective configuration, each key with its description."""
    out: list[str] = []
    for section, values in config_to_dict(config).items():
        out.append(f"[{section}]")
        for key in keys_of(section):
            if comments:
                out.append(f"# {key.description}")
            out.append(f"{key.name} = {_toml_value(values[key.name])}")
        out.append("")
    return "\n".join(out)
