"""``kiosk bench stack|drain|fleet``.

``stack``: a stack checkout through the runtime, against the ISO 15693 air floor.

The virtual pad runs its air-timing model in real time (every frame takes as long as it would on
the air); central is the real domain in-process behind an injected round trip. Three figures come
from the same run:

- ``total_ms``: from the moment the N items are laid on the pad until the last result is shown
  (journalled), through :class:`~kiosk.runtime.KioskRuntime` — items pipelined: central round
  trips overlap each other and the air work;
- ``air_floor_ms``: the modelled air time of the work that must happen (one inventory, reading
  each tag, writing and verifying its security), which no kiosk can beat on this reader;
- ``sequential_ms``: the same work one item at a time, as SIP2 kiosks do (read, ask central,
  wait, write, next), on a fresh pad and central.

The session uses single-inventory debouncing (a tag counts once seen), as the floor assumes.

``drain`` and ``fleet`` measure the MQTT link on a private broker (:mod:`kiosk.testbed.bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from central.domain import CentralDomain
from drivers.virtual import AirTiming, VirtualPad, VirtualReader
from kiosk.circulation import (
    CardKind,
    Debounce,
    ItemPolicy,
    ItemPolicyConfig,
    MachineMode,
    OfflineConfig,
    OfflinePolicy,
    SessionConfig,
    State,
    Verdict,
)
from kiosk.circulation.session import Action, CardPresented, ItemResult, Show
from kiosk.cli._base import KioskArgumentParser, Output, add_json_flag, positive_int
from kiosk.journal import Decision, Intent, ItemRef, Journal, Result, Security
from kiosk.runtime import InProcessCentral, KioskRuntime, RuntimeConfig, ThreadWorker, sim
from kiosk.security import SecurityMode, apply_security
from kiosk.tagio import read_tag
from kiosk.testbed.bench import CENTRALS, drain_run, fleet_run

__all__ = ["register", "run_drain", "run_fleet", "run_stack"]

MAX_ITEMS = 200
MAX_DRAIN = 100_000
MAX_FLEET = 1000
_WAIT_S = 120.0  # a stuck run fails instead of hanging


def _rtt(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of milliseconds") from None
    if not 0 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"{text!r} must be from 0 to 10000 milliseconds")
    return value


def _items(text: str) -> int:
    value = positive_int(text)
    if value > MAX_ITEMS:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {MAX_ITEMS} items")
    return value


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="measure the machine's speed on simulated hardware")
    kinds = bench.add_subparsers(dest="kind", metavar="KIND", parser_class=KioskArgumentParser)
    kinds.required = True
    stack = kinds.add_parser(
        "stack",
        help="check out a stack of items through the runtime; compare with the air-time floor",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    stack.add_argument("--items", type=_items, default=10, help="items in the stack (10)")
    stack.add_argument("--rtt-ms", type=_rtt, default=50.0, help="central round trip in ms (50)")
    add_json_flag(stack)
    stack.set_defaults(handler=run_stack)
    drain = kinds.add_parser(
        "drain",
        help="drain N queued transactions over MQTT once the broker starts; compare raw paho",
    )
    drain.add_argument("--n", type=_bounded(MAX_DRAIN, "transactions"), required=True,
                       help="transactions queued in the journal")
    drain.add_argument("--window", type=_bounded(100, "in flight (receive maximum)"), default=100,
                       help="transactions awaiting central's reply at once (100)")
    drain.add_argument("--central", choices=CENTRALS, default="echo",
                       help="echo: a lean central replying at once; service: the real one")
    add_json_flag(drain)
    drain.set_defaults(handler=run_drain)
    fleet = kinds.add_parser(
        "fleet", help="K kiosks with queued transactions reconnect at once after a broker restart"
    )
    fleet.add_argument("--kiosks", type=_bounded(MAX_FLEET, "kiosks"), required=True,
                       help="simulated kiosks")
    fleet.add_argument("--per-kiosk", type=_bounded(1000, "transactions"), default=5,
                       help="transactions queued per kiosk (5)")
    add_json_flag(fleet)
    fleet.set_defaults(handler=run_fleet)


def _bounded(limit: int, what: str) -> Any:
    def parse(text: str) -> int:
        value = positive_int(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"{text!r} is more than {limit} {what}")
        return value

    return parse


def run_drain(args: argparse.Namespace, out: Output) -> int:
    logging.basicConfig(level=logging.ERROR)
    document = asyncio.run(drain_run(args.n, window=args.window, central_kind=args.central))
    out.emit(
        document,
        lambda: (
            f"{document['n']} transactions drained in {document['drain_s']} s "
            f"(central: {document['central']}); raw paho QoS 1: {document['raw_paho_s']} s; "
            f"ratio {document['ratio']}"
        ),
    )
    return 0 if document["complete"] and document["lost"] == 0 else 1


def run_fleet(args: argparse.Namespace, out: Output) -> int:
    logging.basicConfig(level=logging.ERROR)
    document = asyncio.run(fleet_run(args.kiosks, per_kiosk=args.per_kiosk))
    out.emit(
        document,
        lambda: (
            f"{document['kiosks']} kiosks, {document['transactions']} transactions drained in "
            f"{document['drain_s']} s after a broker restart; lost {document['lost']}"
        ),
    )
    return 0 if document["complete"] and document["lost"] == 0 else 1


def run_stack(args: argparse.Namespace, out: Output) -> int:
    document = asyncio.run(measure(args.items, args.rtt_ms / 1000))
    out.emit(
        document,
        lambda: (
            f"{document['items']} items, central {document['rtt_ms']} ms away: "
            f"{document['total_ms']} ms pipelined, {document['sequential_ms']} ms one by one; "
            f"air floor {document['air_floor_ms']} ms (ratio {document['ratio']}, "
            f"one by one {document['sequential_ratio']})"
        ),
    )
    return 0 if document["accepted"] == document["items"] else 1


def air_floor_s(items: int) -> float:
    """Modelled air time of one inventory + reading + securing every tag (nothing else)."""
    timing = AirTiming()
    pad = VirtualPad(
        [sim.item_tag(i) for i in range(1, items + 1)],
        timing=timing,
        max_tags_per_inventory=max(16, items),
    )
    reader = VirtualReader(pad)
    for tag in reader.inventory():
        read_tag(reader, tag.uid)
        apply_security(reader, tag.uid, secured=False, mode=SecurityMode.BOTH)
    return timing.air_time_s


def _world(items: int) -> tuple[CentralDomain, VirtualPad]:
    domain = CentralDomain()
    domain.load_json(sim.library_document(items))
    pad = VirtualPad(timing=AirTiming(realtime=True), max_tags_per_inventory=max(16, items))
    return domain, pad


def _clock_ms() -> int:
    return time.time_ns() // 1_000_000


async def pipelined_s(items: int, rtt_s: float, state: Path) -> tuple[float, int, float]:
    """(seconds from placing the stack to the last result shown, accepted, air time spent)."""
    domain, pad = _world(items)
    results: list[ItemResult] = []
    last = [0.0]
    items_screen = asyncio.Event()

    def seen(action: Action) -> None:
        if isinstance(action, ItemResult):
            results.append(action)
            last[0] = time.perf_counter()
        elif isinstance(action, Show) and action.screen is State.ITEMS:
            items_screen.set()

    runtime = KioskRuntime(
        config=RuntimeConfig(sim.KIOSK, sim.HOME, poll_interval_s=0.005),
        session=SessionConfig(
            mode=MachineMode.CHECKOUT, debounce=Debounce(appear_count=1, vanish_count=3)
        ),
        policy=ItemPolicy(ItemPolicyConfig(sim.HOME, frozenset({sim.MEMBER}))),
        reader=VirtualReader(pad),
        open_journal=lambda: Journal.open(state / "pipelined.db", kiosk=sim.KIOSK, clock=time.time),
        central=InProcessCentral(domain, kiosk=sim.KIOSK, clock_ms=_clock_ms, rtt_s=rtt_s),
        offline_policy=OfflinePolicy(OfflineConfig(sim.HOME)),
        on_action=seen,
    )
    await runtime.start()
    try:
        runtime.submit(CardPresented(CardKind.BARCODE_TYPED, sim.PATRON))
        await asyncio.wait_for(items_screen.wait(), _WAIT_S)
        await asyncio.sleep(0.05)
        assert pad.timing is not None
        with pad.lock:
            pad.timing.reset()
            started = time.perf_counter()
            for i in range(1, items + 1):
                pad.place(sim.item_tag(i))
        deadline = time.monotonic() + _WAIT_S
        while len(results) < items and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        air = pad.timing.air_time_s
    finally:
        await runtime.stop()
    accepted = sum(1 for r in results if r.result is Verdict.ACCEPTED)
    return last[0] - started, accepted, air


async def sequential_s(items: int, rtt_s: float, state: Path) -> float:
    """The same checkout one item at a time: read, journal, ask central, wait, write, next."""
    domain, pad = _world(items)
    for i in range(1, items + 1):
        pad.place(sim.item_tag(i))
    central = InProcessCentral(domain, kiosk=sim.KIOSK, clock_ms=_clock_ms, rtt_s=rtt_s)
    reader = VirtualReader(pad)
    reader_worker, journal_worker = ThreadWorker("seq-reader"), ThreadWorker("seq-journal")
    journal = await journal_worker.call(
        lambda: Journal.open(state / "sequential.db", kiosk=sim.KIOSK, clock=time.time)
    )
    try:
        started = time.perf_counter()
        found = await reader_worker.call(reader.inventory)
        for n, tag in enumerate(found):
            reading = await reader_worker.call(read_tag, reader, tag.uid)
            elements = reading.data.elements
            item = ItemRef(elements[1], elements.get(3, sim.HOME), tag.uid_hex)
            intent = Intent(f"seq:{n}", "checkout", item=item, patron=sim.PATRON)
            record = (await journal_worker.call(journal.begin, intent)).record
            reply = await central.request_tx(record.event())
            assert reply is not None
            decision = Decision(Result(str(reply["result"])), str(reply["reason"]))
            await journal_worker.call(
                lambda r=record, d=decision, a=reply: journal.decide(
                    r.tx_id, d, offline=False, reply=a
                )
            )
            outcome = await reader_worker.call(
                lambda u=tag.uid: apply_security(reader, u, secured=False, mode=SecurityMode.BOTH)
            )
            security = Security.UNSECURED if outcome.ok else Security.SECURITY_FAILED
            await journal_worker.call(journal.effect_done, record.tx_id, security)
            await journal_worker.call(journal.shown, record.tx_id)
        return time.perf_counter() - started
    finally:
        await journal_worker.call(journal.close)
        journal_worker.stop()
        reader_worker.stop()


async def measure(items: int, rtt_s: float) -> dict[str, Any]:
    floor = air_floor_s(items)
    with tempfile.TemporaryDirectory() as tmp:
        total, accepted, air = await pipelined_s(items, rtt_s, Path(tmp))
        sequential = await sequential_s(items, rtt_s, Path(tmp))
    return {
        "items": items,
        "rtt_ms": round(rtt_s * 1000, 3),
        "total_ms": round(total * 1000, 1),
        "air_floor_ms": round(floor * 1000, 1),
        "ratio": round(total / floor, 3),
        "sequential_ms": round(sequential * 1000, 1),
        "sequential_ratio": round(sequential / floor, 3),
        "air_time_ms": round(air * 1000, 1),
        "accepted": accepted,
    }
