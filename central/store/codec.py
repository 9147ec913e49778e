"""Frozen domain records ↔ JSON text for the SQLite columns that hold a whole record.

One generic codec driven by each dataclass's own type hints, so a new field in a domain record
needs no change here. JSON (not CBOR) so an operator can read the tables with the ``sqlite3`` shell.
Enums are stored by value, dates as ISO text, frozensets as sorted lists.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any, TypeVar

__all__ = ["decode", "encode"]

T = TypeVar("T")


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def encode(record: object) -> str:
    """The record as compact JSON text (keys in field order)."""
    return json.dumps(_plain(record), ensure_ascii=False, separators=(",", ":"))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(tp: Any, raw: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if raw is None:
            return None
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(inner, raw)
    if origin is frozenset:
        (inner,) = typing.get_args(tp)
        return frozenset(_build(inner, v) for v in raw)
    if origin in (Mapping, dict):
        key_tp, value_tp = typing.get_args(tp)
        return {_build(key_tp, k): _build(value_tp, v) for k, v in raw.items()}
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            hints = _hints(tp)
            return tp(**{name: _build(hints[name], value) for name, value in raw.items()})
        if issubclass(tp, enum.Enum):
            return tp(raw)
        if issubclass(tp, date):
            return date.fromisoformat(raw)
    return raw


def decode(cls: type[T], text: str) -> T:
    """Rebuild a record of type ``cls`` from :func:`encode`'s text."""
    value: T = _build(cls, json.loads(text))
    return value
