"""A tiny fake I/O loop around the real SessionMachine, for the web UI tests.

It plays the runtime's part: it feeds events to the machine, hands every batch of actions to the
screen hub, and answers the machine's requests at once — tag reads from a catalogue, patron checks
and item decisions from small in-memory tables ("central"), tag-security writes always verified.
When ``central_up`` is false it answers as the offline policy would (accepted, marked offline) and
tells the screen the link is down. It can also run the whole web app on 127.0.0.1 in a thread, so
Playwright (in the test thread) drives a real browser against it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from kiosk.circulation import (
    CardKind,
    Debounce,
    ItemIdentity,
    ItemPolicy,
    ItemPolicyConfig,
    MachineMode,
    Op,
    Patron,
    PatronCard,
    SessionConfig,
    SessionMachine,
    Timeouts,
    Verdict,
)
from kiosk.circulation.decision import route_transit
from kiosk.circulation.reasons import Reason
from kiosk.circulation.session import (
    Action,
    ApplySecurity,
    CardPresented,
    Event,
    ItemDecided,
    PatronVerified,
    PrintReceipt,
    ReadTag,
    RequestDecision,
    SecurityDone,
    TagRead,
    TagsSeen,
    Tick,
    VerifyPatron,
)
from kiosk.security import SecurityResult
from kiosk.web import Catalog, PatronSummary, ScreenHub, create_app, serve

HOME = "CN-440100-1-GZLIB"
MEMBER = "CN-440103-1-LWLIB"
CST = timezone(timedelta(hours=8))
DUE = datetime(2026, 12, 24, 23, 59, 59, tzinfo=CST)
CARD = "0001012345678"
PIN = "2468"
NAMES = {MEMBER: "荔湾区图书馆"}

T = TypeVar("T")

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


def book(n: int, title: str, *, owner: str = HOME) -> ItemIdentity:
    return ItemIdentity.from_elements(
        uid(n), {1: f"4401{n:09d}", 3: owner, 5: "10", 17: title}
    )


@dataclass
class Central:
    """The library system's answers: patrons by card number, refusals by PII."""

    patrons: dict[str, tuple[str | None, Patron, PatronSummary]] = field(default_factory=dict)
    refusals: dict[tuple[str, Op], Reason] = field(default_factory=dict)
    routes: dict[str, str] = field(default_factory=dict)
    up: bool = True


@dataclass
class FakeKiosk:
    """SessionMachine + answers; every method runs on the event loop that owns the hub."""

    machine: SessionMachine
    hub: ScreenHub
    central: Central
    catalogue: dict[str, tuple[ItemIdentity, bool]] = field(default_factory=dict)
    pad: set[str] = field(default_factory=set)
    now: int = 0
    printed: list[tuple[str, ...]] = field(default_factory=list)
    log: list[Action] = field(default_factory=list)
    staff_reports: list[Any] = field(default_factory=list)

    @classmethod
    def new(cls, hub: ScreenHub, *, mode: MachineMode = MachineMode.BOTH,
            pin_required: bool = False) -> FakeKiosk:
        config = SessionConfig(
            mode=mode,
            ops=(Op.CHECKOUT, Op.RETURN),
            pin_required=pin_required,
            debounce=Debounce(appear_count=1, vanish_count=1),
            timeouts=TIMEOUTS,
        )
        policy = ItemPolicy(ItemPolicyConfig(HOME, frozenset({MEMBER})))
        central = Central()
        li = Patron("P-1", "李雷 Li Lei", PatronCard(CardKind.BARCODE_TYPED, CARD))
        central.patrons[CARD] = (PIN if pin_required else None, li,
                                 PatronSummary(loans=3, limit=10, overdue=1))
        return cls(SessionMachine(config, policy, now=0), hub, central)

    # -- the runtime's part

    async def submit(self, event: Event) -> None:
        self.run(event)

    def run(self, event: Event) -> None:
        """Feed ``event`` and every answer it leads to (SessionError from ``event`` propagates)."""
        queue: list[Event] = [event]
        while queue:
            actions = self.machine.handle(queue.pop(0))
            self.log.extend(actions)
            self.hub.publish(actions)
            for action in actions:
                queue.extend(self._answer(action))

    def _answer(self, action: Action) -> Iterable[Event]:
        if isinstance(action, ReadTag):
            identity, secured = self.catalogue[action.uid]
            return [TagRead(action.uid, identity, secured)]
        if isinstance(action, VerifyPatron):
            return [self._verify(action)]
        if isinstance(action, RequestDecision):
            return [self._decide(action)]
        if isinstance(action, ApplySecurity):
            outcome = SecurityResult.SECURED if action.secured else SecurityResult.UNSECURED
            return [SecurityDone(action.request, action.uid, outcome)]
        if isinstance(action, PrintReceipt):
            self.printed.append(action.lines)
        return []

    def _verify(self, action: VerifyPatron) -> PatronVerified:
        entry = self.central.patrons.get(action.card.label)
        if not self.central.up:
            self.hub.set_link(False)
            if entry is None:
                return PatronVerified(action.request, Verdict.REFUSED, Reason.PATRON_UNKNOWN)
            return PatronVerified(action.request, Verdict.ACCEPTED, patron=entry[1], offline=True)
        if entry is None:
            return PatronVerified(action.request, Verdict.REFUSED, Reason.PATRON_UNKNOWN)
        pin, patron, summary = entry
        if pin is not None and action.pin is None:
            return PatronVerified(action.request, Verdict.REFUSED, Reason.PIN_REQUIRED)
        if pin is not None and action.pin != pin:
            return PatronVerified(action.request, Verdict.REFUSED, Reason.PIN_WRONG)
        self.hub.set_summary(summary)
        return PatronVerified(action.request, Verdict.ACCEPTED, patron=patron)

    def _decide(self, action: RequestDecision) -> ItemDecided:
        pii = action.identity.pii or ""
        due = DUE if action.op is Op.CHECKOUT else None
        if not self.central.up:
            self.hub.set_link(False)
            return ItemDecided(action.request, action.uid, Verdict.ACCEPTED, due=due, offline=True)
        reason = self.central.refusals.get((pii, action.op))
        if reason is not None:
            return ItemDecided(action.request, action.uid, Verdict.REFUSED, reason)
        route = self.central.routes.get(pii)
        return ItemDecided(action.request, action.uid, Verdict.ACCEPTED, due=due, route=route)

    # -- the world's part (tests)

    def place(self, *items: ItemIdentity, secured: bool = True) -> None:
        for identity in items:
            self.catalogue[identity.uid] = (identity, secured)
            self.pad.add(identity.uid)
        self.inventory()

    def lift_all(self) -> None:
        self.pad.clear()
        self.inventory()

    def inventory(self) -> None:
        self.now += 100
        self.run(TagsSeen(frozenset(self.pad), self.now))

    def advance(self, ms: int) -> None:
        self.now += ms
        self.run(Tick(self.now))

    def card(self, number: str = CARD) -> None:
        self.run(CardPresented(CardKind.BARCODE_SCANNED, number=number))

    def cut_network(self) -> None:
        self.central.up = False
        self.hub.set_link(False)


def transit_route() -> str:
    return route_transit(MEMBER)


class Served:
    """The web app for one FakeKiosk, served on 127.0.0.1 from a background thread's loop."""

    def __init__(self, catalog: Catalog, *, desk: Callable[[FakeKiosk], Any] | None = None,
                 **kiosk: Any) -> None:
        self._desk = desk
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.hub, self.kiosk, self._runner, self.port = self.call_async(self._start(catalog, kiosk))
        self.url = f"http://127.0.0.1:{self.port}/"

    async def _start(self, catalog: Catalog, kiosk: dict[str, Any]) -> Any:
        hub = ScreenHub(catalog, library_names=NAMES)
        fake = FakeKiosk.new(hub, **kiosk)
        staff = None if self._desk is None else self._desk(fake)
        app = create_app(hub, fake.submit, catalog, staff=staff)
        runner, port = await serve(app)
        return hub, fake, runner, port

    def call_async(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the server's loop (where the machine lives) and return its value."""
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the test thread
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result(10)

    def close(self) -> None:
        self.call_async(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
