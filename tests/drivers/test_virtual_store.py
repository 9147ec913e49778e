"""Tag files: JSON round trip, defaults, and one precise message per kind of bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.errors import DriverError, TagFileError
from drivers.virtual import VirtualTag, load_tags, save_tags, tags_from_json, tags_to_json

UID = bytes.fromhex("E004010012345678")


def sample_tags() -> list[VirtualTag]:
    return [
        VirtualTag(
            "slix",
            UID,
            bytes(range(112)),
            afi=0x07,
            dsfid=0x06,
            eas=True,
            locked_blocks=[3, 0],
            locked_eas=True,
        ),
        VirtualTag("slix2", bytes.fromhex("E0040100AABBCCDD"), afi=0xC2, locked_afi=True),
        VirtualTag(
            "mb89r118", bytes.fromhex("E008010000000001"), b"\xab" * 2000, locked_dsfid=True
        ),
    ]


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tags.json"
    save_tags(path, sample_tags())
    loaded = load_tags(path)
    assert tags_to_json(loaded) == tags_to_json(sample_tags())
    assert loaded[0].locked_blocks == {0, 3}
    assert [t.chip.name for t in loaded] == ["slix", "slix2", "mb89r118"]


def test_file_layout(tmp_path: Path) -> None:
    path = tmp_path / "tags.json"
    save_tags(path, sample_tags()[:1])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == [
        {
            "uid": "E004010012345678",
            "chip": "slix",
            "memory": bytes(range(112)).hex().upper(),
            "afi": 7,
            "dsfid": 6,
            "eas": True,
            "locked_blocks": [0, 3],
            "locked_afi": False,
            "locked_dsfid": False,
            "locked_eas": True,
        }
    ]


def test_save_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "tags.json"
    path.write_text("old", encoding="utf-8")
    save_tags(path, [])
    assert json.loads(path.read_text(encoding="utf-8")) == []
    assert [p.name for p in tmp_path.iterdir()] == ["tags.json"]


def test_minimal_objects_take_defaults() -> None:
    (tag,) = tags_from_json([{"uid": "E0 04 01 00 12 34 56 78", "chip": "slix"}])
    assert tag.uid == UID
    assert bytes(tag.memory) == bytes(112)
    assert (tag.afi, tag.dsfid, tag.eas, tag.locked_blocks) == (0, 0, False, set())
    assert not (tag.locked_afi or tag.locked_dsfid or tag.locked_eas)


def test_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_tags(tmp_path / "absent.json")


def good(**changes: object) -> dict[str, object]:
    obj: dict[str, object] = {"uid": "E004010012345678", "chip": "slix", "memory": "00" * 112}
    obj.update(changes)
    return obj


BAD_TAGS = [
    (good(memory="00" * 110), "'memory' must be hex of 112 bytes for chip slix, got 110"),
    (
        good(memory="zz"),
        "'memory' must be hex of 112 bytes for chip slix, got text that is not hex",
    ),
    (good(memory=[0]), "'memory' must be hex of 112 bytes for chip slix, got a list"),
    (
        good(chip="mb89r118"),
        "'memory' must be hex of 2000 bytes for chip mb89r118, got 112",
    ),
    (good(uid="E0040100123456"), "'uid' must be 16 hex digits (E004…), got 'E0040100123456'"),
    (good(uid="E00401001234567G"), "'uid' must be 16 hex digits"),
    (good(uid=123), "'uid' must be 16 hex digits (E004…), got 123"),
    (good(chip="slx"), "'chip' must be one of mb89r118, slix, slix2, got 'slx'"),
    (good(afi=300), "'afi' must be an integer 0–255, got 300"),
    (good(afi="7"), "'afi' must be an integer 0–255, got '7'"),
    (good(afi=True), "'afi' must be an integer 0–255, got True"),
    (good(dsfid=-1), "'dsfid' must be an integer 0–255, got -1"),
    (good(eas="yes"), "'eas' must be true or false, got 'yes'"),
    (good(locked_afi=1), "'locked_afi' must be true or false, got 1"),
    (
        good(chip="mb89r118", memory="00" * 2000, eas=True),
        "'eas' is true but chip mb89r118 has no EAS bit",
    ),
    (
        good(locked_blocks=[1, 28]),
        "'locked_blocks' must be a list of block numbers 0–27 for chip slix, got [28]",
    ),
    (good(locked_blocks=[True]), "'locked_blocks' must be a list of block numbers 0–27"),
    (
        good(locked_blocks=3),
        "'locked_blocks' must be a list of block numbers 0–27 for chip slix, got 3",
    ),
    (good(colour="red"), "unknown key 'colour' (expected uid, chip, memory, afi, dsfid, eas,"),
    ({"chip": "slix"}, "missing key 'uid'"),
    ({"uid": "E004010012345678"}, "missing key 'chip'"),
]


@pytest.mark.parametrize(("obj", "message"), BAD_TAGS)
def test_bad_tag_messages(tmp_path: Path, obj: dict[str, object], message: str) -> None:
    path = tmp_path / "tags.json"
    others = [good(uid=f"E0040100000000{n:02X}") for n in range(3)]
    path.write_text(json.dumps([*others, obj]), encoding="utf-8")
    with pytest.raises(TagFileError) as caught:
        load_tags(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: tag 3: ")
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"uid": 1}', "tags.json: expected a JSON list of tag objects, got object"),
        ("[1, 2", "tags.json: not valid JSON: line 1 column 6:"),
        ("[[]]", "tags.json: tag 0: expected an object, got list"),
        (
            json.dumps([good(), good()]),
            "tags.json: tag 1: 'uid' E004010012345678 is already used by tag 0",
        ),
    ],
)
def test_bad_file_messages(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "tags.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TagFileError) as caught:
        load_tags(path)
    assert str(caught.value).startswith(f"{tmp_path}/{message}")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "tags.json"
    path.write_bytes(b'[{"uid": "\xff"}]')
    with pytest.raises(TagFileError) as caught:
        load_tags(path)
    assert str(caught.value) == f"{path}: not UTF-8 text (byte 10)"


def test_tag_file_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="<tags>: expected a JSON list") as caught:
        tags_from_json({})
    assert isinstance(caught.value, DriverError)
