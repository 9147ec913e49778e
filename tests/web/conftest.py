"""Fixtures for the web UI tests: the catalogue, a served fake kiosk, one Chromium per worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_world import Served

from kiosk.web import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    """The module's headless Chromium (tests/support/chromium.py explains the scope)."""
    return chromium


@pytest.fixture
def served(catalog: Catalog, request: pytest.FixtureRequest) -> Iterator[Served]:
    """The app on 127.0.0.1:{free port}, wired to a real SessionMachine and a fake I/O loop.

    Tests pass machine options with ``@pytest.mark.parametrize("served", [{...}], indirect=True)``.
    """
    options = getattr(request, "param", {})
    world = Served(catalog, **options)
    yield world
    world.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(5000)
    page.goto(served.url + "?mute=1")
    page.wait_for_selector("#card-form button.ok")
    page.wait_for_function("document.body.dataset.version !== undefined")
    yield page
    context.close()
