"""``kiosk run`` as systemd runs it: readiness, watchdog, shutdown, bad config, absent reader."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from daemon_rig import REPO, Daemon, http_status, write_config

pytestmark = pytest.mark.timeout(60)


def _port(config: Path) -> int:
    for line in config.read_text(encoding="utf-8").splitlines():
        if line.startswith("port = "):
            return int(line.split("=")[1])
    raise AssertionError("no port in the config")


def test_ready_then_watchdog_then_stopping_and_exit_0(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    daemon = Daemon.spawn(config, watchdog_usec=1_000_000)
    try:
        ready = daemon.wait_for("READY=1")
        assert "STATUS=ready" in ready
        assert http_status(f"http://127.0.0.1:{_port(config)}/") == 200
        daemon.wait_for("WATCHDOG=1")
        daemon.proc.send_signal(signal.SIGTERM)
        daemon.wait_for("STOPPING=1")
    finally:
        status, err = daemon.finish()
    assert status == 0, err
    wanted = ("READY", "WATCHDOG", "STOP")
    kinds = [m.split("=")[0] for m in daemon.messages if m.startswith(wanted)]
    assert kinds.index("READY") < kinds.index("WATCHDOG") < kinds.index("STOPPING")
    assert "WATCHDOG" not in kinds[kinds.index("STOPPING") :]
    assert (tmp_path / "journal.db").exists()


def test_without_watchdog_usec_no_pings_are_sent(tmp_path: Path) -> None:
    daemon = Daemon.spawn(write_config(tmp_path))
    try:
        daemon.wait_for("READY=1")
        daemon.proc.send_signal(signal.SIGINT)
        daemon.wait_for("STOPPING=1")
    finally:
        status, err = daemon.finish()
    assert status == 0, err
    assert not any("WATCHDOG=1" in m for m in daemon.messages)


def test_a_wedged_reader_and_journal_stop_the_watchdog_pings(tmp_path: Path) -> None:
    daemon = Daemon.spawn(
        write_config(tmp_path), watchdog_usec=1_000_000, extra=("--diag-wedge-s", "3.5")
    )
    try:
        daemon.wait_for("READY=1")
        daemon.wait_for("WATCHDOG=1")
        daemon.proc.send_signal(signal.SIGUSR2)
        withheld = daemon.wait_for("watchdog withheld")
        start = len(daemon.messages) - 1
        # The reader's silence may be noticed one tick before the journal's: wait for both.
        while "journal" not in withheld:
            withheld = daemon.wait_for("watchdog withheld")
        resumed = daemon.wait_for("WATCHDOG=1")  # after the wedge ends, pings come back
        during = daemon.messages[start : daemon.messages.index(resumed, start)]
        daemon.proc.send_signal(signal.SIGTERM)
        daemon.wait_for("STOPPING=1")
    finally:
        status, err = daemon.finish()
    assert status == 0, err
    assert "reader" in withheld and "journal" in withheld
    assert len([m for m in during if "watchdog withheld" in m]) >= 2
    assert not any("WATCHDOG=1" in m for m in during)


def test_sigusr2_is_ignored_unless_the_diagnostic_is_enabled(tmp_path: Path) -> None:
    daemon = Daemon.spawn(write_config(tmp_path), watchdog_usec=1_000_000)
    try:
        daemon.wait_for("READY=1")
        daemon.proc.send_signal(signal.SIGUSR2)  # default action would kill the process
        daemon.wait_for("WATCHDOG=1")
        daemon.wait_for("WATCHDOG=1")
        assert daemon.proc.poll() is None
        daemon.proc.send_signal(signal.SIGTERM)
    finally:
        status, err = daemon.finish()
    assert status == 0, err
    assert not any("withheld" in m for m in daemon.messages)


def test_an_absent_reader_is_still_ready_with_the_fault_in_status(tmp_path: Path) -> None:
    daemon = Daemon.spawn(write_config(tmp_path, reader="feig:/dev/nonexistent-kiosk-reader"))
    try:
        ready = daemon.wait_for("READY=1")
        daemon.proc.send_signal(signal.SIGTERM)
    finally:
        status, err = daemon.finish()
    assert status == 0, err
    assert "reader fault" in ready and "nonexistent-kiosk-reader" in ready
    assert "retry in" in ready


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\nid = "k1"\nmode = "sideways"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(config) in lines[0] and "kiosk run" in lines[0]


def test_missing_config_file_is_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--config", str(tmp_path / "absent.toml")],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
