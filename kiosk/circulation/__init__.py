"""Circulation: reason codes, item decisions, the patron session state machine, offline policy.

Pure code: no I/O, no clock (time comes in as arguments), no logging side effects.
"""

from kiosk.circulation.config import (
    Debounce,
    ItemPolicyConfig,
    MachineMode,
    OfflineConfig,
    SessionConfig,
    Timeouts,
)
from kiosk.circulation.decision import Decision, Op, Verdict
from kiosk.circulation.items import ItemIdentity, ItemPolicy, SetInfo
from kiosk.circulation.offline import Hold, OfflineData, OfflinePolicy, PatronCheck
from kiosk.circulation.patron import CardKind, Patron, PatronCard
from kiosk.circulation.session import SessionMachine, State

__all__ = [
    "CardKind",
    "Debounce",
    "Decision",
    "Hold",
    "ItemIdentity",
    "ItemPolicy",
    "ItemPolicyConfig",
    "MachineMode",
    "OfflineConfig",
    "OfflineData",
    "OfflinePolicy",
    "Op",
    "Patron",
    "PatronCard",
    "PatronCheck",
    "SessionConfig",
    "SessionMachine",
    "SetInfo",
    "State",
    "Timeouts",
    "Verdict",
]
