"""``kiosk tag decode|encode`` — the JSON contract, text output and bad-input handling."""

from __future__ import annotations

from typing import Any

import pytest
from cli_support import kiosk_process

ANNEX_D = (
    "91 00 05 1C BE 99 1A 14 02 01 D0 14 02 04 B3 46 07 44 1C B6 E2 E3 35 D6 "
    "83 02 07 AC C0 9E BA A0 6F 6B 00 00"
)


def test_decode_json_reports_elements_datasets_and_profile(kiosk: Any) -> None:
    run = kiosk("tag", "decode", ANNEX_D, "--json")
    assert run.status == 0, run.err
    doc = run.json()
    assert doc["elements"] == {
        "1": "123456789012",
        "3": "US-InU-Mu",
        "4": "1203",
        "6": "QA268.L55",
    }
    assert [
        (d["oid"], d["compaction"], d["offset"], d["length"], d["pad"]) for d in doc["datasets"]
    ] == [
        (1, "integer", 0, 5, 0),
        (2, "application", 8, 1, 0),
        (4, "integer", 11, 2, 0),
        (6, "6bit", 15, 7, 0),
        (3, "application", 24, 7, 2),
    ]
    assert doc["problems"] == []
    # A US ISIL is no Guangzhou tag: the profile says so, and why.
    assert doc["profile"]["conforms"] is False
    assert doc["profile"]["name"] is None
    assert doc["profile"]["problems"]


def test_decode_shows_one_byte_codes_as_hex(kiosk: Any) -> None:
    encoded = kiosk(
        "tag", "encode", "-e", "1=0001100000011", "-e", "3=CN-440100-1-0001", "-e", "5=10", "--json"
    ).json()["hex"]
    doc = kiosk("tag", "decode", encoded, "--json").json()
    assert doc["elements"]["5"] == "10"
    assert doc["profile"] == {
        "name": "gz-item",
        "conforms": True,
        "closest": "gz-item",
        "problems": [],
        "notes": doc["profile"]["notes"],
    }


def test_decode_text_names_elements_in_both_languages(kiosk: Any) -> None:
    run = kiosk("tag", "decode", ANNEX_D)
    assert run.status == 0
    assert "Primary item identifier" in run.out and "123456789012" in run.out
    assert "馆藏单件主标识符" in run.out


def test_blank_tag_decodes_to_nothing(kiosk: Any) -> None:
    doc = kiosk("tag", "decode", "00" * 112, "--json").json()
    assert doc["elements"] == {} and doc["datasets"] == [] and doc["problems"] == []


def test_malformed_tag_strict_fails_with_offset_and_relax_reports(kiosk: Any) -> None:
    bad = "91 00 05 1C BE 99 1A 14 42 02 1A 2B"  # numeric data set with an invalid nibble A
    strict = kiosk("tag", "decode", bad)
    assert strict.status == 2
    assert strict.err.count("\n") == 1 and "byte" in strict.err
    relaxed = kiosk("tag", "decode", bad, "--relax", "--json")
    assert relaxed.status == 0
    doc = relaxed.json()
    assert doc["elements"]["1"] == "123456789012"
    assert doc["problems"]


def test_encode_reproduces_annex_d_and_names_blocks_to_lock(kiosk: Any) -> None:
    run = kiosk(
        "tag",
        "encode",
        "-e",
        "1=123456789012",
        "-e",
        "4=1203",
        "-e",
        "6=QA268.L55",
        "-e",
        "3=US-InU-Mu",
        "--lock",
        "1,3",
        "--json",
    )
    assert run.status == 0, run.err
    assert run.json() == {"hex": ANNEX_D.replace(" ", ""), "lock_blocks": [0, 1, 6, 7, 8]}


def test_encode_text_shows_blocks_and_locks(kiosk: Any) -> None:
    run = kiosk("tag", "encode", "-e", "1=123456789012", "--lock", "1")
    assert run.status == 0
    assert "block   0: 91 00 05 1C   (lock)" in run.out


def test_encode_compaction_override(kiosk: Any) -> None:
    doc = kiosk("tag", "encode", "-e", "1=1234", "--compaction", "1=octet", "--json").json()
    assert doc["hex"].startswith("6104" + "31323334")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-e", "1"], "expected OID=VALUE"),
        (["-e", "x=1"], "not a number"),
        (["-e", "40=1"], "out of range"),
        (["-e", "1=1", "-e", "1=2"], "given twice"),
        ([], "no --element"),
        (["-e", "1=12", "--compaction", "1=zip"], "unknown scheme"),
        (["-e", "1=12", "--lock", "1,z"], "not a number"),
        (["-e", "1=" + "A" * 400], "127"),
        (["-e", "1=0001100000011", "--profile", "gz-item"], "OID 3"),
        (["-e", "1=1234567890123", "-e", "17=" + "x" * 120, "--capacity", "112"], "over"),
        (["-e", "2=00"], "Content parameter"),
    ],
)
def test_encode_bad_input_is_one_line_and_exit_2(
    kiosk: Any, args: list[str], fragment: str
) -> None:
    run = kiosk("tag", "encode", *args)
    assert run.status == 2
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    assert fragment in run.err


def test_bad_hex_names_the_position(kiosk: Any) -> None:
    run = kiosk("tag", "decode", "91 0G")
    assert run.status == 2 and "hex digit 4" in run.err


def test_subprocess_errors_have_no_traceback() -> None:
    for args in (["tag", "decode", "ZZ"], ["tag", "encode", "-e", "1="], ["tag"], ["nonsense"]):
        run = kiosk_process(*args)
        assert run.status == 2, (args, run.err)
        assert "Traceback" not in run.err
        assert run.err.strip().count("\n") == 0, run.err


def test_help_describes_every_command() -> None:
    top = kiosk_process("--help")
    assert top.status == 0
    for command in ("tag", "barcode", "card", "reader", "emulate", "demo"):
        assert command in top.out
        assert kiosk_process(command, "--help").status == 0
