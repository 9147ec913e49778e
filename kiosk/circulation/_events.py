"""Events into the patron session machine: what happened, as frozen values.

Produced by the I/O layer (readers, screen, central link, journal) and fed to
:meth:`SessionMachine.handle`. UIDs are hex and normalised to upper case here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.circulation.decision import Decision, Op, Verdict
from kiosk.circulation.items import ItemIdentity
from kiosk.circulation.patron import CardKind, Patron, PatronCard
from kiosk.circulation.reasons import Message, Reason
from kiosk.security import SecurityResult

# Everything in __all__ is re-exported by kiosk.circulation.session.
__all__ = [
    "Cancel",
    "CardPresented",
    "Event",
    "Finish",
    "ItemDecided",
    "ModeChosen",
    "OutOfService",
    "PatronVerified",
    "PinEntered",
    "ReceiptChosen",
    "Resume",
    "SecurityDone",
    "StaffOverride",
    "TagRead",
    "TagsSeen",
    "Tick",
]


class Event:
    """Base of every event (for typing); never instantiated itself."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class CardPresented(Event):
    """A patron card at the card reader, or a barcode scanned or typed."""

    kind: CardKind
    number: str | None = None
    uid: str | None = None

    @property
    def card(self) -> PatronCard:
        return PatronCard(self.kind, self.number, self.uid)


@dataclass(frozen=True, slots=True)
class PinEntered(Event):
    pin: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class PatronVerified(Event):
    """The answer to ``VerifyPatron(request, …)``: accepted with the patron, or refused why.

    A refusal with ``PIN_WRONG`` lets the patron try again; ``PIN_REQUIRED`` asks for a PIN.
    """

    request: int
    result: Verdict
    reason: Reason = Reason.OK
    patron: Patron | None = None
    offline: bool = False


@dataclass(frozen=True, slots=True)
class ModeChosen(Event):
    op: Op


@dataclass(frozen=True, slots=True)
class TagsSeen(Event):
    """One raw inventory of the pad at ``now`` (ms); the machine debounces."""

    inventory: frozenset[str]
    now: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "inventory", frozenset(u.upper() for u in self.inventory))


@dataclass(frozen=True, slots=True)
class TagRead(Event):
    """A tag's memory was read and decoded; ``identity`` ``None`` means the tag left mid-read.

    ``secured`` is the tag's security state as read (AFI/EAS), ``None`` if not read.
    """

    uid: str
    identity: ItemIdentity | None
    secured: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", self.uid.upper())


@dataclass(frozen=True, slots=True)
class ItemDecided(Event):
    """The answer to ``RequestDecision(request, uid, …)`` from central or the offline policy."""

    request: int
    uid: str
    result: Verdict
    reason: Reason = Reason.OK
    due: datetime | None = None
    route: str | None = None
    offline: bool = False
    title: str = ""
    message: Message | None = None  # central's own wording; else the reason's catalogue text

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", self.uid.upper())

    @classmethod
    def from_decision(
        cls,
        request: int,
        uid: str,
        decision: Decision,
        *,
        title: str = "",
        message: Message | None = None,
    ) -> ItemDecided:
        return cls(
            request,
            uid,
            decision.result,
            decision.reason,
            decision.due,
            decision.route,
            decision.offline,
            title,
            message,
        )

    @property
    def decision(self) -> Decision:
        return Decision(self.result, self.reason, self.due, self.route, self.offline)


@dataclass(frozen=True, slots=True)
class SecurityDone(Event):
    """The answer to ``ApplySecurity(request, uid, …)``: the verified outcome of the write."""

    request: int
    uid: str
    outcome: SecurityResult

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", self.uid.upper())


@dataclass(frozen=True, slots=True)
class ReceiptChosen(Event):
    print: bool


@dataclass(frozen=True, slots=True)
class Tick(Event):
    """Time passes (ms); the I/O layer ticks at least by :meth:`SessionMachine.next_deadline`."""

    now: int


@dataclass(frozen=True, slots=True)
class StaffOverride(Event):
    """Staff take the machine (maintenance mode) or give it back."""

    active: bool = True


@dataclass(frozen=True, slots=True)
class OutOfService(Event):
    on: bool = True


@dataclass(frozen=True, slots=True)
class Cancel(Event):
    """The patron pressed cancel / log out."""


@dataclass(frozen=True, slots=True)
class Finish(Event):
    """The patron pressed "done" on the items screen."""


@dataclass(frozen=True, slots=True)
class Resume(Event):
    """The patron answered the "are you still there?" prompt."""
