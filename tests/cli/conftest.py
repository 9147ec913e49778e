"""Helpers for the command-line tests: run ``kiosk`` in-process or as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from kiosk.cli import main


@dataclass
class Run:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


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


def kiosk_process(*args: str, timeout: float = 60) -> Run:
    """Run the installed console entry point as a subprocess (what a technician types)."""
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)
