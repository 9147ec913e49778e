"""``kiosk reader …`` against the virtual pad (tag file) and the FEIG driver over TCP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.feig import FeigEmulator, serve_tcp
from drivers.iso15693 import uid_hex
from drivers.virtual import VirtualPad, VirtualTag, load_tags, make_uid, save_tags

UID_A = make_uid("slix", 0xA1)
UID_B = make_uid("slix2", 0xB2)


@pytest.fixture
def tag_file(tmp_path: Path) -> Path:
    path = tmp_path / "tags.json"
    save_tags(path, [VirtualTag("slix", UID_A), VirtualTag("slix2", UID_B, eas=True, afi=0x07)])
    return path


@pytest.fixture
def feig_url(tag_file: Path) -> Iterator[str]:
    server = serve_tcp(FeigEmulator(VirtualPad(load_tags(tag_file))))
    try:
        yield f"feig:{server.url}"
    finally:
        server.stop()


def _specs(tag_file: Path, feig_url: str) -> dict[str, str]:
    return {"virtual": f"virtual:{tag_file}", "feig": feig_url}


@pytest.mark.parametrize("kind", ["virtual", "feig"])
def test_inventory_write_read_secure(kiosk: Any, tag_file: Path, feig_url: str, kind: str) -> None:
    spec = _specs(tag_file, feig_url)[kind]
    inv = kiosk("reader", "inventory", "--reader", spec, "--json")
    assert inv.status == 0, inv.err
    assert sorted(t["uid"] for t in inv.json()["tags"]) == sorted([uid_hex(UID_A), uid_hex(UID_B)])

    write = kiosk(
        "reader",
        "write",
        uid_hex(UID_A),
        "--reader",
        spec,
        "--profile",
        "gz-item",
        "-e",
        "1=0001100000011",
        "-e",
        "3=CN-440100-1-0001",
        "-e",
        "5=10",
        "--lock",
        "1",
        "--json",
    )
    assert write.status == 0, write.err
    written = write.json()
    assert written["elements"] == {"1": "0001100000011", "3": "CN-440100-1-0001", "5": "10"}
    assert written["profile"]["name"] == "gz-item"
    assert written["locked_blocks"] == written["written"]["lock_blocks"] != []
    assert written["dsfid"] == 0x06

    read = kiosk("reader", "read", uid_hex(UID_A), "--reader", spec, "--json")
    doc = read.json()
    assert doc["memory"].startswith(written["written"]["hex"])
    assert doc["block_size"] == 4 and doc["block_count"] == 28

    off = kiosk(
        "reader", "secure", uid_hex(UID_B), "off", "--mode", "both", "--reader", spec, "--json"
    )
    assert off.status == 0, off.err
    assert off.json()["result"] == "unsecured"
    after = kiosk("reader", "read", uid_hex(UID_B), "--reader", spec, "--json").json()
    assert after["afi"] == 0xC2 and after["eas"] is False


def test_virtual_tag_file_keeps_the_changes(kiosk: Any, tag_file: Path) -> None:
    spec = f"virtual:{tag_file}"
    run = kiosk("reader", "secure", uid_hex(UID_A), "on", "--mode", "afi", "--reader", spec)
    assert run.status == 0, run.err
    saved = {entry["uid"]: entry for entry in json.loads(tag_file.read_text())}
    assert saved[uid_hex(UID_A)]["afi"] == 0x07


def test_writing_over_a_locked_block_is_refused_before_any_write(
    kiosk: Any, tag_file: Path
) -> None:
    spec = f"virtual:{tag_file}"
    first = kiosk(
        "reader", "write", uid_hex(UID_A), "--reader", spec, "-e", "1=0001100000011", "--lock", "1"
    )
    assert first.status == 0, first.err
    second = kiosk("reader", "write", uid_hex(UID_A), "--reader", spec, "-e", "1=0001100000099")
    assert second.status == 2
    assert "locked" in second.err


def test_reader_errors(kiosk: Any, tag_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = f"virtual:{tag_file}"
    missing = kiosk("reader", "read", "E004010000000001", "--reader", spec)
    assert missing.status == 1 and "no answer" in missing.err
    assert kiosk("reader", "read", "E0040100", "--reader", spec).status == 2
    unknown = kiosk("reader", "inventory", "--reader", "acme:/dev/ttyS0")
    assert unknown.status == 2 and "virtual" in unknown.err and "feig" in unknown.err
    assert kiosk("reader", "inventory", "--reader", "virtual:/nonexistent/tags.json").status == 2
    bad_option = kiosk("reader", "inventory", "--reader", "feig:/dev/null?speed=9")
    assert bad_option.status == 2 and "speed" in bad_option.err
    monkeypatch.delenv("KIOSK_READER", raising=False)
    no_reader = kiosk("reader", "inventory")
    assert no_reader.status == 2 and "KIOSK_READER" in no_reader.err
