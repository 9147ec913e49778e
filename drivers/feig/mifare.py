"""A simulated MIFARE Classic card (1K or 4K) for the FEIG emulator: memory, keys, authentication.

Patron cards (DB4401/T 96 Annex E) keep the card number in sector 2 (blocks 8–10), readable only
after authenticating with that sector's key. The model keeps what the emulator needs: 16-byte
blocks, the sector layout (4 blocks per sector below block 128, 16 above on a 4K card), and key
A / key B in each sector trailer (bytes 0–5 and 10–15). Access bits are stored but not enforced:
a correct key of either type opens the whole sector.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["BLOCK_SIZE", "DEFAULT_KEY", "MifareClassic", "sector_of", "trailer_of"]

BLOCK_SIZE = 16
DEFAULT_KEY = b"\xff" * 6  # transport key of a new card
_ACCESS_BITS = bytes.fromhex("FF078069")  # transport configuration
_SIZES = {1024: (64, 0x08), 4096: (256, 0x18)}  # bytes → (blocks, SAK)


def sector_of(block: int) -> int:
    """Sector of a block (1K: 16 sectors of 4 blocks; 4K adds 8 sectors of 16 from block 128)."""
    return block // 4 if block < 128 else 32 + (block - 128) // 16


def trailer_of(sector: int) -> int:
    """Block number of a sector's trailer (keys and access bits)."""
    return sector * 4 + 3 if sector < 32 else 128 + (sector - 32) * 16 + 15


class MifareClassic:
    """One card: ``uid`` (4 or 7 bytes, UID0 first), ``sak``, 16-byte blocks and per-sector keys."""

    def __init__(
        self,
        uid: bytes,
        *,
        size: int = 1024,
        blocks: Mapping[int, bytes] | None = None,
        keys: Mapping[int, tuple[bytes, bytes]] | None = None,
    ) -> None:
        if len(uid) not in (4, 7):
            raise ValueError(f"MIFARE Classic UID must be 4 or 7 bytes, got {len(uid)}")
        if size not in _SIZES:
            raise ValueError(f"card size must be 1024 or 4096 bytes, got {size}")
        self.uid = bytes(uid)
        self.block_count, self.sak = _SIZES[size]
        self.memory = bytearray(size)
        bcc = 0
        for byte in uid[:4]:
            bcc ^= byte
        manufacturer = uid[:4] + bytes((bcc, self.sak, 0x04, 0x00)) if len(uid) == 4 else uid
        self.memory[: len(manufacturer)] = manufacturer
        for sector in range(sector_of(self.block_count - 1) + 1):
            self.set_keys(sector, DEFAULT_KEY, DEFAULT_KEY)
        for sector, (key_a, key_b) in (keys or {}).items():
            self.set_keys(sector, key_a, key_b)
        for number, data in (blocks or {}).items():
            self.write(number, data)

    def __repr__(self) -> str:
        return f"MifareClassic({self.uid.hex().upper()}, {len(self.memory)} bytes)"

    def _check_block(self, number: int) -> None:
        if not 0 <= number < self.block_count:
            raise ValueError(f"block {number} is outside 0–{self.block_count - 1}")

    def read(self, number: int) -> bytes:
        self._check_block(number)
        return bytes(self.memory[number * BLOCK_SIZE : (number + 1) * BLOCK_SIZE])

    def write(self, number: int, data: bytes) -> None:
        self._check_block(number)
        if len(data) != BLOCK_SIZE:
            raise ValueError(f"a MIFARE block is {BLOCK_SIZE} bytes, got {len(data)}")
        self.memory[number * BLOCK_SIZE : (number + 1) * BLOCK_SIZE] = data

    def set_keys(self, sector: int, key_a: bytes, key_b: bytes) -> None:
        """Write key A and key B into the sector trailer (transport access bits)."""
        if len(key_a) != 6 or len(key_b) != 6:
            raise ValueError("MIFARE keys are 6 bytes each")
        self.write(trailer_of(sector), key_a + _ACCESS_BITS + key_b)

    def key(self, sector: int, key_type: int) -> bytes:
        """Key A (``key_type`` 0) or key B (1) of ``sector``."""
        trailer = self.read(trailer_of(sector))
        return trailer[:6] if key_type == 0 else trailer[10:16]

    def authenticate(self, block: int, key_type: int, key: bytes) -> bool:
        """Whether ``key`` of ``key_type`` opens the sector of ``block``."""
        if not 0 <= block < self.block_count or key_type not in (0, 1):
            return False
        return self.key(sector_of(block), key_type) == key
