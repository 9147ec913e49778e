"""Returns with routing, offline work and the outbox drain, faults on the pad."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from rt_world import World, run_checkout

from central.domain import KioskRegistration
from kiosk.circulation import MachineMode, State, Verdict
from kiosk.circulation.offline import OfflineData
from kiosk.circulation.reasons import Reason
from kiosk.circulation.session import Show
from kiosk.journal import Security, Step
from kiosk.runtime import sim


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_return_routes_to_shelf_or_transit_and_refuses_a_reserved_item(tmp_path: Path) -> None:
    world = World(tmp_path, items=4, foreign_every=2, mode=MachineMode.RETURN_ONLY)
    # Items 1 and 2 are on loan (tags unsecured); item 3 is on the shelf but reserved.
    for i in (1, 2):
        world.tags[i].afi, world.tags[i].eas = 0xC2, False
    world.domain.place_hold(sim.HOME, sim.item_pii(3), sim.OTHER_PATRON, sim.HOME, now_ms())

    async def story() -> None:
        # Another kiosk lent items 1 and 2 earlier.
        world.domain.register_kiosk(KioskRegistration("other", sim.HOME))
        for i in (1, 2):
            event = {
                "tx_id": f"other:{i}",
                "seq": i,
                "ts": now_ms(),
                "op": "checkout",
                "item": {"pii": sim.item_pii(i), "owner": sim.item_owner(i, foreign_every=2)},
                "patron": sim.PATRON,
            }
            assert world.domain.apply_wire(event, now_ms(), kiosk="other") is not None
        runtime = world.runtime()
        await runtime.start()
        try:
            world.place(1, 2, 3)
            await world.results(3)
        finally:
            await runtime.stop()

    asyncio.run(story())
    by_uid = {r.uid: r for r in world.of_results()}
    shelf, transit, reserved = (by_uid[sim.item_uid(i)] for i in (1, 2, 3))
    assert (shelf.result, shelf.route) == (Verdict.ACCEPTED, "shelf")
    assert (transit.result, transit.route) == (Verdict.ACCEPTED, f"transit:{sim.MEMBER}")
    assert (reserved.result, reserved.reason) == (Verdict.REFUSED, Reason.RESERVED)
    assert world.tag_state(1) == world.tag_state(2) == (0x07, True)
    assert world.tag_state(3) == (0x07, True)  # it was secured when read: stays secured
    assert not world.domain.loans()
    rows = {row.item.uid: row for row in world.rows() if row.item is not None}
    assert rows[sim.item_uid(3)].decision is not None
    assert rows[sim.item_uid(3)].decision.result.value == "refused"
    assert all(row.step is Step.SHOWN for row in rows.values())


def test_offline_decisions_are_journalled_and_the_outbox_drains_later(tmp_path: Path) -> None:
    world = World(tmp_path, items=3, timeout_s=0.2)

    async def story() -> None:
        runtime = world.runtime()
        await runtime.start()
        try:
            world.central.online = False
            results = await run_checkout(world, runtime, 1, 2, 3)
            assert all(r.result is Verdict.ACCEPTED and r.offline for r in results)
            assert world.outbox_depth() == 3
            assert not world.domain.loans()
            world.central.online = True
            await world.until(lambda: world.outbox_depth() == 0, "the outbox to drain")
        finally:
            await runtime.stop()

    asyncio.run(story())
    rows = world.rows()
    assert all(row.offline and row.answered_ms is not None for row in rows)
    assert all(row.decision is not None and row.decision.reason == "ok" for row in rows)
    assert {loan.pii for loan in world.domain.loans()} == {sim.item_pii(i) for i in (1, 2, 3)}
    assert [row.tx_id for row in rows] == world.central.applied  # replayed in seq order
    assert all(world.tag_state(i) == (0xC2, False) for i in (1, 2, 3))


def test_offline_refusal_keeps_the_reason_and_the_tag_secured(tmp_path: Path) -> None:
    world = World(tmp_path, items=1, timeout_s=0.2)
    world.snapshot = OfflineData(blocked_cards=frozenset({sim.PATRON}))

    async def story() -> None:
        runtime = world.runtime()
        await runtime.start()
        try:
            world.central.online = False
            world.card(runtime)
            await world.until(lambda: len(world.actions) > 1, "the patron check")
        finally:
            await runtime.stop()

    asyncio.run(story())
    refusals = [a for a in world.of(Show) if a.screen is State.GOODBYE]
    assert refusals and refusals[-1].reason is Reason.PATRON_BLOCKED


def test_a_tag_lifted_mid_write_is_written_when_put_back(tmp_path: Path) -> None:
    world = World(tmp_path, items=2)
    uid = world.tags[1].uid

    async def story() -> None:
        runtime = world.runtime()
        await runtime.start()
        try:
            world.card(runtime)
            await world.screen(State.ITEMS)
            world.place(1, 2)
            # The central round trip gives time to arm the fault before the write starts.
            await world.until(lambda: any(k == "intent" for k, _ in world.steps), "intent")
            world.pad.remove_after(uid, 1)
            await world.until(
                lambda: any(n.reason is Reason.TAG_REMOVED for n in world.notices()),
                "put it back",
            )
            world.pad.place(world.tags[1])
            await world.results(2)
        finally:
            await runtime.stop()

    world.central.rtt_s = 0.05
    asyncio.run(story())
    assert all(r.result is Verdict.ACCEPTED for r in world.of_results())
    assert world.tag_state(1) == (0xC2, False)
    assert all(row.security is Security.UNSECURED for row in world.rows())


def test_security_failure_refuses_a_checkout_and_reverses_the_loan(tmp_path: Path) -> None:
    world = World(tmp_path, items=1)

    async def story() -> None:
        runtime = world.runtime()
        await runtime.start()
        try:
            world.pad.place(world.tags[1])
            world.pad.fail_writes(world.tags[1].uid, 100)
            world.card(runtime)
            await world.results(1)
            await world.until(lambda: len(world.rows()) == 2, "the reversal")
            await world.until(lambda: world.rows()[1].step is Step.SHOWN, "the reversal shown")
        finally:
            await runtime.stop()

    asyncio.run(story())
    (result,) = world.of_results()
    assert (result.result, result.reason) == (Verdict.REFUSED, Reason.SECURITY_FAILED)
    checkout, reversal = world.rows()
    assert checkout.security is Security.SECURITY_FAILED and checkout.step is Step.SHOWN
    assert reversal.op == "checkin" and reversal.detail == {"reverses": checkout.tx_id}
    assert not world.domain.loans()
    assert world.tag_state(1) == (0x07, True)


def test_security_failure_on_return_routes_to_staff(tmp_path: Path) -> None:
    world = World(tmp_path, items=1, mode=MachineMode.RETURN_ONLY)
    world.tags[1].afi, world.tags[1].eas = 0xC2, False

    async def story() -> None:
        runtime = world.runtime()
        await runtime.start()
        try:
            world.pad.place(world.tags[1])
            world.pad.fail_writes(world.tags[1].uid, 100)
            await world.results(1)
        finally:
            await runtime.stop()

    asyncio.run(story())
    (result,) = world.of_results()
    assert (result.result, result.reason, result.route) == (
        Verdict.REFUSED,
        Reason.SECURITY_FAILED,
        "staff",
    )
    (row,) = world.rows()
    assert row.security is Security.SECURITY_FAILED and row.step is Step.SHOWN
