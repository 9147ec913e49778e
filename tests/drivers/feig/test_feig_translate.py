"""The driver's ISO 15693 ⇄ FEIG translation table and the pure parsers behind it."""

from __future__ import annotations

import contextlib

import pytest
from feig_script import HEX
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import ReaderError, ReaderProtocolError
from drivers.feig.frames import STATUS_TEXT, Control, Status, encode_response
from drivers.feig.reader import FeigReader
from drivers.feig.translate import (
    ROUTES,
    STATUS_ERRORS,
    CardSeen,
    OutputMode,
    encode_outputs,
    parse_blocks,
    parse_inventory,
    parse_software_version,
    reverse_blocks,
    route_for,
    status_error,
)
from drivers.iso15693 import Cmd, Command
from drivers.reader import TagSeen, parse_system_info

U = "E0 04 01 00 12 34 56 78"
UID = HEX(U)


def test_every_documented_error_status_has_an_exception() -> None:
    errors = {int(s) for s in Status} - {Status.OK, Status.ISO15693_ERROR}
    assert errors <= set(STATUS_ERRORS)
    assert set(STATUS_ERRORS) <= set(STATUS_TEXT)


def test_status_error_carries_the_status_and_a_hint() -> None:
    error = status_error(0x82, "inventory")
    assert error.status == 0x82
    assert str(error) == (
        "inventory: command not available — the reader is in Scan or Buffered-Read mode: "
        "set CFG1 to ISO Host mode (reader status 0x82)"
    )


@given(st.binary(max_size=64), st.sampled_from([1, 2, 4, 8, 16]))
def test_reverse_blocks_is_its_own_inverse(data: bytes, size: int) -> None:
    data = data[: len(data) - len(data) % size]
    assert reverse_blocks(reverse_blocks(data, size), size) == data


def test_reverse_blocks_per_block() -> None:
    assert reverse_blocks(HEX("01 02 03 04 05 06 07 08"), 4) == HEX("04 03 02 01 08 07 06 05")
    with pytest.raises(ReaderProtocolError, match="not a whole number of 4-byte blocks"):
        reverse_blocks(bytes(5), 4)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("01", "lacks DB-N and DB-SIZE"),
        ("02 04 00 01 02 03 04", "does not hold 2 blocks of 4 bytes"),
        ("01 00", "does not hold 1 blocks of 0 bytes"),
    ],
)
def test_parse_blocks_errors(data: str, message: str) -> None:
    with pytest.raises(ReaderProtocolError, match=message):
        parse_blocks(HEX(data))


def test_read_route_translates_counts_and_layout() -> None:
    route = route_for(Command(Cmd.READ_MULTIPLE, UID, bytes((4, 1)), option=True))
    assert route.command == Control.ISO_HOST
    command = Command(Cmd.READ_MULTIPLE, UID, bytes((4, 1)), option=True)
    assert route.request(command) == HEX(f"23 09 {U} 04 02")  # FEIG DB-N = ISO count − 1 + 1
    answer = HEX("02 04 01 44 33 22 11 00 88 77 66 55")
    assert route.reply(command, answer) == HEX("01 11 22 33 44 00 55 66 77 88")
    plain = Command(Cmd.READ_MULTIPLE, UID, bytes((4, 1)))
    assert route.request(plain) == HEX(f"23 01 {U} 04 02")
    assert route.reply(plain, answer) == HEX("11 22 33 44 55 66 77 88")


def test_read_single_and_write_multiple_routes() -> None:
    single = Command(Cmd.READ_SINGLE, UID, bytes((7,)))
    assert route_for(single).request(single) == HEX(f"23 01 {U} 07 01")
    multiple = Command(Cmd.WRITE_MULTIPLE, UID, HEX("02 01 01 02 03 04 05 06 07 08"))
    assert route_for(multiple).request(multiple) == HEX(
        f"24 01 {U} 02 02 04 04 03 02 01 08 07 06 05"
    )


def test_non_addressed_commands_have_mode_zero() -> None:
    command = Command(Cmd.WRITE_AFI, None, bytes((0x07,)))
    assert route_for(command).request(command) == HEX("27 00 07")


def test_security_status_route() -> None:
    command = Command(Cmd.GET_SECURITY_STATUS, UID, bytes((0, 2)))
    route = route_for(command)
    assert route.request(command) == HEX(f"2C 01 {U} 00 03")
    assert route.reply(command, HEX("03 00 01 00")) == HEX("00 01 00")
    with pytest.raises(ReaderProtocolError, match="expected DB-N 3"):
        route.reply(command, HEX("02 00 01"))


def test_system_info_route_gives_the_iso_layout() -> None:
    command = Command(Cmd.GET_SYSTEM_INFO, UID)
    data = route_for(command).reply(command, HEX(f"06 {U} 07 03 1B 01"))
    info = parse_system_info(data)
    assert (info.uid, info.dsfid, info.afi, info.block_size, info.block_count) == (
        UID,
        6,
        7,
        4,
        28,
    )


def test_other_nxp_custom_commands_pass_through_b1() -> None:
    command = Command(Cmd.NXP_GET_SYSTEM_INFO, UID)
    route = route_for(command)
    assert route.command == Control.ISO_CUSTOM
    assert route.request(command) == HEX(f"04 AB 01 {U}")
    assert route.reply(command, HEX("00 00 03")) == HEX("00 00 03")


def test_inventory_has_no_route() -> None:
    with pytest.raises(ReaderProtocolError, match="0x01 has no FEIG ISO Host equivalent"):
        route_for(Command(Cmd.INVENTORY))


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (Command(Cmd.READ_MULTIPLE, UID, b"\x00"), "needs 2 parameter byte"),
        (Command(Cmd.WRITE_AFI, UID), "needs 1 parameter byte"),
        (Command(Cmd.LOCK_AFI, UID, b"\x00"), "needs 0 parameter byte"),
        (Command(Cmd.WRITE_SINGLE, UID, b"\x00"), "needs a block number and data"),
        (Command(Cmd.WRITE_MULTIPLE, UID, HEX("00 01 01 02 03")), "cannot be split into 2"),
        (Command(Cmd.WRITE_AFI, HEX("E0 04"), b"\x07"), "UID must be 8 bytes"),
    ],
)
def test_malformed_commands_are_refused(command: Command, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        route_for(command).request(command)


def test_every_base_class_command_has_a_route() -> None:
    used = {
        Cmd.GET_SYSTEM_INFO, Cmd.READ_MULTIPLE, Cmd.WRITE_SINGLE, Cmd.LOCK_BLOCK, Cmd.WRITE_AFI,
        Cmd.LOCK_AFI, Cmd.WRITE_DSFID, Cmd.LOCK_DSFID, Cmd.NXP_SET_EAS, Cmd.NXP_RESET_EAS,
        Cmd.NXP_LOCK_EAS, Cmd.NXP_EAS_ALARM,
    }  # fmt: skip
    assert used <= set(ROUTES)


def test_parse_inventory_mixed() -> None:
    data = HEX(f"02 03 06 {U} 04 00 08 00 00 00 00 11 22 33 44")
    assert parse_inventory(data) == [TagSeen(UID, 6), CardSeen(HEX("11 22 33 44"), 0x08)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "lacks the DATA-SETS byte"),
        ("02 03 00 " + U, "announces 2 data sets, holds only 1"),
        ("01 03 00 E0 04", "cut off"),
        ("01 03 00 " + U + " FF", "1 bytes after its sets"),
    ],
)
def test_parse_inventory_errors(data: str, message: str) -> None:
    with pytest.raises(ReaderProtocolError, match=message):
        parse_inventory(HEX(data))


def test_software_version() -> None:
    version = parse_software_version(HEX("03 10 00 71 4C 00 18"))
    assert (version.firmware, version.software_type) == ("03.10.00", 0x4C)
    with pytest.raises(ReaderProtocolError, match="expected 7"):
        parse_software_version(HEX("03 10"))


def test_outputs() -> None:
    modes = {"green": OutputMode.ON, "red": OutputMode.OFF, "relay": OutputMode.FLASH}
    assert encode_outputs(modes, 1.5) == HEX("00 C9 00 00 00 0F")
    with pytest.raises(ValueError, match="unknown output 'blue'"):
        encode_outputs({"blue": OutputMode.ON}, 1)


# ------------------------------------------------------------------------------ robustness
class _AnyAnswer:
    """A transport whose reader answers every request with the given status and data."""

    def __init__(self, status: int, data: bytes) -> None:
        self.status, self.data = status, data

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def exchange(self, frame, timeout, match):
        command = frame[2] if frame[0] != 0x02 else frame[4]
        answer = match(encode_response(0x00, command, self.status, self.data))
        assert answer is not None
        return answer


_OPERATIONS = [
    lambda r: r.inventory(),
    lambda r: r.system_info(UID),
    lambda r: r.read_blocks(UID, 0, 3, block_size=4),
    lambda r: r.write_afi(UID, 7),
    lambda r: r.eas_alarm(UID),
    lambda r: r.software_version(),
    lambda r: r.read_mifare_sector(HEX("11 22 33 44"), 1, bytes(6)),
]


@settings(max_examples=400, deadline=None)
@given(
    operation=st.sampled_from(_OPERATIONS),
    status=st.sampled_from([0x00, 0x00, 0x01, 0x94, 0x95, 0x03, 0x42]),
    data=st.binary(max_size=60),
)
def test_any_answer_ends_in_a_result_or_a_reader_error(operation, status, data) -> None:
    reader = FeigReader(transport=_AnyAnswer(status, data), retries=0, sleep=lambda s: None)
    with contextlib.suppress(ReaderError):
        operation(reader)
