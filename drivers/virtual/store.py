"""Tag files: the virtual pad's tags as JSON, so demos and tests start from a known stack of books.

A file is a JSON list of objects, one per tag::

    [{"uid": "E004010012345678", "chip": "slix", "memory": "1101…", "afi": 7, "dsfid": 6,
      "eas": true, "locked_blocks": [0, 1], "locked_afi": false, "locked_dsfid": false,
      "locked_eas": false}]

``uid`` (16 hex digits, shown order) and ``chip`` (a name from :data:`~drivers.virtual.chips.CHIPS`)
are required; ``memory`` (hex, exactly the chip's size; default all zero), ``afi`` and ``dsfid``
(0–255, default 0), ``eas`` (default false), ``locked_blocks`` (default none) and the
``locked_afi`` / ``locked_dsfid`` / ``locked_eas`` flags (default false) are optional. Unknown keys
are refused so that a typo does not silently drop a setting. Every problem is one
:class:`~drivers.errors.TagFileError` line naming the file, the tag's index in the list (from 0)
and the key.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from drivers.errors import TagFileError
from drivers.iso15693 import uid_hex
from drivers.virtual.chips import CHIPS, ChipModel
from drivers.virtual.tag import VirtualTag

__all__ = ["load_tags", "save_tags", "tags_from_json", "tags_to_json"]

_REQUIRED = ("uid", "chip")
_KEYS = (
    "uid",
    "chip",
    "memory",
    "afi",
    "dsfid",
    "eas",
    "locked_blocks",
    "locked_afi",
    "locked_dsfid",
    "locked_eas",
)


def _type_name(value: object) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


class _TagReader:
    """Validates one JSON object; every complaint names the file, the tag index and the key."""

    def __init__(self, source: str, index: int, obj: dict[str, Any]) -> None:
        self.where = f"{source}: tag {index}"
        self.obj = obj

    def fail(self, message: str) -> TagFileError:
        return TagFileError(f"{self.where}: {message}")

    def uid(self) -> bytes:
        text = self.obj["uid"]
        if isinstance(text, str):
            cleaned = text.replace(" ", "").replace(":", "")
            try:
                uid = bytes.fromhex(cleaned)
            except ValueError:
                uid = b""
            if len(uid) == 8:
                return uid
        raise self.fail(f"'uid' must be 16 hex digits (E004…), got {text!r}")

    def chip(self) -> ChipModel:
        name = self.obj["chip"]
        if isinstance(name, str) and name in CHIPS:
            return CHIPS[name]
        raise self.fail(f"'chip' must be one of {', '.join(sorted(CHIPS))}, got {name!r}")

    def memory(self, chip: ChipModel) -> bytes | None:
        if "memory" not in self.obj:
            return None
        text = self.obj["memory"]
        expected = f"'memory' must be hex of {chip.memory_size} bytes for chip {chip.name}"
        if not isinstance(text, str):
            raise self.fail(f"{expected}, got a {_type_name(text)}")
        try:
            memory = bytes.fromhex(text)
        except ValueError:
            raise self.fail(f"{expected}, got text that is not hex") from None
        if len(memory) != chip.memory_size:
            raise self.fail(f"{expected}, got {len(memory)}")
        return memory

    def byte(self, key: str) -> int:
        value = self.obj.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
            raise self.fail(f"{key!r} must be an integer 0–255, got {value!r}")
        return value

    def flag(self, key: str) -> bool:
        value = self.obj.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false, got {value!r}")
        return value

    def locked_blocks(self, chip: ChipModel) -> list[int]:
        value = self.obj.get("locked_blocks", [])
        last = chip.block_count - 1
        if isinstance(value, list):
            bad = [
                b
                for b in value
                if isinstance(b, bool) or not isinstance(b, int) or not 0 <= b <= last
            ]
            if not bad:
                return value
            value = bad
        raise self.fail(
            f"'locked_blocks' must be a list of block numbers 0–{last} for chip {chip.name}, "
            f"got {value!r}"
        )

    def tag(self) -> VirtualTag:
        unknown = sorted(set(self.obj) - set(_KEYS))
        if unknown:
            raise self.fail(f"unknown key {unknown[0]!r} (expected {', '.join(_KEYS)})")
        for key in _REQUIRED:
            if key not in self.obj:
                raise self.fail(f"missing key {key!r}")
        uid = self.uid()
        chip = self.chip()
        memory = self.memory(chip)
        afi, dsfid = self.byte("afi"), self.byte("dsfid")
        eas = self.flag("eas")
        if eas and not chip.eas:
            raise self.fail(f"'eas' is true but chip {chip.name} has no EAS bit")
        return VirtualTag(
            chip,
            uid,
            memory,
            afi=afi,
            dsfid=dsfid,
            eas=eas,
            locked_blocks=self.locked_blocks(chip),
            locked_afi=self.flag("locked_afi"),
            locked_dsfid=self.flag("locked_dsfid"),
            locked_eas=self.flag("locked_eas"),
        )


def tags_from_json(data: object, source: str = "<tags>") -> list[VirtualTag]:
    """Tags from already-parsed JSON (``source`` names it in messages)."""
    if not isinstance(data, list):
        raise TagFileError(f"{source}: expected a JSON list of tag objects, got {_type_name(data)}")
    tags: list[VirtualTag] = []
    first_index: dict[bytes, int] = {}
    for index, obj in enumerate(data):
        if not isinstance(obj, dict):
            raise TagFileError(f"{source}: tag {index}: expected an object, got {_type_name(obj)}")
        tag = _TagReader(source, index, obj).tag()
        if tag.uid in first_index:
            raise TagFileError(
                f"{source}: tag {index}: 'uid' {uid_hex(tag.uid)} is already used by "
                f"tag {first_index[tag.uid]}"
            )
        first_index[tag.uid] = index
        tags.append(tag)
    return tags


def tags_to_json(tags: Iterable[VirtualTag]) -> list[dict[str, object]]:
    """The JSON form of ``tags`` (every key written, so other tools can rely on them)."""
    return [
        {
            "uid": uid_hex(tag.uid),
            "chip": tag.chip.name,
            "memory": bytes(tag.memory).hex().upper(),
            "afi": tag.afi,
            "dsfid": tag.dsfid,
            "eas": tag.eas,
            "locked_blocks": sorted(tag.locked_blocks),
            "locked_afi": tag.locked_afi,
            "locked_dsfid": tag.locked_dsfid,
            "locked_eas": tag.locked_eas,
        }
        for tag in tags
    ]


def load_tags(path: str | os.PathLike[str]) -> list[VirtualTag]:
    """Read a tag file. A missing file raises :class:`FileNotFoundError`; a bad one
    :class:`~drivers.errors.TagFileError`."""
    source = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TagFileError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TagFileError(
            f"{source}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    return tags_from_json(data, source)


def save_tags(path: str | os.PathLike[str], tags: Iterable[VirtualTag]) -> None:
    """Write a tag file atomically (temporary file in the same folder, then rename)."""
    target = Path(path)
    text = json.dumps(tags_to_json(tags), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
