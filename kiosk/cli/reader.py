"""``kiosk reader inventory|read|write|secure``: a technician's tools for the RFID pad.

``--reader`` takes a reader spec (``virtual:FILE`` or ``feig:URL``, see :mod:`drivers.registry`);
the environment variable ``KIOSK_READER`` is the default. With ``virtual:FILE`` the changes a
command makes to the simulated tags are saved back to FILE, so a series of commands behaves like a
real pad.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from drivers.iso15693 import uid_from_hex, uid_hex
from drivers.reader import Reader
from drivers.registry import open_reader
from drivers.virtual import VirtualReader, save_tags
from kiosk import gz
from kiosk.cli._base import Output, UsageError, add_json_flag
from kiosk.cli.tag import decode_document, parse_compaction, parse_elements, parse_lock
from kiosk.security import SecurityMode, apply_security
from kiosk.tagio import TagReading, read_tag, write_tag

__all__ = ["register"]


def register(sub: Any) -> None:
    reader = sub.add_parser(
        "reader",
        help="inventory, read, write and secure tags on an RFID reader",
        description="Technician's tools for the RFID pad. READER SPEC: virtual:FILE (simulated "
        "tags from a JSON file) or feig:URL (FEIG ISO Host reader: /dev/ttyUSB0, "
        "/dev/serial/by-id/…, socket://HOST:PORT; options ?baud=38400&parity=E&address=255).",
    )
    verbs = reader.add_subparsers(dest="verb", metavar="VERB", parser_class=type(reader))
    verbs.required = True

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--reader",
            default=os.environ.get("KIOSK_READER"),
            metavar="SPEC",
            help="reader spec (default: $KIOSK_READER)",
        )
        add_json_flag(parser)

    inv = verbs.add_parser("inventory", help="list the tags in the field")
    inv.add_argument("--afi", type=_byte, help="only tags with this AFI (e.g. 0x07)")
    common(inv)
    inv.set_defaults(handler=run_inventory)

    read = verbs.add_parser("read", help="read and decode one tag")
    read.add_argument("uid", metavar="UID", help="tag UID as printed, e.g. E004010012345678")
    common(read)
    read.set_defaults(handler=run_read)

    write = verbs.add_parser(
        "write",
        help="encode elements and write them to a tag (verified, then locked)",
        description="Encode OID=VALUE elements for the tag's memory, write, read back, then lock "
        "the data sets named by --lock. Locking is permanent.",
    )
    write.add_argument("uid", metavar="UID")
    write.add_argument("--element", "-e", action="append", default=[], metavar="OID=VALUE")
    write.add_argument("--lock", default="", metavar="OID,…")
    write.add_argument("--compaction", action="append", default=[], metavar="OID=SCHEME")
    write.add_argument("--profile", choices=sorted(gz.PROFILES))
    common(write)
    write.set_defaults(handler=run_write)

    secure = verbs.add_parser(
        "secure",
        help="set the security state (on = in library, off = on loan), verified",
        description="on: AFI 0x07 and/or EAS set (the gate alarms); off: AFI 0xC2 and/or EAS "
        "reset. Every write is read back.",
    )
    secure.add_argument("uid", metavar="UID")
    secure.add_argument("state", choices=("on", "off"))
    secure.add_argument("--mode", choices=[m.value for m in SecurityMode], default="both")
    common(secure)
    secure.set_defaults(handler=run_secure)


def _byte(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (e.g. 7 or 0x07)") from None
    if not 0 <= value <= 0xFF:
        raise argparse.ArgumentTypeError(f"{text!r} is not a byte (0–255)")
    return value


def _uid(text: str) -> bytes:
    try:
        return uid_from_hex(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _with_reader(args: argparse.Namespace, work: Callable[[Reader], int], *, saves: bool) -> int:
    if not args.reader:
        raise UsageError("no reader: give --reader SPEC or set KIOSK_READER")
    reader = open_reader(args.reader)
    try:
        with reader:
            status = work(reader)
    finally:
        reader.close()
    if saves:
        _save_virtual(args.reader, reader)
    return status


def _save_virtual(spec: str, reader: Reader) -> None:
    """Persist a virtual pad's tags back to its file."""
    name, _, path = spec.partition(":")
    if name == "virtual" and path and isinstance(reader, VirtualReader):
        save_tags(path, reader.pad.tags())


def reading_document(reading: TagReading) -> dict[str, Any]:
    info = reading.info
    document: dict[str, Any] = {
        "uid": uid_hex(reading.uid),
        "afi": info.afi,
        "dsfid": info.dsfid,
        "eas": reading.eas,
        "block_size": info.block_size,
        "block_count": info.block_count,
        "ic_reference": info.ic_reference,
        "memory": reading.memory.hex().upper(),
        "locked_blocks": list(reading.locked_blocks),
    }
    document.update(decode_document(reading.data))
    return document


def _reading_text(document: dict[str, Any]) -> str:
    afi = document["afi"]
    eas = {True: "set", False: "reset", None: "n/a"}[document["eas"]]
    lines = [
        f"UID {document['uid']}  AFI {'-' if afi is None else f'0x{afi:02X}'}  "
        f"DSFID {document['dsfid']}  EAS {eas}  "
        f"{document['block_count']} blocks × {document['block_size']} bytes",
        f"locked blocks: {document['locked_blocks'] or 'none'}",
    ]
    lines += [f"OID {oid:>2}: {value}" for oid, value in document["elements"].items()]
    if document["profile"]["conforms"]:
        lines.append(f"profile: {document['profile']['name']}")
    else:
        lines.append(f"profile: none (closest {document['profile']['closest']})")
    lines += [f"problem: {problem}" for problem in document["problems"]]
    return "\n".join(lines)


def run_inventory(args: argparse.Namespace, out: Output) -> int:
    def work(reader: Reader) -> int:
        tags = reader.inventory(args.afi)
        document = {"tags": [{"uid": tag.uid_hex, "dsfid": tag.dsfid} for tag in tags]}
        lines = [f"{tag.uid_hex}  DSFID 0x{tag.dsfid:02X}" for tag in tags]
        out.emit(document, "\n".join(lines) if lines else "no tags in the field")
        return 0

    return _with_reader(args, work, saves=False)


def run_read(args: argparse.Namespace, out: Output) -> int:
    uid = _uid(args.uid)

    def work(reader: Reader) -> int:
        document = reading_document(read_tag(reader, uid))
        out.emit(document, lambda: _reading_text(document))
        return 0

    return _with_reader(args, work, saves=False)


def run_write(args: argparse.Namespace, out: Output) -> int:
    uid = _uid(args.uid)
    elements = parse_elements(args.element)
    lock = parse_lock(args.lock)
    compaction = parse_compaction(args.compaction) or None
    if args.profile:
        gz.require(args.profile, elements)

    def work(reader: Reader) -> int:
        encoded, after = write_tag(reader, uid, elements, lock=lock, compaction=compaction)
        document = reading_document(after)
        document["written"] = {
            "hex": encoded.data.hex().upper(),
            "lock_blocks": list(encoded.lock_blocks),
        }
        out.emit(document, lambda: "written and verified\n" + _reading_text(document))
        return 0

    return _with_reader(args, work, saves=True)


def run_secure(args: argparse.Namespace, out: Output) -> int:
    uid = _uid(args.uid)
    mode = SecurityMode(args.mode)

    def work(reader: Reader) -> int:
        outcome = apply_security(reader, uid, secured=args.state == "on", mode=mode)
        document = {
            "uid": uid_hex(uid),
            "result": outcome.result.value,
            "attempts": outcome.attempts,
            "detail": outcome.detail,
        }
        text = f"{uid_hex(uid)}: {outcome.result.value} after {outcome.attempts} attempt(s)"
        out.emit(document, text + (f" — {outcome.detail}" if outcome.detail else ""))
        return 0 if outcome.ok else 1

    return _with_reader(args, work, saves=True)
