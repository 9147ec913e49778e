"""Patron PINs as scrypt hashes (RFC 7914), compared in constant time.

A hash is one text field, ``scrypt$n$r$p$salt_hex$key_hex``, so the cost parameters travel with it:
raising the cost later needs no migration, and tests may use a cheap cost. The salt is an argument
(randomness comes in from the caller, e.g. ``os.urandom(16)`` at the composition root).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

__all__ = ["DEFAULT_COST", "PinHash", "hash_pin", "parse_pin_hash", "verify_pin"]

DEFAULT_COST = (2**14, 8, 1)
"""(n, r, p): about 16 MiB and tens of milliseconds per check — once per patron login."""

_MAX_N = 2**20
_KEY_LEN = 32


@dataclass(frozen=True, slots=True)
class PinHash:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    def encode(self) -> str:
        return f"scrypt${self.n}${self.r}${self.p}${self.salt.hex()}${self.key.hex()}"


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem: scrypt needs 128·r·n bytes (+ a little); the default 32 MiB cap is too tight for
    # n = 2**15, so give exactly what the parameters need.
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_KEY_LEN, maxmem=129 * r * n + 2**20
    )


def hash_pin(pin: str, salt: bytes, *, cost: tuple[int, int, int] = DEFAULT_COST) -> str:
    """The stored form of ``pin`` (salt ≥ 8 bytes; n a power of two ≥ 2)."""
    n, r, p = cost
    if len(salt) < 8:
        raise ValueError(f"PIN salt: {len(salt)} bytes, expected at least 8")
    if n < 2 or n & (n - 1) or n > _MAX_N or r < 1 or p < 1:
        raise ValueError(f"scrypt cost {cost}: expected n a power of two in 2..2**20, r, p ≥ 1")
    return PinHash(n, r, p, salt, _derive(pin, salt, n, r, p)).encode()


def parse_pin_hash(text: str) -> PinHash:
    """Split a stored hash; ``ValueError`` saying what is wrong with it."""
    parts = text.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("PIN hash: expected 'scrypt$n$r$p$salt_hex$key_hex'")
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        raise ValueError("PIN hash: n, r, p must be integers and salt, key hex") from None
    if n < 2 or n & (n - 1) or n > _MAX_N or r < 1 or p < 1 or r * p >= 2**30:
        raise ValueError(f"PIN hash: cost n={n} r={r} p={p} out of range")
    if len(salt) < 8 or len(key) != _KEY_LEN:
        raise ValueError(f"PIN hash: expected a salt ≥ 8 bytes and a {_KEY_LEN}-byte key")
    return PinHash(n, r, p, salt, key)


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches ``stored``; a malformed stored hash never matches."""
    try:
        parsed = parse_pin_hash(stored)
    except ValueError:
        return False
    candidate = _derive(pin, parsed.salt, parsed.n, parsed.r, parsed.p)
    return hmac.compare_digest(candidate, parsed.key)
