"""``kiosk barcode check`` and ``kiosk card decode|encode``."""

from __future__ import annotations

from typing import Any

from kiosk import gz


def test_barcode_check_valid_json_has_the_documented_keys(kiosk: Any) -> None:
    code = gz.make_barcode("0001", "100000011")
    run = kiosk("barcode", "check", code, "--json")
    assert run.status == 0, run.err
    doc = run.json()
    assert {"valid", "library_code", "library", "serial", "category", "check_digit", "isil"} <= set(
        doc
    )
    assert doc["valid"] is True
    assert doc["library_code"] == "0001"
    assert doc["library"].startswith("广州图书馆")
    assert doc["serial"] == "100000011"
    assert doc["category"] == "chinese"
    assert doc["check_digit"] == code[-1]
    assert doc["isil"] == "CN-440100-1-0001"


def test_barcode_with_wrong_check_digit_exits_1_and_says_why(kiosk: Any) -> None:
    code = gz.make_barcode("0002", "000012345")
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    run = kiosk("barcode", "check", wrong, "--json")
    assert run.status == 1
    doc = run.json()
    assert doc["valid"] is False and doc["category"] == "patron_card"
    assert any("check" in problem for problem in doc["problems"])


def test_barcode_check_scheme_none_accepts_13_characters(kiosk: Any) -> None:
    run = kiosk("barcode", "check", "0001400000001", "--check", "none", "--json")
    assert run.status == 0, run.err
    assert run.json()["category"] == "periodical"


def test_malformed_barcode_is_bad_input(kiosk: Any) -> None:
    short = kiosk("barcode", "check", "0001")
    assert short.status == 2 and short.err.count("\n") == 1 and "14 characters" in short.err
    lower = kiosk("barcode", "check", "00a1")
    assert lower.status == 2 and "position 3" in lower.err and "Code 39" in lower.err


def test_card_encode_then_decode_round_trip(kiosk: Any) -> None:
    enc = kiosk(
        "card",
        "encode",
        "--number",
        "0001000012345",
        "--activated",
        "20240301",
        "--library",
        "00001",
        "--json",
    )
    assert enc.status == 0, enc.err
    blocks = enc.json()
    assert len(blocks["block0"]) == 32 and len(blocks["block1"]) == 32
    dec = kiosk("card", "decode", blocks["hex"], "--json")
    assert dec.status == 0, dec.err
    doc = dec.json()
    assert doc["card_number"] == "0001000012345"
    assert doc["activation_date"] == "2024-03-01"
    assert doc["home_library"] == "00001"
    only_number = kiosk("card", "decode", blocks["block0"], "--json").json()
    assert only_number["card_number"] == "0001000012345"
    assert only_number["activation_date"] is None


def test_card_bad_input(kiosk: Any) -> None:
    assert kiosk("card", "decode", "00" * 15).status == 2
    bad_date = kiosk(
        "card", "encode", "--number", "1", "--activated", "2024-02-30", "--library", "00001"
    )
    assert bad_date.status == 2 and "YYYY-MM-DD" in bad_date.err
    bad_library = kiosk(
        "card", "encode", "--number", "1", "--activated", "2024-02-01", "--library", "1"
    )
    assert bad_library.status == 2 and bad_library.err.count("\n") == 1
