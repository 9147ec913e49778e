"""Bit packing for fixed-width codes (the 7-bit code; 5- and 6-bit ride on base32/base64).

Values are packed MSB first into one Python int, which is then turned into bytes in one call: far
cheaper than building bit lists, and linear in the value length.
"""

from __future__ import annotations

__all__ = ["pack", "unpack"]


def pack(codes: bytes, width: int, pad_pattern: int) -> bytes:
    """Pack ``codes`` (each < 2**width) MSB first and fill the last byte from ``pad_pattern``.

    ``pad_pattern`` is a ``width``-bit pattern whose leading bits are used as filler, e.g.
    ``0b1111111`` for the 7-bit code; 0 means zero fill (which may be longer than one group).
    """
    acc = 0
    for code in codes:
        acc = (acc << width) | code
    nbits = len(codes) * width
    fill = -nbits % 8
    if fill:
        acc <<= fill
        if pad_pattern:
            acc |= pad_pattern >> (width - fill)
    return acc.to_bytes((nbits + fill) // 8, "big")


def unpack(data: bytes, width: int) -> list[int]:
    """Split ``data`` into the whole ``width``-bit groups it holds, MSB first (the rest is fill)."""
    nbits = len(data) * 8
    count = nbits // width
    value = int.from_bytes(data, "big") >> (nbits - count * width)
    mask = (1 << width) - 1
    return [(value >> shift) & mask for shift in range((count - 1) * width, -1, -width)]
