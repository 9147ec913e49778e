"""The chaos and link-bench commands end to end on the private testbed (real mosquitto).

Small parameters only: each run must report the contract's invariants held (nothing lost,
nothing applied twice or out of order, tags agreeing with central). Speed is not asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def document(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    parsed = json.loads(done.stdout)
    assert isinstance(parsed, dict)
    return parsed


def test_chaos_kill_two_rounds_loses_nothing_and_tags_agree() -> None:
    report = document(kiosk("chaos", "kill", "--rounds", "2", "--seed", "3", "--json"))
    assert report["rounds"] == 2
    assert report["transactions"] >= 1
    for key in ("lost", "duplicate_effects", "out_of_order", "tag_mismatches"):
        assert report[key] == 0, (key, report)
    assert report["failed_restarts"] == 0


def test_bench_drain_200_all_answered() -> None:
    report = document(kiosk("bench", "drain", "--n", "200", "--json"))
    assert report["n"] == 200
    assert report["lost"] == 0 and report["complete"] is True
    assert report["drain_s"] > 0 and report["raw_paho_s"] > 0
    assert report["ratio"] == pytest.approx(report["raw_paho_s"] / report["drain_s"], rel=0.05)


def test_bench_drain_through_the_real_central_service() -> None:
    report = document(kiosk("bench", "drain", "--n", "50", "--central", "service", "--json"))
    assert (report["central"], report["lost"], report["complete"]) == ("service", 0, True)


def test_bench_fleet_five_kiosks_reconnect_and_lose_nothing() -> None:
    report = document(kiosk("bench", "fleet", "--kiosks", "5", "--json"))
    assert (report["kiosks"], report["transactions"]) == (5, 25)
    assert report["lost"] == 0 and report["complete"] is True


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("chaos", "kill"), "--rounds"),
        (("chaos", "kill", "--rounds", "0"), "at least 1"),
        (("chaos", "kill", "--rounds", "x"), "not a whole number"),
        (("chaos", "kill", "--rounds", "2", "--seed", "abc"), "not a whole number"),
        (("bench", "drain", "--n", "-5"), "--n"),
        (("bench", "drain", "--n", "1000001"), "more than"),
        (("bench", "drain", "--n", "5", "--central", "nope"), "invalid choice"),
        (("bench", "fleet", "--kiosks", "0"), "at least 1"),
        (("bench", "fleet"), "--kiosks"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: tuple[str, ...], says: str) -> None:
    done = kiosk(*args, timeout=30)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr
    assert done.stdout == ""
