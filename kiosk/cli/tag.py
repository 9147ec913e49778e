"""``kiosk tag decode|encode``: ISO 28560-2 tag memory from and to the command line.

Decoding also reports which DB4401/T 96 profile the tag conforms to (or why none).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from kiosk import gz, tagdata
from kiosk.cli._base import (
    Output,
    UsageError,
    add_json_flag,
    parse_hex,
    positive_int,
)

__all__ = ["register"]

# OIDs whose value is one code byte: printed and accepted as two hex digits.
_BYTE_OIDS = frozenset({5, 19, 20})

_SCHEME_NAMES: dict[str, tagdata.Compaction] = {
    "integer": tagdata.Compaction.INTEGER,
    "numeric": tagdata.Compaction.NUMERIC,
    "5bit": tagdata.Compaction.FIVE_BIT,
    "6bit": tagdata.Compaction.SIX_BIT,
    "7bit": tagdata.Compaction.SEVEN_BIT,
    "octet": tagdata.Compaction.OCTET,
    "utf8": tagdata.Compaction.UTF8,
}


def compaction_name(scheme: tagdata.Compaction) -> str:
    names = {value: key for key, value in _SCHEME_NAMES.items()}
    return names.get(scheme, "application")


def register(sub: Any) -> None:
    tag = sub.add_parser(
        "tag",
        help="decode or encode ISO 28560-2 tag memory",
        description="Decode or encode ISO 28560-2 / GB/T 35660.2 data (ISO 15693 user memory).",
    )
    verbs = tag.add_subparsers(dest="verb", metavar="VERB", parser_class=type(tag))
    verbs.required = True

    dec = verbs.add_parser(
        "decode",
        help="decode tag memory given as hex",
        description="Decode user memory (hex; spaces allowed). Reports every data set, the "
        "element values and the DB4401/T 96 profile the tag conforms to.",
    )
    dec.add_argument("hex", metavar="HEX", help="tag user memory as hex digits")
    dec.add_argument("--block-size", type=positive_int, default=4, help="bytes per block (4)")
    dec.add_argument(
        "--relax",
        action="store_true",
        help="report problems instead of failing on malformed data",
    )
    add_json_flag(dec)
    dec.set_defaults(handler=run_decode)

    enc = verbs.add_parser(
        "encode",
        help="encode elements into tag memory",
        description="Encode data elements (OID=VALUE) into user memory with the most compact "
        "compaction, the content parameter and a lock-aligned layout.",
    )
    enc.add_argument(
        "--element",
        "-e",
        action="append",
        default=[],
        metavar="OID=VALUE",
        help="a data element, e.g. 1=123456789012 or 5=10 (one-byte codes as two hex digits)",
    )
    enc.add_argument("--lock", default="", metavar="OID,…", help="OIDs whose blocks will be locked")
    enc.add_argument(
        "--compaction",
        action="append",
        default=[],
        metavar="OID=SCHEME",
        help=f"force a compaction scheme: {', '.join(_SCHEME_NAMES)}",
    )
    enc.add_argument(
        "--profile",
        choices=sorted(gz.PROFILES),
        help="check the elements against a DB4401/T 96 profile first",
    )
    enc.add_argument(
        "--capacity",
        type=positive_int,
        help="user memory in bytes (ICODE SLIX 112, SLIX2 316); refuse data that does not fit",
    )
    enc.add_argument("--block-size", type=positive_int, default=4, help="bytes per block (4)")
    add_json_flag(enc)
    enc.set_defaults(handler=run_encode)


def _oid(text: str, what: str) -> int:
    try:
        oid = int(text)
    except ValueError:
        raise UsageError(f"{what}: OID {text!r} is not a number (expected 1–31)") from None
    if not 1 <= oid <= 31:
        raise UsageError(f"{what}: OID {oid} is out of range (expected 1–31)")
    return oid


def parse_elements(pairs: Sequence[str]) -> dict[int, str]:
    elements: dict[int, str] = {}
    for pair in pairs:
        oid_text, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--element {pair!r}: expected OID=VALUE")
        oid = _oid(oid_text.strip(), f"--element {pair!r}")
        if oid in elements:
            raise UsageError(f"--element {pair!r}: OID {oid} given twice")
        elements[oid] = value
    if not elements:
        raise UsageError("no --element given; expected at least one OID=VALUE")
    return elements


def parse_lock(text: str) -> tuple[int, ...]:
    if not text.strip():
        return ()
    return tuple(_oid(part.strip(), f"--lock {text!r}") for part in text.split(","))


def parse_compaction(pairs: Sequence[str]) -> dict[int, tagdata.Compaction]:
    chosen: dict[int, tagdata.Compaction] = {}
    for pair in pairs:
        oid_text, sep, name = pair.partition("=")
        if not sep:
            raise UsageError(f"--compaction {pair!r}: expected OID=SCHEME")
        oid = _oid(oid_text.strip(), f"--compaction {pair!r}")
        scheme = _SCHEME_NAMES.get(name.strip().lower().replace("-", ""))
        if scheme is None:
            raise UsageError(
                f"--compaction {pair!r}: unknown scheme; expected one of {', '.join(_SCHEME_NAMES)}"
            )
        chosen[oid] = scheme
    return chosen


def profile_report(elements: Mapping[int, str]) -> dict[str, Any]:
    match = gz.identify(elements)
    return {
        "name": match.name,
        "conforms": match.matched,
        "closest": match.closest,
        "problems": list(match.problems),
        "notes": list(match.notes),
    }


def decode_document(data: tagdata.TagData) -> dict[str, Any]:
    return {
        "elements": {str(oid): value for oid, value in sorted(data.elements.items())},
        "datasets": [
            {
                "oid": ds.oid,
                "name": ds.name,
                "compaction": compaction_name(ds.compaction),
                "offset": ds.offset,
                "length": ds.length,
                "pad": ds.pad,
            }
            for ds in data.datasets
        ],
        "profile": profile_report(data.elements),
        "problems": list(data.problems),
    }


def _decode_text(document: Mapping[str, Any], elements: Mapping[int, str]) -> str:
    lines = []
    datasets = document["datasets"]
    if not datasets:
        lines.append("blank tag: no data sets")
    for ds in datasets:
        value = document["elements"].get(str(ds["oid"]), "(content parameter)")
        info = tagdata.element(ds["oid"])
        lines.append(
            f"OID {ds['oid']:>2}  {info.name} / {info.name_zh}: {value}"
            f"    [{ds['compaction']}, byte {ds['offset']}, {ds['length']} bytes"
            f"{', pad ' + str(ds['pad']) if ds['pad'] else ''}]"
        )
    lines.append("profile: " + gz.identify(elements).describe())
    lines.extend(f"problem: {problem}" for problem in document["problems"])
    return "\n".join(lines)


def run_decode(args: argparse.Namespace, out: Output) -> int:
    data = parse_hex(args.hex, what="tag memory")
    decoded = tagdata.decode(
        data, block_size=args.block_size, errors="relax" if args.relax else "strict"
    )
    document = decode_document(decoded)
    out.emit(document, lambda: _decode_text(document, decoded.elements))
    return 0


def run_encode(args: argparse.Namespace, out: Output) -> int:
    elements = parse_elements(args.element)
    lock = parse_lock(args.lock)
    compaction = parse_compaction(args.compaction)
    if args.profile:
        gz.require(args.profile, elements)
    encoded = tagdata.encode(
        elements,
        lock=lock,
        block_size=args.block_size,
        capacity=args.capacity,
        compaction=compaction or None,
    )
    hex_text = encoded.data.hex().upper()
    document = {"hex": hex_text, "lock_blocks": list(encoded.lock_blocks)}

    def text() -> str:
        blocks = [
            encoded.data[i : i + args.block_size].hex(" ").upper()
            for i in range(0, len(encoded.data), args.block_size)
        ]
        locks = set(encoded.lock_blocks)
        rows = [
            f"block {n:>3}: {blk}{'   (lock)' if n in locks else ''}"
            for n, blk in enumerate(blocks)
        ]
        return "\n".join([hex_text, *rows])

    out.emit(document, text)
    return 0
