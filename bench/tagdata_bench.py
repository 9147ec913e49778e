"""Speed of the ISO 28560-2 tag-data codec: decode and encode of two typical tags.

Run ``python bench/tagdata_bench.py``; prints one JSON document. Each figure is the median over
several runs of the mean time per call over many calls (``time.perf_counter_ns``). Targets from
ARCHITECTURE.md §8: decode ≤ 20 µs, encode ≤ 60 µs per tag on the development machine.

Tags: the ISO 28560-2 Annex D example (vector C1: PII and owner locked) and a typical Guangzhou
item tag (13-digit barcode with a leading zero, Chinese ISIL, type of usage, call number, shelf
position, circulation type; PII and owner locked; written to an ICODE SLIX).
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.tagdata import CHIP_CAPACITY, decode, encode

DECODE_TARGET_US = 20.0
ENCODE_TARGET_US = 60.0
RUNS = 7
CALLS = 20_000

TAGS: dict[str, tuple[dict[int, str | bytes], tuple[int, ...], int | None]] = {
    "iso_annex_d": (
        {1: "123456789012", 3: "US-InU-Mu", 4: "1203", 6: "QA268.L55"},
        (1, 3),
        None,
    ),
    "guangzhou_item": (
        {1: "0001100012345", 3: "CN-440100-1-0001", 5: "10", 6: "I247.5/1234",
         15: "3F-A12-03", 16: "PT01"},
        (1, 3),
        CHIP_CAPACITY["slix"],
    ),
}


def per_call_us(action: Callable[[], object]) -> float:
    """Median over RUNS of the mean µs per call of CALLS calls."""
    action()  # warm up
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        for _ in range(CALLS):
            action()
        runs.append((time.perf_counter_ns() - start) / CALLS / 1000)
    return round(statistics.median(runs), 2)


def main() -> None:
    results: dict[str, dict[str, float]] = {}
    for name, (elements, lock, capacity) in TAGS.items():
        memory = encode(elements, lock=lock, capacity=capacity).data
        if dict(decode(memory).elements) != elements:
            raise SystemExit(f"{name}: the codec does not round-trip")
        results[name] = {
            "bytes": len(memory),
            "decode_us": per_call_us(partial(decode, memory)),
            "encode_us": per_call_us(partial(encode, elements, lock=lock, capacity=capacity)),
        }
    report = {
        "benchmark": "kiosk.tagdata",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": RUNS,
        "calls_per_run": CALLS,
        "targets": {"decode_us": DECODE_TARGET_US, "encode_us": ENCODE_TARGET_US},
        "tags": results,
        "within_targets": all(
            r["decode_us"] <= DECODE_TARGET_US and r["encode_us"] <= ENCODE_TARGET_US
            for r in results.values()
        ),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
