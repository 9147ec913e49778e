"""Whole-tag read and write over a reader (the virtual pad), verified and lock-aware."""

from __future__ import annotations

import pytest

from drivers.virtual import VirtualPad, VirtualReader, VirtualTag, make_uid
from kiosk import tagdata
from kiosk.errors import TagDataError
from kiosk.tagio import DSFID_ISO28560_2, read_tag, write_tag

UID = make_uid("slix", 3)
ELEMENTS = {1: "0001100000011", 3: "CN-440100-1-0001", 5: "10"}


def _reader(**tag: object) -> tuple[VirtualReader, VirtualPad]:
    pad = VirtualPad([VirtualTag("slix", UID, **tag)])  # type: ignore[arg-type]
    return VirtualReader(pad, sleep=lambda _: None), pad


def test_write_then_read_back_locks_and_sets_dsfid() -> None:
    reader, pad = _reader()
    encoded, after = write_tag(reader, UID, ELEMENTS, lock=(1,))
    assert after.data.elements == ELEMENTS
    assert after.locked_blocks == encoded.lock_blocks and encoded.lock_blocks
    assert after.info.dsfid == DSFID_ISO28560_2
    assert after.memory[len(encoded.data) :] == bytes(112 - len(encoded.data))
    tag = pad.tag(UID)
    assert tag is not None and tag.dsfid == DSFID_ISO28560_2


def test_rewriting_identical_locked_blocks_is_allowed() -> None:
    reader, _ = _reader()
    write_tag(reader, UID, ELEMENTS, lock=(1,))
    _, after = write_tag(reader, UID, {**ELEMENTS, 6: "I247.55/1234"}, lock=(1,))
    assert after.data.elements[6] == "I247.55/1234"


def test_changing_a_locked_block_is_refused_before_writing() -> None:
    reader, _ = _reader()
    write_tag(reader, UID, ELEMENTS, lock=(1,))
    before = read_tag(reader, UID).memory
    with pytest.raises(TagDataError, match="locked"):
        write_tag(reader, UID, {**ELEMENTS, 1: "0001100000099"})
    assert read_tag(reader, UID).memory == before


def test_data_too_big_for_the_chip_is_refused() -> None:
    reader, _ = _reader()
    with pytest.raises(TagDataError, match="over"):
        write_tag(reader, UID, {1: "0001100000011", 17: "x" * 120})


def test_a_write_that_does_not_stick_is_caught_and_nothing_is_locked() -> None:
    reader, pad = _reader()
    pad.lose_writes(UID, "block", n=1)
    with pytest.raises(TagDataError, match="read-back"):
        write_tag(reader, UID, ELEMENTS, lock=(1,))
    assert read_tag(reader, UID).locked_blocks == ()


def test_read_tag_relaxed_and_strict() -> None:
    memory = bytes.fromhex("9100051CBE991A1442021A2B") + bytes(100)
    reader, _ = _reader(memory=memory)
    relaxed = read_tag(reader, UID)
    assert relaxed.data.elements[1] == "123456789012" and relaxed.data.problems
    with pytest.raises(TagDataError):
        read_tag(reader, UID, relax=False)
    assert relaxed.eas is False
    assert tagdata.decode(relaxed.memory, errors="relax").elements == relaxed.data.elements
