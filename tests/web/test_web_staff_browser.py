"""The staff tool pages in Chromium, on real parts: tag tools on the virtual pad, the lock
confirmation, the hardware test on mock pins, the outbox of a real journal, the masked logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from staff_world import NEW_PII, OWNER, STAFF, STAFF_PIN, ToolWorld
from web_shots import shoot
from web_world import Served

from kiosk.web import Catalog


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ToolWorld]:
    world = ToolWorld(tmp_path)
    yield world
    world.close()


@pytest.fixture
def served(catalog: Catalog, world: ToolWorld) -> Iterator[Served]:
    """The web app with the staff tools on ``world`` (the conftest's ``page`` opens it)."""
    app = Served(catalog, desk=lambda _kiosk: world.desk(catalog))
    yield app
    app.close()


def sign_in(page: Any, tab: str) -> Any:
    page.keyboard.press("Control+Alt+s")
    page.fill("#staff-id", STAFF)
    page.fill("#staff-pin", STAFF_PIN)
    page.press("#staff-pin", "Enter")
    page.wait_for_selector("#staff-pages nav")  # signed in
    page.click(f'[data-tab="{tab}"]')
    return page.locator(f'#staff-page[data-tab="{tab}"]')


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.02)


def actions(world: ToolWorld) -> list[str]:
    return [r.action for r in world.reports if r.action != "login"]


def test_tag_tools_read_the_pad_and_write_a_tag_from_a_profile(page: Any, world: ToolWorld) -> None:
    sign_in(page, "tags")
    book_uid, blank_uid = world.book.uid.hex().upper(), world.blank.uid.hex().upper()
    book = page.locator(f'.tag-card[data-uid="{book_uid}"]')
    book.wait_for()
    text = book.inner_text()
    assert "gz-item 馆藏文献标签" in text and "NXP · IC 0x01 · 28 × 4 B" in text
    assert "馆藏条码(不含校验位)" in text and "0001100012345" in text and "已加防盗" in text
    assert book.get_attribute("data-secured") == "true"
    assert page.is_disabled(f'.tag-card[data-uid="{book_uid}"] button[data-secure="true"]')
    page.set_viewport_size({"width": 1280, "height": 1000})
    shoot(page, "staff-tags", readme=True)

    page.click("#staff-lang")  # staff mode has its own language toggle
    book.filter(has_text="item barcode without check digit").wait_for()
    blank = page.locator(f'.tag-card[data-uid="{blank_uid}"]')
    assert "no DB4401 profile" in blank.inner_text() and "No data on the tag." in blank.inner_text()
    blank.locator(".tag-write summary").click()
    page.fill(f"#tw-{blank_uid}-1", NEW_PII)
    page.fill(f"#tw-{blank_uid}-3", "nowhere")
    blank.locator('button[type="submit"]').click()
    error = blank.locator(".tag-write .error")
    error.filter(has_text="OID 3").wait_for()  # the profile's own words; nothing written
    assert world.blank.memory == bytes(112)
    page.select_option(f"#tw-profile-{blank_uid}", "gz-disc")  # typed values survive a switch
    page.select_option(f"#tw-profile-{blank_uid}", "gz-item")
    assert page.input_value(f"#tw-{blank_uid}-1") == NEW_PII
    page.fill(f"#tw-{blank_uid}-3", OWNER)
    page.fill(f"#tw-{blank_uid}-5", "10")
    page.press(f"#tw-{blank_uid}-5", "Enter")
    page.wait_for_selector(f'#staff-tool-result:has-text("Written to {blank_uid}")')
    assert page.evaluate("document.activeElement.id") == "staff-tool-result"
    assert "gz-item item tag" in blank.inner_text() and NEW_PII in blank.inner_text()
    assert world.blank.memory != bytes(112)
    assert actions(world) == ["tag_write"]


def test_locking_asks_first_and_is_done_only_on_confirmation(page: Any, world: ToolWorld) -> None:
    sign_in(page, "tags")
    uid = world.blank.uid.hex().upper()
    card = page.locator(f'.tag-card[data-uid="{uid}"]')
    card.wait_for()
    card.locator(".tag-lock summary").focus()  # keyboard only from here
    page.keyboard.press("Enter")
    page.focus(f"#lk-{uid}-5")
    page.keyboard.press("Space")
    card.locator(".lock-ask").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".lock-confirm")
    assert "锁定后不可撤销。确定锁定标签 " + uid + " 的数据块 5？" in card.inner_text()
    assert page.evaluate("document.activeElement.id") == "staff-lock-cancel"  # the safe choice
    shoot(page, "staff-tags-lock")
    page.keyboard.press("Escape")
    page.wait_for_selector(".lock-confirm", state="detached")
    assert world.blank.locked_blocks == set()
    page.keyboard.press("Enter")  # the focus went back to the lock button
    page.wait_for_selector("#staff-lock-confirm")
    page.click("#staff-lock-confirm")
    page.wait_for_selector('#staff-tool-result:has-text("已锁定数据块 5。")')
    assert world.blank.locked_blocks == {5}
    card.locator(".tag-lock summary").click()
    assert page.is_disabled(f"#lk-{uid}-5") and page.is_checked(f"#lk-{uid}-5")
    assert "5" in card.locator("table").first.inner_text()
    assert actions(world) == ["tag_lock"]


def test_hardware_test_lights_the_led_and_shows_the_sensors_live(
    page: Any, world: ToolWorld
) -> None:
    sign_in(page, "hardware")
    page.wait_for_selector('#staff-hw-inputs tr[data-input="bin_full"][data-state="false"]')
    page.click("#hw-led-ok")
    page.wait_for_selector('#staff-tool-result:has-text("状态灯：成功（常亮 3 秒）")')
    eventually(lambda: world.pin("status_led"))
    page.focus("#hw-led-off")
    page.keyboard.press("Enter")
    eventually(lambda: not world.pin("status_led"))
    assert page.evaluate("document.activeElement.id") == "hw-led-off"  # ready for the next one
    page.click("#hw-latch-open")
    page.wait_for_selector('#staff-tool-result:has-text("门锁已打开")')
    eventually(lambda: world.pin("latch"))
    page.click("#hw-latch-close")
    eventually(lambda: not world.pin("latch"))
    world.pins.pin(6).drive_high()  # the bin fills: the page shows it without a click
    page.wait_for_selector('#staff-hw-inputs tr[data-input="bin_full"][data-state="true"]')
    assert "已满" in page.inner_text("#staff-hw-inputs")
    shoot(page, "staff-hardware")
    assert actions(world) == ["hardware_test"] * 4


def test_outbox_retry_of_a_parked_row_and_sync_now(page: Any, world: ToolWorld) -> None:
    sign_in(page, "outbox")
    page.wait_for_selector('#staff-outbox-depth:has-text("待发送 2 条")')
    parked = page.locator("table.outbox-parked")
    assert "PUBACK 0x87 not authorized" in parked.inner_text()
    assert "central_exception" in page.inner_text("table.outbox-reconcile")
    shoot(page, "staff-outbox")
    page.click('button[data-retry="k1:1"]')
    page.wait_for_selector('#staff-tool-result:has-text("k1:1 已重新排队发送。")')
    page.wait_for_selector('#staff-outbox-depth:has-text("待发送 3 条")')
    assert page.locator("table.outbox-parked").count() == 0
    assert page.locator('table.outbox-queued tr[data-tx="k1:1"]').count() == 1
    page.click("#staff-sync")
    page.wait_for_selector('#staff-tool-result:has-text("已请求立即同步。")')
    assert world.synced == 2
    assert actions(world) == ["outbox_retry", "sync_now"]


def test_logs_page_filters_by_level_and_masks_patron_numbers(page: Any, world: ToolWorld) -> None:
    logger = logging.getLogger("kiosk.test.staff_browser")
    logger.addHandler(world.logs)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info("patron 0001000012345 signed in")
        logger.warning("printer paper low")
        sign_in(page, "logs")
        lines = page.locator("#staff-log-lines")
        lines.filter(has_text="patron 0001******345 signed in").wait_for()
        page.select_option("#staff-log-level", "warning")
        lines.filter(has_not_text="signed in").wait_for()
        assert "printer paper low" in lines.inner_text()
        assert page.evaluate("document.activeElement.id") == "staff-log-level"
    finally:
        logger.removeHandler(world.logs)
