"""A headless Debian Chromium per test module, driven by Playwright (no browser download).

Module scope, on purpose: Playwright's sync API keeps its event loop marked as running on the
main thread for as long as it lives, and ``asyncio.run`` (the CLI, the runtime tests) refuses to
start there. Closing it at the end of each browser module — and running the suite with
``--dist loadfile`` so a worker finishes one file before the next — keeps the two apart.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (scripts/test.sh installs the chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
