"""What a patron-card reader or a barcode scanner hands to the daemon: one frozen event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CardEvent", "CardKind"]

CardKind = Literal["rfid-uid", "barcode", "mifare-sector"]


@dataclass(frozen=True, slots=True)
class CardEvent:
    """A card (or barcode) was presented.

    ``source`` names the device (``"nfc"``, ``"scanner"``…); ``uid`` is the card UID in the order
    it came over the air (``None`` for barcodes); ``number`` is the identifier the library system
    knows (converted from the UID by a :class:`~drivers.cards.CardNumberRule`, or the scanned
    text); ``at`` comes from the clock the reader was given.
    """

    source: str
    uid: bytes | None
    number: str
    kind: CardKind
    at: float
