"""Daemon benchmark: start-to-ready time and resident memory after 1,000 transactions (JSON).

- ``start_to_ready_ms``: ``kiosk run`` spawned as a subprocess with a demo-like configuration
  (virtual pad, mock GPIO, dummy printer, journal in a temp dir) under a fake ``NOTIFY_SOCKET``;
  the time from spawning to the ``READY=1`` datagram (median of ``--starts`` runs).
- ``rss_mb_after``: the daemon built by the same composition root (:class:`kiosk.app.Daemon`)
  in this process, with the reference central in-process (``--demo-central`` equivalent);
  ``--transactions`` checkouts are driven through the runtime by placing tags on the virtual
  pad in stacks of ``--stack``, then VmRSS is read from /proc/self/status. The harness adds
  little besides the tags it places (they are removed after each stack).

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

from central.domain import CentralDomain
from drivers.virtual import VirtualReader, save_tags
from kiosk.app import Daemon
from kiosk.circulation import CardKind, State
from kiosk.circulation.session import Action, CardPresented, ItemResult, Show
from kiosk.config import parse_config
from kiosk.runtime import InProcessCentral, sim
from kiosk.sdnotify import Notifier

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


def _vm_rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid if pid is not None else 'self'}/status")
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def transactions(tmp: Path, count: int, stack: int) -> dict[str, Any]:
    config = parse_config(_config_text(tmp, "virtual", mode="checkout"), base_dir=tmp)
    # The simulated library's ISILs (sim.HOME) are not in the ISIL form the config checks.
    kiosk = dataclasses.replace(config.kiosk, library=sim.HOME, member_libraries=(sim.MEMBER,))
    config = dataclasses.replace(config, kiosk=kiosk)
    domain = CentralDomain()
    domain.load_json(sim.library_document(count, limit=min(count, 1000)))
    central = InProcessCentral(domain, kiosk=sim.KIOSK, clock_ms=lambda: time.time_ns() // 10**6)
    results: list[ItemResult] = []
    items = asyncio.Event()

    def seen(action: Action) -> None:
        if isinstance(action, ItemResult):
            results.append(action)
        elif isinstance(action, Show) and action.screen is State.ITEMS:
            items.set()

    daemon = Daemon(config, notifier=Notifier(None), environ={}, central=central, on_action=seen)
    await daemon.start()
    rss_ready = _vm_rss_mb()
    started = time.perf_counter()
    try:
        device = daemon.reader_device
        assert isinstance(device, VirtualReader)
        pad = device.pad
        daemon.runtime.submit(CardPresented(CardKind.BARCODE_TYPED, sim.PATRON))
        await asyncio.wait_for(items.wait(), 30)
        for first in range(1, count + 1, stack):
            batch = range(first, min(first + stack, count + 1))
            want = len(results) + len(batch)
            for i in batch:
                pad.place(sim.item_tag(i))
            deadline = time.monotonic() + 60
            while len(results) < want and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            for i in batch:
                pad.remove(bytes.fromhex(sim.item_uid(i)))
            daemon.runtime.submit(CardPresented(CardKind.BARCODE_TYPED, sim.PATRON))
        elapsed = time.perf_counter() - started
        rss_after = _vm_rss_mb()
    finally:
        await daemon.shutdown()
    return {
        "transactions": len(results),
        "accepted": sum(1 for r in results if r.result.value == "accepted"),
        "seconds": round(elapsed, 2),
        "rss_mb_ready": round(rss_ready, 1),
        "rss_mb_after": round(rss_after, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=1000)
    parser.add_argument("--stack", type=int, default=10)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb", dir="/tmp") as tmp:
        starts = []
        for n in range(args.starts):
            folder = Path(tmp) / f"s{n}"
            folder.mkdir()
            starts.append(start_to_ready_s(folder))
        folder = Path(tmp) / "tx"
        folder.mkdir()
        load = asyncio.run(transactions(folder, args.transactions, args.stack))
    print(json.dumps({
        "start_to_ready_ms": round(statistics.median(s for s, _ in starts) * 1000, 1),
        "start_to_ready_runs_ms": [round(s * 1000, 1) for s, _ in starts],
        "subprocess_rss_mb_at_ready": round(statistics.median(r for _, r in starts), 1),
        **load,
        "targets": {"start_to_ready_ms": 1500, "rss_mb": 60},
    }, indent=2))


if __name__ == "__main__":
    main()
