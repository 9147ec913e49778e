"""ISO 28560-2 / GB/T 35660.2 tag data: the codec for library items' ISO 15693 user memory.

Pure (standard library only; no I/O, logging or clock). Facts and test vectors:
``reference/tagdata.md``. Everything in ``__all__`` is the public API; ``_``-modules are private.

* :func:`decode` (memory → :class:`TagData`: ``elements`` OID → text, ``datasets``, ``problems``)
  with ``errors="strict"`` (raise) or ``"relax"`` (collect problems, never raise for bad memory).
* :func:`encode` (OID → value → :class:`Encoded`: ``data``, ``lock_blocks``, ``layout``,
  ``blocks``), laying out PII, content parameter, unlocked, then locked elements on block
  boundaries; checks values and the chip capacity (:data:`CHIP_CAPACITY`).
* Compaction alone: :func:`compact`, :func:`expand`, :func:`choose_compaction`,
  :func:`compaction_problem`; ISIL: :func:`isil_compact`, :func:`isil_expand`,
  :func:`isil_problem`.
* Elements: :data:`ELEMENTS`, :func:`element`, :func:`validate_value`,
  :func:`usage_description`, :func:`media_format_description`,
  :func:`supply_chain_stage_description`.

Errors are :class:`~kiosk.errors.TagDataError` (a ``ValueError``) with ``reason`` and, for
memory, the byte ``offset``.

    >>> tag = decode(bytes.fromhex("910005 1CBE991A14"))
    >>> tag.elements[1]
    '123456789012'
"""

from kiosk.errors import TagDataError

from ._checks import isil_problem, validate_value
from ._compaction import choose_compaction, compact, compaction_problem, expand
from ._decode import decode
from ._elements import (
    ELEMENTS,
    element,
    media_format_description,
    supply_chain_stage_description,
    usage_description,
)
from ._encode import CHIP_CAPACITY, MAX_VALUE_LENGTH, encode
from ._isil import isil_compact, isil_expand
from ._types import Compaction, DataSet, ElementInfo, Encoded, TagData

__all__ = [
    "CHIP_CAPACITY",
    "ELEMENTS",
    "MAX_VALUE_LENGTH",
    "Compaction",
    "DataSet",
    "ElementInfo",
    "Encoded",
    "TagData",
    "TagDataError",
    "choose_compaction",
    "compact",
    "compaction_problem",
    "decode",
    "element",
    "encode",
    "expand",
    "isil_compact",
    "isil_expand",
    "isil_problem",
    "media_format_description",
    "supply_chain_stage_description",
    "usage_description",
    "validate_value",
]
