"""Recovery on start: each unfinished journal step is taken forward exactly once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from rt_world import World

from kiosk.journal import Decision, Intent, ItemRef, Journal, Result, Security, Step, TxRecord
from kiosk.runtime import sim
from kiosk.runtime.convert import wire_event


def journal(world: World) -> Journal:
    return Journal.open(world.journal_path, kiosk=sim.KIOSK, clock=time.time)


def begin(world: World, i: int, op: str = "checkout") -> TxRecord:
    item = ItemRef(sim.item_pii(i), sim.HOME, sim.item_uid(i))
    patron = sim.PATRON if op == "checkout" else None
    with journal(world) as j:
        return j.begin(Intent(f"crashed:{i}", op, item=item, patron=patron)).record


def central_apply(world: World, record: TxRecord) -> dict[str, object]:
    reply = world.domain.apply_wire(wire_event(record), time.time_ns() // 10**6, kiosk=sim.KIOSK)
    return reply.to_wire()  # type: ignore[union-attr]


def start_and_stop(world: World):
    async def run():
        runtime = world.runtime()
        outcome = await runtime.start(poll=False)
        await runtime.stop()
        return outcome

    return asyncio.run(run())


def test_intent_is_asked_again_and_the_tag_finished(tmp_path: Path) -> None:
    world = World(tmp_path, items=1)
    world.place(1)
    record = begin(world, 1)
    outcome = start_and_stop(world)
    assert outcome.asked_central == (record.tx_id,)
    (row,) = world.rows()
    assert row.step is Step.RECONCILE and row.security is Security.UNSECURED
    assert row.answered_ms is not None
    assert "did not see" in (row.note or "")
    assert world.tag_state(1) == (0xC2, False)
    assert world.central.applied == [record.tx_id]


def test_intent_central_already_applied_is_not_applied_twice(tmp_path: Path) -> None:
    world = World(tmp_path, items=1)
    world.place(1)
    record = begin(world, 1)
    first = central_apply(world, record)  # central saw it; the kiosk died before the reply
    start_and_stop(world)
    (row,) = world.rows()
    assert row.reply is not None and dict(row.reply) == first
    assert len(world.domain.loans()) == 1
    assert world.central.applied == []  # the repeat got the stored reply
    assert world.tag_state(1) == (0xC2, False)


def test_intent_with_central_down_is_decided_offline_and_kept_for_the_drain(
    tmp_path: Path,
) -> None:
    world = World(tmp_path, items=1, timeout_s=0.1)
    world.place(1)
    world.central.online = False
    record = begin(world, 1)
    outcome = start_and_stop(world)
    assert outcome.decided_offline == (record.tx_id,)
    (row,) = world.rows()
    assert row.offline and row.in_outbox and row.step is Step.RECONCILE
    assert row.decision is not None and row.decision.result is Result.ACCEPTED
    assert world.tag_state(1) == (0xC2, False)


def test_decided_with_the_tag_gone_is_marked_for_reconciliation(tmp_path: Path) -> None:
    world = World(tmp_path, items=1)
    record = begin(world, 1)
    reply = central_apply(world, record)
    with journal(world) as j:
        j.decide(record.tx_id, Decision(Result.ACCEPTED, "ok"), offline=False, reply=reply)
    outcome = start_and_stop(world)
    (row,) = world.rows()
    assert row.step is Step.RECONCILE and row.security is None
    assert "not on the pad" in (outcome.note(record.tx_id) or "")
    assert world.tag_state(1) == (0x07, True)  # untouched: staff check it


def test_decided_return_secures_the_tag_on_the_pad(tmp_path: Path) -> None:
    world = World(tmp_path, items=1)
    world.tags[1].afi, world.tags[1].eas = 0xC2, False
    world.place(1)
    record = begin(world, 1, "checkin")
    reply = central_apply(world, record)
    with journal(world) as j:
        j.decide(record.tx_id, Decision(Result.ACCEPTED, "not_on_loan"), offline=False, reply=reply)
    start_and_stop(world)
    (row,) = world.rows()
    assert row.step is Step.RECONCILE and row.security is Security.SECURED
    assert world.tag_state(1) == (0x07, True)


def test_effect_done_is_recorded_as_not_seen_by_the_patron(tmp_path: Path) -> None:
    world = World(tmp_path, items=1)
    world.place(1)
    record = begin(world, 1)
    reply = central_apply(world, record)
    with journal(world) as j:
        j.decide(record.tx_id, Decision(Result.ACCEPTED, "ok"), offline=False, reply=reply)
        j.effect_done(record.tx_id, Security.UNSECURED)
    start_and_stop(world)
    (row,) = world.rows()
    assert row.step is Step.RECONCILE and row.security is Security.UNSECURED
    assert "did not see" in (row.note or "")
    assert world.tag_state(1) == (0x07, True)  # nothing written: the journal said it was done


def test_a_clean_journal_needs_no_recovery(tmp_path: Path) -> None:
    world = World(tmp_path, items=1)
    outcome = start_and_stop(world)
    assert outcome.reconciled == ()
