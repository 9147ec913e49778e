"""The reader contract: what every :class:`~drivers.reader.Reader` must do, whatever it talks to.

Each test takes the ``reader_env`` fixture (tests/drivers/conftest.py), a :class:`ReaderEnv`:
``.reader`` is the reader under test and ``.pad`` the :class:`~drivers.virtual.VirtualPad` behind
it (directly for the virtual reader, behind an emulator for the FEIG factories), used to place and
remove tags and inject faults. ``.unplug()`` / ``.replug()`` take the reader away and bring it
back (for an emulator: close and reopen its port or listener). A real-hardware environment has no
pad; the tests that need one skip there.

:class:`ReaderContract` is collected through subclasses (tests/drivers/test_contract.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.errors import (
    BlockLocked,
    NoTag,
    ReaderProtocolError,
    ReaderTimeout,
    ReaderUnavailable,
    WriteFailed,
)
from drivers.reader import AFI_IN_LIBRARY, AFI_ON_LOAN, Reader, TagSeen
from drivers.virtual import VirtualPad, VirtualTag, make_uid

__all__ = ["ReaderContract", "ReaderEnv"]

UID = bytes.fromhex("E004010012345678")
FUJI_UID = bytes.fromhex("E008010000000001")


def _nothing() -> None:
    return None


class ReaderEnv:
    """A reader under test and the means to act on its field and its cable.

    ``skips`` names contract features this environment cannot honour (e.g. ``"reader_timeout"``).
    """

    def __init__(
        self,
        name: str,
        reader: Reader,
        pad: VirtualPad | None,
        *,
        unplug: Callable[[], None] = _nothing,
        replug: Callable[[], None] = _nothing,
        close: Callable[[], None] = _nothing,
        skips: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.reader = reader
        self._pad = pad
        self.unplug = unplug
        self.replug = replug
        self.close = close
        self.skips = skips

    @property
    def pad(self) -> VirtualPad:
        if self._pad is None:
            pytest.skip(f"{self.name}: no virtual pad behind this reader")
        return self._pad

    def require(self, feature: str) -> None:
        if feature in self.skips:
            pytest.skip(f"{self.name}: cannot simulate {feature}")


def slix(uid: bytes = UID, **kwargs: object) -> VirtualTag:
    return VirtualTag("slix", uid, bytes(range(112)), afi=0x07, dsfid=0x06, **kwargs)  # type: ignore[arg-type]


class ReaderContract:
    """Behaviour shared by every reader (subclass it as ``Test…`` to collect it)."""

    # ------------------------------------------------------------------ inventory
    def test_inventory_of_an_empty_pad(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.clear()
        assert reader_env.reader.inventory() == []

    def test_inventory_of_one_tag(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        assert reader_env.reader.inventory() == [TagSeen(UID, 0x06)]

    def test_inventory_of_twenty_tags(self, reader_env: ReaderEnv) -> None:
        pad = reader_env.pad
        pad.max_tags_per_inventory = 32
        uids = {make_uid("slix", 0x5000 + 13 * n) for n in range(20)}
        for uid in uids:
            pad.place(VirtualTag("slix", uid, dsfid=0x06))
        seen = reader_env.reader.inventory()
        assert {t.uid for t in seen} == uids
        assert len(seen) == 20
        assert all(t.dsfid == 0x06 for t in seen)

    def test_inventory_by_afi(self, reader_env: ReaderEnv) -> None:
        secured, on_loan = make_uid("slix", 1), make_uid("slix", 2)
        reader_env.pad.place(VirtualTag("slix", secured, afi=AFI_IN_LIBRARY))
        reader_env.pad.place(VirtualTag("slix", on_loan, afi=AFI_ON_LOAN))
        assert [t.uid for t in reader_env.reader.inventory(afi=AFI_ON_LOAN)] == [on_loan]
        assert [t.uid for t in reader_env.reader.inventory(afi=AFI_IN_LIBRARY)] == [secured]
        assert {t.uid for t in reader_env.reader.inventory()} == {secured, on_loan}

    def test_inventory_sees_tags_come_and_go(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        assert len(reader_env.reader.inventory()) == 1
        reader_env.pad.remove(UID)
        assert reader_env.reader.inventory() == []

    # ------------------------------------------------------------------ system information
    def test_system_info(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        info = reader_env.reader.system_info(UID)
        assert (info.uid, info.dsfid, info.afi) == (UID, 0x06, 0x07)
        assert (info.block_size, info.block_count, info.ic_reference) == (4, 28, 0x01)

    # ------------------------------------------------------------------ blocks
    def test_read_blocks(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix(locked_blocks=[1]))
        data = reader_env.reader.read_blocks(UID, 0, 28, block_size=4)
        assert data.data == bytes(range(112))
        assert data.locked_blocks == (1,)
        part = reader_env.reader.read_blocks(UID, 26, 2, block_size=4)
        assert part.data == bytes(range(104, 112))

    def test_read_all_of_a_large_tag(self, reader_env: ReaderEnv) -> None:
        memory = bytes(n % 251 for n in range(316))
        reader_env.pad.place(VirtualTag("slix2", UID, memory))
        assert reader_env.reader.read_blocks(UID, 0, 79, block_size=4).data == memory

    def test_write_then_read_back(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        payload = bytes.fromhex("11223344 55667788")
        reader_env.reader.write_blocks(UID, 4, payload, block_size=4)
        assert reader_env.reader.read_blocks(UID, 4, 2, block_size=4).data == payload
        assert bytes(reader_env.pad.tag(UID).memory[16:24]) == payload  # type: ignore[union-attr]

    def test_eight_byte_blocks(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(VirtualTag("mb89r118", FUJI_UID))
        info = reader_env.reader.system_info(FUJI_UID)
        assert (info.block_size, info.block_count) == (8, 250)
        payload = bytes(range(0x40, 0x58))
        reader_env.reader.write_blocks(FUJI_UID, 248, payload[:16], block_size=8)
        back = reader_env.reader.read_blocks(FUJI_UID, 247, 3, block_size=8)
        assert back.data == bytes(8) + payload[:16]

    def test_lock_blocks(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.reader.lock_blocks(UID, [2, 3])
        assert reader_env.reader.read_blocks(UID, 0, 5, block_size=4).locked_blocks == (2, 3)
        with pytest.raises(BlockLocked) as caught:
            reader_env.reader.write_blocks(UID, 3, bytes(4), block_size=4)
        assert caught.value.tag_error == 0x12
        with pytest.raises(BlockLocked) as again:
            reader_env.reader.lock_blocks(UID, [2])
        assert again.value.tag_error == 0x11
        assert reader_env.reader.read_blocks(UID, 3, 1, block_size=4).data == bytes(range(12, 16))

    def test_read_beyond_memory(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        with pytest.raises(ReaderProtocolError) as caught:
            reader_env.reader.read_blocks(UID, 27, 2, block_size=4)
        assert caught.value.tag_error == 0x10

    # ------------------------------------------------------------------ AFI, DSFID, EAS
    def test_afi_round_trip(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.reader.write_afi(UID, AFI_ON_LOAN)
        assert reader_env.reader.system_info(UID).afi == AFI_ON_LOAN
        reader_env.reader.write_afi(UID, AFI_IN_LIBRARY)
        assert reader_env.reader.system_info(UID).afi == AFI_IN_LIBRARY

    def test_locked_afi(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.reader.lock_afi(UID)
        with pytest.raises(BlockLocked):
            reader_env.reader.write_afi(UID, AFI_ON_LOAN)
        assert reader_env.reader.system_info(UID).afi == AFI_IN_LIBRARY

    def test_dsfid_round_trip_and_lock(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.reader.write_dsfid(UID, 0x00)
        assert reader_env.reader.system_info(UID).dsfid == 0x00
        reader_env.reader.lock_dsfid(UID)
        with pytest.raises(BlockLocked):
            reader_env.reader.write_dsfid(UID, 0x06)

    def test_eas_round_trip(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        assert reader_env.reader.eas_alarm(UID) is False
        reader_env.reader.set_eas(UID, True)
        assert reader_env.reader.eas_alarm(UID) is True
        reader_env.reader.set_eas(UID, False)
        assert reader_env.reader.eas_alarm(UID) is False

    def test_locked_eas(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.reader.set_eas(UID, True)
        reader_env.reader.lock_eas(UID)
        with pytest.raises(BlockLocked):
            reader_env.reader.set_eas(UID, False)
        assert reader_env.reader.eas_alarm(UID) is True

    def test_eas_on_a_chip_without_eas(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(VirtualTag("mb89r118", FUJI_UID))
        assert reader_env.reader.eas_alarm(FUJI_UID) is False
        with pytest.raises(NoTag):
            reader_env.reader.set_eas(FUJI_UID, True)

    # ------------------------------------------------------------------ faults
    def test_tag_not_in_the_field(self, reader_env: ReaderEnv) -> None:
        with pytest.raises(NoTag):
            reader_env.reader.system_info(UID)
        with pytest.raises(NoTag):
            reader_env.reader.read_blocks(UID, 0, 1, block_size=4)
        assert reader_env.reader.eas_alarm(UID) is False

    def test_tag_removed_between_write_and_verify(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.pad.remove_after(UID, commands=1)
        reader_env.reader.write_afi(UID, AFI_ON_LOAN)
        with pytest.raises(NoTag):
            reader_env.reader.system_info(UID)

    def test_write_fault(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.pad.fail_writes(UID, 1)
        with pytest.raises(WriteFailed) as caught:
            reader_env.reader.write_blocks(UID, 0, bytes(4), block_size=4)
        assert caught.value.tag_error == 0x13
        reader_env.reader.write_blocks(UID, 0, bytes(4), block_size=4)
        assert reader_env.reader.read_blocks(UID, 0, 1, block_size=4).data == bytes(4)

    def test_write_that_does_not_stick_is_caught_by_verify(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        reader_env.pad.lose_writes(UID, "afi")
        reader_env.pad.lose_writes(UID, "eas")
        reader_env.reader.write_afi(UID, AFI_ON_LOAN)
        assert reader_env.reader.system_info(UID).afi == AFI_IN_LIBRARY
        reader_env.reader.set_eas(UID, True)
        assert reader_env.reader.eas_alarm(UID) is False

    def test_unplug_and_replug(self, reader_env: ReaderEnv) -> None:
        reader_env.pad.place(slix())
        assert len(reader_env.reader.inventory()) == 1
        reader_env.unplug()
        with pytest.raises(ReaderUnavailable):
            reader_env.reader.inventory()
        with pytest.raises(ReaderUnavailable):
            reader_env.reader.system_info(UID)
        assert not reader_env.reader.health().ok
        reader_env.replug()
        assert reader_env.reader.inventory() == [TagSeen(UID, 0x06)]
        assert reader_env.reader.system_info(UID).afi == AFI_IN_LIBRARY
        assert reader_env.reader.health().ok

    def test_reader_timeouts_are_retried(self, reader_env: ReaderEnv) -> None:
        reader_env.require("reader_timeout")
        reader_env.pad.place(slix())
        reader_env.pad.inject_reader_timeouts(reader_env.reader.retries)
        assert reader_env.reader.system_info(UID).afi == AFI_IN_LIBRARY
        reader_env.pad.inject_reader_timeouts(reader_env.reader.retries + 1)
        with pytest.raises(ReaderTimeout):
            reader_env.reader.system_info(UID)
        assert reader_env.reader.system_info(UID).afi == AFI_IN_LIBRARY
