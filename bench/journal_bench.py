"""Durable journal append latency against outbox depth; prints JSON.

Target (architecture §8): "journal append p99 flat" — p99 at 100k queued rows at most 2x p99 at an
empty outbox. The outbox is filled quickly with large ``begin_many`` transactions (one fsync each),
then at each depth ``--samples`` single durable appends (``Journal.begin``: BEGIN IMMEDIATE,
insert, COMMIT with the WAL fsynced) are timed one by one.

Run on a real disk, not tmpfs (fsync on tmpfs is free): by default a temp dir under /var/tmp.
The filesystem type is reported with the figures.

    .venv/bin/python bench/journal_bench.py [--dir /var/tmp] [--samples 300]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from kiosk.journal import Intent, ItemRef, Journal

DEPTHS = (0, 1_000, 10_000, 100_000)
FILL_CHUNK = 50_000


def _percentile(sorted_ms: list[float], q: float) -> float:
    index = max(0, math.ceil(q * len(sorted_ms)) - 1)
    return sorted_ms[index]


def _filesystem(path: Path) -> str:
    """The filesystem type of the mount holding ``path`` (longest mount-point prefix)."""
    real = os.path.realpath(path)
    best, kind = "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1]
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, parts[2]
    return f"{kind} ({best})"


def _intent(n: int) -> Intent:
    item = ItemRef(pii=f"3{n:011d}", owner="CN-440100-1", uid=f"E0040100{n:08X}")
    return Intent(f"bench:{n}", "checkout", item, patron=f"P{n % 5000:06d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/var/tmp", help="parent directory for the temp journal")
    parser.add_argument("--samples", type=int, default=300, help="timed appends per depth")
    args = parser.parse_args()
    if args.samples < 200:
        parser.error("--samples: at least 200, so that p99 means something")

    with tempfile.TemporaryDirectory(prefix="journal-bench-", dir=args.dir) as tmp:
        path = Path(tmp) / "journal.db"
        journal = Journal.open(path, kiosk="bench", clock=time.time)
        counter = 0
        results: dict[str, dict[str, float]] = {}
        for depth in DEPTHS:
            fill_start = time.perf_counter()
            while journal.outbox_depth() < depth:
                missing = min(FILL_CHUNK, depth - journal.outbox_depth())
                journal.begin_many([_intent(counter + k) for k in range(missing)])
                counter += missing
            fill_s = time.perf_counter() - fill_start
            timings: list[float] = []
            for _ in range(args.samples):
                intent = _intent(counter)
                counter += 1
                start = time.perf_counter_ns()
                journal.begin(intent)
                timings.append((time.perf_counter_ns() - start) / 1e6)
            start = time.perf_counter_ns()
            journal.outbox(100)
            outbox_ms = (time.perf_counter_ns() - start) / 1e6
            timings.sort()
            results[str(depth)] = {
                "depth_before": depth,
                "p50_ms": round(_percentile(timings, 0.50), 3),
                "p99_ms": round(_percentile(timings, 0.99), 3),
                "max_ms": round(timings[-1], 3),
                "outbox_100_read_ms": round(outbox_ms, 3),
                "fill_s": round(fill_s, 2),
            }
        journal.close()
        db_bytes = path.stat().st_size

    ratio = results[str(DEPTHS[-1])]["p99_ms"] / results["0"]["p99_ms"]
    report = {
        "bench": "journal_append",
        "filesystem": _filesystem(Path(args.dir)),
        "sqlite": sqlite3.sqlite_version,
        "python": sys.version.split()[0],
        "settings": "WAL, synchronous=FULL, BEGIN IMMEDIATE per append",
        "samples_per_depth": args.samples,
        "depths": results,
        "p99_ratio_100k_over_0": round(ratio, 2),
        "target_ratio_max": 2.0,
        "db_bytes_at_end": db_bytes,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
