"""What a circulation decision says: operation, verdict, reason, due date and return route.

One value type shared by the three deciders — the kiosk's local item policy, the offline policy and
central (whose MQTT reply the I/O layer turns into the same fields) — so the session machine treats
them alike and the journal records them alike.

Routes are plain strings, as in the central reply: ``shelf``, ``staff``, ``transit:{isil}`` (send
the item to its owning library) and ``hold:{pickup}`` (keep it for a reserving patron).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from kiosk.circulation.reasons import Reason, Route

__all__ = [
    "ROUTE_SHELF",
    "ROUTE_STAFF",
    "Decision",
    "Op",
    "Verdict",
    "route_hold",
    "route_transit",
]


class Op(enum.StrEnum):
    """A circulation operation a patron (or an anonymous return) asks for."""

    CHECKOUT = "checkout"
    RETURN = "return"
    RENEW = "renew"


class Verdict(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


ROUTE_SHELF = str(Route.SHELF)
ROUTE_STAFF = str(Route.STAFF)


def route_transit(isil: str) -> str:
    """Route for an item owned by another member library: send it home."""
    return f"{Route.TRANSIT}:{isil}"


def route_hold(pickup: str) -> str:
    """Route for an item reserved for a patron who collects it at ``pickup``."""
    return f"{Route.HOLD}:{pickup}"


@dataclass(frozen=True, slots=True)
class Decision:
    """A verdict on one item for one operation.

    ``due`` is an aware datetime (checkout and renew only); ``offline`` marks decisions made by the
    kiosk without central, which central replays later.
    """

    result: Verdict
    reason: Reason = Reason.OK
    due: datetime | None = None
    route: str | None = None
    offline: bool = False

    @property
    def accepted(self) -> bool:
        return self.result is Verdict.ACCEPTED

    @classmethod
    def refuse(cls, reason: Reason, *, route: str | None = None, offline: bool = False) -> Decision:
        return cls(Verdict.REFUSED, reason, None, route, offline)
