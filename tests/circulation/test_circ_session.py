"""Patron stories through the session machine: identification, items, security, sets, timeouts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from circ_world import MEMBER, STRANGER, Rig, item, kinds, of, patron_tag, uid

from kiosk.circulation import (
    CardKind,
    Debounce,
    ItemIdentity,
    MachineMode,
    Op,
    Patron,
    PatronCard,
    State,
    Verdict,
)
from kiosk.circulation.reasons import Message, Reason, message_for
from kiosk.circulation.session import (
    ApplySecurity,
    Beep,
    BeepPattern,
    Cancel,
    CardPresented,
    EndReason,
    EndSession,
    Finish,
    ItemDecided,
    ItemNotice,
    ItemResult,
    ModeChosen,
    OutOfService,
    PatronVerified,
    PinEntered,
    PrintReceipt,
    PromptStillThere,
    ReadTag,
    ReceiptChosen,
    RequestDecision,
    Resume,
    SecurityDone,
    Show,
    StaffOverride,
    TagRead,
    TagsSeen,
    Tick,
    VerifyPatron,
)
from kiosk.security import SecurityResult

CST = timezone(timedelta(hours=8))
DUE = datetime(2024, 3, 31, 23, 59, 59, tzinfo=CST)
CARD = CardPresented(CardKind.MIFARE, "0001012345678", "04A1B2C3")
LI = Patron("P-1", "Li Lei", CARD.card)


def identified(mode: MachineMode = MachineMode.CHECKOUT, **config: object) -> Rig:
    r = Rig.new(mode=mode, **config)  # type: ignore[arg-type]
    r.send(CARD)
    r.send(PatronVerified(r.last(VerifyPatron).request, Verdict.ACCEPTED, patron=LI))
    return r


# ---------------------------------------------------------------- the whole story


def test_pin_wrong_then_right_three_books_one_on_hold_one_lifted_mid_write() -> None:
    r = Rig.new(mode=MachineMode.CHECKOUT, pin_required=True)
    out = r.send(CARD)
    assert out == [Show(State.PIN, attempts_left=3)]

    r.send(PinEntered("1111"))
    first = r.last(VerifyPatron)
    assert (first.card, first.pin) == (CARD.card, "1111")
    assert "1111" not in repr(first)  # a PIN never reaches a log line
    out = r.send(PatronVerified(first.request, Verdict.REFUSED, Reason.PIN_WRONG))
    assert out == [
        Beep(BeepPattern.ERROR),
        Show(State.PIN, reason=Reason.PIN_WRONG, message=message_for(Reason.PIN_WRONG),
             attempts_left=2),
    ]

    r.send(PinEntered("1234"))
    second = r.last(VerifyPatron)
    assert second.request != first.request
    out = r.send(PatronVerified(second.request, Verdict.ACCEPTED, patron=LI))
    assert out == [Show(State.ITEMS, op=Op.CHECKOUT, patron=LI)]

    books = item(1, title="三体"), item(2), item(3)
    out = r.place(*books)
    requests = of(out, RequestDecision)
    assert [q.uid for q in requests] == [uid(1), uid(2), uid(3)]  # all in flight at once
    assert {q.patron for q in requests} == {LI} and {q.op for q in requests} == {Op.CHECKOUT}
    assert of(out, ApplySecurity) == []  # nothing is unsecured before central says yes

    out = r.decide(uid(2), Verdict.REFUSED, Reason.ON_HOLD_FOR_OTHER)
    assert of(out, ApplySecurity) == []  # a refused checkout writes nothing
    assert r.result_for(uid(2)).reason is Reason.ON_HOLD_FOR_OTHER

    out = r.decide(uid(1), due=DUE)
    assert of(out, ApplySecurity) == [ApplySecurity(r.write_for(uid(1)).request, uid(1), False)]
    assert of(out, ItemResult) == []  # not before the tag reads back unsecured
    out = r.secured(uid(1))
    [done] = of(out, ItemResult)
    assert (done.result, done.due, done.title, done.pii) == (
        Verdict.ACCEPTED, DUE, "三体", "4401000000001")

    r.decide(uid(3), due=DUE)
    out = r.secured(uid(3), SecurityResult.TAG_GONE)  # lifted in the middle of the write
    assert of(out, ItemNotice) == [
        ItemNotice(uid(3), Reason.TAG_REMOVED, message_for(Reason.TAG_REMOVED))]
    assert of(out, ItemResult) == []
    out = r.lift(uid(3))
    assert of(out, ItemNotice) == [] and of(out, ApplySecurity) == []  # told once
    out = r.put(uid(3))
    assert of(out, ApplySecurity)[0].uid == uid(3)  # retried when it comes back
    assert of(out, ReadTag) == []  # no need to read it again
    out = r.secured(uid(3))
    assert of(out, ItemResult)[0].result is Verdict.ACCEPTED

    out = r.send(Finish())
    assert out[-1].screen is State.RECEIPT  # type: ignore[attr-defined]
    out = r.send(ReceiptChosen(True))
    [receipt] = of(out, PrintReceipt)
    assert receipt.lines[0] == "自助借还凭条 Self-service receipt"
    assert "读者 Patron: P-1" in receipt.lines
    assert "4401000000001 三体" in receipt.lines
    assert "  已借出 Borrowed  应还 Due 2024-03-31" in receipt.lines
    assert "  未借出 Not borrowed" in receipt.lines
    assert of(out, EndSession) == [EndSession(EndReason.FINISHED)]
    assert r.machine.state is State.GOODBYE
    r.tick(5_000)
    assert r.machine.state is State.WELCOME
    assert sorted(x.uid for x in r.results()) == [uid(1), uid(2), uid(3)]  # one result each


def test_pin_locked_after_the_last_wrong_try() -> None:
    r = Rig.new(pin_required=True, max_pin_attempts=2)
    r.send(CARD)
    for _ in range(2):
        r.send(PinEntered("0000"))
        out = r.send(PatronVerified(r.last(VerifyPatron).request, Verdict.REFUSED,
                                    Reason.PIN_WRONG))
    assert of(out, EndSession) == [EndSession(EndReason.REFUSED)]
    assert of(out, Show) == [Show(State.GOODBYE, reason=Reason.PIN_LOCKED,
                                  message=message_for(Reason.PIN_LOCKED))]


def test_central_asks_for_a_pin_the_machine_did_not_require() -> None:
    r = Rig.new()
    r.send(CARD)
    assert r.last(VerifyPatron).pin is None
    r.send(PatronVerified(r.last(VerifyPatron).request, Verdict.REFUSED, Reason.PIN_REQUIRED))
    assert r.machine.state is State.PIN
    r.send(PinEntered("1234"))
    assert r.last(VerifyPatron).pin == "1234"
    # asking again after a PIN was given is a refusal, not a loop
    r.send(PatronVerified(r.last(VerifyPatron).request, Verdict.REFUSED, Reason.PIN_REQUIRED))
    assert r.machine.state is State.GOODBYE


@pytest.mark.parametrize("reason", [Reason.PATRON_BLOCKED, Reason.PATRON_UNKNOWN,
                                    Reason.PATRON_EXPIRED, Reason.PIN_LOCKED])
def test_refused_patron_sees_why_then_welcome(reason: Reason) -> None:
    r = Rig.new()
    r.send(CARD)
    out = r.send(PatronVerified(r.last(VerifyPatron).request, Verdict.REFUSED, reason))
    assert out[-1] == Show(State.GOODBYE, reason=reason, message=message_for(reason))
    r.tick(4_999)
    assert r.machine.state is State.GOODBYE
    r.tick(1)
    assert r.machine.state is State.WELCOME


def test_empty_scan_is_ignored_and_barcodes_identify() -> None:
    r = Rig.new()
    assert r.send(CardPresented(CardKind.BARCODE_SCANNED, "   ")) == []
    r.send(CardPresented(CardKind.BARCODE_TYPED, "0001012345678"))
    assert r.last(VerifyPatron).card == PatronCard(CardKind.BARCODE_TYPED, "0001012345678")


def test_late_patron_answer_after_cancel_is_ignored() -> None:
    r = Rig.new()
    r.send(CARD)
    stale = r.last(VerifyPatron).request
    out = r.send(Cancel())
    assert of(out, EndSession) == [EndSession(EndReason.CANCELLED)]
    r.send(CARD)
    assert r.send(PatronVerified(stale, Verdict.ACCEPTED, patron=LI)) == []
    assert r.machine.state is State.VERIFYING


# ---------------------------------------------------------------- patron cards on the pad


def test_patron_card_laid_on_the_pad_identifies_and_is_never_an_item() -> None:
    r = Rig.new(mode=MachineMode.CHECKOUT)
    card = patron_tag(50)
    out = r.place(card, item(1))
    [verify] = of(out, VerifyPatron)
    assert verify.card == PatronCard(CardKind.RFID_TAG, "0001012345678", uid(50))
    r.send(PatronVerified(verify.request, Verdict.ACCEPTED, patron=Patron("P-1", card=verify.card)))
    requests = of(r.log, RequestDecision)
    assert [q.uid for q in requests] == [uid(1)]  # the book, read early, goes at once
    r.decide(uid(1), Verdict.REFUSED)
    r.send(Finish())
    r.send(ReceiptChosen(False))
    r.tick(5_000)
    assert r.machine.state is State.WELCOME
    r.inventory()  # the card still lies there: it does not open a new session by itself
    assert r.machine.state is State.WELCOME
    r.lift(uid(50))
    r.put(uid(50))
    assert r.machine.state is State.VERIFYING


def test_card_reader_card_whose_uid_is_on_the_pad_is_not_an_item() -> None:
    r = identified()
    # the same card lies on the pad; its memory is not ISO 28560, so it reads as unreadable
    unreadable_card = ItemIdentity.unreadable("04A1B2C3", "not an ISO 28560 tag")
    r.catalogue["04A1B2C3"] = (unreadable_card, None)
    r.pad.add("04A1B2C3")
    out = r.place(item(1))
    assert [q.uid for q in of(out, RequestDecision)] == [uid(1)]
    assert all(x.uid != "04A1B2C3" for x in r.results())
    # and it does not count as "items on the pad" for the still-there prompt
    r.decide(uid(1), Verdict.REFUSED)
    r.lift(uid(1))
    r.tick(60_000)
    assert r.machine.state is State.WELCOME


def test_patron_card_on_a_return_only_machine_is_ignored() -> None:
    r = Rig.new(mode=MachineMode.RETURN_ONLY)
    out = r.place(patron_tag(50))
    assert r.machine.state is State.WELCOME
    assert kinds(out) == ["ReadTag"]


# ---------------------------------------------------------------- local refusals


@pytest.mark.parametrize(
    ("identity", "op", "reason", "route"),
    [
        (ItemIdentity.unreadable(uid(1), "CRC"), Op.CHECKOUT, Reason.TAG_UNREADABLE, None),
        (item(1, usage="20"), Op.CHECKOUT, Reason.NOT_FOR_CIRCULATION, None),
        (item(1, usage="70"), Op.CHECKOUT, Reason.DISCARDED, None),
        (item(1, owner=STRANGER), Op.CHECKOUT, Reason.NOT_MEMBER_LIBRARY, None),
        (item(1, owner=STRANGER), Op.RETURN, Reason.NOT_MEMBER_LIBRARY, None),
        (item(1, ill=MEMBER), Op.RETURN, Reason.ILL_ITEM, "staff"),
        (ItemIdentity.unreadable(uid(1), "CRC"), Op.RETURN, Reason.TAG_UNREADABLE, None),
    ],
)
def test_local_refusals_never_reach_central_nor_the_tag(
    identity: ItemIdentity, op: Op, reason: Reason, route: str | None
) -> None:
    r = identified(MachineMode.BOTH)
    r.send(ModeChosen(op))
    out = r.place(identity)
    assert of(out, RequestDecision) == [] and of(out, ApplySecurity) == []
    [result] = of(out, ItemResult)
    assert (result.uid, result.result, result.reason, result.route, result.op) == (
        uid(1), Verdict.REFUSED, reason, route, op)
    assert result.message == message_for(reason)


def test_tag_that_keeps_leaving_mid_read_becomes_unreadable() -> None:
    r = identified(max_read_attempts=2, auto_read=False)
    r.pad.add(uid(1))
    out = r.inventory()
    assert of(out, ReadTag) == [ReadTag(uid(1))]
    assert r.inventory() == []  # one read at a time
    r.send(TagRead(uid(1), None))
    assert of(r.inventory(), ReadTag) == [ReadTag(uid(1))]  # read again
    out = r.send(TagRead(uid(1), None))
    assert of(out, ItemResult)[0].reason is Reason.TAG_UNREADABLE


def test_read_answer_for_a_tag_that_left_is_dropped() -> None:
    r = identified(auto_read=False)
    r.pad.add(uid(1))
    r.inventory()
    r.lift(uid(1))
    assert r.send(TagRead(uid(1), item(1))) == []
    assert of(r.put(uid(1)), ReadTag) == [ReadTag(uid(1))]


# ---------------------------------------------------------------- returns and security order


def test_return_secures_first_and_shows_success_only_after_the_write() -> None:
    r = identified(MachineMode.RETURN)
    out = r.place(item(1, owner=MEMBER))
    assert kinds(out)[-2:] == ["RequestDecision", "ApplySecurity"]  # journal intent first
    write = of(out, ApplySecurity)[0]
    assert (write.secured, write.rollback) == (True, False)
    out = r.decide(uid(1), route=f"transit:{MEMBER}")
    assert of(out, ItemResult) == []  # decided, but the tag is not secured yet
    out = r.secured(uid(1))
    [result] = of(out, ItemResult)
    assert (result.result, result.route) == (Verdict.ACCEPTED, f"transit:{MEMBER}")


def test_return_secures_after_acceptance_when_configured() -> None:
    r = identified(MachineMode.RETURN, return_secure_first=False)
    out = r.place(item(1))
    assert of(out, ApplySecurity) == []
    out = r.decide(uid(1))
    assert of(out, ApplySecurity)[0].secured is True
    assert of(out, ItemResult) == []
    assert of(r.secured(uid(1)), ItemResult)[0].result is Verdict.ACCEPTED


def test_refused_return_rolls_back_the_early_write() -> None:
    r = identified(MachineMode.RETURN)
    r.place(item(1), secured=False)
    r.secured(uid(1))
    out = r.decide(uid(1), Verdict.REFUSED, Reason.RESERVED, route="staff")
    assert of(out, ItemResult)[0].reason is Reason.RESERVED  # told at once
    rollback = of(out, ApplySecurity)
    assert [(w.uid, w.secured, w.rollback) for w in rollback] == [(uid(1), False, True)]
    r.secured(uid(1))
    assert r.machine.handle(Tick(r.now)) == []


def test_refused_return_waits_for_the_early_write_then_rolls_back() -> None:
    r = identified(MachineMode.RETURN)
    r.place(item(1), secured=False)
    out = r.decide(uid(1), Verdict.REFUSED, Reason.CENTRAL_REFUSED)
    assert of(out, ApplySecurity) == []  # the secure write is still in flight
    out = r.secured(uid(1))
    assert [(w.secured, w.rollback) for w in of(out, ApplySecurity)] == [(False, True)]


def test_refused_return_of_an_already_secured_tag_needs_no_rollback() -> None:
    r = identified(MachineMode.RETURN)
    r.place(item(1), secured=True)
    r.secured(uid(1))
    out = r.decide(uid(1), Verdict.REFUSED, Reason.CENTRAL_REFUSED)
    assert of(out, ApplySecurity) == []


def test_failed_return_write_goes_to_staff() -> None:
    r = identified(MachineMode.RETURN)
    r.place(item(1))
    r.secured(uid(1), SecurityResult.FAILED)
    out = r.decide(uid(1))
    [result] = of(out, ItemResult)
    assert (result.result, result.reason, result.route) == (
        Verdict.REFUSED, Reason.SECURITY_FAILED, "staff")


def test_failed_checkout_write_is_refused() -> None:
    r = identified()
    r.place(item(1))
    r.decide(uid(1))
    out = r.secured(uid(1), SecurityResult.FAILED)
    [result] = of(out, ItemResult)
    assert (result.result, result.reason, result.route) == (
        Verdict.REFUSED, Reason.SECURITY_FAILED, None)
    assert of(out, ApplySecurity) == []  # nothing was unsecured, nothing to undo


def test_write_verified_the_wrong_way_counts_as_failed() -> None:
    r = identified()
    r.place(item(1))
    r.decide(uid(1))
    out = r.secured(uid(1), SecurityResult.SECURED)  # asked to unsecure
    assert of(out, ItemResult)[0].reason is Reason.SECURITY_FAILED


def test_tag_gone_too_often_fails() -> None:
    r = identified(max_security_attempts=2)
    r.place(item(1))
    r.decide(uid(1))
    r.secured(uid(1), SecurityResult.TAG_GONE)
    out = r.inventory()  # a fresh inventory sees it: retry
    assert len(of(out, ApplySecurity)) == 1
    out = r.secured(uid(1), SecurityResult.TAG_GONE)
    assert of(out, ItemResult)[0].reason is Reason.SECURITY_FAILED


def test_removed_before_decision_patron_is_told_then_waits_for_it() -> None:
    r = identified()
    r.place(item(1))
    out = r.lift(uid(1))
    assert of(out, ItemNotice) == [
        ItemNotice(uid(1), Reason.TAG_REMOVED, message_for(Reason.TAG_REMOVED))]
    out = r.decide(uid(1))
    assert of(out, ApplySecurity) == [] and of(out, ItemResult) == []
    out = r.put(uid(1))
    assert of(out, ApplySecurity)[0].secured is False
    assert of(r.secured(uid(1)), ItemResult)[0].result is Verdict.ACCEPTED


def test_removed_before_a_refusal_still_gets_the_refusal() -> None:
    r = identified()
    r.place(item(1))
    r.lift(uid(1))
    out = r.decide(uid(1), Verdict.REFUSED, Reason.PATRON_OVER_LIMIT)
    assert of(out, ItemResult)[0].reason is Reason.PATRON_OVER_LIMIT


def test_put_back_timeout_fails_the_item() -> None:
    r = identified()
    r.place(item(1), item(2))
    r.decide(uid(1))
    r.lift(uid(1))
    r.secured(uid(1), SecurityResult.TAG_GONE)
    r.tick(19_000)
    assert r.results() == []
    assert r.machine.next_deadline() == r.now + 1_000  # waiting began when the write came back
    out = r.tick(1_000)
    [result] = of(out, ItemResult)
    assert (result.uid, result.reason) == (uid(1), Reason.SECURITY_FAILED)


def test_finish_is_held_while_an_item_must_be_put_back() -> None:
    r = identified()
    r.place(item(1))
    r.decide(uid(1))
    r.secured(uid(1), SecurityResult.TAG_GONE)
    r.lift(uid(1))
    out = r.send(Finish())
    assert of(out, ItemNotice)[0].reason is Reason.TAG_REMOVED
    assert r.machine.state is State.ITEMS


def test_renew_needs_no_tag_write() -> None:
    r = identified(MachineMode.BOTH)
    r.send(ModeChosen(Op.RENEW))
    r.place(item(1))
    out = r.decide(uid(1), due=DUE)
    assert of(out, ApplySecurity) == []
    assert of(out, ItemResult)[0].due == DUE


def test_central_wording_and_title_are_shown() -> None:
    r = identified()
    r.place(item(1, title="tag title"))
    own = Message("中心说明", "central says")
    out = r.decide(uid(1), Verdict.REFUSED, Reason.CENTRAL_REFUSED, message=own, title="Real")
    [result] = of(out, ItemResult)
    assert (result.message, result.title) == (own, "Real")


def test_offline_decision_is_marked_on_the_result() -> None:
    r = identified()
    r.place(item(1))
    r.decide(uid(1), offline=True, due=DUE)
    assert of(r.secured(uid(1)), ItemResult)[0].offline


def test_answers_that_do_not_match_are_ignored() -> None:
    r = identified()
    r.place(item(1))
    request = r.request_for(uid(1)).request
    assert r.send(ItemDecided(request, uid(2), Verdict.ACCEPTED)) == []
    assert r.send(ItemDecided(request + 50, uid(1), Verdict.ACCEPTED)) == []
    assert r.send(SecurityDone(12345, uid(1), SecurityResult.UNSECURED)) == []
    r.decide(uid(1))
    assert r.send(ItemDecided(request, uid(1), Verdict.REFUSED)) == []  # duplicate


def test_mode_switch_mid_session_applies_to_new_items() -> None:
    r = identified(MachineMode.BOTH)
    r.send(ModeChosen(Op.CHECKOUT))
    r.place(item(1))
    r.send(ModeChosen(Op.RETURN))
    r.place(item(2))
    assert [(q.uid, q.op) for q in of(r.log, RequestDecision)] == [
        (uid(1), Op.CHECKOUT), (uid(2), Op.RETURN)]


# ---------------------------------------------------------------- sets


def disc(n: int, part: int, total: int = 3) -> ItemIdentity:
    return item(n, "440189000001", set_info=f"{total:02d}{part:02d}", usage="10")


def test_disc_set_incomplete_then_complete() -> None:
    r = identified()
    out = r.place(disc(1, 1), disc(2, 2))
    assert of(out, RequestDecision) == [] and of(out, ItemNotice) == []
    r.tick(1_999)  # placed at +100 ms
    assert of(r.log, ItemNotice) == []
    assert r.machine.next_deadline() == r.now + 1
    out = r.tick(1)
    assert [(n.uid, n.reason) for n in of(out, ItemNotice)] == [
        (uid(1), Reason.SET_INCOMPLETE), (uid(2), Reason.SET_INCOMPLETE)]
    assert r.inventory() == []  # told once
    out = r.place(disc(3, 3))
    [request] = of(out, RequestDecision)
    assert request.parts == (uid(1), uid(2), uid(3)) and request.uid == uid(1)
    out = r.decide(uid(1))
    assert sorted(w.uid for w in of(out, ApplySecurity)) == [uid(1), uid(2), uid(3)]
    r.secured(uid(1))
    r.secured(uid(2))
    assert r.results() == []  # the set is one item: all parts or nothing
    out = r.secured(uid(3))
    assert sorted(x.uid for x in of(out, ItemResult)) == [uid(1), uid(2), uid(3)]
    receipt = r.send(Finish()) and r.send(ReceiptChosen(True))
    lines = of(receipt, PrintReceipt)[0].lines
    assert sum(line.startswith("440189000001") for line in lines) == 1  # one line per set


def test_set_part_failing_rolls_back_the_unsecured_parts() -> None:
    r = identified()
    r.place(disc(1, 1, 2), disc(2, 2, 2))
    r.decide(uid(1))
    r.secured(uid(1))  # unsecured
    out = r.secured(uid(2), SecurityResult.FAILED)
    assert {(x.uid, x.reason) for x in of(out, ItemResult)} == {
        (uid(1), Reason.SECURITY_FAILED), (uid(2), Reason.SECURITY_FAILED)}
    assert [(w.uid, w.secured, w.rollback) for w in of(out, ApplySecurity)] == [
        (uid(1), True, True)]


def test_parts_that_disagree_on_the_total_never_complete() -> None:
    r = identified()
    r.place(disc(1, 1, 2), disc(2, 2, 3))
    r.tick(2_000)
    assert of(r.log, RequestDecision) == []
    assert len(of(r.log, ItemNotice)) == 2


def test_set_settle_clock_stops_when_the_parts_leave() -> None:
    r = identified()
    r.place(disc(1, 1))
    r.lift(uid(1))
    assert r.machine.next_deadline() == r.machine.now - 200 + 60_000 + 200  # idle only


# ---------------------------------------------------------------- return-only


def test_return_only_machine_needs_no_patron() -> None:
    r = Rig.new(mode=MachineMode.RETURN_ONLY)
    out = r.place(item(1, owner=MEMBER))
    assert r.machine.state is State.ITEMS
    [request] = of(out, RequestDecision)
    assert (request.op, request.patron) == (Op.RETURN, None)
    r.decide(uid(1), route=f"transit:{MEMBER}")
    r.secured(uid(1))
    assert r.result_for(uid(1)).result is Verdict.ACCEPTED
    r.tick(60_000)  # the book still lies there: still there?
    assert r.machine.state is State.STILL_THERE
    out = r.tick(15_000)
    assert of(out, EndSession) == [EndSession(EndReason.TIMEOUT)]
    assert r.machine.state is State.WELCOME
    # a second patron adds a book: the first one, already returned, is not returned again
    out = r.place(item(2))
    assert [q.uid for q in of(out, RequestDecision)] == [uid(2)]


def test_return_only_ignores_card_presentations() -> None:
    r = Rig.new(mode=MachineMode.RETURN_ONLY)
    assert r.send(CARD) == []


# ---------------------------------------------------------------- timeouts


def test_idle_with_empty_pad_returns_to_welcome() -> None:
    r = identified()
    r.tick(59_999)
    assert r.machine.state is State.ITEMS
    out = r.tick(1)
    assert of(out, EndSession) == [EndSession(EndReason.TIMEOUT)]
    assert out[-1] == Show(State.WELCOME)


def test_still_there_prompt_resume_and_timeout() -> None:
    r = identified()
    r.place(item(1))
    r.decide(uid(1), Verdict.REFUSED)  # activity at this time
    start = r.now
    r.tick(60_000)
    out = of(r.log, PromptStillThere)
    assert out == [PromptStillThere(15_000)]
    assert r.machine.state is State.STILL_THERE
    r.send(Resume())
    assert r.machine.state is State.ITEMS
    assert r.machine.next_deadline() == r.now + 60_000
    r.tick(60_000)
    assert r.machine.state is State.STILL_THERE
    r.tick(14_999)
    assert r.machine.state is State.STILL_THERE
    r.tick(1)
    assert r.machine.state is State.WELCOME
    assert r.now - start == 135_000


def test_activity_on_the_pad_answers_the_prompt() -> None:
    r = identified()
    r.place(item(1))
    r.tick(60_000)
    assert r.machine.state is State.STILL_THERE
    r.place(item(2))
    assert r.machine.state is State.ITEMS


def _at(**config: object) -> Rig:
    r = Rig.new(**config)  # type: ignore[arg-type]
    r.send(CARD)
    return r


def _chosen() -> Rig:
    return identified(MachineMode.BOTH)


def _receipt() -> Rig:
    r = identified()
    r.place(item(1))
    r.decide(uid(1), Verdict.REFUSED)
    r.send(Finish())
    assert r.machine.state is State.RECEIPT
    return r


@pytest.mark.parametrize(
    ("setup", "limit"),
    [
        (lambda: _at(pin_required=True), 30_000),
        (_at, 20_000),  # verifying
        (_chosen, 30_000),
        (_receipt, 20_000),
    ],
    ids=["pin", "verifying", "choose", "receipt"],
)
def test_every_step_times_out_to_welcome(setup: object, limit: int) -> None:
    r: Rig = setup()  # type: ignore[operator]
    state = r.machine.state
    r.tick(limit - 1)
    assert r.machine.state is state
    out = r.tick(1)
    assert of(out, EndSession) == [EndSession(EndReason.TIMEOUT)]
    assert r.machine.state is State.WELCOME


def test_finishing_waits_for_answers_then_offers_the_receipt() -> None:
    r = identified()
    r.place(item(1))
    out = r.send(Finish())
    assert r.machine.state is State.FINISHING and of(out, EndSession) == []
    r.decide(uid(1))
    assert r.machine.state is State.FINISHING  # the write is in flight
    r.secured(uid(1))
    assert r.machine.state is State.RECEIPT


def test_finishing_gives_up_after_the_grace_and_names_the_unfinished() -> None:
    r = identified()
    r.place(item(1), item(2))
    r.decide(uid(2))  # accepted, write in flight
    r.send(Finish())
    out = r.tick(15_000)
    assert [(x.uid, x.reason) for x in of(out, ItemResult)] == [(uid(2), Reason.SECURITY_FAILED)]
    assert r.machine.state is State.RECEIPT
    out = r.send(ReceiptChosen(False))
    assert of(out, EndSession) == [EndSession(EndReason.FINISHED, frozenset({uid(1), uid(2)}))]
    assert r.send(ItemDecided(r.request_for(uid(1)).request, uid(1), Verdict.ACCEPTED)) == []


def test_cancel_with_nothing_in_flight_ends_at_once() -> None:
    r = identified()
    out = r.send(Cancel())
    assert of(out, EndSession) == [EndSession(EndReason.CANCELLED)]
    assert r.machine.state is State.GOODBYE


def test_time_never_goes_backwards() -> None:
    r = identified()
    r.tick(30_000)
    r.send(Tick(5))
    assert r.machine.now == r.now
    r.send(TagsSeen(frozenset(), 10))
    assert r.machine.now == r.now


def test_next_deadline_is_none_when_nothing_waits() -> None:
    r = Rig.new()
    assert r.machine.next_deadline() is None
    r.send(CARD)
    assert r.machine.next_deadline() == 20_000


# ---------------------------------------------------------------- staff and out of service


def test_out_of_service_mid_session_ends_it_and_finalises_decided_items() -> None:
    r = identified()
    r.place(item(1), item(2))
    r.decide(uid(1))  # accepted, unsecure write in flight
    out = r.send(OutOfService(True))
    assert [(x.uid, x.reason) for x in of(out, ItemResult)] == [(uid(1), Reason.OUT_OF_SERVICE)]
    assert of(out, EndSession) == [
        EndSession(EndReason.OUT_OF_SERVICE, frozenset({uid(1), uid(2)}))]
    assert out[-1] == Show(State.OUT_OF_SERVICE, reason=Reason.OUT_OF_SERVICE)
    assert r.inventory() == []  # nothing is read while out of service
    r.send(OutOfService(False))
    assert r.machine.state is State.WELCOME


def test_staff_takes_over_and_gives_back() -> None:
    r = identified()
    out = r.send(StaffOverride(True))
    assert of(out, EndSession) == [EndSession(EndReason.STAFF)]
    r.send(StaffOverride(False))
    assert r.machine.state is State.WELCOME
    assert r.machine.patron is None and not r.machine.in_session


def test_machine_properties_follow_the_session() -> None:
    r = identified()
    assert (r.machine.patron, r.machine.op, r.machine.in_session) == (LI, Op.CHECKOUT, True)
    r.place(item(2), item(1))
    assert r.machine.present == (uid(1), uid(2))


def test_debounced_pad_ignores_a_single_flicker() -> None:
    r = identified(debounce=Debounce(appear_count=2, vanish_count=2))
    r.pad.add(uid(1))
    r.catalogue[uid(1)] = (item(1), False)
    assert r.inventory() == []  # seen once: not yet
    assert of(r.inventory(), RequestDecision)[0].uid == uid(1)
    r.decide(uid(1))
    r.secured(uid(1), SecurityResult.TAG_GONE)
    r.lift(uid(1))  # one missed inventory: still counted, not written
    out = r.put(uid(1))
    assert len(of(out, ApplySecurity)) == 1
