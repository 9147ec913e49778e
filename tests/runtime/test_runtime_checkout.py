"""A stack of items through the runtime on the virtual pad with the real central domain."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rt_world import World, run_checkout

from kiosk.circulation import Verdict
from kiosk.journal import Security, Step
from kiosk.runtime import sim


def test_checkout_of_a_stack_unsecures_every_tag_and_journals_every_step(tmp_path: Path) -> None:
    world = World(tmp_path, items=6)

    async def story() -> None:
        runtime = world.runtime()
        await runtime.start()
        try:
            results = await run_checkout(world, runtime, *range(1, 7))
        finally:
            await runtime.stop()
        assert {r.uid for r in results} == {sim.item_uid(i) for i in range(1, 7)}
        assert all(r.result is Verdict.ACCEPTED and r.due is not None for r in results)

    asyncio.run(story())
    rows = world.rows()
    assert len(rows) == 6
    assert all(row.step is Step.SHOWN and row.security is Security.UNSECURED for row in rows)
    assert all(row.answered_ms is not None and not row.offline for row in rows)
    assert world.outbox_depth() == 0
    assert all(world.tag_state(i) == (0xC2, False) for i in range(1, 7))
    loans = {loan.pii for loan in world.domain.loans(sim.PATRON)}
    assert loans == {sim.item_pii(i) for i in range(1, 7)}
    assert sorted(world.central.applied) == sorted(row.tx_id for row in rows)
