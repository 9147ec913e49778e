"""Circulation configuration: machine mode, timeouts, tag debouncing, item and offline policy.

Plain frozen values, checked when built (a bad value raises :class:`~kiosk.errors.ConfigError`
naming the field and what was expected); the TOML loader builds them, tests build them directly.
All durations are integer milliseconds except the offline policy's day counts.

ISILs (ISO 15511) are compared without regard to case.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields

from kiosk.circulation.decision import Op
from kiosk.errors import ConfigError

__all__ = [
    "Debounce",
    "ItemPolicyConfig",
    "MachineMode",
    "OfflineConfig",
    "SessionConfig",
    "Timeouts",
    "same_isil",
]


class MachineMode(enum.StrEnum):
    """What a machine offers (issue §1)."""

    CHECKOUT = "checkout"  # identify, then check out
    RETURN = "return"  # identify, then return
    BOTH = "both"  # identify, then choose among SessionConfig.ops
    RETURN_ONLY = "return_only"  # no patron: items laid on the pad are returned


def same_isil(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def _check_ints(obj: object, where: str, *, minimum: int, optional: bool = False) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if optional and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            wanted = f"an integer ≥ {minimum}" + (" or None" if optional else "")
            raise ConfigError(f"{where}.{f.name} = {value!r}: expected {wanted}")


@dataclass(frozen=True, slots=True)
class Debounce:
    """When a tag counts as on the pad, and when as gone (issue §1, "debounced").

    A tag counts once it has been in ``appear_count`` consecutive inventories, or has been seen
    continuously for ``appear_ms``; it counts as removed after missing ``vanish_count``
    consecutive inventories, or when an inventory has not seen it for ``vanish_ms``. Removal
    needs an inventory as evidence: a reader that stops reporting removes nothing.
    """

    appear_count: int = 2
    appear_ms: int | None = None
    vanish_count: int = 3
    vanish_ms: int | None = None

    def __post_init__(self) -> None:
        for name in ("appear_count", "vanish_count"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"debounce.{name} = {value!r}: expected an integer ≥ 1")
        for name in ("appear_ms", "vanish_ms"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 0):
                raise ConfigError(f"debounce.{name} = {value!r}: expected an integer ≥ 0 or None")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Milliseconds; every patron-facing state ends on its own (Koha bug 32921 is the lesson)."""

    idle_ms: int = 60_000  # no patron activity while items are shown
    step_ms: int = 30_000  # PIN entry, choosing the operation
    verify_ms: int = 20_000  # waiting for the patron check (central or offline answers sooner)
    still_there_ms: int = 15_000  # the "are you still there?" prompt
    receipt_ms: int = 20_000  # the receipt choice
    goodbye_ms: int = 5_000  # the thank-you / refusal screen
    set_settle_ms: int = 2_000  # before telling the patron a set is incomplete
    put_back_ms: int = 20_000  # waiting for a lifted item that still needs its tag written
    pending_grace_ms: int = 15_000  # ending a session: wait this long for answers in flight

    def __post_init__(self) -> None:
        _check_ints(self, "timeouts", minimum=1)


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """How the patron session behaves on this machine.

    ``ops`` are the operations offered in :attr:`MachineMode.BOTH` (in button order).
    ``return_secure_first`` secures a returned item's tag while central decides and rolls it back
    if the return is refused (the dp2SSL order); otherwise the tag is secured after acceptance.
    Either way success is shown only after the tag is secured.
    """

    mode: MachineMode = MachineMode.BOTH
    ops: tuple[Op, ...] = (Op.CHECKOUT, Op.RETURN, Op.RENEW)
    pin_required: bool = False
    max_pin_attempts: int = 3
    receipts: bool = True
    return_secure_first: bool = True
    max_read_attempts: int = 3
    max_security_attempts: int = 3
    debounce: Debounce = field(default_factory=Debounce)
    timeouts: Timeouts = field(default_factory=Timeouts)

    def __post_init__(self) -> None:
        if not isinstance(self.mode, MachineMode):
            raise ConfigError(
                f"session.mode = {self.mode!r}: expected one of {', '.join(MachineMode)}"
            )
        ops = tuple(self.ops)
        if not ops or len(set(ops)) != len(ops) or not all(isinstance(o, Op) for o in ops):
            raise ConfigError(
                f"session.ops = {self.ops!r}: expected distinct operations from {', '.join(Op)}"
            )
        object.__setattr__(self, "ops", ops)
        for name in ("max_pin_attempts", "max_read_attempts", "max_security_attempts"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"session.{name} = {value!r}: expected an integer ≥ 1")


@dataclass(frozen=True, slots=True)
class ItemPolicyConfig:
    """The kiosk-side item rules (issue §2).

    ``home_library`` is this kiosk's ISIL; a tag without an owner (OID 3) is taken to be the home
    library's. ``member_libraries`` lists the other libraries of the lending network (通借通还);
    items of any other owner are refused. ``complete_sets_for`` are the operations that need
    every part of a multi-part item on the pad.
    """

    home_library: str
    member_libraries: frozenset[str] = frozenset()
    complete_sets_for: frozenset[Op] = frozenset({Op.CHECKOUT, Op.RETURN})

    def __post_init__(self) -> None:
        if not isinstance(self.home_library, str) or not self.home_library.strip():
            raise ConfigError(
                f"items.home_library = {self.home_library!r}: expected this library's ISIL"
            )
        members = frozenset(self.member_libraries)
        if not all(isinstance(m, str) and m.strip() for m in members):
            raise ConfigError(
                f"items.member_libraries = {sorted(map(repr, members))}: expected ISIL strings"
            )
        object.__setattr__(self, "member_libraries", members)
        object.__setattr__(self, "complete_sets_for", frozenset(self.complete_sets_for))

    def is_member(self, isil: str | None) -> bool:
        """Whether items owned by ``isil`` circulate here (``None`` = the home library)."""
        if isil is None or same_isil(isil, self.home_library):
            return True
        folded = isil.casefold()
        return any(m.casefold() == folded for m in self.member_libraries)


@dataclass(frozen=True, slots=True)
class OfflineConfig:
    """What the kiosk may decide when central does not answer (issue §5).

    ``item_limit`` caps offline checkouts per patron (the journal counts them); loans made
    offline are due at the end of the local day ``loan_days`` after today, local time being
    UTC + ``utc_offset_minutes`` (480 for China). With ``patrons`` off, no patron can be
    identified offline; with it on, a card that is not blocked is accepted (a PIN cannot be
    checked without central).
    """

    library: str
    ops: frozenset[Op] = frozenset({Op.CHECKOUT, Op.RETURN})
    item_limit: int = 5
    loan_days: int = 30
    utc_offset_minutes: int = 480
    patrons: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.library, str) or not self.library.strip():
            raise ConfigError(f"offline.library = {self.library!r}: expected this library's ISIL")
        object.__setattr__(self, "ops", frozenset(self.ops))
        for name, low in (("item_limit", 0), ("loan_days", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"offline.{name} = {value!r}: expected an integer ≥ {low}")
        offset = self.utc_offset_minutes
        if isinstance(offset, bool) or not isinstance(offset, int) or not -720 <= offset <= 840:
            raise ConfigError(
                f"offline.utc_offset_minutes = {offset!r}: expected minutes from -720 to 840"
            )
