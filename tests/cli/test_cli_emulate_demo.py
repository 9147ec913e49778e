"""``kiosk emulate feig`` as a real process serving a real driver, and ``kiosk demo``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_support import kiosk_process

from drivers.iso15693 import uid_hex
from drivers.virtual import VirtualTag, make_uid, save_tags


def test_emulator_process_serves_the_feig_driver(tmp_path: Path, kiosk: Any) -> None:
    uid = make_uid("slix", 0x42)
    tags = tmp_path / "tags.json"
    save_tags(tags, [VirtualTag("slix", uid, afi=0x07, eas=True)])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "emulate",
            "feig",
            "--listen",
            "tcp:127.0.0.1:0",
            "--tags",
            str(tags),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        while True:  # the JSON document ends at the first line that is just "}"
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else "emulator exited"
            lines.append(line)
            if line.rstrip() == "}":
                break
        ready = json.loads("".join(lines))
        assert ready["tags"] == 1
        host_port = ready["listening"].removeprefix("tcp:")
        run = kiosk(
            "reader", "read", uid_hex(uid), "--reader", f"feig:socket://{host_port}", "--json"
        )
        assert run.status == 0, run.err
        assert run.json()["afi"] == 0x07 and run.json()["eas"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_emulator_bad_listen_spec() -> None:
    run = kiosk_process("emulate", "feig", "--listen", "udp:1")
    assert run.status == 2 and "--listen" in run.err and "Traceback" not in run.err


def test_demo_runs_the_whole_path(kiosk: Any, tmp_path: Path) -> None:
    run = kiosk("demo", "--walkthrough", "--json", "--state-dir", str(tmp_path))
    assert run.status == 0, run.err
    steps = run.json()["steps"]
    checkouts = [s for s in steps if s["op"] == "checkout"]
    returns = {s["pii"]: s for s in steps if s["op"] == "checkin"}
    assert checkouts and all(
        s["result"] == "accepted" and s["security"] == "unsecured" for s in checkouts
    )
    # The first item was reserved while on loan: its return is refused, the tag left alone.
    reserved = returns["0001100000011"]
    assert (reserved["result"], reserved["reason"], reserved["security"]) == (
        "refused",
        "reserved",
        "not_needed",
    )
    assert returns["0001100000022"]["route"] == "shelf"
    assert returns["0002100000033"]["route"] == "transit:CN-440100-1-0002"
    assert all(s["security"] == "secured" for p, s in returns.items() if p != "0001100000011")
    assert (tmp_path / "journal.db").exists()


def test_demo_text_mentions_each_stage() -> None:
    run = kiosk_process("demo", "--walkthrough")
    assert run.status == 0, run.err
    for fragment in ("FEIG emulator", "profile gz-item", "checkout", "transit:", "service desk"):
        assert fragment in run.out


def test_demo_bad_port_is_exit_2() -> None:
    run = kiosk_process("demo", "--port", "99999")
    assert run.status == 2 and "--port" in run.err and "Traceback" not in run.err
