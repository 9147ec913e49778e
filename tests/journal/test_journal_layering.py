"""Ownership rules for storage: who may import sqlite3 / tinydb, and no wall clock in logic."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules() -> dict[str, set[str]]:
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts): _imports(p)
        for p in (ROOT / "kiosk").rglob("*.py")
    }


def test_only_the_journal_and_state_packages_import_sqlite3() -> None:
    users = {m for m, names in _modules().items() if "sqlite3" in names}
    assert all(m.startswith(("kiosk.journal.", "kiosk.state.")) for m in users), users


def test_only_the_state_storage_and_documents_import_tinydb() -> None:
    users = {m for m, names in _modules().items() if "tinydb" in names}
    assert users <= {"kiosk.state.storage", "kiosk.state.documents"}, users


def test_journal_and_state_take_time_from_an_injected_clock() -> None:
    users = {
        m
        for m, names in _modules().items()
        if m.startswith(("kiosk.journal", "kiosk.state")) and names & {"time", "datetime"}
    }
    assert users == set()
