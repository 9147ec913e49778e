"""Random event sequences against the session machine, with the invariants the issue names.

The model plays the I/O layer: it keeps the requests the machine has open and answers them in
any order, any way (or never), sends random pad snapshots, ticks, patron buttons that may not be
allowed, and stale answers to requests from sessions that have ended. Invariants:

1. ``handle`` raises nothing but SessionError, and a refused event changes nothing;
2. no ``ApplySecurity(secured=False)`` without an accepted checkout decision for that uid, except
   the rollback of this session's own secure write on a refused return;
3. no accepted return shown before the tag's secure write came back secured (and no accepted
   checkout before its unsecure write came back unsecured);
4. at most one ItemResult per uid per session, and exactly one for every uid whose decision
   the machine took, unless EndSession lists it as unfinished;
5. stale answers are ignored; after any event, a Tick at the same time does nothing;
6. after long enough without events the machine is back at WELCOME (or out of service / staff).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from circ_world import MEMBER, STRANGER, item, make_policy, patron_tag, uid
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from kiosk.circulation import (
    CardKind,
    Debounce,
    ItemIdentity,
    MachineMode,
    Op,
    Patron,
    SessionConfig,
    SessionMachine,
    State,
    Timeouts,
    Verdict,
)
from kiosk.circulation.reasons import Reason
from kiosk.circulation.session import (
    Action,
    ApplySecurity,
    Cancel,
    CardPresented,
    EndSession,
    Event,
    Finish,
    ItemDecided,
    ItemResult,
    ModeChosen,
    OutOfService,
    PatronVerified,
    PinEntered,
    ReadTag,
    ReceiptChosen,
    RequestDecision,
    Resume,
    SecurityDone,
    StaffOverride,
    TagRead,
    TagsSeen,
    Tick,
    VerifyPatron,
)
from kiosk.errors import SessionError
from kiosk.security import SecurityResult

CATALOGUE: dict[str, ItemIdentity] = {
    uid(1): item(1, owner=MEMBER),
    uid(2): item(2),
    uid(3): item(3, owner=STRANGER),  # refused locally
    uid(4): item(4, "440189000009", set_info="0201"),  # a two-part set
    uid(5): item(5, "440189000009", set_info="0202"),
    uid(6): patron_tag(6),
    uid(7): ItemIdentity.unreadable(uid(7), "CRC error"),
}
UIDS = sorted(CATALOGUE)
TIMEOUTS = Timeouts(
    idle_ms=6_000, step_ms=3_000, verify_ms=2_000, still_there_ms=1_500, receipt_ms=2_000,
    goodbye_ms=500, set_settle_ms=200, put_back_ms=2_000, pending_grace_ms=1_500,
)
LONGEST = max(TIMEOUTS.idle_ms, TIMEOUTS.put_back_ms) + 1


class SessionModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.machine: SessionMachine | None = None
        self.now = 0
        self.reads: set[str] = set()
        self.verifies: dict[int, VerifyPatron] = {}
        self.requests: dict[int, RequestDecision] = {}
        self.writes: dict[int, ApplySecurity] = {}
        self.stale: list[Event] = []
        self.pad: frozenset[str] = frozenset()
        self.new_session()

    def new_session(self) -> None:
        self.accepted_checkout: set[str] = set()
        self.refused_return: set[str] = set()
        self.secure_written: set[str] = set()
        self.verified_state: dict[str, bool] = {}
        self.decided: set[str] = set()
        self.result_count: Counter[str] = Counter()

    @initialize(
        mode=st.sampled_from(MachineMode),
        pin=st.booleans(),
        secure_first=st.booleans(),
        appear=st.integers(1, 2),
        vanish=st.integers(1, 2),
        ops=st.sampled_from([(Op.CHECKOUT, Op.RETURN, Op.RENEW), (Op.RETURN,)]),
    )
    def setup(self, *, mode: MachineMode, pin: bool, secure_first: bool, appear: int,
              vanish: int, ops: tuple[Op, ...]) -> None:
        config = SessionConfig(
            mode=mode, ops=ops, pin_required=pin, return_secure_first=secure_first,
            max_pin_attempts=2, debounce=Debounce(appear_count=appear, vanish_count=vanish),
            timeouts=TIMEOUTS,
        )
        self.machine = SessionMachine(config, make_policy(), now=0)

    # ------------------------------------------------------------ feeding and checking

    @property
    def m(self) -> SessionMachine:
        assert self.machine is not None
        return self.machine

    def send(self, event: Event) -> list[Action]:
        before = self.m.state
        try:
            out = self.m.handle(event)
        except SessionError:
            assert self.m.state is before
            assert self.m.handle(Tick(self.m.now)) == []
            return []
        for action in out:
            self.observe(action)
        assert self.m.handle(Tick(self.m.now)) == [], "a repeated reconcile emitted actions"
        return out

    def observe(self, action: Action) -> None:
        if isinstance(action, ReadTag):
            self.reads.add(action.uid)
        elif isinstance(action, VerifyPatron):
            self.verifies[action.request] = action
        elif isinstance(action, RequestDecision):
            assert action.uid == action.parts[0]
            self.requests[action.request] = action
        elif isinstance(action, ApplySecurity):
            if not action.secured:
                allowed = action.uid in self.accepted_checkout or (
                    action.rollback
                    and action.uid in self.refused_return
                    and action.uid in self.secure_written
                )
                assert allowed, f"unsecure of {action.uid} without an accepted checkout"
            else:
                self.secure_written.add(action.uid)
            self.writes[action.request] = action
        elif isinstance(action, ItemResult):
            self.result_count[action.uid] += 1
            assert self.result_count[action.uid] == 1, f"second result for {action.uid}"
            if action.result is Verdict.ACCEPTED and action.op is Op.RETURN:
                assert self.verified_state.get(action.uid) is True, "return shown before secured"
            if action.result is Verdict.ACCEPTED and action.op is Op.CHECKOUT:
                assert self.verified_state.get(action.uid) is False, "checkout before unsecured"
        elif isinstance(action, EndSession):
            missing = {u for u in self.decided - action.unfinished if self.result_count[u] != 1}
            assert not missing, f"decided without a result: {missing}"
            self.stale.extend(
                ItemDecided(r.request, r.uid, Verdict.ACCEPTED) for r in self.requests.values()
            )
            self.stale.extend(
                SecurityDone(w.request, w.uid, SecurityResult.UNSECURED)
                for w in self.writes.values()
            )
            self.requests.clear()
            self.writes.clear()
            self.new_session()

    # ------------------------------------------------------------ the world

    @rule(tags=st.frozensets(st.sampled_from(UIDS)), step=st.sampled_from([0, 50, 100, 400]))
    def inventory(self, tags: frozenset[str], step: int) -> None:
        self.now += step
        self.pad = tags
        self.send(TagsSeen(tags, self.now))

    @rule(times=st.integers(1, 3))
    def same_inventory(self, times: int) -> None:
        """A stack that lies still: the same snapshot again (lets debouncing count)."""
        for _ in range(times):
            self.now += 100
            self.send(TagsSeen(self.pad, self.now))

    @rule(step=st.sampled_from([1, 100, 500, 1_500, 2_000, 6_000]))
    def tick(self, step: int) -> None:
        self.now += step
        self.send(Tick(self.now))

    @precondition(lambda self: self.reads)
    @rule(data=st.data(), gone=st.booleans(), secured=st.sampled_from([None, True, False]))
    def answer_read(self, data: st.DataObject, gone: bool, secured: bool | None) -> None:
        tag = data.draw(st.sampled_from(sorted(self.reads)))
        self.reads.discard(tag)
        self.send(TagRead(tag, None if gone else CATALOGUE[tag], secured))

    @precondition(lambda self: self.verifies)
    @rule(
        data=st.data(),
        answer=st.sampled_from([
            (Verdict.ACCEPTED, Reason.OK), (Verdict.REFUSED, Reason.PIN_WRONG),
            (Verdict.REFUSED, Reason.PIN_REQUIRED), (Verdict.REFUSED, Reason.PATRON_BLOCKED),
        ]),
    )
    def answer_verify(self, data: st.DataObject, answer: tuple[Verdict, Reason]) -> None:
        request = data.draw(st.sampled_from(sorted(self.verifies)))
        ask = self.verifies.pop(request)
        patron = Patron("P-1", card=ask.card) if answer[0] is Verdict.ACCEPTED else None
        self.send(PatronVerified(request, answer[0], answer[1], patron))

    @precondition(lambda self: self.requests)
    @rule(data=st.data(), accepted=st.booleans())
    def answer_decision(self, data: st.DataObject, accepted: bool) -> None:
        request = data.draw(st.sampled_from(sorted(self.requests)))
        ask = self.requests.pop(request)
        self.decided.update(ask.parts)
        if accepted and ask.op is Op.CHECKOUT:
            self.accepted_checkout.update(ask.parts)
        if not accepted and ask.op is Op.RETURN:
            self.refused_return.update(ask.parts)
        result = Verdict.ACCEPTED if accepted else Verdict.REFUSED
        reason = Reason.OK if accepted else Reason.CENTRAL_REFUSED
        self.send(ItemDecided(request, ask.uid, result, reason))

    @precondition(lambda self: self.writes)
    @rule(data=st.data(), how=st.sampled_from(["ok", "ok", "ok", "gone", "failed", "opposite"]))
    def answer_write(self, data: st.DataObject, how: str) -> None:
        request = data.draw(st.sampled_from(sorted(self.writes)))
        ask = self.writes.pop(request)
        done = SecurityResult.SECURED if ask.secured else SecurityResult.UNSECURED
        other = SecurityResult.UNSECURED if ask.secured else SecurityResult.SECURED
        outcome = {"ok": done, "gone": SecurityResult.TAG_GONE, "failed": SecurityResult.FAILED,
                   "opposite": other}[how]
        if outcome is done:
            self.verified_state[ask.uid] = ask.secured
        self.send(SecurityDone(request, ask.uid, outcome))

    @precondition(lambda self: self.stale)
    @rule(data=st.data())
    def stale_answer(self, data: st.DataObject) -> None:
        event = data.draw(st.sampled_from(self.stale))
        assert self.send(event) == [], "a stale answer had an effect"

    # ------------------------------------------------------------ the patron and staff

    @rule(event=st.sampled_from([
        CardPresented(CardKind.MIFARE, "0001012345678", "04A1B2C3"),
        CardPresented(CardKind.UID, None, uid(6)),
        CardPresented(CardKind.BARCODE_TYPED, "0001012345678"),
        CardPresented(CardKind.BARCODE_SCANNED, " "),
        PinEntered("1234"),
        ModeChosen(Op.CHECKOUT), ModeChosen(Op.RETURN), ModeChosen(Op.RENEW),
        Finish(), Resume(), ReceiptChosen(True), ReceiptChosen(False), Cancel(),
    ]))
    def patron(self, event: Event) -> None:
        self.send(event)

    @rule(event=st.sampled_from([OutOfService(True), StaffOverride(True)]),
          dice=st.integers(0, 5))
    def staff_takes_over(self, event: Event, dice: int) -> None:
        if dice == 0:  # rarely, or sessions would hardly ever get going
            self.send(event)

    @precondition(lambda self: self.machine is not None
                  and self.m.state in (State.OUT_OF_SERVICE, State.STAFF))
    @rule(event=st.sampled_from([OutOfService(False), StaffOverride(False)]))
    def staff_gives_back(self, event: Event) -> None:
        self.send(event)

    @precondition(lambda self: self.machine is not None
                  and self.m.state in (State.WELCOME, State.GOODBYE))
    @rule(op=st.sampled_from(Op), wrong_first=st.booleans())
    def log_in(self, op: Op, wrong_first: bool) -> None:
        """A patron who knows the way: card, PIN, accepted, operation."""
        self.send(CardPresented(CardKind.MIFARE, "0001012345678", "04A1B2C3"))
        for answer in ([Reason.PIN_WRONG] if wrong_first else []) + [Reason.OK]:
            if self.m.state is State.PIN:
                self.send(PinEntered("1234"))
            if self.m.state is not State.VERIFYING:
                return
            request = max(self.verifies)
            ask = self.verifies.pop(request)
            if answer is Reason.OK:
                self.send(PatronVerified(request, Verdict.ACCEPTED, patron=Patron("P-1",
                                                                                   card=ask.card)))
            else:
                self.send(PatronVerified(request, Verdict.REFUSED, answer))
        if self.m.state is State.CHOOSE:
            self.send(ModeChosen(op))

    @rule(accept=st.booleans(), writes_first=st.booleans(), settle=st.booleans())
    def answer_everything(self, accept: bool, writes_first: bool, settle: bool) -> None:
        """The reader and the back end do their job: every open request answered at once."""
        if settle:  # the stack lies still long enough to count
            self.same_inventory(2)
        for tag in sorted(self.reads):
            self.reads.discard(tag)
            self.send(TagRead(tag, CATALOGUE[tag], False))
        if writes_first:
            self.answer_writes()
        for request in sorted(self.requests):
            ask = self.requests.pop(request)
            self.decided.update(ask.parts)
            if accept and ask.op is Op.CHECKOUT:
                self.accepted_checkout.update(ask.parts)
            if not accept and ask.op is Op.RETURN:
                self.refused_return.update(ask.parts)
            verdict = Verdict.ACCEPTED if accept else Verdict.REFUSED
            self.send(ItemDecided(request, ask.uid, verdict, Reason.OK if accept
                                  else Reason.RESERVED))
        self.answer_writes()
        self.answer_writes()  # rollbacks come after the first answers

    def answer_writes(self) -> None:
        for request in sorted(self.writes):
            ask = self.writes.pop(request)
            self.verified_state[ask.uid] = ask.secured
            done = SecurityResult.SECURED if ask.secured else SecurityResult.UNSECURED
            self.send(SecurityDone(request, ask.uid, done))

    # ------------------------------------------------------------ always

    @invariant()
    def session_and_screen_agree(self) -> None:
        if self.machine is None:
            return
        idle = (State.WELCOME, State.GOODBYE, State.OUT_OF_SERVICE, State.STAFF)
        assert self.m.in_session == (self.m.state not in idle)
        if not self.m.in_session:
            assert self.m.patron is None


SessionModel.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSessionModel = SessionModel.TestCase


def test_model_covers_every_event_type() -> None:
    from kiosk.circulation.session import TRANSITIONS

    sent: set[Any] = {TagsSeen, Tick, TagRead, PatronVerified, ItemDecided, SecurityDone,
                      CardPresented, PinEntered, ModeChosen, Finish, Resume, ReceiptChosen,
                      Cancel, OutOfService, StaffOverride}
    assert sent == set().union(*(set(row) for row in TRANSITIONS.values()))
