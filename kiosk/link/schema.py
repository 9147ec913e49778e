"""A small JSON Schema subset checker for decoded CBOR payloads (pure, no dependencies).

The message schemas in :mod:`kiosk.link.payloads` are plain JSON Schema; the same dictionaries
appear (with descriptions) in ``docs/asyncapi.yaml``, and a test holds the two equal. Only the
keywords below are understood; an unknown keyword is a programming error, refused at once so a
schema never silently checks less than it says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["KEYWORDS", "first_error"]

KEYWORDS = frozenset(
    {
        "type",
        "const",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "maxItems",
        "pattern",
        "description",
        "examples",
    }
)

_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def first_error(schema: Mapping[str, Any], value: object, path: str = "") -> str | None:
    """The first way ``value`` breaks ``schema`` as ``"path: found, expected"``, or None."""
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise ValueError(f"schema at {path or 'top'}: unsupported keywords {sorted(unknown)}")
    where = path or "payload"
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_TYPES[name](value) for name in names):
            return f"{where}: {type(value).__name__}, expected {' or '.join(names)}"
    if "const" in schema and value != schema["const"]:
        return f"{where}: {_describe(value)}, expected {schema['const']!r}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}: {_describe(value)}, expected one of {', '.join(map(str, schema['enum']))}"
    if isinstance(value, str):
        return _string(schema, value, where)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}: {value}, expected ≥ {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where}: {value}, expected ≤ {schema['maximum']}"
    if isinstance(value, list):
        return _array(schema, value, path)
    if isinstance(value, dict):
        return _object(schema, value, path)
    return None


def _string(schema: Mapping[str, Any], value: str, where: str) -> str | None:
    if len(value) < schema.get("minLength", 0):
        return f"{where}: empty or too short, expected ≥ {schema['minLength']} characters"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return f"{where}: {len(value)} characters, expected ≤ {schema['maxLength']}"
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return f"{where}: {_describe(value)}, expected to match {schema['pattern']}"
    return None


def _array(schema: Mapping[str, Any], value: list[Any], path: str) -> str | None:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        return f"{path or 'payload'}: {len(value)} items, expected ≤ {schema['maxItems']}"
    items = schema.get("items")
    if items is not None:
        for index, element in enumerate(value):
            error = first_error(items, element, f"{path}[{index}]")
            if error is not None:
                return error
    return None


def _object(schema: Mapping[str, Any], value: dict[str, Any], path: str) -> str | None:
    prefix = f"{path}." if path else ""
    for key in schema.get("required", ()):
        if key not in value:
            return f"{prefix}{key}: missing"
    properties: Mapping[str, Any] = schema.get("properties", {})
    for key, element in value.items():
        sub = properties.get(key)
        if sub is None:
            if schema.get("additionalProperties", True) is False:
                return f"{prefix}{_describe(key)}: not allowed here"
            continue
        error = first_error(sub, element, f"{prefix}{key}")
        if error is not None:
            return error
    return None
