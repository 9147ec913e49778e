"""The screen model and its rendering, fed by the real SessionMachine (no browser)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from web_world import CARD, MEMBER, NAMES, FakeKiosk, book, transit_route

from kiosk.circulation import MachineMode, Op, State
from kiosk.circulation.reasons import REASONS, Message, Reason
from kiosk.circulation.session import ModeChosen, ReceiptChosen
from kiosk.errors import ConfigError
from kiosk.web import Catalog, PatronSummary, ScreenHub, ScreenModel, render
from kiosk.web.i18n import LANGS

STATIC = Path(__file__).resolve().parents[2] / "kiosk" / "web" / "static"


@pytest.fixture
def kiosk(catalog: Catalog) -> FakeKiosk:
    return FakeKiosk.new(ScreenHub(catalog, library_names=NAMES))


def test_catalogues_have_the_same_keys_and_every_key_the_code_uses(catalog: Catalog) -> None:
    zh, en = catalog.table("zh"), catalog.table("en")
    assert set(zh) == set(en)
    used = set()
    for path in [*STATIC.glob("*"), *Path(STATIC.parent).glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'data-i18n(?:-label)?="([a-z_.]+)"', text))
        used |= set(re.findall(r'\bt\("([a-z_.]+)"', text))
        used |= set(re.findall(r'"((?:screen|item|patron|banner|staff|handover|transit|'
                               r'goodbye|pin|receipt|op)\.[a-z_.]+)"', text))
    used = {k for k in used if not k.endswith(".")}  # prefixes completed at run time
    assert len(used) > 60
    missing = sorted(k for k in used if k not in zh)
    assert missing == []
    for state in State:
        if state is not State.ITEMS:
            assert f"screen.{state}" in zh
    for op in Op:
        assert f"screen.items.{op}" in zh and f"op.{op}" in zh
        assert f"item.status.{op}.accepted" in zh and f"item.status.{op}.refused" in zh


def test_catalog_refuses_mismatched_catalogues() -> None:
    with pytest.raises(ConfigError, match="not in every catalogue"):
        Catalog({"zh": {"a": "甲"}, "en": {"a": "A", "b": "B"}})
    with pytest.raises(ConfigError, match="expected"):
        Catalog({"zh": {}})


def test_dates_and_numbers_per_language(catalog: Catalog) -> None:
    day = date(2026, 3, 7)
    assert catalog.date("zh", day) == "2026年3月7日"
    assert catalog.date("en", day) == "7 March 2026"
    assert catalog.number("en", 12345) == "12,345"
    assert catalog.number("zh", 12345) == "12345"
    assert catalog.both("pin.attempts_left", count=2) == {
        "zh": "还可尝试 2 次", "en": "2 attempt(s) left"}
    assert catalog.text("en", "no.such.key") == "no.such.key"
    assert catalog.text("en", "item.due") == "Due back {date}"  # a missing parameter stays visible


def test_session_through_the_model(kiosk: FakeKiosk, catalog: Catalog) -> None:
    hub = kiosk.hub
    kiosk.card()
    view = hub.view()
    assert view["screen"] == "choose"
    assert [o["op"] for o in view["ops"]] == ["checkout", "return"]
    assert view["patron"]["quota"]["en"] == "On loan: 3 of 10 — you can borrow 7 more"
    assert view["patron"]["overdue"]["zh"] == "您有 1 册图书已逾期，请尽快归还。"
    kiosk.run(ModeChosen(Op.RETURN))
    reserved, other = book(3, "围城"), book(4, "边城", owner=MEMBER)
    kiosk.central.refusals[(reserved.pii or "", Op.RETURN)] = Reason.RESERVED
    kiosk.central.routes[other.pii or ""] = transit_route()
    kiosk.place(reserved, other, secured=False)
    view = hub.view()
    rows = {r["uid"]: r for r in view["items"]}
    refused, moved = rows[reserved.uid], rows[other.uid]
    assert refused["status"] == "refused" and refused["reason"] == "reserved"
    assert refused["detail"] == {lang: getattr(REASONS[Reason.RESERVED], lang) for lang in LANGS}
    assert moved["status"] == "accepted"
    assert moved["detail"]["zh"] == "请放入还书箱，将送回荔湾区图书馆。"
    assert view["patron"]["quota"]["zh"] == "已借 2 册，可借 10 册，还可借 8 册"
    announced = [e["text"]["en"] for e in view["events"] if e["kind"] == "announce"]
    assert any(t.startswith("围城: Not returned. This item is reserved") for t in announced)
    assert [e["pattern"] for e in view["events"] if e["kind"] == "beep"].count("error") == 1


def test_goodbye_then_back_to_welcome_clears_the_session(kiosk: FakeKiosk) -> None:
    from kiosk.circulation.session import Finish

    kiosk.card()
    kiosk.run(ModeChosen(Op.CHECKOUT))
    kiosk.place(book(1, "三体"))
    kiosk.run(Finish())
    assert kiosk.hub.view()["screen"] == "receipt"
    kiosk.run(ReceiptChosen(print=False))
    view = kiosk.hub.view()
    assert view["screen"] == "goodbye"
    assert view["summary"]["en"] == "1 item(s) done. Please take your card."
    kiosk.advance(5_000)
    view = kiosk.hub.view()
    assert (view["screen"], view["items"], view["patron"]) == ("welcome", [], None)


def test_offline_link_and_offline_results_raise_the_banner(kiosk: FakeKiosk) -> None:
    assert kiosk.hub.view()["banners"] == []
    kiosk.hub.set_link(False)
    assert [b["kind"] for b in kiosk.hub.view()["banners"]] == ["offline"]
    kiosk.hub.set_link(True)
    kiosk.card()
    kiosk.run(ModeChosen(Op.CHECKOUT))
    kiosk.central.up = False
    kiosk.place(book(1, "三体"))
    kiosk.hub.set_link(True)
    view = kiosk.hub.view()
    assert view["offline"] is True  # an offline decision in this session keeps the banner
    assert "Recorded while offline" in view["items"][0]["detail"]["en"]


def test_pin_screen_and_refusal_goodbye(catalog: Catalog) -> None:
    kiosk = FakeKiosk.new(ScreenHub(catalog), pin_required=True, mode=MachineMode.CHECKOUT)
    kiosk.card()
    view = kiosk.hub.view()
    assert view["screen"] == "pin" and view["attempts_left"]["zh"] == "还可尝试 3 次"
    kiosk.card("999")  # another card while the PIN is asked for: ignored
    assert kiosk.hub.view()["screen"] == "pin"
    kiosk2 = FakeKiosk.new(ScreenHub(catalog), mode=MachineMode.CHECKOUT)
    kiosk2.card("999")
    view = kiosk2.hub.view()
    assert view["screen"] == "goodbye"
    assert view["message"]["en"] == REASONS[Reason.PATRON_UNKNOWN].en
    assert view["summary"] is None


def test_notice_then_result_and_other_actions_ignored(catalog: Catalog) -> None:
    from kiosk.circulation.session import ItemNotice, ItemResult, ReadTag

    model = ScreenModel()
    assert model.apply(ReadTag("E0")) is False
    assert model.apply(ItemNotice("E0", Reason.TAG_REMOVED, REASONS[Reason.TAG_REMOVED]))
    view = render(model, catalog)
    assert view["items"][0]["status"] == "notice"
    due = datetime(2026, 1, 2, 23, 0, tzinfo=timezone(timedelta(hours=8)))
    model.apply(ItemResult("E0", Op.CHECKOUT, *_accepted(), pii="44010", title="", due=due))
    row = render(model, catalog)["items"][0]
    assert row["title"] == {"zh": "图书 44010", "en": "Item 44010"}
    assert row["detail"]["en"] == "Due back 2 January 2026"


def _accepted() -> tuple[object, Reason, Message]:
    from kiosk.circulation import Verdict

    return Verdict.ACCEPTED, Reason.OK, REASONS[Reason.OK]


def test_events_are_bounded_and_numbered(catalog: Catalog) -> None:
    from kiosk.circulation.session import Beep, BeepPattern

    model = ScreenModel()
    for _ in range(50):
        model.apply(Beep(BeepPattern.OK))
    seqs = [e["seq"] for e in render(model, catalog)["events"]]
    assert seqs == list(range(31, 51))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["card", "mode", "place", "finish", "receipt", "tick", "cut"]),
                max_size=12))
def test_any_story_renders_to_json(actions: list[str]) -> None:
    """Whatever the machine goes through, the view stays renderable JSON in both languages."""
    from kiosk.circulation.session import Finish
    from kiosk.errors import SessionError

    catalog = Catalog.load()
    kiosk = FakeKiosk.new(ScreenHub(catalog, library_names=NAMES))
    n = 10
    for step in actions:
        try:
            if step == "card":
                kiosk.card(CARD)
            elif step == "mode":
                kiosk.run(ModeChosen(Op.CHECKOUT))
            elif step == "place":
                n += 1
                kiosk.place(book(n, f"书{n}"))
            elif step == "finish":
                kiosk.run(Finish())
            elif step == "receipt":
                kiosk.run(ReceiptChosen(print=True))
            elif step == "tick":
                kiosk.advance(20_000)
            else:
                kiosk.central.up = not kiosk.central.up
        except SessionError:
            pass
        view = kiosk.hub.view()
        json.dumps(view)
        assert view["screen"] == str(kiosk.machine.state)
        for row in view["items"]:
            assert set(row["title"]) == set(LANGS)


def test_summary_without_limit(catalog: Catalog) -> None:
    model = ScreenModel()
    from kiosk.circulation import Patron
    from kiosk.circulation.session import Show

    model.apply(Show(State.ITEMS, op=Op.CHECKOUT, patron=Patron("P-9")))
    model.set_summary(PatronSummary(loans=2))
    view = render(model, catalog)
    assert view["patron"]["greeting"]["en"] == "Hello"
    assert view["patron"]["quota"]["zh"] == "已借 2 册"
    assert view["patron"]["overdue"] is None
