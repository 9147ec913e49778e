"""Patron cards: card events, UID-to-number rules, debouncing, the reader loop, nfcpy adapter.

Only :mod:`drivers.cards._nfcpy` imports nfcpy (lazily); the rest sees :class:`UidSource`.
"""

from drivers.cards._nfcpy import NfcpyUidSource, open_nfcpy
from drivers.cards.debounce import Debouncer
from drivers.cards.events import CardEvent, CardKind
from drivers.cards.numbers import (
    LSB_DECIMAL_10,
    UID_HEX,
    ByteOrder,
    CardNumberRule,
    NumberFormat,
)
from drivers.cards.reader import CardReader, UidSource

__all__ = [
    "LSB_DECIMAL_10",
    "UID_HEX",
    "ByteOrder",
    "CardEvent",
    "CardKind",
    "CardNumberRule",
    "CardReader",
    "Debouncer",
    "NfcpyUidSource",
    "NumberFormat",
    "UidSource",
    "open_nfcpy",
]
