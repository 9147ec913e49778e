"""The ``kiosk`` fixture: call the command in-process and capture what it prints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_support import Run

from kiosk.cli import main


@pytest.fixture
def kiosk(capsys: pytest.CaptureFixture[str]) -> Any:
    """Call ``kiosk ARGS…`` in-process; argparse's own exits are caught as a status."""

    def run(*args: str) -> Run:
        try:
            status = main(list(args))
        except SystemExit as exc:
            status = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run
