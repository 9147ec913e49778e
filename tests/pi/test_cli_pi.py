"""``kiosk config check|show`` and ``kiosk selftest``: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from pi_support import MINIMAL, REPO

from kiosk.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        status = main(list(args))
    except SystemExit as exc:
        status = int(exc.code or 0)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_check_ok(capsys) -> None:
    status, out, _ = run(capsys, "config", "check", str(REPO / "config" / "kiosk.example.toml"))
    assert status == 0 and out.strip().endswith("kiosk.example.toml: ok")


def test_check_error_is_one_line_per_problem_exit_2(capsys, write_config) -> None:
    path = write_config(MINIMAL + "pol_ms = 1\n")
    status, out, err = run(capsys, "config", "check", str(path))
    assert status == 2 and out == ""
    assert err.splitlines() == [
        f"{path}:7: reader.pol_ms: unknown key; did you mean 'poll_ms'?"
    ]


def test_check_json(capsys, write_config) -> None:
    path = write_config(MINIMAL + "\n[web]\nport = 0\n")
    status, out, _ = run(capsys, "config", "check", str(path), "--json")
    document = json.loads(out)
    assert status == 2 and document["ok"] is False
    assert document["problems"][0] | {"message": ""} == {
        "file": str(path), "line": 9, "key": "web.port", "message": ""}


def test_show_prints_effective_toml_and_json(capsys, write_config) -> None:
    path = write_config(MINIMAL)
    status, out, _ = run(capsys, "config", "show", str(path))
    assert status == 0 and tomllib.loads(out)["web"] == {"bind": "127.0.0.1", "port": 8080}
    status, out, _ = run(capsys, "config", "show", str(path), "--json")
    assert status == 0 and json.loads(out)["gpio"]["latch"] == "none"


def test_missing_file_exit_2(capsys, tmp_path: Path) -> None:
    status, _, err = run(capsys, "config", "check", str(tmp_path / "nope.toml"))
    assert status == 2 and "cannot read" in err


def test_selftest_demo_json(capsys, tmp_path: Path) -> None:
    text = (REPO / "config" / "demo.toml").read_text().replace(
        "/tmp/kiosk-demo/journal.db", str(tmp_path / "journal.db"))
    path = tmp_path / "demo.toml"
    path.write_text(text)
    status, out, _ = run(capsys, "selftest", "--config", str(path), "--json")
    document = json.loads(out)
    assert status == document["exit_status"] == 0
    assert {p["name"]: p["status"] for p in document["probes"]}["reader"] == "ok"


def test_selftest_bad_config_exit_2_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\n")
    done = subprocess.run([sys.executable, "-m", "kiosk", "selftest", "--config", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "kiosk.id: missing" in done.stdout
