"""``kiosk-central``: the reference central service's command line.

``serve`` runs one central instance against an MQTT broker; every other command works on the
SQLite database alone (imports, the exception queue, the staff-action audit list, the fleet,
holds, kiosks, configs, commands), so staff need no broker credentials: what must reach kiosks is
published by the next tick of whichever instance is serving the same database.

Exit status: 0 success, 1 the operation failed (I/O), 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from central.domain import KINDS, CentralDomain, DomainConfig, KioskRegistration
from central.domain.errors import CentralError
from central.service.fleet import FleetRow, fleet_view
from central.service.handler import CentralHandler
from central.service.mqtt import BrokerSettings, MqttTransport
from central.service.runner import CentralRunner
from central.service.topics import subscriptions, valid_id
from central.store.database import Database, StoreError
from central.store.service_tables import ServiceStore
from central.store.sqlite import SqliteRepository
from kiosk.cli._base import EXIT_BAD_INPUT, KioskArgumentParser, Output, UsageError

__all__ = ["build_parser", "main"]

Command = Callable[[argparse.Namespace, Output], int]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


class _Central:
    """The parts every command opens on ``--db``."""

    def __init__(self, path: str, *, reorder_timeout_s: float = 30.0) -> None:
        self.db = Database(path)
        config = DomainConfig(
            reorder_timeout_ms=int(reorder_timeout_s * 1000), pin_salt=lambda: os.urandom(16)
        )
        self.domain = CentralDomain(SqliteRepository(self.db), config)
        self.store = ServiceStore(self.db)
        self.handler = CentralHandler(self.domain, self.store)

    def close(self) -> None:
        self.db.close()


def _with_central(work: Callable[[argparse.Namespace, Output, _Central], int]) -> Command:
    def run(args: argparse.Namespace, out: Output) -> int:
        central = _Central(args.db)
        try:
            return work(args, out, central)
        finally:
            central.close()

    return run


# ------------------------------------------------------------------ import


def _import(args: argparse.Namespace, out: Output, central: _Central) -> int:
    path = Path(args.file)
    text = path.read_text(encoding="utf-8-sig")
    kind: str = args.kind
    if path.suffix.lower() == ".json":
        if kind == "json":
            counts = central.domain.load_json(text, source=path.name)
        else:
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path.name}: not valid JSON ({exc})") from None
            rows = parsed.get(kind) if isinstance(parsed, dict) else parsed
            if not isinstance(rows, list):
                raise UsageError(f"{path.name}: expected a list of {kind} (or {{{kind!r}: [...]}})")
            counts = central.domain.load_json({kind: rows}, source=path.name)
    elif kind == "json":
        raise UsageError(f"{path.name}: kind json needs a .json file")
    else:
        counts = {kind: central.domain.load_csv(kind, text, source=path.name)}
    out.emit(
        {"imported": counts},
        lambda: "\n".join(f"{name}: {n} imported" for name, n in counts.items()),
    )
    return 0


# ------------------------------------------------------------------ exceptions


def _exceptions_list(args: argparse.Namespace, out: Output, central: _Central) -> int:
    entries = central.domain.exceptions(open_only=not args.all)
    docs = [
        {
            "id": e.exception_id,
            "kiosk": e.kiosk,
            "tx_id": e.tx_id,
            "kind": str(e.kind),
            "detail": e.detail,
            "created_ms": e.created_ms,
            "resolved": e.resolved,
            "resolution": e.resolution or None,
            "staff": e.staff or None,
            "resolved_ms": e.resolved_ms,
        }
        for e in entries
    ]

    def text() -> str:
        if not entries:
            return "no open exceptions" if not args.all else "no exceptions"
        return "\n".join(
            f"#{e.exception_id} {_when(e.created_ms)} {e.kiosk} {e.tx_id} {e.kind}: {e.detail}"
            + (f" [resolved by {e.staff}: {e.resolution}]" if e.resolved else "")
            for e in entries
        )

    out.emit({"exceptions": docs}, text)
    return 0


def _exceptions_resolve(args: argparse.Namespace, out: Output, central: _Central) -> int:
    entry = central.domain.resolve_exception(args.id, args.resolution, args.staff, _now_ms())
    out.emit(
        {"id": entry.exception_id, "resolved": True, "staff": entry.staff},
        f"#{entry.exception_id} resolved by {entry.staff}",
    )
    return 0


# ------------------------------------------------------------------ audit


def _detail(detail: Mapping[str, object]) -> str:
    return f" {json.dumps(dict(detail), ensure_ascii=False, sort_keys=True)}" if detail else ""


def _audit(args: argparse.Namespace, out: Output, central: _Central) -> int:
    entries = central.domain.audit(args.kiosk)
    docs = [
        {
            "kiosk": e.kiosk,
            "seq": e.seq,
            "tx_id": e.tx_id,
            "ts": e.ts,
            "staff": e.staff,
            "action": e.action,
            "detail": dict(e.detail),
            "item": None if e.item is None else e.item.to_wire(),
            "recorded_ms": e.recorded_ms,
        }
        for e in entries
    ]

    def text() -> str:
        if not entries:
            return "no staff actions" + (f" for {args.kiosk}" if args.kiosk else "")
        return "\n".join(
            f"{_when(e.ts)} {e.kiosk} #{e.seq} {e.staff} {e.action}{_detail(e.detail)}"
            for e in entries
        )

    out.emit({"audit": docs}, text)
    return 0


# ------------------------------------------------------------------ fleet


def _fleet(args: argparse.Namespace, out: Output, central: _Central) -> int:
    rows = fleet_view(central.domain, central.store)

    def line(r: FleetRow) -> str:
        state = {True: "online", False: "offline", None: "never seen"}[r.online]
        return (
            f"{r.kiosk} {r.library or '(not registered)'} {state} last seen {_when(r.last_seen_ms)}"
            f" seq {r.last_seq} outbox {r.outbox_depth if r.outbox_depth is not None else '-'}"
            f" held {r.held} gaps {r.gaps}"
        )

    out.emit(
        {"fleet": [r.to_dict() for r in rows]},
        lambda: "\n".join(line(r) for r in rows) or "no kiosks",
    )
    return 0


# ------------------------------------------------------------------ holds


def _holds_place(args: argparse.Namespace, out: Output, central: _Central) -> int:
    hold = central.domain.place_hold(args.owner, args.pii, args.patron, args.pickup, _now_ms())
    out.emit({"hold": hold.hold_id}, f"hold {hold.hold_id} placed")
    return 0


def _holds_cancel(args: argparse.Namespace, out: Output, central: _Central) -> int:
    hold = central.domain.cancel_hold(args.hold_id, _now_ms())
    out.emit({"hold": hold.hold_id, "state": str(hold.state)}, f"hold {hold.hold_id} cancelled")
    return 0


def _holds_arrived(args: argparse.Namespace, out: Output, central: _Central) -> int:
    hold = central.domain.hold_arrived(args.owner, args.pii, _now_ms())
    out.emit(
        {"hold": hold.hold_id, "state": str(hold.state), "expires_ms": hold.expires_ms},
        f"hold {hold.hold_id} on the shelf until {_when(hold.expires_ms)}",
    )
    return 0


def _holds_list(args: argparse.Namespace, out: Output, central: _Central) -> int:
    snapshot = central.domain.holds_snapshot(args.library)
    holds = snapshot["holds"]
    assert isinstance(holds, list)
    out.emit(
        snapshot,
        lambda: (
            "\n".join(
                f"{h['owner']}/{h['pii']} for {h['patron']} at {h['pickup']} ({h['state']})"
                for h in holds
            )
            or "no active holds"
        ),
    )
    return 0


# ------------------------------------------------------------------ kiosks, config, commands


def _kiosk_register(args: argparse.Namespace, out: Output, central: _Central) -> int:
    if not valid_id(args.id):
        raise UsageError(f"kiosk id {args.id!r}: expected letters, digits, '.', '_', ':' or '-'")
    central.domain.register_kiosk(KioskRegistration(args.id, args.library, args.staff_bin))
    out.emit(
        {"kiosk": args.id, "library": args.library, "staff_bin": args.staff_bin},
        f"kiosk {args.id} registered at {args.library}",
    )
    return 0


def _config_push(args: argparse.Namespace, out: Output, central: _Central) -> int:
    path = Path(args.file)
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path.name}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path.name}: a JSON {type(document).__name__}, expected an object")
    version = central.handler.push_config(args.kiosk, document)
    out.emit(
        {"kiosk": args.kiosk, "version": version},
        f"config version {version} for {args.kiosk} (published by the serving instance)",
    )
    return 0


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE")
    return key, value


def _cmd(args: argparse.Namespace, out: Output, central: _Central) -> int:
    command = central.handler.queue_command(
        args.kiosk,
        args.name,
        dict(args.arg),
        cmd_id=uuid.uuid4().hex,
        now_ms=_now_ms(),
        expires_s=args.expires_s,
    )
    out.emit(
        {"cmd_id": command.cmd_id, "kiosk": command.kiosk, "expires_ms": command.expires_ms},
        f"command {command.cmd_id} queued for {command.kiosk} until {_when(command.expires_ms)}",
    )
    return 0


# ------------------------------------------------------------------ serve


def _broker(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT (port 1-65535)")
    return host, int(port)


def _serve(args: argparse.Namespace, out: Output) -> int:
    for name in ("cafile", "cert", "key"):
        if not Path(getattr(args, name)).is_file():
            raise UsageError(f"--{name} {getattr(args, name)}: no such file")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    central = _Central(args.db, reorder_timeout_s=args.reorder_timeout_s)
    host, port = args.broker
    runner = CentralRunner(
        central.handler, subscriptions(args.share_group or None), _now_ms, tick_every_s=args.tick_s
    )
    settings = BrokerSettings(
        host, port, args.client_id, Path(args.cafile), Path(args.cert), Path(args.key)
    )
    transport = MqttTransport(settings, runner)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    out.warn(f"kiosk-central: serving {args.db} via {host}:{port} as {args.client_id}")
    transport.start()
    try:
        runner.run(transport, stop)
    finally:
        transport.stop()
        central.close()
    return 0


# ------------------------------------------------------------------ parser


def _leaf(
    sub: argparse._SubParsersAction[KioskArgumentParser],
    name: str,
    help_text: str,
    work: Callable[[argparse.Namespace, Output, _Central], int],
) -> KioskArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--db", required=True, help="the central SQLite database file")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.set_defaults(handler=_with_central(work))
    return parser


def _group(
    sub: argparse._SubParsersAction[KioskArgumentParser], name: str, help_text: str
) -> argparse._SubParsersAction[KioskArgumentParser]:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=KioskArgumentParser)
    verbs.required = True
    return verbs


def build_parser() -> KioskArgumentParser:
    parser = KioskArgumentParser(
        prog="kiosk-central", description="Reference central service for library kiosks."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=KioskArgumentParser)
    sub.required = True

    serve = sub.add_parser("serve", help="run one central instance against an MQTT 5 broker")
    serve.add_argument("--db", required=True, help="the central SQLite database file")
    serve.add_argument("--broker", required=True, type=_broker, help="HOST:PORT (TLS)")
    serve.add_argument("--cafile", required=True, help="CA that signed the broker's certificate")
    serve.add_argument("--cert", required=True, help="this instance's client certificate (PEM)")
    serve.add_argument("--key", required=True, help="its private key (PEM)")
    serve.add_argument("--share-group", default="central", help="shared subscription group")
    serve.add_argument(
        "--client-id",
        default=f"kiosk-central-{socket.gethostname()}",
        help="MQTT client id, unique per instance (default: kiosk-central-HOSTNAME)",
    )
    serve.add_argument("--tick-s", type=float, default=1.0, help="periodic work interval")
    serve.add_argument(
        "--reorder-timeout-s", type=float, default=30.0, help="how long a seq gap is waited for"
    )
    serve.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(handler=_serve)

    imp = _leaf(sub, "import", "import members, kiosks, catalogue, patrons or holds", _import)
    imp.add_argument(
        "kind",
        choices=(*KINDS, "json"),
        help="what the file holds (json: a whole document with any of the sections)",
    )
    imp.add_argument("file", help="FILE.csv or FILE.json")

    exc = _group(sub, "exceptions", "the staff exception queue")
    listing = _leaf(exc, "list", "list exception-queue entries", _exceptions_list)
    listing.add_argument("--all", action="store_true", help="include resolved entries")
    resolve = _leaf(exc, "resolve", "close an entry, saying what was done", _exceptions_resolve)
    resolve.add_argument("id", type=int)
    resolve.add_argument("--resolution", required=True)
    resolve.add_argument("--staff", required=True)

    _leaf(sub, "fleet", "every kiosk: online, last seen, outbox, seq, held, gaps", _fleet)

    audit = _leaf(sub, "audit", "staff actions the kiosks reported, oldest first", _audit)
    audit.add_argument("--kiosk", help="only this kiosk's actions")

    holds = _group(sub, "holds", "holds (reservations)")
    place = _leaf(holds, "place", "reserve a copy for a patron", _holds_place)
    for flag in ("--owner", "--pii", "--patron", "--pickup"):
        place.add_argument(flag, required=True)
    cancel = _leaf(holds, "cancel", "cancel a hold", _holds_cancel)
    cancel.add_argument("hold_id", type=int)
    arrived = _leaf(holds, "arrived", "the copy is on the hold shelf", _holds_arrived)
    arrived.add_argument("--owner", required=True)
    arrived.add_argument("--pii", required=True)
    hlist = _leaf(holds, "list", "active holds (the snapshot kiosks get)", _holds_list)
    hlist.add_argument("--library", help="only holds owned by or picked up at this ISIL")

    kiosk = _group(sub, "kiosk", "kiosk registrations")
    register = _leaf(kiosk, "register", "register a machine at a member library", _kiosk_register)
    register.add_argument("id", help="kiosk id = certificate CN = MQTT username")
    register.add_argument("--library", required=True, help="ISIL of its library")
    register.add_argument(
        "--staff-bin", action="store_true", help="it can take reserved items into a staff bin"
    )

    config = _group(sub, "config", "desired kiosk configuration (retained, versioned)")
    push = _leaf(config, "push", "store a new configuration for a kiosk", _config_push)
    push.add_argument("kiosk")
    push.add_argument("file", help="FILE.json (an object)")

    cmd = _leaf(sub, "cmd", "queue a command for a kiosk (sent with an expiry)", _cmd)
    cmd.add_argument("kiosk")
    cmd.add_argument("name")
    cmd.add_argument("--arg", type=_key_value, action="append", default=[], metavar="KEY=VALUE")
    cmd.add_argument("--expires-s", type=int, default=None, help="seconds until it lapses")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(bool(getattr(args, "json", False)), sys.stdout, sys.stderr)
    words = ("kiosk-central", args.command, getattr(args, "verb", None))
    where = " ".join(str(word) for word in words if word)
    try:
        status: int = args.handler(args, out)
    except (
        CentralError,
        StoreError,
        ValueError,
        LookupError,
        FileNotFoundError,
        IsADirectoryError,
        UnicodeDecodeError,
    ) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sys.stderr.write(f"{where}: error: {text}\n")
        return EXIT_BAD_INPUT
    except OSError as exc:
        sys.stderr.write(f"{where}: failed: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    return status
