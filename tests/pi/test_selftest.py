"""selftest against the virtual reader, gpiozero's mock pins, the dummy printer, a closed port
and a real local TLS server (certificates made with openssl)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from pi_support import MINIMAL

from kiosk.config import load_config
from kiosk.selftest import DiskUsage, Probes, run_selftest


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp_path: Path, extra: str = "") -> Path:
    text = MINIMAL + (
        "\n[gpio]\nfactory = \"mock\"\nlatch = 17\nbin_full = 6\n"
        '\n[printer]\nspec = "dummy"\n'
        f'\n[journal]\npath = "{tmp_path / "state" / "journal.db"}"\n'
    ) + extra
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _probes(**changes) -> Probes:
    return Probes(run=lambda argv, timeout: "yes", **changes)


def _by_name(report):
    return {r.name: r for r in report.results}


def test_all_ok_with_virtual_parts_and_no_broker(tmp_path: Path) -> None:
    report = run_selftest(_config(tmp_path), _probes())
    results = _by_name(report)
    assert report.exit_status == 0
    assert [results[n].status for n in ("config", "reader", "disk", "gpio", "printer")] == [
        "ok"] * 5
    assert results["broker"].status == "skip"
    assert results["clock"].detail.endswith("NTP synchronized")
    assert results["gpio"].data == {"latch": "17", "bin_full": "6"}
    assert "result: ready" in report.render()


def test_closed_broker_port_is_reported_but_not_essential(tmp_path: Path) -> None:
    port = _closed_port()
    path = _config(tmp_path, f'\n[mqtt]\nhost = "127.0.0.1"\nport = {port}\ntls = false\n')
    report = run_selftest(path, _probes())
    broker = _by_name(report)["broker"]
    assert (broker.status, broker.essential) == ("fail", False)
    assert broker.detail == f"127.0.0.1:{port}: connection refused"
    assert report.exit_status == 0
    assert report.to_dict()["probes"][-2]["status"] == "fail"


def test_unplugged_reader_is_essential(tmp_path: Path) -> None:
    path = _config(tmp_path).read_text().replace('"virtual"', '"feig:/nonexistent/tty"')
    (tmp_path / "kiosk.toml").write_text(path)
    report = run_selftest(tmp_path / "kiosk.toml", _probes())
    assert _by_name(report)["reader"].status == "fail"
    assert report.exit_status == 1
    assert "NOT READY" in report.render() and "reader" in report.render()


def test_bad_config_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(MINIMAL + "pol_ms = 1\n")
    report = run_selftest(path, _probes())
    assert report.exit_status == 2
    assert [r.name for r in report.results] == ["config"]
    assert report.results[0].detail.startswith(f"{path}:7: reader.pol_ms")


@pytest.mark.parametrize(
    ("free", "status", "exit_status"),
    [(400 * 2**20, "warn", 0), (10 * 2**20, "fail", 1), (50 * 2**30, "ok", 0)],
)
def test_disk_thresholds(tmp_path: Path, free: int, status: str, exit_status: int) -> None:
    probes = _probes(disk_usage=lambda path: DiskUsage(100 * 2**30, 0, free))
    report = run_selftest(_config(tmp_path), probes)
    assert _by_name(report)["disk"].status == status
    assert report.exit_status == exit_status


def test_clock_not_set_and_ntp_unknown(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    probes = Probes(run=lambda argv, timeout: None, now=lambda: 0.0)
    assert probes.clock().status == "fail" and "1970" in probes.clock().detail
    probes = Probes(run=lambda argv, timeout: None, now=lambda: 1.8e9)
    assert probes.clock().detail.endswith("NTP unknown")
    assert config.gpio.factory == "mock"


def test_missing_printer_device_is_not_created(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    path = _config(tmp_path).read_text().replace('spec = "dummy"', f'spec = "file:{device}"')
    (tmp_path / "kiosk.toml").write_text(path)
    report = run_selftest(tmp_path / "kiosk.toml", _probes())
    assert _by_name(report)["printer"].status == "fail"
    assert not device.exists()


# -- TLS against a real local server -------------------------------------------------------------

def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("pki")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl("req", "-x509", "-new", *ec, "-days", "2", "-subj", "/CN=test CA",
             "-keyout", "ca.key", "-out", "ca.crt", cwd=d)
    exts = (("broker", "subjectAltName=IP:127.0.0.1"), ("k1", "extendedKeyUsage=clientAuth"))
    for name, ext in exts:
        _openssl("req", "-new", *ec, "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                 "-out", f"{name}.csr", cwd=d)
        (d / f"{name}.ext").write_text(ext + "\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt",
                 cwd=d)
    for key in d.glob("*.key"):
        os.chmod(key, 0o600)
    return d


def _tls_server(pki: Path) -> tuple[socket.socket, threading.Thread]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "broker.crt", pki / "broker.key")
    context.load_verify_locations(pki / "ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.settimeout(5)
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def _mqtt_section(pki: Path, port: int, cafile: str = "ca.crt") -> str:
    return (f'\n[mqtt]\nhost = "127.0.0.1"\nport = {port}\ncafile = "{pki / cafile}"\n'
            f'certfile = "{pki / "k1.crt"}"\nkeyfile = "{pki / "k1.key"}"\nconnect_timeout_s = 5\n')


def test_tls_broker_verified(tmp_path: Path, pki: Path) -> None:
    listener, thread = _tls_server(pki)
    with listener:
        port = listener.getsockname()[1]
        report = run_selftest(_config(tmp_path, _mqtt_section(pki, port)), _probes())
        thread.join(10)
    broker = _by_name(report)["broker"]
    assert broker.status == "ok", broker.detail
    assert "broker certificate verified" in broker.detail


def test_tls_broker_with_untrusted_certificate(tmp_path: Path, pki: Path) -> None:
    listener, thread = _tls_server(pki)
    with listener:
        port = listener.getsockname()[1]
        # trust only the kiosk's own certificate: the broker's chain does not verify
        report = run_selftest(_config(tmp_path, _mqtt_section(pki, port, "k1.crt")), _probes())
        thread.join(10)
    broker = _by_name(report)["broker"]
    assert broker.status == "fail" and "not trusted" in broker.detail
