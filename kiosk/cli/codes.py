"""``kiosk barcode check`` and ``kiosk card decode|encode``: DB4401/T 96 Annex C and Annex E.

``barcode check`` exits 0 for a valid barcode, 1 for a well-formed barcode that fails its check
digit (the JSON says why), and 2 for one of the wrong shape.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from kiosk import gz
from kiosk.cli._base import Output, UsageError, add_json_flag

__all__ = ["register"]


def register(sub: Any) -> None:
    barcode = sub.add_parser(
        "barcode",
        help="check a 14-character library barcode (DB4401/T 96 Annex C)",
        description="Library barcodes: 4-digit library code + 9-digit serial (first digit: 0 "
        "patron card, 1 Chinese, 4 periodicals, 7 foreign originals, 8 non-book media) + check "
        "digit. The check-digit scheme defaults to right-anchored mod 10 (Luhn), because the "
        "normative WH/T 74 text could not be consulted; choose another with --check.",
    )
    verbs = barcode.add_subparsers(dest="verb", metavar="VERB", parser_class=type(barcode))
    verbs.required = True
    check = verbs.add_parser("check", help="parse and validate a barcode")
    check.add_argument("code", metavar="CODE")
    check.add_argument(
        "--check",
        choices=sorted(gz.CHECK_DIGIT_SCHEMES),
        default="luhn",
        help="check-digit scheme (default luhn)",
    )
    add_json_flag(check)
    check.set_defaults(handler=run_barcode_check)

    card = sub.add_parser(
        "card",
        help="decode or encode the MIFARE patron card's sector 2 (DB4401/T 96 Annex E)",
        description="Sector 2 of a MIFARE Classic 1K reader card: block 0 holds the card number, "
        "block 1 the activation date and the 5-digit home library code.",
    )
    card_verbs = card.add_subparsers(dest="verb", metavar="VERB", parser_class=type(card))
    card_verbs.required = True
    dec = card_verbs.add_parser(
        "decode", help="decode block 0 (32 hex digits) or blocks 0 and 1 (64 hex digits)"
    )
    dec.add_argument("hex", metavar="HEX")
    add_json_flag(dec)
    dec.set_defaults(handler=run_card_decode)
    enc = card_verbs.add_parser("encode", help="encode blocks 0 and 1")
    enc.add_argument("--number", required=True, help="card number (up to 20 digits/characters)")
    enc.add_argument(
        "--activated", required=True, metavar="DATE", help="activation date, YYYY-MM-DD or YYYYMMDD"
    )
    enc.add_argument("--library", required=True, metavar="CODE", help="5-digit home library code")
    add_json_flag(enc)
    enc.set_defaults(handler=run_card_encode)


def run_barcode_check(args: argparse.Namespace, out: Output) -> int:
    parsed = gz.parse_barcode(args.code, check=args.check)
    document = parsed.as_dict()

    def text() -> str:
        verdict = "valid" if parsed.valid else "INVALID"
        lines = [
            f"{parsed.code}: {verdict}",
            f"library {parsed.library_code} {parsed.library_name or '(unknown code)'}",
            f"serial {parsed.serial} ({parsed.category.value}), check digit "
            f"{parsed.check_digit or '-'}, owner ISIL {parsed.isil}",
        ]
        lines += [f"problem: {p}" for p in parsed.problems]
        lines += [f"note: {n}" for n in parsed.notes]
        return "\n".join(lines)

    out.emit(document, text)
    return 0 if parsed.valid else 1


def run_card_decode(args: argparse.Namespace, out: Output) -> int:
    reading = gz.decode_card_hex(args.hex)
    document = reading.as_dict()
    out.emit(
        document,
        lambda: "\n".join(f"{key}: {'-' if v is None else v}" for key, v in document.items()),
    )
    return 0


def _date(text: str) -> datetime.date:
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise UsageError(f"--activated {text!r}: expected a date as YYYY-MM-DD or YYYYMMDD")


def run_card_encode(args: argparse.Namespace, out: Output) -> int:
    record = gz.CardRecord(args.number, _date(args.activated), args.library)
    block0, block1 = gz.encode_card(record)
    document = {
        "block0": block0.hex().upper(),
        "block1": block1.hex().upper(),
        "hex": (block0 + block1).hex().upper(),
    }
    out.emit(document, f"block 0: {document['block0']}\nblock 1: {document['block1']}")
    return 0
