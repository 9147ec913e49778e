"""Reading a DB4401/T 96 Annex E reader card: MIFARE Classic sector 2 through the reader.

The reader authenticates with the library's sector key and returns blocks 8–10; the Annex E codec
(:mod:`kiosk.gz.card`) turns blocks 0 and 1 of the sector into the card number, activation date
and home library. Only a reader with ``read_mifare_sector`` (the FEIG driver) can do this; nfcpy
cannot read MIFARE Classic sectors, so nfcpy readers give the UID only.
"""

from __future__ import annotations

from typing import Protocol

from kiosk import gz

__all__ = ["MifareSectorReader", "read_reader_card"]


class MifareSectorReader(Protocol):
    def read_mifare_sector(
        self, uid: bytes, sector: int, key: bytes, key_type: str = "A"
    ) -> list[bytes]: ...


def read_reader_card(
    reader: MifareSectorReader, uid: bytes, key: bytes, *, key_type: str = "A"
) -> gz.CardRecord:
    """Authenticate sector 2 of card ``uid`` with ``key`` and decode Annex E blocks 0 and 1.

    Raises the reader's errors (wrong key, card gone) and :class:`kiosk.errors.CardDataError`
    when the sector does not hold an Annex E record.
    """
    if len(key) != 6:
        raise ValueError(f"MIFARE key must be 6 bytes, got {len(key)}")
    blocks = reader.read_mifare_sector(uid, gz.SECTOR, key, key_type)
    return gz.decode_card(blocks[0], blocks[1])
