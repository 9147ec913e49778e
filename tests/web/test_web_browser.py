"""The patron screen in a real browser (Debian Chromium, headless) against the real app and
SessionMachine, with a fake I/O loop answering as central would."""

from __future__ import annotations

from typing import Any

import pytest
from web_shots import shoot
from web_world import CARD, MEMBER, PIN, Served, book, transit_route

from kiosk.circulation import MachineMode, Op
from kiosk.circulation.reasons import REASONS, Reason

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BOOK1 = book(1, "三体")
BOOK2 = book(2, "活着")
RESERVED = book(3, "围城")
LOANED = book(4, "边城", owner=MEMBER)


def screen(page: Any, name: str) -> None:
    page.wait_for_selector(f'body[data-screen="{name}"]')


def type_card(page: Any, number: str = CARD) -> None:
    """Type the card number on the on-screen keypad and press its OK button."""
    for digit in number:
        page.click(f'#card-form .keypad button[data-key="{digit}"]')
    page.click("#card-form button.ok")


def test_checkout_through_the_screen(page: Any, served: Served) -> None:
    screen(page, "welcome")
    shoot(page, "welcome")
    type_card(page)
    screen(page, "choose")
    assert "李雷" in page.inner_text("#greeting")
    assert page.inner_text("#quota") == "已借 3 册，可借 10 册，还可借 7 册"
    assert "1 册图书已逾期" in page.inner_text("#overdue")
    page.click('#choose-ops button[data-op="checkout"]')
    screen(page, "items")
    served.call(served.kiosk.place, BOOK1, BOOK2)
    page.wait_for_selector('#items li[data-status="accepted"] >> nth=1')
    rows = page.locator("#items li")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "三体" in first and "已借出" in first and "应还日期 2026年12月24日" in first
    assert page.inner_text("#quota") == "已借 5 册，可借 10 册，还可借 5 册"
    assert page.get_attribute("#live", "aria-live") == "polite"
    live = page.inner_text("#live")
    assert "三体：已借出。" in live and "活着：已借出。" in live
    assert page.evaluate("window.kioskBeeps") == ["ok", "ok"]
    shoot(page, "checkout-items", readme=True)
    page.click("#done")
    screen(page, "receipt")
    page.click("#receipt-print")
    screen(page, "goodbye")
    assert page.inner_text("#summary") == "本次共办理 2 册。请取回读者证。"
    printed = served.call(lambda: list(served.kiosk.printed))
    assert len(printed) == 1 and any("三体" in line for line in printed[0])
    served.call(served.kiosk.advance, 5_000)
    screen(page, "welcome")
    assert page.locator("#items li").count() == 0
    assert page.is_hidden("#patron")


def test_reserved_return_refusal_in_both_languages_and_transit(page: Any, served: Served) -> None:
    served.call(served.kiosk.central.refusals.__setitem__, (RESERVED.pii, Op.RETURN),
                Reason.RESERVED)
    served.call(served.kiosk.central.routes.__setitem__, LOANED.pii, transit_route())
    type_card(page)
    screen(page, "choose")
    page.click('#choose-ops button[data-op="return"]')
    screen(page, "items")
    assert page.inner_text("#title") == "请把要归还的图书放在感应区上"
    served.call(served.kiosk.place, RESERVED, LOANED)
    refused = page.locator(f'#items li[data-uid="{RESERVED.uid}"][data-status="refused"]')
    refused.wait_for()
    assert REASONS[Reason.RESERVED].zh in refused.inner_text()
    assert "未归还" in refused.inner_text()
    transit = page.locator(f'#items li[data-uid="{LOANED.uid}"][data-status="accepted"]')
    assert "已归还" in transit.inner_text()
    assert "请放入还书箱，将送回荔湾区图书馆。" in transit.inner_text()
    assert page.evaluate("window.kioskBeeps").count("error") == 1
    shoot(page, "return-refused-zh")

    page.click("#lang-toggle")
    assert page.inner_text("#lang-toggle") == "中文"
    assert page.get_attribute("html", "lang") == "en"
    assert "reserved for another reader — please take it to the service desk" in (
        refused.inner_text()
    )
    assert "Not returned" in refused.inner_text()
    assert "Returned" in transit.inner_text()
    assert page.inner_text("#title") == "Place the items you are returning on the pad"
    shoot(page, "return-refused-en", readme=True)
    page.click("#logout")
    screen(page, "goodbye")
    served.call(served.kiosk.advance, 5_000)
    screen(page, "welcome")
    assert page.get_attribute("html", "lang") == "zh-CN"  # the next patron starts in Chinese


@pytest.mark.parametrize("served", [{"pin_required": True, "mode": MachineMode.CHECKOUT}],
                         indirect=True)
def test_pin_on_the_keypad_wrong_then_right(page: Any, served: Served) -> None:
    served.call(served.kiosk.card)  # a card at the reader
    screen(page, "pin")
    assert page.inner_text("#attempts") == "还可尝试 3 次"
    assert page.get_attribute("#pin", "type") == "password"
    for digit in "1111":
        page.click(f'#pin-form .keypad button[data-key="{digit}"]')
    page.click('#pin-form .keypad button[data-key="delete"]')
    assert page.input_value("#pin") == "111"
    page.click('#pin-form .keypad button[data-key="1"]')
    page.click("#pin-form button.ok")
    page.wait_for_selector('#attempts:has-text("还可尝试 2 次")')
    assert page.inner_text("#message") == REASONS[Reason.PIN_WRONG].zh
    assert page.input_value("#pin") == ""
    shoot(page, "pin-wrong")
    page.fill("#pin", PIN)
    page.press("#pin", "Enter")
    screen(page, "items")
    assert page.inner_text("#title") == "请把要借的图书放在感应区上"


def test_offline_banner_when_the_network_is_cut(page: Any, served: Served) -> None:
    assert page.locator('#banners [data-kind="offline"]').count() == 0
    served.call(served.kiosk.cut_network)
    banner = page.locator('#banners [data-kind="offline"]')
    banner.wait_for()
    assert "网络中断" in banner.inner_text()
    type_card(page)
    screen(page, "choose")
    page.click('#choose-ops button[data-op="checkout"]')
    served.call(served.kiosk.place, BOOK1)
    row = page.locator('#items li[data-status="accepted"]')
    row.wait_for()
    assert row.inner_text().splitlines()[-1] == "离线办理，记录将稍后上传到图书馆系统。"
    page.click("#lang-toggle")
    assert "Working offline" in banner.inner_text()
    shoot(page, "offline", readme=True)


def test_keyboard_only_checkout(page: Any, served: Served) -> None:
    screen(page, "welcome")
    assert page.evaluate("document.activeElement.id") == "card"
    page.keyboard.type(CARD[:4])
    page.keyboard.press("Tab")  # onto the keypad: digits still go to the card number
    assert page.evaluate("document.activeElement.dataset.key") == "1"
    page.keyboard.type(CARD[4:])
    assert page.input_value("#card") == CARD
    page.keyboard.press("Enter")  # Enter on a keypad button presses it: digit 1
    assert page.input_value("#card") == CARD + "1"
    page.keyboard.press("Backspace")
    page.focus("#card")
    page.keyboard.press("Enter")
    screen(page, "choose")
    assert page.evaluate("document.activeElement.dataset.op") == "checkout"
    page.keyboard.press("Space")
    screen(page, "items")
    served.call(served.kiosk.place, BOOK1)
    page.wait_for_selector('#items li[data-status="accepted"]')
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "done":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "done"
    page.keyboard.press("Enter")
    screen(page, "receipt")
    assert page.evaluate("document.activeElement.id") == "receipt-print"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # no receipt
    screen(page, "goodbye")
    assert served.call(lambda: list(served.kiosk.printed)) == []


def test_high_contrast_and_bad_input_from_the_page(page: Any, served: Served) -> None:
    page.click("#contrast-toggle")
    assert page.get_attribute("#contrast-toggle", "aria-pressed") == "true"
    assert "contrast" in (page.get_attribute("body", "class") or "")
    page.evaluate("""() => new Promise((resolve) => {
        const ws = new WebSocket("ws://" + location.host + "/ws");
        ws.onopen = () => { ws.send("{not json"); ws.send(JSON.stringify({type: "finish"})); };
        const got = [];
        ws.onmessage = (m) => {
            const f = JSON.parse(m.data);
            if (f.type === "error") got.push(f.code);
            if (got.length === 2) { window.kioskErrors = got; resolve(); }
        };
    })""")
    assert page.evaluate("window.kioskErrors") == ["bad_json", "not_now"]
    screen(page, "welcome")  # still alive
    shoot(page, "high-contrast")


def _desk(kiosk: Any) -> Any:
    from datetime import date

    from kiosk.logistics import TransitBins, TransitItem
    from kiosk.web import StaffAuth, StaffDesk, StatusLine

    bins = TransitBins("CN-440100-1-GZLIB", names={MEMBER: "荔湾区图书馆"})
    for n in range(21):
        bins.add(TransitItem(f"B{n:03d}", MEMBER, title=f"书{n}"))
    reports: list[Any] = kiosk.staff_reports
    return StaffDesk(
        auth=StaffAuth(lambda staff_id, pin: (staff_id, pin) == ("7001", "1357"),
                       clock=lambda: 0.0),
        catalog=served_catalog(),
        report=reports.append,
        today=lambda: date(2026, 11, 24),
        status=lambda: [StatusLine("reader", "ok", True), StatusLine("printer", "paper out",
                                                                     False)],
        bins=bins,
        takeover=kiosk.submit,
    )


def served_catalog() -> Any:
    from kiosk.web import Catalog

    return Catalog.load()


@pytest.mark.parametrize("served", [{"desk": _desk}], indirect=True)
def test_staff_mode_hidden_entry_login_and_empty_bin(page: Any, served: Served) -> None:
    assert page.is_hidden("#staff")
    assert page.locator("button:has-text('维护'), button:has-text('设置')").count() == 0
    page.clock.install()
    page.dispatch_event("#corner", "pointerdown")
    page.clock.run_for(1000)
    page.dispatch_event("#corner", "pointerup")  # a short touch opens nothing
    page.clock.run_for(3000)
    assert page.is_hidden("#staff")
    page.dispatch_event("#corner", "pointerdown")
    page.clock.run_for(3000)  # a long press does
    page.wait_for_selector("#staff:not([hidden])")
    page.click("#staff-close")
    page.keyboard.press("Control+Alt+s")  # so does the key combination
    page.wait_for_selector("#staff:not([hidden])")
    for digit in "7001":
        page.click(f'.keypad[data-target="staff-id"] button[data-key="{digit}"]')
    page.fill("#staff-pin", "0000")
    page.press("#staff-pin", "Enter")
    page.wait_for_selector('#staff-login-error:has-text("再错 4 次")')
    page.fill("#staff-pin", "1357")
    page.press("#staff-pin", "Enter")
    page.wait_for_selector('#staff-page[data-tab="status"] .fault')
    assert page.is_hidden("#staff-login")
    assert "凭条打印机" in page.inner_text("#staff-page")
    screen(page, "staff")  # the machine is in staff mode: patrons see maintenance
    page.click('[data-tab="bins"]')
    page.click("#staff-empty")
    page.wait_for_selector("#staff-handover")
    assert "还书箱已清空：21 册。" in page.inner_text("#staff-page")
    shoot(page, "staff-bins")
    with page.expect_popup() as popup:
        page.click("#staff-handover")
    sheet = popup.value
    sheet.wait_for_selector("#handover")
    assert "物流交接单" in sheet.inner_text("h1")
    sheet.close()
    page.click("#staff-logout")
    screen(page, "welcome")
    assert page.is_hidden("#staff")
    actions = served.call(lambda: [r.action for r in served.kiosk.staff_reports])
    assert actions == ["login_failed", "login", "empty_bin", "logout"]
