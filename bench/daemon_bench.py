"""Daemon benchmark: start-to-ready time and resident memory after 1,000 transactions (JSON).

- ``start_to_ready_ms``: ``kiosk run`` spawned as a subprocess with a demo-like configuration
  (virtual pad, mock GPIO, dummy printer, journal in a temp dir) under a fake ``NOTIFY_SOCKET``;
  the time from spawning to the ``READY=1`` datagram (median of ``--starts`` runs).
- ``rss_mb_after``: the daemon alone. A child process runs the daemon built by the same
  composition root (:class:`kiosk.app.Daemon`) with its MQTT link to a private mosquitto, and
  the reference central service (``kiosk-central serve``) runs in another process, so central's
  data is not counted. In the child, ``--transactions`` checkouts are driven as patron sessions
  of ``--stack`` items each (card, tags laid on the virtual pad, done, no receipt, goodbye; the
  tags are lifted after each session and the driver holds nothing else); then the child reads
  its VmRSS (and peak VmHWM) from /proc/self/status. python-escpos's capability cache is warm,
  as on a Pi after its first start (``CacheDirectory`` in systemd/kiosk.service).

Targets (architecture §8): start to ready ≤ 1.5 s, resident memory ≤ 60 MB.

    .venv/bin/python bench/daemon_bench.py [--transactions 1000] [--stack 10] [--starts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from central.domain import CentralDomain, DomainConfig
from central.store.database import Database
from central.store.sqlite import SqliteRepository
from drivers.virtual import VirtualReader, save_tags
from kiosk.app import Daemon
from kiosk.circulation import CardKind, State
from kiosk.circulation.session import (
    Action,
    CardPresented,
    Finish,
    ItemResult,
    ReceiptChosen,
    Show,
)
from kiosk.config import parse_config
from kiosk.runtime import sim
from kiosk.sdnotify import Notifier
from kiosk.testbed.broker import CENTRAL, Broker, Pki

REPO = Path(__file__).resolve().parents[1]
LIBRARY = "CN-440100-0001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config_text(tmp: Path, reader: str, mode: str = "both") -> str:
    return f"""
[kiosk]
id = "{sim.KIOSK}"
library = "{LIBRARY}"
mode = "{mode}"
[reader]
spec = "{reader}"
poll_ms = 20
[gpio]
factory = "mock"
latch = 17
status_led = 27
buzzer = 22
door_closed = 5
bin_full = 6
service_key = 13
[printer]
spec = "dummy"
[web]
port = {_free_port()}
[journal]
path = "{tmp / 'journal.db'}"
[logging]
level = "warning"
"""


def start_to_ready_s(tmp: Path) -> tuple[float, float]:
    """(seconds from spawn to READY=1, the subprocess's VmRSS in MB at that moment)."""
    tags = tmp / "tags.json"
    save_tags(tags, [sim.item_tag(i, owner=LIBRARY) for i in range(1, 4)])
    config = tmp / "kiosk.toml"
    config.write_text(_config_text(tmp, f"virtual:{tags}"), encoding="utf-8")
    address = str(tmp / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(address)
        sock.settimeout(30)
        env = {**os.environ, "NOTIFY_SOCKET": address}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            while b"READY=1" not in sock.recv(4096):
                pass
            elapsed = time.perf_counter() - started
            rss = _vm_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
        os.unlink(address)
    return elapsed, rss


def _vm_rss_mb(pid: int | None = None, *, field: str = "VmRSS:") -> float:
    status = Path(f"/proc/{pid if pid is not None else 'self'}/status")
    for line in status.read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in {status}")


async def transactions(tmp: Path, count: int, stack: int, mqtt: str) -> dict[str, Any]:
    """Runs in the child: the daemon, its link to central through the broker, the workload."""
    config = parse_config(_config_text(tmp, "virtual", mode="checkout") + mqtt, base_dir=tmp)
    kiosk = dataclasses.replace(config.kiosk, library=sim.HOME, member_libraries=(sim.MEMBER,))
    config = dataclasses.replace(config, kiosk=kiosk)
    results: list[ItemResult] = []
    screens: dict[State, asyncio.Event] = {state: asyncio.Event() for state in State}

    def seen(action: Action) -> None:
        if isinstance(action, ItemResult):
            results.append(action)
        elif isinstance(action, Show):
            screens[action.screen].set()

    async def reach(state: State) -> None:
        await asyncio.wait_for(screens[state].wait(), 30)
        screens[state].clear()

    daemon = Daemon(config, notifier=Notifier(None), environ={}, on_action=seen)
    await daemon.start()
    rss_ready = _vm_rss_mb()
    link = daemon.parts.link
    assert link is not None
    deadline = time.monotonic() + 30
    while not link.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    try:
        device = daemon.reader_device
        assert isinstance(device, VirtualReader)
        pad = device.pad
        for first in range(1, count + 1, stack):
            # One patron session per stack, as at a real machine: card, items, done, goodbye.
            daemon.runtime.submit(CardPresented(CardKind.BARCODE_TYPED, sim.PATRON))
            await reach(State.ITEMS)
            batch = range(first, min(first + stack, count + 1))
            want = len(results) + len(batch)
            for i in batch:
                pad.place(sim.item_tag(i))
            deadline = time.monotonic() + 60
            while len(results) < want and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            daemon.runtime.submit(Finish())
            await reach(State.RECEIPT)
            daemon.runtime.submit(ReceiptChosen(print=False))
            await reach(State.GOODBYE)
            for i in batch:  # the patron takes the books away
                pad.remove(bytes.fromhex(sim.item_uid(i)))
            await asyncio.sleep(0.1)  # five polls: the machine has seen the pad empty
        elapsed = time.perf_counter() - started
        rss_after = _vm_rss_mb()
        peak = _vm_rss_mb(field="VmHWM:")
    finally:
        await daemon.shutdown()
    return {
        "transactions": len(results),
        "accepted": sum(1 for r in results if r.result.value == "accepted"),
        "offline": sum(1 for r in results if r.offline),
        "seconds": round(elapsed, 2),
        "rss_mb_ready": round(rss_ready, 1),
        "rss_mb_after": round(rss_after, 1),
        "rss_mb_peak": round(peak, 1),
    }


def _seed_central(path: Path, count: int) -> None:
    db = Database(str(path))
    try:
        domain = CentralDomain(SqliteRepository(db), DomainConfig())
        domain.load_json(sim.library_document(count, limit=min(count, 1000)))
    finally:
        db.close()


def daemon_alone(tmp: Path, count: int, stack: int) -> dict[str, Any]:
    """mosquitto and the central service in their own processes; the daemon in a child."""
    pki = Pki.create(tmp / "pki")
    broker = Broker(pki, tmp / "broker")
    broker.start()
    central_db = tmp / "central.db"
    _seed_central(central_db, count)
    tls = pki.client(CENTRAL)
    central = subprocess.Popen(
        [str(Path(sys.executable).parent / "kiosk-central"), "serve", "--db", str(central_db),
         "--broker", f"127.0.0.1:{broker.port}", "--cafile", str(pki.ca),
         "--cert", str(tls.cert), "--key", str(tls.key)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    kiosk_tls = pki.client(sim.KIOSK)
    mqtt = (
        f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\ntls = true\n'
        f'cafile = "{pki.ca}"\ncertfile = "{kiosk_tls.cert}"\nkeyfile = "{kiosk_tls.key}"\n'
    )
    (tmp / "mqtt.toml").write_text(mqtt)
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(tmp), "--transactions", str(count),
             "--stack", str(stack)],
            capture_output=True, text=True, check=False, timeout=1800,
        )
        if child.returncode != 0:
            raise RuntimeError(f"daemon child failed: {child.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(child.stdout)
        return result
    finally:
        central.terminate()
        central.wait(30)
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=1000)
    parser.add_argument("--stack", type=int, default=10)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:  # the daemon's own process (see daemon_alone)
        mqtt = (args.child / "mqtt.toml").read_text()
        work = args.child / "kiosk"
        work.mkdir()
        print(json.dumps(asyncio.run(transactions(work, args.transactions, args.stack, mqtt))))
        return
    with tempfile.TemporaryDirectory(prefix="kb", dir="/tmp") as tmp:
        # As on the Pi after its first start (systemd CacheDirectory): python-escpos finds its
        # pickled capability database; the first start below writes it.
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(Path(tmp) / "escpos-cache")
        (Path(tmp) / "escpos-cache").mkdir()
        starts = []
        for n in range(args.starts):
            folder = Path(tmp) / f"s{n}"
            folder.mkdir()
            starts.append(start_to_ready_s(folder))
        folder = Path(tmp) / "tx"
        folder.mkdir()
        load = daemon_alone(folder, args.transactions, args.stack)
    print(json.dumps({
        "start_to_ready_ms": round(statistics.median(s for s, _ in starts) * 1000, 1),
        "start_to_ready_runs_ms": [round(s * 1000, 1) for s, _ in starts],
        "subprocess_rss_mb_at_ready": round(statistics.median(r for _, r in starts), 1),
        **load,
        "targets": {"start_to_ready_ms": 1500, "rss_mb": 60},
    }, indent=2))


if __name__ == "__main__":
    main()
