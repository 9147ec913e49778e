"""Patron cards and identified patrons.

A patron presents one of several card kinds (issue §1): an ISO 28560 patron tag (type of usage
8x) laid on the pad or held to the card reader, a MIFARE Classic card whose number is in sector 2
(DB4401/T 96 Annex E), a card known only by its UID, or a barcode (scanned or typed). The kiosk
never decides who the patron is: it passes the card (and the PIN) to central or to the offline
policy, which answers with a :class:`Patron`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["CardKind", "Patron", "PatronCard"]


class CardKind(enum.StrEnum):
    RFID_TAG = "rfid_tag"  # ISO 28560 tag with type of usage 8x: number = its PII (OID 1)
    MIFARE = "mifare"  # MIFARE Classic, number read from sector 2 (Annex E)
    UID = "uid"  # any contactless card known only by its UID
    BARCODE_SCANNED = "barcode_scanned"
    BARCODE_TYPED = "barcode_typed"


@dataclass(frozen=True, slots=True)
class PatronCard:
    """What was presented: the card number when known, the contactless UID when there is one.

    ``uid`` is upper-case hex; a card lying on the pad is recognised by it (never taken for an
    item). A card with neither (an empty scan) is :attr:`blank`; the session ignores it.
    """

    kind: CardKind
    number: str | None = None
    uid: str | None = None

    def __post_init__(self) -> None:
        number = (self.number or "").strip() or None
        uid = (self.uid or "").strip().upper() or None
        object.__setattr__(self, "number", number)
        object.__setattr__(self, "uid", uid)

    @property
    def blank(self) -> bool:
        return self.number is None and self.uid is None

    @property
    def label(self) -> str:
        """The number if known, else the UID (what central looks the card up by)."""
        return self.number or self.uid or ""


@dataclass(frozen=True, slots=True)
class Patron:
    """An identified patron as central (or the offline policy) described them."""

    patron_id: str
    name: str = ""
    card: PatronCard | None = None

    def holds_card(self, ident: str) -> bool:
        """Whether ``ident`` (a patron id, card number or card UID) names this patron."""
        if ident == self.patron_id:
            return True
        card = self.card
        return card is not None and ident in (card.number, card.uid)
