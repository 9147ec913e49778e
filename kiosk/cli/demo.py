"""``kiosk demo``: the whole machine on a laptop — patron screen and simulator in a browser.

Starts a private mosquitto, the reference central (``kiosk-central serve``, seeded with a demo
library of three member libraries and a few hundred tagged items), and the kiosk daemon with the
virtual RFID pad, mock GPIO and an in-memory receipt printer; then serves the simulator page
beside the patron screen and prints both addresses. Ctrl+C stops everything.

``--walkthrough`` prints the older terminal walk-through instead (FEIG emulator byte for byte,
journal, in-process central; ``--json`` for a machine-readable result).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from central.domain import CentralDomain, Reply
from drivers.feig import FeigEmulator, FeigReader, serve_tcp
from drivers.iso15693 import uid_hex
from drivers.virtual import AirTiming, VirtualPad, VirtualTag, make_uid
from kiosk import gz, tagdata
from kiosk.cli._base import Output, UsageError
from kiosk.journal import Decision, Intent, ItemRef, Journal, Result, Security
from kiosk.security import SecurityMode, apply_security
from kiosk.tagio import TagReading, read_tag

__all__ = ["register"]

KIOSK_ID = "gz-0001-k01"
DEMO_DATA = Path(__file__).resolve().parents[2] / "config" / "demo-library.json"


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="run the self-service machine's walk-through on simulated hardware",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    demo.add_argument(
        "--data", type=Path, default=DEMO_DATA, help="library data JSON (config/demo-library.json)"
    )
    demo.add_argument(
        "--state-dir", type=Path, default=None, help="keep the journal here (default: temporary)"
    )
    demo.add_argument(
        "--json", action="store_true", help="walk-through: print the results as one JSON document"
    )
    demo.add_argument(
        "--walkthrough", action="store_true", help="print the terminal walk-through and exit"
    )
    demo.add_argument("--port", type=_port, default=8080, help="patron screen port (0: any free)")
    demo.add_argument("--sim-port", type=_port, default=8081, help="simulator port (0: any free)")
    demo.add_argument("--lang", choices=("zh", "en"), default="zh", help="screen language")
    demo.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="warning",
        help="what the demo logs on stderr",
    )
    demo.add_argument(
        "--open", action="store_true", help="open the simulator in Chromium when it is ready"
    )
    demo.add_argument(
        "--ready-file", type=Path, default=None, help=argparse.SUPPRESS
    )  # tests: the addresses as JSON once ready
    demo.set_defaults(handler=run_demo)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port 0–65535")
    return value


def run_demo(args: argparse.Namespace, out: Output) -> int:
    if args.walkthrough or args.json:
        return run_walkthrough(args, out)
    from kiosk.demo.run import run_browser_demo  # noqa: PLC0415 (heavy; not for the walk-through)

    return run_browser_demo(args, out)


@dataclass(frozen=True)
class _Step:
    op: str
    reading: TagReading
    reply: Reply
    security: str


def _load_data(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict) or not isinstance(document.get("catalogue"), list):
        raise UsageError(f"{path}: expected an object with a 'catalogue' list")
    if len(document.get("patrons") or []) < 2:
        raise UsageError(f"{path}: the demo needs at least two patrons")
    return document


def _demo_tags(catalogue: list[dict[str, Any]]) -> list[VirtualTag]:
    tags = []
    for serial, entry in enumerate(catalogue, start=1):
        elements = {
            1: entry["pii"],
            3: entry["owner"],
            5: "10",
            6: entry.get("call_number") or "",
        }
        elements = {oid: value for oid, value in elements.items() if value}
        gz.require("gz-item", elements)
        encoded = tagdata.encode(elements, lock=(1, 3), capacity=tagdata.CHIP_CAPACITY["slix"])
        tags.append(
            VirtualTag(
                "slix",
                make_uid("slix", 0x10000000 + serial),
                encoded.data + bytes(112 - len(encoded.data)),
                afi=0x07,
                dsfid=0x06,
                eas=True,
                locked_blocks=encoded.lock_blocks,
            )
        )
    return tags


class _Machine:
    """The demo's wiring: reader, journal, central and security in the architecture's order."""

    def __init__(self, reader: FeigReader, journal: Journal, central: CentralDomain) -> None:
        self.reader = reader
        self.journal = journal
        self.central = central
        self.session = 0

    def transact(self, op: str, reading: TagReading, patron: str | None) -> _Step:
        elements = reading.data.elements
        item = ItemRef(pii=elements[1], owner=elements.get(3, ""), uid=uid_hex(reading.uid))
        intent = Intent(f"demo-{self.session}:{item.uid}:{op}", op, item=item, patron=patron)
        record = self.journal.begin(intent).record  # 1. journalled before anything happens
        now_ms = int(time.time() * 1000)
        reply = self.central.apply_wire(record.event(), now_ms, kiosk=KIOSK_ID)
        assert isinstance(reply, Reply)  # in-process central never holds an in-order seq
        wire = reply.to_wire()
        decision = Decision(Result(str(reply.result)), str(reply.reason))
        self.journal.decide(record.tx_id, decision, offline=False, reply=wire)
        security = Security.NOT_NEEDED
        if str(reply.result) == "accepted" and op in ("checkout", "checkin"):
            outcome = apply_security(
                self.reader, reading.uid, secured=op == "checkin", mode=SecurityMode.BOTH
            )
            security = Security(outcome.result.value if outcome.ok else "security_failed")
        self.journal.effect_done(record.tx_id, security)
        self.journal.shown(record.tx_id)  # only now would the screen say "done"
        return _Step(op, reading, reply, security.value)


def _describe(step: _Step) -> str:
    reply = step.reply
    title = reply.title or step.reading.data.elements.get(1, "?")
    extra = ""
    if reply.route:
        extra = f" → {reply.route}"
    if reply.due:
        extra += f", due {time.strftime('%Y-%m-%d', time.localtime(reply.due / 1000))}"
    return (
        f"  {step.op:<8} {title}: {reply.result}{extra} [{step.security}]\n"
        f"           {reply.message.zh} / {reply.message.en}"
    )


def run_walkthrough(args: argparse.Namespace, out: Output) -> int:
    data = _load_data(args.data)
    central = CentralDomain()
    central.load_json(data, "demo data")
    tags = _demo_tags(data["catalogue"])
    pad = VirtualPad(tags, timing=AirTiming(realtime=True))
    patron = data["patrons"][0]["card"]
    other = data["patrons"][1]["card"]
    lines: list[str] = []
    steps: list[_Step] = []
    with tempfile.TemporaryDirectory() as tmp:
        state_dir = args.state_dir or Path(tmp)
        state_dir.mkdir(parents=True, exist_ok=True)
        server = serve_tcp(FeigEmulator(pad))
        try:
            journal = Journal.open(state_dir / "journal.db", kiosk=KIOSK_ID, clock=time.time)
            with journal, FeigReader(server.url) as reader:
                version = reader.software_version()
                lines.append(
                    f"FEIG emulator at {server.url}; driver reads firmware "
                    f"{version.major}.{version.minor:02d}"
                )
                started = time.perf_counter()
                found = reader.inventory()
                readings = [read_tag(reader, tag.uid) for tag in found]
                elapsed = time.perf_counter() - started
                lines.append(
                    f"inventory + read of {len(readings)} tags: {elapsed * 1000:.0f} ms "
                    f"(modelled air time {pad.timing.air_time_s * 1000:.0f} ms)"
                    if pad.timing
                    else f"read {len(readings)} tags"
                )
                for reading in readings:
                    match = gz.identify(reading.data.elements)
                    lines.append(
                        f"  {uid_hex(reading.uid)}  PII {reading.data.elements.get(1)}  "
                        f"owner {reading.data.elements.get(3)}  profile {match.name or 'none'}  "
                        f"AFI 0x{reading.info.afi or 0:02X} EAS {'on' if reading.eas else 'off'}"
                    )
                machine = _Machine(reader, journal, central)
                lines.append(f"checkout for patron {patron[:4]}…{patron[-3:]}:")
                for reading in readings:
                    steps.append(machine.transact("checkout", reading, patron))
                    lines.append(_describe(steps[-1]))
                # Another reader reserves the first book while it is out.
                first = readings[0].data.elements
                now_ms = int(time.time() * 1000)
                central.place_hold(first[3], first[1], other, first[3], now_ms)
                machine.session += 1
                lines.append("return (通借通还: items of three member libraries):")
                for reading in readings:
                    refreshed = read_tag(reader, reading.uid)
                    steps.append(machine.transact("checkin", refreshed, None))
                    lines.append(_describe(steps[-1]))
                lines.append(
                    f"journal: {journal.last_seq()} transactions, outbox depth "
                    f"{journal.outbox_depth()} (central answered every one)"
                )
        finally:
            server.stop()
    document = {
        "steps": [
            {
                "op": step.op,
                "uid": uid_hex(step.reading.uid),
                "pii": step.reading.data.elements.get(1),
                "result": str(step.reply.result),
                "reason": str(step.reply.reason),
                "route": step.reply.route,
                "security": step.security,
            }
            for step in steps
        ]
    }
    out.emit(document, "\n".join(lines))
    return 0
