"""A tiny I/O layer for tests: drives a SessionMachine the way the daemon will.

It keeps a pad (a set of UIDs), sends inventories, answers ReadTag from a catalogue of tags, and
finds the request numbers for answers, so each test reads as a patron's story.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kiosk.circulation import (
    Debounce,
    ItemIdentity,
    ItemPolicy,
    ItemPolicyConfig,
    MachineMode,
    SessionConfig,
    SessionMachine,
    Timeouts,
    Verdict,
)
from kiosk.circulation.reasons import Reason
from kiosk.circulation.session import (
    Action,
    ApplySecurity,
    Event,
    ItemDecided,
    ItemResult,
    ReadTag,
    RequestDecision,
    SecurityDone,
    TagRead,
    TagsSeen,
    Tick,
    VerifyPatron,
)
from kiosk.security import SecurityResult

HOME = "CN-440100-1-GZLIB"
MEMBER = "CN-440103-1-LWLIB"
STRANGER = "CN-110108-1-NLC"

A = TypeVar("A", bound=Action)

TIMEOUTS = Timeouts(
    idle_ms=60_000,
    step_ms=30_000,
    verify_ms=20_000,
    still_there_ms=15_000,
    receipt_ms=20_000,
    goodbye_ms=5_000,
    set_settle_ms=2_000,
    put_back_ms=20_000,
    pending_grace_ms=15_000,
)


def uid(n: int) -> str:
    return f"E00401{n:010X}"


def item(
    n: int,
    pii: str | None = None,
    *,
    owner: str | None = HOME,
    usage: str | None = "10",
    set_info: str | None = None,
    ill: str | None = None,
    title: str = "",
) -> ItemIdentity:
    elements: dict[int, str] = {}
    elements[1] = pii if pii is not None else f"4401{n:09d}"
    if owner is not None:
        elements[3] = owner
    if set_info is not None:
        elements[4] = set_info
    if usage is not None:
        elements[5] = usage
    if ill is not None:
        elements[11] = ill
    if title:
        elements[17] = title
    return ItemIdentity.from_elements(uid(n), elements)


def patron_tag(n: int, number: str = "0001012345678") -> ItemIdentity:
    return ItemIdentity.from_elements(uid(n), {1: number, 3: HOME, 5: "81"})


def make_config(**overrides: Any) -> SessionConfig:
    base: dict[str, Any] = {
        "mode": MachineMode.CHECKOUT,
        "debounce": Debounce(appear_count=1, vanish_count=1),
        "timeouts": TIMEOUTS,
    }
    base.update(overrides)
    return SessionConfig(**base)


def make_policy(**overrides: Any) -> ItemPolicy:
    base: dict[str, Any] = {"home_library": HOME, "member_libraries": frozenset({MEMBER})}
    base.update(overrides)
    return ItemPolicy(ItemPolicyConfig(**base))


@dataclass
class Rig:
    """The machine plus a pad, a clock and a catalogue of what each tag says."""

    machine: SessionMachine
    catalogue: dict[str, tuple[ItemIdentity | None, bool | None]] = field(default_factory=dict)
    now: int = 0
    pad: set[str] = field(default_factory=set)
    log: list[Action] = field(default_factory=list)
    auto_read: bool = True

    @classmethod
    def new(cls, *, policy: ItemPolicy | None = None, auto_read: bool = True,
            **config: Any) -> Rig:
        machine = SessionMachine(make_config(**config), policy or make_policy(), now=0)
        return cls(machine, auto_read=auto_read)

    # -- driving

    def send(self, event: Event) -> list[Action]:
        out = self.machine.handle(event)
        self.log.extend(out)
        if self.auto_read:
            out = out + self._answer_reads(out)
        return out

    def _answer_reads(self, actions: Iterable[Action]) -> list[Action]:
        more: list[Action] = []
        for action in actions:
            if isinstance(action, ReadTag) and action.uid in self.catalogue:
                identity, secured = self.catalogue[action.uid]
                more.extend(self.send(TagRead(action.uid, identity, secured)))
        return more

    def tick(self, ms: int) -> list[Action]:
        self.now += ms
        return self.send(Tick(self.now))

    def inventory(self, step: int = 100) -> list[Action]:
        self.now += step
        return self.send(TagsSeen(frozenset(self.pad), self.now))

    def place(self, *tags: ItemIdentity, secured: bool | None = False) -> list[Action]:
        for identity in tags:
            self.catalogue[identity.uid] = (identity, secured)
            self.pad.add(identity.uid)
        return self.inventory()

    def put(self, *uids: str) -> list[Action]:
        """Put known tags (back) on the pad."""
        self.pad.update(uids)
        return self.inventory()

    def lift(self, *uids: str) -> list[Action]:
        self.pad.difference_update(uids)
        return self.inventory()

    # -- answering requests

    def last(self, kind: type[A]) -> A:
        for action in reversed(self.log):
            if isinstance(action, kind):
                return action
        raise AssertionError(f"no {kind.__name__} in the log")

    def request_for(self, uid_: str) -> RequestDecision:
        for action in reversed(self.log):
            if isinstance(action, RequestDecision) and uid_ in action.parts:
                return action
        raise AssertionError(f"no RequestDecision for {uid_}")

    def write_for(self, uid_: str) -> ApplySecurity:
        for action in reversed(self.log):
            if isinstance(action, ApplySecurity) and action.uid == uid_:
                return action
        raise AssertionError(f"no ApplySecurity for {uid_}")

    def decide(self, uid_: str, result: Verdict = Verdict.ACCEPTED,
               reason: Reason = Reason.OK, **extra: Any) -> list[Action]:
        request = self.request_for(uid_)
        return self.send(ItemDecided(request.request, request.uid, result, reason, **extra))

    def secured(self, uid_: str, outcome: SecurityResult | None = None) -> list[Action]:
        write = self.write_for(uid_)
        if outcome is None:
            outcome = SecurityResult.SECURED if write.secured else SecurityResult.UNSECURED
        return self.send(SecurityDone(write.request, uid_, outcome))

    def verify_request(self) -> VerifyPatron:
        return self.last(VerifyPatron)

    # -- reading the log

    def results(self) -> list[ItemResult]:
        return [a for a in self.log if isinstance(a, ItemResult)]

    def result_for(self, uid_: str) -> ItemResult:
        found = [r for r in self.results() if r.uid == uid_]
        assert len(found) == 1, f"{uid_}: {len(found)} results"
        return found[0]


def of(actions: Iterable[Action], kind: type[A]) -> list[A]:
    return [a for a in actions if isinstance(a, kind)]


def kinds(actions: Iterable[Action]) -> list[str]:
    return [type(a).__name__ for a in actions]


def by_uid(actions: Iterable[Action]) -> Mapping[str, list[Action]]:
    table: dict[str, list[Action]] = {}
    for action in actions:
        key = getattr(action, "uid", None)
        if key is not None:
            table.setdefault(key, []).append(action)
    return table
