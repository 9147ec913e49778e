"""Actions out of the patron session machine: what the I/O layer must do, as frozen values.

Executed in the order given. Requests that expect an answer (``ReadTag``, ``VerifyPatron``,
``RequestDecision``, ``ApplySecurity``) may all be in flight at once; answers come back as events
carrying the same ``request`` number (``ReadTag`` is answered by ``TagRead`` for its UID).

``RequestDecision``: journal the intent FIRST, then ask central; no answer in time → ask the
offline policy. ``ItemResult`` is the outcome to journal and show: exactly one per uid of every
decided item per session. A REFUSED result for an item whose checkout central accepted means its
tag could not be unsecured: the journal records ``security_failed`` and the loan is reversed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.circulation._states import State
from kiosk.circulation.decision import Op, Verdict
from kiosk.circulation.items import ItemIdentity
from kiosk.circulation.patron import Patron, PatronCard
from kiosk.circulation.reasons import Message, Reason

# Everything in __all__ is re-exported by kiosk.circulation.session.
__all__ = [
    "Action",
    "ApplySecurity",
    "Beep",
    "BeepPattern",
    "EndReason",
    "EndSession",
    "ItemNotice",
    "ItemResult",
    "PrintReceipt",
    "PromptStillThere",
    "ReadTag",
    "RequestDecision",
    "Show",
    "VerifyPatron",
]


class Action:
    """Base of every action (for typing); never instantiated itself."""

    __slots__ = ()


class BeepPattern(enum.StrEnum):
    OK = "ok"
    ERROR = "error"
    ATTENTION = "attention"


class EndReason(enum.StrEnum):
    FINISHED = "finished"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    REFUSED = "refused"  # the patron was not accepted
    OUT_OF_SERVICE = "out_of_service"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class ReadTag(Action):
    """Read the tag's memory (+ AFI/EAS) and answer with ``TagRead``."""

    uid: str


@dataclass(frozen=True, slots=True)
class VerifyPatron(Action):
    """Ask central (or the offline policy) who this is; answer with ``PatronVerified``."""

    request: int
    card: PatronCard
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RequestDecision(Action):
    """Decide ``op`` on the item; answer with ``ItemDecided(request, uid, …)``.

    ``parts`` are every uid of the item (all parts of a set, ``uid`` first); the one decision
    covers them all.
    """

    request: int
    uid: str
    op: Op
    identity: ItemIdentity
    patron: Patron | None
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ApplySecurity(Action):
    """Write and verify the tag's security state; answer with ``SecurityDone``.

    ``rollback`` marks a write that undoes this session's own earlier write (a refused return
    whose tag was secured first, or the parts of a set whose checkout failed).
    """

    request: int
    uid: str
    secured: bool
    rollback: bool = False


@dataclass(frozen=True, slots=True)
class Show(Action):
    """Switch the patron screen."""

    screen: State
    op: Op | None = None
    patron: Patron | None = None
    reason: Reason | None = None
    message: Message | None = None
    attempts_left: int | None = None
    ops: tuple[Op, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemResult(Action):
    """The final result for one tag: show it on the item's row and journal it."""

    uid: str
    op: Op
    result: Verdict
    reason: Reason
    message: Message
    pii: str | None = None
    title: str = ""
    due: datetime | None = None
    route: str | None = None
    offline: bool = False


@dataclass(frozen=True, slots=True)
class ItemNotice(Action):
    """Something the patron must do about one tag (not a result): put it back, add parts…"""

    uid: str
    reason: Reason
    message: Message


@dataclass(frozen=True, slots=True)
class PromptStillThere(Action):
    timeout_ms: int


@dataclass(frozen=True, slots=True)
class PrintReceipt(Action):
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EndSession(Action):
    """The session is over. ``unfinished`` lists uids whose request or tag write was still open
    (or never completed): the journal flags them for staff."""

    reason: EndReason
    unfinished: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Beep(Action):
    pattern: BeepPattern
