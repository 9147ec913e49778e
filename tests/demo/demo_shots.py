"""Screenshots of the demo tests: under tests/artifacts/; with KIOSK_UPDATE_SCREENSHOTS=1 the
README's copies in docs/screenshots/ are refreshed too."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def shoot(page: Any, name: str, *, readme: bool = False) -> Path:
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))
    if readme and os.environ.get("KIOSK_UPDATE_SCREENSHOTS") == "1":
        (ROOT / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, ROOT / "docs" / "screenshots" / f"{name}.png")
    return path
