"""Masked forms of names and card numbers for screens and receipts others may see.

Only the first character of each word of a name stays (``张三丰`` → ``张**``, ``Alice Smith`` →
``A**** S****``); a card keeps its last four characters (half of a short one). Enough for a
patron to recognise their own account, not enough for a passer-by to learn someone else's.
"""

from __future__ import annotations

__all__ = ["mask_card", "mask_name"]


def mask_name(name: str) -> str:
    words = name.split()
    return " ".join(word[0] + "*" * (len(word) - 1) for word in words)


def mask_card(card: str) -> str:
    keep = min(4, len(card) // 2)
    return "*" * (len(card) - keep) + card[len(card) - keep :]
