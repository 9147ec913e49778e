"""The architecture's dependency rules, checked on the source (ARCHITECTURE.md §2).

- ``drivers`` never imports ``kiosk`` or ``central``.
- ``kiosk.tagdata`` and ``kiosk.gz`` are pure: standard library (and each other) only.
- Exactly one module imports each foreign device/network library.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kiosk", "drivers", "central")


def _modules() -> dict[str, set[str]]:
    """Module name → top-level-qualified names it imports."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            imported: set[str] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module)
            found[name] = imported
    return found


MODULES = _modules()


def _top(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def test_drivers_never_import_kiosk_or_central() -> None:
    offenders = {
        module: sorted(n for n in names if _top(n) in ("kiosk", "central"))
        for module, names in MODULES.items()
        if module.startswith("drivers")
    }
    assert {m: n for m, n in offenders.items() if n} == {}


@pytest.mark.parametrize("package", ["kiosk.tagdata", "kiosk.gz", "kiosk.security"])
def test_pure_packages_use_only_the_standard_library(package: str) -> None:
    allowed_ours = {"kiosk.tagdata", "kiosk.gz", "kiosk.errors", "kiosk.security"}
    bad: dict[str, list[str]] = {}
    for module, names in MODULES.items():
        if module != package and not module.startswith(package + "."):
            continue
        for name in names:
            if _top(name) in sys.stdlib_module_names:
                continue
            if any(name == ours or name.startswith(ours + ".") for ours in allowed_ours):
                continue
            bad.setdefault(module, []).append(name)
    assert bad == {}


@pytest.mark.parametrize("library", ["paho", "gpiozero", "nfc", "escpos"])
def test_one_module_per_foreign_library(library: str) -> None:
    importers = sorted(m for m, names in MODULES.items() if any(_top(n) == library for n in names))
    assert len(importers) <= 1, f"{library} imported by {importers}"
