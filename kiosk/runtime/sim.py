"""A small simulated library for the benchmark, the tests and demos: central's data and the tags.

Two member libraries (the kiosk's own and another, for 通借通还 returns in transit), one kiosk,
two patrons and ``items`` copies, numbered so each copy's tag can be made from its index.
Tags are ICODE SLIX tags on the virtual pad holding ISO 28560-2 data (PII, owner, type of
usage 10 "circulating"), secured (AFI 0x07, EAS set) as they stand on the shelf.
"""

from __future__ import annotations

from typing import Any

from drivers.virtual import VirtualTag, make_uid
from kiosk import tagdata

__all__ = [
    "HOME",
    "KIOSK",
    "MEMBER",
    "OTHER_PATRON",
    "PATRON",
    "item_owner",
    "item_pii",
    "item_tag",
    "item_uid",
    "library_document",
]

HOME = "CN-440100-1-0001"
MEMBER = "CN-440100-1-0002"
KIOSK = "gz-0001-k01"
PATRON = "0001000012345"
OTHER_PATRON = "0001000067890"
_SERIAL_BASE = 0x20000000
_SLIX_BYTES = 112


def item_pii(index: int) -> str:
    return f"0001{index:09d}"


def item_owner(index: int, *, foreign_every: int = 0) -> str:
    """Every ``foreign_every``-th copy (if any) belongs to the other member library."""
    return MEMBER if foreign_every and index % foreign_every == 0 else HOME


def item_uid(index: int) -> str:
    return make_uid("slix", _SERIAL_BASE + index).hex().upper()


def item_tag(
    index: int, *, owner: str = HOME, secured: bool = True, extra: dict[int, str] | None = None
) -> VirtualTag:
    """Copy ``index``'s tag, as it stands on the shelf (``secured``) or on loan."""
    elements = {1: item_pii(index), 3: owner, 5: "10", **(extra or {})}
    encoded = tagdata.encode(elements, capacity=_SLIX_BYTES)
    memory = encoded.data + bytes(_SLIX_BYTES - len(encoded.data))
    return VirtualTag(
        "slix",
        make_uid("slix", _SERIAL_BASE + index),
        memory,
        afi=0x07 if secured else 0xC2,
        dsfid=0x06,
        eas=secured,
    )


def library_document(items: int, *, foreign_every: int = 0, limit: int = 50) -> dict[str, Any]:
    """Central's data for :meth:`~central.domain.CentralDomain.load_json`."""
    member = {"pin_required": False, "loan_days": 30}
    return {
        "members": [
            {"isil": HOME, "code": "0001", "name_zh": "广州图书馆", **member},
            {"isil": MEMBER, "code": "0002", "name_zh": "越秀区图书馆", **member},
        ],
        "kiosks": [{"kiosk": KIOSK, "library": HOME}],
        "catalogue": [
            {
                "pii": item_pii(i),
                "owner": item_owner(i, foreign_every=foreign_every),
                "title": f"Book {i}",
            }
            for i in range(1, items + 1)
        ],
        "patrons": [
            {"card": PATRON, "name": "王小明", "home": HOME, "limit": limit},
            {"card": OTHER_PATRON, "name": "李华", "home": HOME, "limit": limit},
        ],
    }
