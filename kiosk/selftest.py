"""``kiosk selftest``: is this machine able to run the kiosk? One probe per part, one report.

=========  ==========  ====================================================================
probe      essential   what it does
=========  ==========  ====================================================================
config     yes         the configuration file loads (every problem is listed)
reader     yes         the RFID pad answers (FEIG: firmware version) and one inventory runs
disk       yes         the journal's directory is writable; free space (warn < 10 % or
                       500 MB, fail < 50 MB)
gpio       no          the pin factory loads and every configured pin can be claimed
printer    no          the receipt printer opens and reports its paper
scanner    no          the scanner's device node exists
broker     no          TCP + TLS to the broker within the timeout; the broker's chain is
                       verified with ``cafile`` and our client certificate is presented
clock      no          the year is plausible; NTP sync from ``timedatectl`` if there is one
=========  ==========  ====================================================================

Exit status (:attr:`SelftestReport.exit_status`): 0 when every essential probe passed (other
probes may warn or fail: the kiosk can work offline, without a printer…), 1 when an essential part
is missing, 2 when the configuration itself is unusable. Every dependency (reader factory, pin
factory, printer, clock, disk usage, command runner, socket) comes in through :class:`Probes`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from drivers.errors import DriverError
from drivers.gpio import KioskGpio, PinFactory, make_pin_factory
from drivers.printer import ReceiptPrinter, open_receipt_printer
from drivers.reader import Reader
from drivers.registry import open_reader
from kiosk.config.load import ConfigProblem, check_config
from kiosk.config.model import GpioSection, KioskConfig, MqttSection, PrinterSection

__all__ = [
    "DiskUsage",
    "ProbeResult",
    "ProbeStatus",
    "Probes",
    "SelftestReport",
    "run_selftest",
]

ProbeStatus = Literal["ok", "warn", "fail", "skip"]

WARN_FREE_FRACTION = 0.10
WARN_FREE_BYTES = 500 * 1024 * 1024
FAIL_FREE_BYTES = 50 * 1024 * 1024
_SANE_YEARS = range(2024, 2100)
_PAPER_STATUS: dict[str, ProbeStatus] = {"ok": "ok", "out": "fail"}


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One probe's verdict, in words for a technician and as data for ``--json``."""

    name: str
    status: ProbeStatus
    essential: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "fail"


@dataclass(frozen=True, slots=True)
class SelftestReport:
    source: str
    results: tuple[ProbeResult, ...]

    @property
    def exit_status(self) -> int:
        if any(r.name == "config" and r.failed for r in self.results):
            return 2
        return 1 if any(r.essential and r.failed for r in self.results) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.source,
            "ok": self.exit_status == 0,
            "exit_status": self.exit_status,
            "probes": [
                {"name": r.name, "status": r.status, "essential": r.essential,
                 "detail": r.detail, **({"data": r.data} if r.data else {})}
                for r in self.results
            ],
        }

    def render(self) -> str:
        lines = [f"kiosk selftest ({self.source})"]
        for r in self.results:
            mark = r.status.upper() if r.status in ("fail", "warn") else r.status
            note = "" if r.essential or r.status != "fail" else "  (not essential)"
            lines.append(f"  {mark:<5} {r.name:<8} {r.detail}{note}")
        essential = [r.name for r in self.results if r.essential and r.failed]
        others = [r.name for r in self.results if not r.essential and r.status in ("fail", "warn")]
        if self.exit_status == 2:
            lines.append("result: the configuration cannot be used")
        elif essential:
            lines.append(f"result: NOT READY — essential part missing: {', '.join(essential)}")
        else:
            extra = f" (check: {', '.join(others)})" if others else ""
            lines.append(f"result: ready{extra}")
        return "\n".join(lines)


def _run_command(argv: Sequence[str], timeout: float) -> str | None:
    """stdout of ``argv``, or ``None`` if it is missing, fails or takes too long."""
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _disk_usage(path: str) -> DiskUsage:
    usage = shutil.disk_usage(path)
    return DiskUsage(usage.total, usage.used, usage.free)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


@dataclass(frozen=True)
class Probes:
    """The outside world the probes touch; tests replace what cannot exist on a build machine."""

    open_reader: Callable[[str], Reader] = open_reader
    pin_factory: Callable[[str, int | None], PinFactory] = (
        lambda name, chip: make_pin_factory(name, chip=chip)
    )
    open_printer: Callable[[PrinterSection], ReceiptPrinter] = (
        lambda section: open_receipt_printer(section.spec, columns=section.columns,
                                             cjk=section.cjk)
    )
    run: Callable[[Sequence[str], float], str | None] = _run_command
    now: Callable[[], float] = time.time
    disk_usage: Callable[[str], DiskUsage] = _disk_usage
    connect: Callable[[tuple[str, int], float], socket.socket] = socket.create_connection
    tls_settle_s: float = 0.3  # TLS 1.3 refuses a client certificate after the handshake

    # -- probes -----------------------------------------------------------------------------------

    def reader(self, spec: str) -> ProbeResult:
        try:
            reader = self.open_reader(spec)
        except (DriverError, ValueError, OSError) as exc:
            return ProbeResult("reader", "fail", True, f"{spec}: {_short(exc)}")
        try:
            health = reader.health()
            if not health.ok:
                return ProbeResult("reader", "fail", True, f"{spec}: {health.detail}")
            tags = reader.inventory()
        except (DriverError, ValueError, OSError) as exc:
            return ProbeResult("reader", "fail", True, f"{spec}: {_short(exc)}")
        finally:
            with contextlib.suppress(Exception):
                reader.close()
        data: dict[str, Any] = dict(health.extra)
        data["tags"] = [tag.uid_hex for tag in tags]
        return ProbeResult(
            "reader", "ok", True, f"{spec}: {health.detail}; inventory ok ({len(tags)} tags)", data
        )

    def gpio(self, section: GpioSection) -> ProbeResult:
        try:
            wiring = section.to_gpio_config()
            factory = self.pin_factory(section.factory, section.chip_override)
        except (DriverError, ValueError, OSError) as exc:
            return ProbeResult("gpio", "fail", False, f"factory {section.factory}: {_short(exc)}")
        pins = {name: str(spec.pin) for name, spec in wiring.pins().items()}
        try:
            KioskGpio(wiring, factory).close()
        except (DriverError, ValueError, OSError) as exc:
            return ProbeResult("gpio", "fail", False, f"claiming pins: {_short(exc)}", pins)
        finally:
            with contextlib.suppress(Exception):
                factory.close()
        claimed = ", ".join(f"{n}={p}" for n, p in pins.items()) or "no pins configured"
        return ProbeResult("gpio", "ok", False, f"factory {section.factory}: {claimed}", pins)

    def printer(self, section: PrinterSection) -> ProbeResult:
        if not section.enabled:
            return ProbeResult("printer", "skip", False, "no printer configured")
        device = _device_path(section.spec)
        if device is not None and not device.exists():
            # python-escpos' File printer would create a plain file in its place
            return ProbeResult("printer", "fail", False, f"{device}: no such device (plugged in? "
                               "udev rule in /etc/udev/rules.d/99-kiosk.rules?)")
        try:
            printer = self.open_printer(section)
        except (DriverError, ValueError, OSError) as exc:
            return ProbeResult("printer", "fail", False, f"{section.spec}: {_short(exc)}")
        try:
            paper = printer.paper_status()
        finally:
            with contextlib.suppress(Exception):
                printer.close()
        if section.spec.startswith("dummy"):
            return ProbeResult("printer", "ok", False, "dummy printer (in memory)",
                               {"paper": paper})
        status: ProbeStatus = _PAPER_STATUS.get(paper, "warn")
        words = {"ok": "paper ok", "near-end": "paper nearly out", "out": "paper out",
                 "unknown": "printer does not report its paper"}[paper]
        return ProbeResult("printer", status, False, f"{section.spec}: {words}", {"paper": paper})

    def scanner(self, port: str) -> ProbeResult:
        if port == "none":
            return ProbeResult("scanner", "skip", False, "no serial scanner configured")
        if port.startswith("/") and not Path(port).exists():
            return ProbeResult("scanner", "fail", False, f"{port}: no such device (plugged in? "
                               "udev rule in /etc/udev/rules.d/99-kiosk.rules?)")
        return ProbeResult("scanner", "ok", False, f"{port}: present")

    def broker(self, mqtt: MqttSection) -> ProbeResult:
        if not mqtt.enabled:
            return ProbeResult("broker", "skip", False, "no broker configured (offline only)")
        where = f"{mqtt.host}:{mqtt.port}"
        timeout = mqtt.connect_timeout_s
        try:
            sock = self.connect((mqtt.host, mqtt.port), timeout)
        except ConnectionRefusedError:
            return ProbeResult("broker", "fail", False, f"{where}: connection refused")
        except TimeoutError:
            return ProbeResult("broker", "fail", False, f"{where}: no answer within {timeout:g} s")
        except OSError as exc:
            return ProbeResult("broker", "fail", False, f"{where}: {_short(exc)}")
        with sock:
            if not mqtt.tls:
                return ProbeResult("broker", "warn", False, f"{where}: TCP ok, but TLS is off")
            return self._tls(sock, mqtt, where)

    def _tls(self, sock: socket.socket, mqtt: MqttSection, where: str) -> ProbeResult:
        try:
            context = ssl.create_default_context(cafile=str(mqtt.cafile) if mqtt.cafile else None)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if mqtt.certfile is not None:
                context.load_cert_chain(str(mqtt.certfile),
                                        str(mqtt.keyfile) if mqtt.keyfile else None)
        except (OSError, ssl.SSLError) as exc:
            return ProbeResult("broker", "fail", False, f"TLS files: {_short(exc)}")
        sock.settimeout(mqtt.connect_timeout_s)
        try:
            with context.wrap_socket(sock, server_hostname=mqtt.host) as tls:
                version = tls.version() or "TLS"
                refused = self._refused_after_handshake(tls)
        except ssl.SSLCertVerificationError as exc:
            return ProbeResult("broker", "fail", False,
                               f"{where}: broker certificate not trusted: {exc.verify_message}")
        except (ssl.SSLError, OSError) as exc:
            return ProbeResult("broker", "fail", False, f"{where}: TLS failed: {_short(exc)}")
        if refused:
            return ProbeResult("broker", "fail", False, f"{where}: {refused}")
        return ProbeResult("broker", "ok", False,
                           f"{where}: {version}, broker certificate verified", {"tls": version})

    def _refused_after_handshake(self, tls: ssl.SSLSocket) -> str | None:
        """Listen briefly: a broker that refuses our certificate (TLS 1.3) says so now."""
        tls.settimeout(self.tls_settle_s)
        try:
            data = tls.recv(1)
        except TimeoutError:
            return None
        except ssl.SSLError as exc:
            return f"broker refused this kiosk's certificate: {_short(exc)}"
        return "broker closed the connection after TLS (certificate refused?)" if not data else None

    def clock(self) -> ProbeResult:
        now = self.now()
        year = time.gmtime(now).tm_year
        if year not in _SANE_YEARS:
            return ProbeResult("clock", "fail", False,
                               f"the clock says {year}: not set (no RTC and no NTP yet?)")
        synced = self.run(["timedatectl", "show", "--property=NTPSynchronized", "--value"], 3.0)
        ntp = {"yes": "synchronized", "no": "not synchronized"}.get(synced or "", "unknown")
        status: ProbeStatus = "warn" if ntp == "not synchronized" else "ok"
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now))
        return ProbeResult("clock", status, False, f"{stamp}; NTP {ntp}", {"ntp": ntp})

    def disk(self, journal: Path) -> ProbeResult:
        directory = journal.parent
        existing = next((p for p in (directory, *directory.parents) if p.is_dir()), Path("/"))
        if not _writable(existing):
            hint = "run as the kiosk user (sudo -u kiosk …)" if existing == directory else (
                "systemd creates it (StateDirectory=kiosk); see scripts/install-pi.sh")
            return ProbeResult("disk", "fail", True, f"{directory}: cannot write here; {hint}")
        try:
            usage = self.disk_usage(str(existing))
        except OSError as exc:
            return ProbeResult("disk", "fail", True, f"{existing}: {_short(exc)}")
        free_mb = usage.free // (1024 * 1024)
        percent = 100 * usage.free / usage.total if usage.total else 0.0
        data = {"path": str(existing), "free_bytes": usage.free, "free_percent": round(percent, 1)}
        detail = f"{existing}: {free_mb} MB free ({percent:.0f} %)"
        if usage.free < FAIL_FREE_BYTES:
            return ProbeResult("disk", "fail", True, detail + "; the journal cannot grow", data)
        if usage.free < WARN_FREE_BYTES or usage.free < WARN_FREE_FRACTION * usage.total:
            return ProbeResult("disk", "warn", True, detail + "; low", data)
        return ProbeResult("disk", "ok", True, detail, data)

    def all(self, config: KioskConfig) -> list[ProbeResult]:
        return [
            self.reader(config.reader.spec),
            self.disk(config.journal.path),
            self.gpio(config.gpio),
            self.printer(config.printer),
            self.scanner(config.scanner.port),
            self.broker(config.mqtt),
            self.clock(),
        ]


def _device_path(printer_spec: str) -> Path | None:
    """The device node a ``file:`` or ``serial:`` printer spec names, if it is a path."""
    kind, _, rest = printer_spec.partition(":")
    target = rest.partition("?")[0]
    return Path(target) if kind in ("file", "serial") and target.startswith("/") else None


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)


def run_selftest(path: str | Path, probes: Probes | None = None) -> SelftestReport:
    """Load the configuration at ``path`` and run every probe (see the module table)."""
    probes = Probes() if probes is None else probes
    config, problems = check_config(path)
    if config is None:
        return SelftestReport(str(path), (_config_failed(problems),))
    ok = ProbeResult("config", "ok", True, f"{path}: valid")
    return SelftestReport(str(path), (ok, *probes.all(config)))


def _config_failed(problems: list[ConfigProblem]) -> ProbeResult:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ProbeResult("config", "fail", True, f"{problems[0]}{more}",
                       {"problems": [str(p) for p in problems]})
