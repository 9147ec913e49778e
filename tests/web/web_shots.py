"""Screenshots from the browser tests: always under tests/artifacts/ (gitignored); the README's
copies in docs/screenshots/ are refreshed only when KIOSK_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
README_SHOTS = ROOT / "docs" / "screenshots"


def shoot(page: Any, name: str, *, readme: bool = False) -> Path:
    """Save a screenshot under tests/artifacts/; with KIOSK_UPDATE_SCREENSHOTS=1 and
    ``readme``, also copy it to docs/screenshots/ for the README."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if readme and os.environ.get("KIOSK_UPDATE_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SHOTS / f"{name}.png")
    return path
