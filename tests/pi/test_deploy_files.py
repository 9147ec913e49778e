"""systemd units (systemd-analyze verify where installed), udev rules and the install script."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pi_support import REPO

SYSTEMD = REPO / "systemd"
INSTALL = REPO / "scripts" / "install-pi.sh"


def _unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_kiosk_service_settings() -> None:
    unit = _unit("kiosk.service")
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["main"]
    assert unit["Restart"] == ["on-failure"] and unit["WatchdogSec"]
    assert unit["ProtectSystem"] == ["strict"] and unit["DevicePolicy"] == ["closed"]
    assert unit["WorkingDirectory"] == ["/run/kiosk"] and unit["StateDirectory"] == ["kiosk"]
    assert {"char-ttyUSB rw", "char-ttyACM rw", "char-gpiochip rw", "char-usb_device rw"} <= set(
        unit["DeviceAllow"])
    assert "PrivateDevices" not in unit
    assert unit["ExecStart"] == ["/opt/kiosk/.venv/bin/kiosk run --config /etc/kiosk/kiosk.toml"]


def test_screen_service_settings() -> None:
    unit = _unit("kiosk-screen.service")
    assert unit["Restart"] == ["always"] and "kiosk.service" in " ".join(unit["After"])
    assert "--kiosk" in unit["ExecStart"][0]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
@pytest.mark.parametrize("name", ["kiosk.service", "kiosk-screen.service"])
def test_systemd_analyze_verify(tmp_path: Path, name: str) -> None:
    # the executables exist only on an installed Pi: point them at /bin/true for the check
    text = (SYSTEMD / name).read_text()
    for executable in ("/opt/kiosk/.venv/bin/kiosk", "/usr/bin/cage"):
        text = text.replace(executable, "/bin/true")
    (tmp_path / name).write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)],
                          capture_output=True, text=True, timeout=60, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Unknown" not in output and "Invalid" not in output and "Failed" not in output, output


def test_udev_rules_name_the_stable_devices() -> None:
    rules = [line for line in (SYSTEMD / "99-kiosk.rules").read_text().splitlines()
             if line and not line.startswith("#")]
    text = "\n".join(rules)
    for name in ("kiosk-reader", "kiosk-printer", "kiosk-scanner"):
        assert f'SYMLINK+="{name}"' in text
    for rule in rules:
        assert all(part.count('"') == 2 for part in rule.split(", ")), rule


def _install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_INSTALL_ROOT": str(root)}
    return subprocess.run(["bash", str(INSTALL), *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_install_dry_run_changes_nothing(tmp_path: Path) -> None:
    done = _install(tmp_path, "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "would run: useradd --system" in out
    assert f"pip install --upgrade {REPO}[pi,nfc,printer]" in out
    assert f"{tmp_path}/etc/kiosk/kiosk.toml" in out
    assert "would run: systemctl enable kiosk.service" in out
    assert list(tmp_path.iterdir()) == []


def test_install_into_root_is_idempotent_and_keeps_config(tmp_path: Path) -> None:
    assert _install(tmp_path).returncode == 0
    config = tmp_path / "etc/kiosk/kiosk.toml"
    assert (tmp_path / "etc/systemd/system/kiosk.service").is_file()
    assert (tmp_path / "etc/udev/rules.d/99-kiosk.rules").is_file()
    config.write_text(config.read_text() + "# edited\n")
    again = _install(tmp_path)
    assert again.returncode == 0 and "keeping existing" in again.stdout
    assert config.read_text().endswith("# edited\n")
    removed = _install(tmp_path, "--uninstall")
    assert removed.returncode == 0
    assert not (tmp_path / "etc/systemd/system/kiosk.service").exists()
    assert config.exists()
    assert _install(tmp_path, "--uninstall", "--purge").returncode == 0
    assert not (tmp_path / "etc/kiosk").exists()


def test_install_rejects_unknown_option(tmp_path: Path) -> None:
    done = _install(tmp_path, "--frobnicate")
    assert done.returncode == 2 and "unknown option" in done.stderr
