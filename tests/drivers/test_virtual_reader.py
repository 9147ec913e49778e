"""VirtualReader beyond the shared contract: specs, retries, chunking, health, air time."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from drivers.errors import BlockLocked, NoTag, ReaderTimeout, ReaderUnavailable, TagFileError
from drivers.virtual import (
    AirTiming,
    VirtualPad,
    VirtualReader,
    VirtualTag,
    make_uid,
    open_virtual,
    save_tags,
)
from drivers.virtual.timing import exchange_s

UID = bytes.fromhex("E004010012345678")


def test_from_spec_empty_pad() -> None:
    reader = VirtualReader.from_spec("virtual")
    assert len(reader.pad) == 0
    assert reader.inventory() == []


def test_from_spec_and_open_virtual_load_a_tag_file(tmp_path: Path) -> None:
    path = tmp_path / "stack.json"
    save_tags(path, [VirtualTag("slix", UID, afi=0x07, dsfid=0x06)])
    reader = VirtualReader.from_spec(f"virtual:{path}")
    assert [t.uid for t in reader.inventory()] == [UID]
    opened = open_virtual(str(path))
    assert opened.is_open
    assert opened.system_info(UID).afi == 0x07
    assert open_virtual().pad.tags() == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("feig:/dev/ttyUSB0", "expected 'virtual' or 'virtual:PATH'"),
        ("virtual:", "expected a tag file after 'virtual:'"),
        ("virtualx", "expected 'virtual' or 'virtual:PATH'"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VirtualReader.from_spec(spec)


def test_bad_tag_file_in_spec(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(TagFileError, match="expected a JSON list"):
        VirtualReader.from_spec(f"virtual:{path}")


def test_no_tag_message_names_command_and_uid() -> None:
    reader = VirtualReader()
    with pytest.raises(NoTag, match="get system info: no answer from tag E004010012345678"):
        reader.system_info(UID)


def test_timeouts_are_retried_with_back_off() -> None:
    slept: list[float] = []
    pad = VirtualPad([VirtualTag("slix", UID)])
    reader = VirtualReader(pad, retries=2, retry_delay=0.5, sleep=slept.append)
    pad.inject_reader_timeouts(2)
    assert reader.system_info(UID).uid == UID
    assert slept == [0.5, 1.0]
    pad.inject_reader_timeouts(3)
    with pytest.raises(ReaderTimeout, match="get system info: virtual reader did not answer"):
        reader.system_info(UID)


def test_unplugged_reader_cannot_open_and_reopens_after_replug() -> None:
    pad = VirtualPad([VirtualTag("slix", UID)])
    reader = VirtualReader(pad, sleep=lambda s: None)
    pad.unplug()
    with pytest.raises(ReaderUnavailable, match="virtual reader unplugged"):
        reader.open()
    assert not reader.is_open
    health = reader.health()
    assert not health.ok and "unplugged" in health.detail
    pad.replug()
    assert reader.health().ok
    assert reader.is_open


def test_health_details() -> None:
    pad = VirtualPad([VirtualTag("slix", UID)])
    health = VirtualReader(pad).health()
    assert health.ok
    assert health.detail == "virtual pad, 1 tag in the field"
    assert health.extra == {"tags": "1", "collisions": "0"}


@pytest.mark.parametrize(
    ("chip", "blocks", "block_size", "requests"),
    [("slix", 28, 4, 1), ("slix2", 79, 4, 3), ("mb89r118", 250, 8, 16)],
)
def test_reads_are_chunked_to_max_read_bytes(
    chip: str, blocks: int, block_size: int, requests: int
) -> None:
    uid = make_uid(chip, 1)
    pad = VirtualPad([VirtualTag(chip, uid)])
    reader = VirtualReader(pad)
    data = reader.read_blocks(uid, 0, blocks, block_size=block_size)
    assert len(data.data) == blocks * block_size
    assert pad.commands == requests


def test_air_time_of_a_whole_read() -> None:
    timing = AirTiming()
    pad = VirtualPad([VirtualTag("slix", UID)], timing=timing)
    VirtualReader(pad).read_blocks(UID, 0, 28, block_size=4)
    request = 2 + 8 + 2 + 2  # flags, code, UID, first block, count − 1 … CRC
    assert timing.air_time_s == pytest.approx(exchange_s(request, 1 + 28 * 5 + 2))


class TagModel(RuleBasedStateMachine):
    """The reader over the pad behaves like a plain model of one SLIX tag's writable state."""

    def __init__(self) -> None:
        super().__init__()
        self.reader = VirtualReader(VirtualPad([VirtualTag("slix", UID)]))
        self.memory = bytearray(112)
        self.locked: set[int] = set()
        self.afi, self.afi_locked = 0, False
        self.eas, self.eas_locked = False, False

    @rule(block=st.integers(0, 27), data=st.binary(min_size=4, max_size=4))
    def write_block(self, block: int, data: bytes) -> None:
        if block in self.locked:
            with pytest.raises(BlockLocked):
                self.reader.write_blocks(UID, block, data, block_size=4)
        else:
            self.reader.write_blocks(UID, block, data, block_size=4)
            self.memory[block * 4 : block * 4 + 4] = data

    @rule(block=st.integers(0, 27))
    def lock_block(self, block: int) -> None:
        if block in self.locked:
            with pytest.raises(BlockLocked):
                self.reader.lock_blocks(UID, [block])
        else:
            self.reader.lock_blocks(UID, [block])
            self.locked.add(block)

    @rule(afi=st.integers(0, 255))
    def write_afi(self, afi: int) -> None:
        if self.afi_locked:
            with pytest.raises(BlockLocked):
                self.reader.write_afi(UID, afi)
        else:
            self.reader.write_afi(UID, afi)
            self.afi = afi

    @rule()
    def lock_afi(self) -> None:
        if self.afi_locked:
            with pytest.raises(BlockLocked):
                self.reader.lock_afi(UID)
        else:
            self.reader.lock_afi(UID)
            self.afi_locked = True

    @rule(enabled=st.booleans())
    def set_eas(self, enabled: bool) -> None:
        if self.eas_locked:
            with pytest.raises(BlockLocked):
                self.reader.set_eas(UID, enabled)
        else:
            self.reader.set_eas(UID, enabled)
            self.eas = enabled

    @rule()
    def lock_eas(self) -> None:
        if self.eas_locked:
            with pytest.raises(BlockLocked):
                self.reader.lock_eas(UID)
        else:
            self.reader.lock_eas(UID)
            self.eas_locked = True

    @invariant()
    def tag_matches_model(self) -> None:
        blocks = self.reader.read_blocks(UID, 0, 28, block_size=4)
        assert blocks.data == bytes(self.memory)
        assert set(blocks.locked_blocks) == self.locked
        assert self.reader.system_info(UID).afi == self.afi
        assert self.reader.eas_alarm(UID) is self.eas


TestTagModel = TagModel.TestCase
TestTagModel.settings = settings(max_examples=40, stateful_step_count=20, deadline=None)
