"""Kiosk logistics and statistics (DB4401/T 96 §10–11), pure.

- :mod:`.transit`: returns for other member libraries collected per destination, packages of 20,
  transit lists and the Annex F handover sheet when the bin is emptied.
- :mod:`.render`: those as CSV and plain text.
- :mod:`.stats`: counters per day and month, exported as CSV.
- :mod:`.feed`: both kept from the session's results (:class:`LogisticsFeed`); the journal
  database keeps them across restarts (:mod:`kiosk.journal.logistics_store`).

No clock and no I/O: days come in as arguments; storage sits behind small interfaces.
"""

from __future__ import annotations

from kiosk.logistics.feed import (
    Claim,
    LogisticsFeed,
    Observation,
    ResultGuard,
    observation_from_row,
)
from kiosk.logistics.render import (
    HANDOVER_HEADER,
    TRANSIT_HEADER,
    display_width,
    handover_csv,
    handover_text,
    transit_csv,
    transit_text,
)
from kiosk.logistics.stats import (
    CSV_HEADER,
    OPS,
    CounterStore,
    InMemoryCounterStore,
    Statistics,
    events_for,
    offline_event,
    refusal_event,
    validate_event,
)
from kiosk.logistics.transit import (
    PACKAGE_SIZE,
    BinStore,
    ChildrenRule,
    Dispatch,
    HandoverRow,
    HandoverSheet,
    Package,
    TransitBins,
    TransitItem,
    TransitList,
    library_code,
)

__all__ = [
    "CSV_HEADER",
    "HANDOVER_HEADER",
    "OPS",
    "PACKAGE_SIZE",
    "TRANSIT_HEADER",
    "BinStore",
    "ChildrenRule",
    "Claim",
    "CounterStore",
    "Dispatch",
    "HandoverRow",
    "HandoverSheet",
    "InMemoryCounterStore",
    "LogisticsFeed",
    "Observation",
    "Package",
    "ResultGuard",
    "Statistics",
    "TransitBins",
    "TransitItem",
    "TransitList",
    "display_width",
    "events_for",
    "handover_csv",
    "handover_text",
    "library_code",
    "observation_from_row",
    "offline_event",
    "refusal_event",
    "transit_csv",
    "transit_text",
    "validate_event",
]
