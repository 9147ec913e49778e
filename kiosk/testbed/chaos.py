"""The kill test as a run: SIGKILL a kiosk at random points, restart it, and audit the world.

The world: a private mosquitto (TLS + the contract's ACL), the reference central service on a
SQLite file (a thread of this process, :class:`~kiosk.testbed.central.ServiceThread`), and a
kiosk process (:mod:`kiosk.testbed.chaos_kiosk`) doing stack checkouts and returns on a virtual
pad whose tags are saved to a file after every write. Each round starts a kiosk, kills it after
a random number of durable steps (0 = right after start-up), then starts a recovery-only kiosk
that finishes what was open and drains the outbox. After every restart the audit compares the
kiosk's journal, the tags and central's records:

- ``lost``: journalled transactions central never applied (counted once per ``tx_id``);
- ``duplicate_effects``: repeats in central's application log (exactly-once by ``tx_id``);
- ``out_of_order``: a kiosk's transaction applied after one with a higher ``seq``;
- ``tag_mismatches``: items whose tag security contradicts central's loans (on loan → AFI 0xC2
  and EAS off; not on loan → AFI 0x07 and EAS on), summed over the audits.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drivers.virtual import load_tags, save_tags
from kiosk.journal import Journal
from kiosk.runtime import sim
from kiosk.testbed.broker import Broker, Pki
from kiosk.testbed.central import Applied, ServiceThread, open_domain

__all__ = ["ChaosReport", "audit_order", "kill_run"]

_STEPS_PER_ITEM = 5  # intent, decided, written, effect, shown
_CHILD_TIMEOUT_S = 60.0
_NOT_STEPS = frozenset({"", "connected", "recovered", "done", "drained"})
_SECURED = (0x07, True)
_UNSECURED = (0xC2, False)


@dataclass(frozen=True, slots=True)
class ChaosReport:
    rounds: int
    kills: int
    transactions: int
    lost: int
    duplicate_effects: int
    out_of_order: int
    tag_mismatches: int
    failed_restarts: int
    seed: int
    elapsed_s: float

    def as_json(self) -> dict[str, int | float]:
        return {
            "rounds": self.rounds,
            "transactions": self.transactions,
            "lost": self.lost,
            "duplicate_effects": self.duplicate_effects,
            "out_of_order": self.out_of_order,
            "tag_mismatches": self.tag_mismatches,
            "kills": self.kills,
            "failed_restarts": self.failed_restarts,
            "seed": self.seed,
            "elapsed_s": round(self.elapsed_s, 2),
        }


def audit_order(applied: list[Applied]) -> tuple[int, int]:
    """(duplicate applications, applications out of ``seq`` order) in central's log."""
    counts = Counter(tx_id for tx_id, _, _ in applied)
    duplicates = sum(n - 1 for n in counts.values())
    last: dict[str, int] = {}
    seen: set[str] = set()
    out_of_order = 0
    for tx_id, kiosk, seq in applied:
        if tx_id in seen:
            continue
        seen.add(tx_id)
        if seq < last.get(kiosk, 0):
            out_of_order += 1
        last[kiosk] = max(seq, last.get(kiosk, 0))
    return duplicates, out_of_order


class _World:
    def __init__(self, root: Path, items: int) -> None:
        self.root = root
        self.items = items
        self.state = root / "kiosk"
        self.state.mkdir()
        self.pki = Pki.create(root / "pki")
        self.pki.client(sim.KIOSK)
        self.broker = Broker(self.pki, root / "broker")
        self.central_db = root / "central.db"
        save_tags(self.state / "tags.json", [sim.item_tag(i) for i in range(1, items + 1)])

    def spawn(self, mode: str) -> subprocess.Popen[str]:
        args = [str(self.state), self.broker.host, str(self.broker.port), str(self.pki.root),
                mode, str(self.items)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
            str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH")]))}
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk.testbed.chaos_kiosk", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )

    def journal_rows(self) -> list[str]:
        with Journal.open(self.state / "journal.db", kiosk=sim.KIOSK, clock=time.time) as j:
            last = j.last_seq()
            return [
                row.tx_id
                for seq in range(1, last + 1)
                if (row := j.get(f"{sim.KIOSK}:{seq}")) is not None
            ]

    def tag_mismatches(self) -> int:
        domain, db = open_domain(self.central_db)
        try:
            on_loan = {loan.pii for loan in domain.loans()}
        finally:
            db.close()
        tags = {tag.uid.hex().upper(): tag for tag in load_tags(self.state / "tags.json")}
        wrong = 0
        for i in range(1, self.items + 1):
            tag = tags.get(sim.item_uid(i))
            want = _UNSECURED if sim.item_pii(i) in on_loan else _SECURED
            if tag is None or (tag.afi, tag.eas) != want:
                wrong += 1
        return wrong


def _kill_after(child: subprocess.Popen[str], steps: int) -> bool:
    """SIGKILL ``child`` after ``steps`` durable-step lines (0: once started); False if it ended."""
    assert child.stdout is not None
    count = 0
    for line in child.stdout:
        word = line.split()[0] if line.strip() else ""
        if word in _NOT_STEPS and not (word == "recovered" and steps == 0):
            continue
        count += 1
        if count >= steps:
            child.send_signal(signal.SIGKILL)
            child.wait()
            return True
    child.wait()
    return False


def kill_run(
    rounds: int,
    seed: int,
    *,
    items: int = 4,
    progress: Callable[[str], None] | None = None,
) -> ChaosReport:
    """Run ``rounds`` kill-and-restart rounds (alternating checkout and return stacks)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    kills = failed = mismatches = 0
    lost: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="kiosk-chaos-") as tmp:
        world = _World(Path(tmp), items)
        with world.broker, ServiceThread(
            world.broker, world.central_db, sim.library_document(items)
        ) as central:
            for n in range(rounds):
                mode = "checkout" if n % 2 == 0 else "return"
                steps = rng.randint(0, items * _STEPS_PER_ITEM)
                killed = _kill_after(world.spawn(mode), steps)
                kills += killed
                recovery = world.spawn("recover")
                try:
                    ok = recovery.wait(_CHILD_TIMEOUT_S) == 0
                except subprocess.TimeoutExpired:
                    recovery.kill()
                    recovery.wait()
                    ok = False
                failed += not ok
                applied = {tx_id for tx_id, _, _ in central.applied}
                rows = world.journal_rows()
                lost |= {tx_id for tx_id in rows if tx_id not in applied}
                round_mismatches = world.tag_mismatches()
                mismatches += round_mismatches
                if progress is not None:
                    progress(
                        f"round {n + 1}/{rounds}: {mode}, "
                        f"{'killed after ' + str(steps) + ' step(s)' if killed else 'finished'}, "
                        f"{len(rows)} tx journalled, {len(applied)} applied, "
                        f"{round_mismatches} tag mismatch(es)"
                    )
            duplicates, out_of_order = audit_order(list(central.applied))
            transactions = len(world.journal_rows())
    return ChaosReport(
        rounds=rounds,
        kills=kills,
        transactions=transactions,
        lost=len(lost),
        duplicate_effects=duplicates,
        out_of_order=out_of_order,
        tag_mismatches=mismatches,
        failed_restarts=failed,
        seed=seed,
        elapsed_s=time.perf_counter() - started,
    )
