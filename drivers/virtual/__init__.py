"""The virtual RFID pad: simulated ISO 15693 tags, a field with faults and air timing, a reader.

A product feature, not a test helper: ``kiosk demo`` runs the whole machine on it, the FEIG
emulator answers from it, and the reader contract tests run against it.

- :mod:`.chips`   chip models (:data:`CHIPS`: ``slix``, ``slix2``, ``mb89r118``)
- :mod:`.tag`     :class:`VirtualTag`, answering real request frames
- :mod:`.faults`  fault settings (:class:`WriteKind`, :class:`DropRule`, :class:`TagFaults`)
- :mod:`.pad`     :class:`VirtualPad`: the field, anticollision, faults, unplugging
- :mod:`.timing`  :class:`AirTiming` and the ISO 15693-2 air-time formulas
- :mod:`.store`   JSON tag files (:func:`load_tags`, :func:`save_tags`)
- :mod:`.reader`  :class:`VirtualReader` (``virtual`` / ``virtual:PATH`` specs)
"""

from __future__ import annotations

from drivers.virtual.chips import CHIPS, ChipModel, chip_model
from drivers.virtual.faults import DropRule, TagFaults, WriteKind
from drivers.virtual.pad import DEFAULT_MAX_TAGS, Exchange, InventoryResult, VirtualPad
from drivers.virtual.reader import VirtualReader, open_virtual
from drivers.virtual.store import load_tags, save_tags, tags_from_json, tags_to_json
from drivers.virtual.tag import (
    EAS_SEQUENCE,
    Outcome,
    TagState,
    VirtualTag,
    afi_matches,
    inventory_frame,
    make_uid,
)
from drivers.virtual.timing import AirTiming

__all__ = [
    "CHIPS",
    "DEFAULT_MAX_TAGS",
    "EAS_SEQUENCE",
    "AirTiming",
    "ChipModel",
    "DropRule",
    "Exchange",
    "InventoryResult",
    "Outcome",
    "TagFaults",
    "TagState",
    "VirtualPad",
    "VirtualReader",
    "VirtualTag",
    "WriteKind",
    "afi_matches",
    "chip_model",
    "inventory_frame",
    "load_tags",
    "make_uid",
    "open_virtual",
    "save_tags",
    "tags_from_json",
    "tags_to_json",
]
