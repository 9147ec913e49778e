"""The transition table, cell by cell: every (state, event type) pair is allowed or refused.

A refused pair raises SessionError and changes nothing; an allowed pair never raises. Then the
named transitions of the screen flow, one row each.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from circ_world import Rig, item, uid

from kiosk.circulation import CardKind, MachineMode, Op, Patron, State, Verdict
from kiosk.circulation.session import (
    TRANSITIONS,
    Cancel,
    CardPresented,
    Event,
    Finish,
    ItemDecided,
    ModeChosen,
    OutOfService,
    PatronVerified,
    PinEntered,
    ReceiptChosen,
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

EVENT_TYPES: list[type[Event]] = [
    Cancel, CardPresented, Finish, ItemDecided, ModeChosen, OutOfService, PatronVerified,
    PinEntered, ReceiptChosen, Resume, SecurityDone, StaffOverride, TagRead, TagsSeen, Tick,
]
CARD = CardPresented(CardKind.MIFARE, "0001012345678", "04A1B2C3")


def rig(**config: object) -> Rig:
    config.setdefault("mode", MachineMode.BOTH)
    config.setdefault("ops", (Op.CHECKOUT, Op.RETURN))
    return Rig.new(**config)  # type: ignore[arg-type]


def verified(r: Rig, result: Verdict = Verdict.ACCEPTED) -> PatronVerified:
    v = r.last(VerifyPatron)
    patron = Patron("P-1", card=v.card) if result is Verdict.ACCEPTED else None
    return PatronVerified(v.request, result, patron=patron)


def at_welcome() -> Rig:
    return rig()


def at_pin() -> Rig:
    r = rig(pin_required=True)
    r.send(CARD)
    return r


def at_verifying() -> Rig:
    r = rig()
    r.send(CARD)
    return r


def at_choose() -> Rig:
    r = at_verifying()
    r.send(verified(r))
    return r


def at_items() -> Rig:
    r = at_choose()
    r.send(ModeChosen(Op.CHECKOUT))
    return r


def at_still_there() -> Rig:
    r = at_items()
    r.place(item(1))
    r.decide(uid(1), Verdict.REFUSED)
    r.tick(60_000)
    return r


def at_finishing() -> Rig:
    r = at_items()
    r.place(item(1))
    r.send(Finish())
    return r


def at_receipt() -> Rig:
    r = at_items()
    r.place(item(1))
    r.decide(uid(1), Verdict.REFUSED)
    r.send(Finish())
    return r


def at_goodbye() -> Rig:
    r = at_verifying()
    r.send(verified(r, Verdict.REFUSED))
    return r


def at_out_of_service() -> Rig:
    r = rig()
    r.send(OutOfService(True))
    return r


def at_staff() -> Rig:
    r = rig()
    r.send(StaffOverride(True))
    return r


SETUPS: dict[State, Callable[[], Rig]] = {
    State.WELCOME: at_welcome,
    State.PIN: at_pin,
    State.VERIFYING: at_verifying,
    State.CHOOSE: at_choose,
    State.ITEMS: at_items,
    State.STILL_THERE: at_still_there,
    State.FINISHING: at_finishing,
    State.RECEIPT: at_receipt,
    State.GOODBYE: at_goodbye,
    State.OUT_OF_SERVICE: at_out_of_service,
    State.STAFF: at_staff,
}


def sample(kind: type[Event], r: Rig) -> Event:
    samples: dict[type[Event], Callable[[], Event]] = {
        Cancel: Cancel,
        CardPresented: lambda: CARD,
        Finish: Finish,
        ItemDecided: lambda: ItemDecided(999, uid(1), Verdict.ACCEPTED),
        ModeChosen: lambda: ModeChosen(Op.RETURN),
        OutOfService: lambda: OutOfService(False),
        PatronVerified: lambda: PatronVerified(999, Verdict.REFUSED),
        PinEntered: lambda: PinEntered("1234"),
        ReceiptChosen: lambda: ReceiptChosen(False),
        Resume: Resume,
        SecurityDone: lambda: SecurityDone(999, uid(1), SecurityResult.SECURED),
        StaffOverride: lambda: StaffOverride(False),
        TagRead: lambda: TagRead(uid(7), item(7)),
        TagsSeen: lambda: TagsSeen(frozenset(r.pad), r.now + 1),
        Tick: lambda: Tick(r.now + 1),
    }
    return samples[kind]()


def test_every_state_has_a_row_and_a_setup() -> None:
    assert set(TRANSITIONS) == set(State) == set(SETUPS)
    for state, setup in SETUPS.items():
        assert setup().machine.state is state


def test_device_and_backend_events_are_accepted_everywhere() -> None:
    always = {TagsSeen, Tick, TagRead, ItemDecided, SecurityDone, PatronVerified,
              CardPresented, OutOfService, StaffOverride, Cancel}
    for state, row in TRANSITIONS.items():
        assert always <= set(row), state


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("kind", EVENT_TYPES, ids=lambda k: k.__name__)
def test_cell(state: State, kind: type[Event]) -> None:
    r = SETUPS[state]()
    event = sample(kind, r)
    if kind in TRANSITIONS[state]:
        r.machine.handle(event)  # must not raise
        return
    with pytest.raises(SessionError, match=f"{kind.__name__} is not allowed in state {state}"):
        r.machine.handle(event)
    assert r.machine.state is state  # and nothing changed
    assert r.machine.handle(Tick(r.now)) == []


UI_CELLS = {
    State.PIN: {PinEntered},
    State.CHOOSE: {ModeChosen},
    State.ITEMS: {ModeChosen, Finish},
    State.STILL_THERE: {Resume, Finish},
    State.RECEIPT: {ReceiptChosen},
}


@pytest.mark.parametrize("state", list(State))
def test_patron_ui_events_only_where_the_screen_offers_them(state: State) -> None:
    ui = {PinEntered, ModeChosen, Finish, Resume, ReceiptChosen}
    assert ui & set(TRANSITIONS[state]) == UI_CELLS.get(state, set())


FLOW: list[tuple[State, Callable[[Rig], Event], State]] = [
    (State.WELCOME, lambda r: CARD, State.VERIFYING),
    (State.WELCOME, lambda r: Cancel(), State.WELCOME),
    (State.WELCOME, lambda r: PatronVerified(1, Verdict.ACCEPTED), State.WELCOME),
    (State.PIN, lambda r: PinEntered("0000"), State.VERIFYING),
    (State.PIN, lambda r: Cancel(), State.WELCOME),
    (State.PIN, lambda r: CARD, State.PIN),
    (State.VERIFYING, verified, State.CHOOSE),
    (State.VERIFYING, lambda r: verified(r, Verdict.REFUSED), State.GOODBYE),
    (State.VERIFYING, lambda r: Cancel(), State.WELCOME),
    (State.VERIFYING, lambda r: PatronVerified(999, Verdict.REFUSED), State.VERIFYING),
    (State.CHOOSE, lambda r: ModeChosen(Op.RETURN), State.ITEMS),
    (State.CHOOSE, lambda r: Cancel(), State.WELCOME),
    (State.ITEMS, lambda r: ModeChosen(Op.RETURN), State.ITEMS),
    (State.ITEMS, lambda r: Finish(), State.GOODBYE),  # nothing handled: no receipt to offer
    (State.ITEMS, lambda r: Cancel(), State.GOODBYE),
    (State.ITEMS, lambda r: CARD, State.ITEMS),
    (State.STILL_THERE, lambda r: Resume(), State.ITEMS),
    (State.STILL_THERE, lambda r: Finish(), State.RECEIPT),
    (State.STILL_THERE, lambda r: Cancel(), State.GOODBYE),
    (State.STILL_THERE, lambda r: TagsSeen(frozenset(), r.now + 1), State.ITEMS),  # lifted
    (State.FINISHING, lambda r: ItemDecided(r.request_for(uid(1)).request, uid(1),
                                            Verdict.REFUSED), State.RECEIPT),
    (State.FINISHING, lambda r: Cancel(), State.FINISHING),
    (State.RECEIPT, lambda r: ReceiptChosen(True), State.GOODBYE),
    (State.RECEIPT, lambda r: ReceiptChosen(False), State.GOODBYE),
    (State.RECEIPT, lambda r: Cancel(), State.GOODBYE),
    (State.GOODBYE, lambda r: CARD, State.VERIFYING),
    (State.GOODBYE, lambda r: Tick(r.now + 5_000), State.WELCOME),
    (State.OUT_OF_SERVICE, lambda r: OutOfService(False), State.WELCOME),
    (State.OUT_OF_SERVICE, lambda r: CARD, State.OUT_OF_SERVICE),
    (State.OUT_OF_SERVICE, lambda r: StaffOverride(True), State.STAFF),
    (State.STAFF, lambda r: StaffOverride(False), State.WELCOME),
    (State.STAFF, lambda r: OutOfService(True), State.STAFF),
    *[(s, lambda r: OutOfService(True), State.OUT_OF_SERVICE)
      for s in State if s is not State.STAFF],
    *[(s, lambda r: StaffOverride(True), State.STAFF) for s in State],
]


@pytest.mark.parametrize(("start", "make", "end"), FLOW,
                         ids=[f"{s}-{i}" for i, (s, _, _) in enumerate(FLOW)])
def test_transition(start: State, make: Callable[[Rig], Event], end: State) -> None:
    r = SETUPS[start]()
    r.send(make(r))
    assert r.machine.state is end


def test_mode_chosen_names_only_offered_operations() -> None:
    r = at_choose()
    with pytest.raises(SessionError, match=r"ModeChosen\(renew\): not offered here"):
        r.send(ModeChosen(Op.RENEW))
    assert r.machine.state is State.CHOOSE


def test_mode_switch_only_on_machines_that_offer_a_choice() -> None:
    r = Rig.new(mode=MachineMode.CHECKOUT)
    r.send(CARD)
    r.send(verified(r))
    assert r.machine.state is State.ITEMS
    with pytest.raises(SessionError, match="offers no choice"):
        r.send(ModeChosen(Op.RETURN))


def test_accepted_patron_must_come_with_the_patron() -> None:
    r = at_verifying()
    with pytest.raises(SessionError, match="accepted no patron"):
        r.send(PatronVerified(r.last(VerifyPatron).request, Verdict.ACCEPTED))
    assert r.machine.state is State.VERIFYING


def test_leaving_staff_mode_returns_to_out_of_service_if_it_was() -> None:
    r = at_out_of_service()
    r.send(StaffOverride(True))
    r.send(StaffOverride(False))
    assert r.machine.state is State.OUT_OF_SERVICE
    r.send(OutOfService(False))
    assert r.machine.state is State.WELCOME
