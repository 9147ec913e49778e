"""Scenario runner: a patron's story in a file, played on the real kiosk runtime.

- :mod:`~kiosk.scenario.model`  — parse and check JSON / TOML scenario files
- :mod:`~kiosk.scenario.runner` — drive a :class:`~kiosk.runtime.KioskRuntime` on a virtual pad
- :mod:`~kiosk.scenario.report` — the expectations and the final report (text or JSON)
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from kiosk.scenario import report
from kiosk.scenario.model import Scenario, load, parse
from kiosk.scenario.runner import World, run

__all__ = ["Scenario", "World", "load", "parse", "run", "run_file", "run_scenario"]


def run_scenario(scenario: Scenario, state_dir: Path | None = None) -> dict[str, Any]:
    """Run ``scenario`` (journal in ``state_dir``, default a temporary directory); the report."""

    async def main(directory: Path) -> dict[str, Any]:
        world, failures = await run(scenario, directory, report.check)
        return report.document(world, failures)

    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
        return asyncio.run(main(state_dir))
    with tempfile.TemporaryDirectory(prefix="kiosk-scenario-") as tmp:
        return asyncio.run(main(Path(tmp)))


def run_file(path: str | os.PathLike[str], state_dir: Path | None = None) -> dict[str, Any]:
    """Load, check and run one scenario file (ConfigError for a bad file)."""
    return run_scenario(load(path), state_dir)
