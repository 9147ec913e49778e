"""Kill tests: SIGKILL the kiosk at every step of a stack checkout and return, then recover.

The "physical world" survives the kill: central runs in this (parent) process
(:class:`CentralServer`), the tags' memory is a file the child saves after every reader write,
the journal is SQLite. The child prints a line after each durable step; the parent kills it right
after a chosen step (every step kind, early and late in the stack) or after a random delay,
starts a recovery-only child, and then checks that the journal, the tags and central agree:

- every transaction central applied is in the journal with the same seq; none applied twice;
  no seq ever reused (central saw no seq conflict);
- after recovery nothing is left open and nothing is left unsent;
- every loan central holds has its tag unsecured (AFI 0xC2, EAS reset) and every copy not on
  loan has its tag secured (AFI 0x07, EAS set) — all tags stay on the pad, so recovery can
  always finish the security write.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rt_socket_central import CentralServer

from central.domain import CentralDomain
from drivers.virtual import load_tags, save_tags
from kiosk.journal import Journal, Step
from kiosk.runtime import sim

CHILD = Path(__file__).with_name("rt_kill_child.py")
ROOT = Path(__file__).resolve().parents[2]
ITEMS = 4
# (step kind to kill after, which occurrence); None = a random moment.
STEPPED = [
    ("intent", 1),
    ("decided", 1),
    ("written", 1),
    ("effect", 1),
    ("shown", 1),
    ("intent", ITEMS),
    ("decided", 3),
    ("written", ITEMS),
    ("effect", 2),
    ("shown", ITEMS - 1),
    ("recovered", 1),
]


def spawn(state: Path, port: int, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(state), str(port), mode, str(ITEMS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def run_until(child: subprocess.Popen[str], kind: str, nth: int) -> bool:
    """Read lines until the nth ``kind`` line, then SIGKILL; False if the child ended first."""
    assert child.stdout is not None
    count = 0
    for line in child.stdout:
        if line.split()[0] == kind:
            count += 1
            if count == nth:
                child.send_signal(signal.SIGKILL)
                child.wait()
                return True
    child.wait()
    return False


def check_world(state: Path, server: CentralServer) -> None:
    domain = server.domain
    with Journal.open(state / "journal.db", kiosk=sim.KIOSK, clock=time.time) as journal:
        report = journal.recover()
        assert report.clean, [(r.tx_id, r.step) for r in report.unfinished]
        assert journal.outbox_depth() == 0
        rows = {
            row.tx_id: row
            for seq in range(1, journal.last_seq() + 1)
            if (row := journal.get(f"{sim.KIOSK}:{seq}")) is not None
        }
    assert len(server.applied) == len(set(server.applied)), "a tx_id applied twice"
    for tx_id in server.applied:
        assert tx_id in rows, f"{tx_id} applied by central but not in the journal"
        processed = domain.repo.get_processed(tx_id)
        assert processed is not None and processed.seq == rows[tx_id].seq
    assert not domain.exceptions(), domain.exceptions()
    on_loan = {loan.pii for loan in domain.loans()}
    tags = {tag.uid.hex().upper(): tag for tag in load_tags(state / "tags.json")}
    for i in range(1, ITEMS + 1):
        tag = tags[sim.item_uid(i)]
        if sim.item_pii(i) in on_loan:
            assert (tag.afi, tag.eas) == (0xC2, False), f"item {i} on loan, tag still secured"
        else:
            assert (tag.afi, tag.eas) == (0x07, True), f"item {i} not on loan, tag unsecured"
    for row in rows.values():
        assert row.step in (Step.SHOWN, Step.RECONCILE), (row.tx_id, row.step)


@pytest.mark.slow
def test_kill_at_every_step_then_recover_keeps_journal_tags_and_central_in_agreement(
    tmp_path: Path,
) -> None:
    rng = random.Random(20240601)
    domain = CentralDomain()
    domain.load_json(sim.library_document(ITEMS))
    save_tags(tmp_path / "tags.json", [sim.item_tag(i) for i in range(1, ITEMS + 1)])
    plan: list[tuple[str, tuple[str, int] | None]] = []
    for n, point in enumerate(STEPPED * 2):
        plan.append(("checkout" if n % 2 == 0 else "return", point))
    plan += [("checkout", None), ("return", None), ("checkout", None), ("return", None)]
    kills = 0
    with CentralServer(domain, sim.KIOSK) as server:
        for mode, point in plan:
            child = spawn(tmp_path, server.port, mode)
            if point is None:
                time.sleep(rng.uniform(0.05, 0.4))
                child.send_signal(signal.SIGKILL)
                child.wait()
                killed = True
            else:
                killed = run_until(child, *point)
            kills += killed
            if killed:
                recovery = spawn(tmp_path, server.port, "recover")
                assert recovery.wait(timeout=60) == 0
            else:
                assert child.returncode == 0
            check_world(tmp_path, server)
        # A final full round of each kind completes normally on the recovered world.
        for mode in ("checkout", "return"):
            child = spawn(tmp_path, server.port, mode)
            assert child.wait(timeout=60) == 0
            check_world(tmp_path, server)
    assert kills >= 20
    assert len(server.applied) > 0
