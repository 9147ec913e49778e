"""The documented way for the asyncio app to own the journal: one dedicated worker thread."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from kiosk.journal import Decision, Intent, ItemRef, Journal, Result


def test_journal_owned_by_a_single_worker_thread_serves_the_event_loop(tmp_path: Path) -> None:
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal") as pool:
            journal = await loop.run_in_executor(
                pool, partial(Journal.open, tmp_path / "j.db", kiosk="k1", clock=lambda: 1.0)
            )

            async def one(n: int) -> int:
                item = ItemRef(f"P{n}", "CN-1", f"E0{n:02X}")
                began = await loop.run_in_executor(
                    pool, journal.begin, Intent(f"key-{n}", "checkout", item, "pat")
                )
                tx = began.record.tx_id
                await loop.run_in_executor(
                    pool, partial(journal.decide, tx, Decision(Result.ACCEPTED), offline=True)
                )
                return began.record.seq

            seqs = await asyncio.gather(*(one(n) for n in range(10)))  # a stack of ten items
            depth = await loop.run_in_executor(pool, journal.outbox_depth)
            await loop.run_in_executor(pool, journal.close)
        assert depth == 10
        return list(seqs)

    seqs = asyncio.run(main())
    assert sorted(seqs) == list(range(1, 11))
