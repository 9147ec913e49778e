"""``kiosk demo`` as a newcomer runs it: a real process (mosquitto, central service, daemon),
driven through its simulator page and patron screen in Debian's Chromium."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from demo_shots import shoot

from kiosk.demo.library import demo_library

pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/sbin/mosquitto"), reason="Debian mosquitto not installed"
)

LIB = demo_library()
ROLE = {item.role: item for item in LIB.items if item.role}
ORDINARY = next(item for item in LIB.items if not item.role and item.owner.endswith("0001"))


@dataclass
class Demo:
    proc: subprocess.Popen[str]
    sim: str
    screen: str
    state_dir: Path
    uids: dict[str, list[str]]  # pii or card number -> tag UIDs

    def uid(self, key: str) -> str:
        return self.uids[key][0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo")
    ready = root / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "demo", "--port", "0", "--sim-port", "0",
         "--state-dir", str(root / "state"), "--ready-file", str(ready), "--log-level", "info"],
        stdout=subprocess.PIPE,
        stderr=(root / "demo.log").open("w"),
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        if proc.poll() is not None:
            pytest.fail(f"kiosk demo exited {proc.returncode}: {(root / 'demo.log').read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("kiosk demo did not get ready within 60 s")
        time.sleep(0.1)
    doc = json.loads(ready.read_text())


    with urllib.request.urlopen(doc["simulator"] + "api/sim/catalogue", timeout=10) as answer:
        catalogue = json.load(answer)
    while True:  # the kiosk's link to central is up (else the first patron is decided offline)
        with urllib.request.urlopen(doc["simulator"] + "api/sim/state", timeout=10) as answer:
            if json.load(answer)["link"] == "central link online":
                break
        if time.monotonic() > deadline:
            pytest.fail(f"the demo kiosk never reached central: {(root / 'demo.log').read_text()}")
        time.sleep(0.1)
    uids: dict[str, list[str]] = {}
    for entry in catalogue["cards"] + catalogue["items"]:
        uids.setdefault(entry["detail"], []).append(entry["uid"])
    world = Demo(proc, doc["simulator"], doc["screen"], root / "state", uids)
    yield world
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("kiosk demo did not stop on Ctrl+C within 30 s")
    assert proc.returncode == 0, (root / "demo.log").read_text()


@pytest.fixture
def page(chromium: Any, demo: Demo) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1560, "height": 980}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)  # generous: the suite runs two workers on two cores
    page.goto(demo.sim)
    page.frame_locator("#screen").locator('body[data-screen="welcome"]').wait_for()
    yield page
    page.click("#clear")
    try:
        page.frame_locator("#screen").locator('body[data-screen="welcome"]').wait_for(
            timeout=20_000
        )
    except Exception:
        shoot(page, "demo-stuck")
        raise
    finally:
        context.close()


def screen(page: Any, name: str) -> None:
    page.frame_locator("#screen").locator(f'body[data-screen="{name}"]').wait_for()


def place(page: Any, uid: str) -> None:
    page.click(f"#tag-{uid} button.place")
    page.wait_for_selector(f'#pad-tags li[data-uid="{uid}"]')


def sign_in(page: Any, demo: Demo, card: str) -> Any:
    """Lay the patron's card on the pad and type the demo PIN on the screen's keypad."""
    frame = page.frame_locator("#screen")
    place(page, demo.uid(card))
    screen(page, "pin")
    for digit in "1234":
        frame.locator(f'#pin-form .keypad button[data-key="{digit}"]').click()
    frame.locator("#pin-form button.ok").click()
    screen(page, "choose")
    return frame


def test_checkout_through_the_simulator_unsecures_the_tag_and_prints(page: Any, demo: Demo) -> None:
    frame = sign_in(page, demo, "0001000012345")
    frame.locator("#quota").filter(has_text="4").wait_for()  # 王小明 has four loans
    frame.locator("#overdue").wait_for()  # one of them overdue
    frame.locator('#choose-ops button[data-op="checkout"]').click()
    screen(page, "items")
    book = demo.uid(ORDINARY.pii)
    assert page.get_attribute(f'[data-sec-for="{book}"]', "class") == "sec on"
    place(page, book)
    frame.locator(f'#items li[data-uid="{book}"][data-status="accepted"]').wait_for()
    page.wait_for_selector(f'[data-sec-for="{book}"].off')  # EAS/AFI written and verified
    shoot(page, "demo-checkout", readme=True)
    frame.locator("#done").click()
    screen(page, "receipt")
    frame.locator("#receipt-print").click()
    page.wait_for_selector(f'#receipt:has-text("{ORDINARY.title}")')
    assert "借书凭条" in page.inner_text("#receipt")
    assert "0001000012345" not in page.inner_text("#receipt")  # the card number is masked
    screen(page, "goodbye")


def test_returns_shelf_transit_and_the_reserved_refusal(page: Any, demo: Demo) -> None:
    frame = sign_in(page, demo, "0001000012345")
    frame.locator('#choose-ops button[data-op="return"]').click()
    screen(page, "items")
    own, member, reserved = (
        demo.uid(ROLE[r].pii) for r in ("own_loan", "member_loan", "reserved_loan")
    )
    for uid in (own, member, reserved):
        place(page, uid)
    frame.locator(f'#items li[data-uid="{own}"][data-status="accepted"]').wait_for()
    frame.locator(f'#items li[data-uid="{member}"][data-status="accepted"]').wait_for()
    refused = frame.locator(f'#items li[data-uid="{reserved}"][data-status="refused"]')
    refused.wait_for()
    assert "服务台" in refused.inner_text()
    transit = frame.locator(f'#items li[data-uid="{member}"]').inner_text()
    assert "越秀区图书馆" in transit
    page.wait_for_selector(f'[data-sec-for="{own}"].on')  # returned: secured again
    page.wait_for_selector(f'[data-sec-for="{reserved}"].off')  # still on loan: unsecured
    page.wait_for_selector('#latch-count:text-is("2")')  # the chute opened for each return
    shoot(page, "demo-return", readme=True)
    frame.locator("#lang-toggle").click()
    frame.locator(f'#items li[data-uid="{reserved}"]').filter(has_text="desk").wait_for()
    frame.locator("#logout").click()


def test_network_cut_shows_offline_and_service_key_opens_staff_mode(
    page: Any, demo: Demo
) -> None:
    frame = page.frame_locator("#screen")
    page.uncheck("#net")
    frame.locator('#banners [data-kind="offline"]').wait_for(timeout=15_000)
    page.wait_for_selector('#link:has-text("offline")')
    page.check("#net")
    frame.locator('#banners [data-kind="offline"]').wait_for(state="detached", timeout=20_000)
    page.check("#service_key")
    frame.locator("#staff-login").wait_for()
    screen(page, "out_of_service")
    frame.locator("#staff-id").fill("demo")
    frame.locator("#staff-pin").fill("2468")
    frame.locator("#staff-pin").press("Enter")
    frame.locator("#staff-pages").wait_for()
    status = frame.locator('#staff-page[data-tab="status"]')
    status.filter(has_text="central link online").wait_for()
    frame.locator('[data-tab="bins"]').click()
    frame.locator("#staff-page").filter(has_text="越秀区图书馆").wait_for()  # the transit return
    frame.locator("#staff-empty").click()
    frame.locator("#staff-handover").wait_for()
    shoot(page, "demo-staff", readme=True)
    # Tag tools: the book on the pad, read and decoded; its security fixed by hand.
    book = demo.uid(ORDINARY.pii)
    place(page, book)
    frame.locator('[data-tab="tags"]').click()
    card = frame.locator(f'.tag-card[data-uid="{book}"]')
    card.filter(has_text=ORDINARY.pii).wait_for()
    assert "gz-item" in card.inner_text()
    secured_before = "sec on" in (page.get_attribute(f'[data-sec-for="{book}"]', "class") or "")
    card.locator("button", has_text="解除防盗" if secured_before else "加防盗").click()
    want = "off" if secured_before else "on"
    page.wait_for_selector(f'[data-sec-for="{book}"].{want}')
    shoot(page, "demo-staff-tags")
    frame.locator('[data-tab="hardware"]').click()
    frame.locator("#hw-buzzer-refuse").click()
    frame.locator("#staff-tool-result").wait_for()
    frame.locator('[data-tab="outbox"]').click()
    frame.locator("#staff-outbox-depth").wait_for()
    frame.locator('[data-tab="logs"]').click()
    frame.locator("#staff-log-lines").filter(has_text="service key turned on").wait_for()
    assert "0001000012345" not in frame.locator("#staff-log-lines").inner_text()  # masked
    page.uncheck("#service_key")
    frame.locator("#staff").wait_for(state="hidden")
    screen(page, "welcome")
    central = str(Path(sys.executable).parent / "kiosk-central")
    deadline = time.monotonic() + 15
    actions: list[str] = []
    wanted = {"login", "empty_bin", "tag_secure", "hardware_test", "logout"}
    while time.monotonic() < deadline and not wanted <= set(actions):
        audit = subprocess.run(
            [central, "audit", "--db", str(demo.state_dir / "central.db"), "--json"],
            capture_output=True, text=True, check=True,
        )
        actions = [entry["action"] for entry in json.loads(audit.stdout)["audit"]]
        time.sleep(0.2)
    assert wanted <= set(actions)  # journalled, then sent to central
