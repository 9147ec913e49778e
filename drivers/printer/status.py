"""Decoding the ESC/POS real-time paper status (``DLE EOT 4``) reply (pure).

The reply is one byte: bits 1 and 4 are always 1, bits 0 and 7 always 0; bits 2-3 are the
roll-paper near-end sensor and bits 5-6 the paper-end sensor (Epson ESC/POS reference,
"DLE EOT n = 4"). A reply that breaks the fixed bits is not a status byte — line noise, or the
answer to something else — and counts as "unknown", as does no reply at all. (python-escpos 3.1's
own ``paper_status()`` reports "adequate" when nothing comes back; that is why it is not used.)
"""

from __future__ import annotations

from typing import Literal

__all__ = ["PAPER_STATUS_REQUEST", "PaperStatus", "decode_paper_status"]

PaperStatus = Literal["ok", "near-end", "out", "unknown"]

PAPER_STATUS_REQUEST = b"\x10\x04\x04"  # DLE EOT 4: transmit roll paper sensor status

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010
_PAPER_END = 0b0110_0000
_NEAR_END = 0b0000_1100


def decode_paper_status(reply: bytes | None) -> PaperStatus:
    """The paper status in ``reply`` (the last byte counts: earlier ones may be stale)."""
    if not reply:
        return "unknown"
    byte = reply[-1]
    if byte & _FIXED_MASK != _FIXED_BITS:
        return "unknown"
    if byte & _PAPER_END:
        return "out"
    if byte & _NEAR_END:
        return "near-end"
    return "ok"
