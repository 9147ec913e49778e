"""ISO 15693 frame layer: CRC vectors, request building, response parsing, UID order, system info.

Vectors come from reference/tagdata.md §4.1/§7.5 (CRC-16/X-25 air frames) and hardware.md §2.1.2
(the same routine with xorout 0 = CRC-16/MCRF4XX, the FEIG host-frame CRC).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import ReaderProtocolError
from drivers.iso15693 import (
    ERROR_TEXT,
    NXP,
    Cmd,
    Command,
    Flag,
    Reply,
    build_request,
    crc16,
    inventory_request,
    parse_inventory_response,
    parse_response,
    uid_from_air,
    uid_from_hex,
    uid_hex,
    uid_to_air,
    with_crc,
)
from drivers.reader import SystemInfo, parse_system_info

UID = bytes.fromhex("E004010012345678")
UID_AIR = "78 56 34 12 00 01 04 E0"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --------------------------------------------------------------------------- CRC
def test_crc_check_values() -> None:
    assert crc16(b"123456789") == 0x906E  # CRC-16/X-25
    assert crc16(b"123456789", xorout=0) == 0x6F91  # CRC-16/MCRF4XX


@pytest.mark.parametrize(
    "frame",
    [
        "26 01 00 F6 0A",  # inventory, one slot
        "02 2B 26 A3",  # get system info, non-addressed
        "02 A2 04 1F A9",  # NXP SET EAS
        "02 A3 04 C7 B0",  # NXP RESET EAS
        "02 A5 04 17 E4",  # NXP EAS ALARM
        "02 20 00 47 50",  # read block 0
    ],
)
def test_air_frame_crc_vectors(frame: str) -> None:
    data = h(frame)
    assert with_crc(data[:-2]) == data
    assert crc16(data) == 0x0F47  # residue of a frame with a correct CRC


@pytest.mark.parametrize(
    "frame",
    [
        "07 FF B0 01 00 1C 56",
        "05 FF 65 E5 CB",
        "05 FF 69 89 01",
        "11 FF B0 23 01 E0 04 01 00 12 34 56 78 00 08 07 D6",
        "0F FF B0 2B 01 E0 04 01 00 12 34 56 78 11 A3",
        "10 FF B0 27 01 E0 04 01 00 12 34 56 78 07 D8 DE",
        "10 FF B1 04 A2 01 E0 04 01 00 12 34 56 78 FC BB",
        "10 FF B1 04 A3 01 E0 04 01 00 12 34 56 78 DB 97",
    ],
)
def test_feig_host_frame_crc_vectors(frame: str) -> None:
    data = h(frame)
    crc = crc16(data[:-2], xorout=0)
    assert bytes((crc & 0xFF, crc >> 8)) == data[-2:]
    assert crc16(data, xorout=0) == 0  # a whole valid FEIG frame checks to zero


@given(st.binary(min_size=1, max_size=64))
def test_with_crc_always_checks(body: bytes) -> None:
    assert crc16(with_crc(body)) == 0x0F47


@given(st.binary(min_size=1, max_size=40), st.data())
def test_any_single_bit_error_is_caught(body: bytes, data: st.DataObject) -> None:
    frame = bytearray(with_crc(body))
    bit = data.draw(st.integers(0, len(frame) * 8 - 1))
    frame[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(ReaderProtocolError, match="CRC error"):
        parse_response(bytes(frame))


# --------------------------------------------------------------------------- requests
@pytest.mark.parametrize(
    ("command", "body"),
    [
        (Command(Cmd.GET_SYSTEM_INFO), "02 2B"),
        (Command(Cmd.READ_SINGLE, params=b"\x00"), "02 20 00"),
        (Command(Cmd.NXP_SET_EAS), "02 A2 04"),
        (Command(Cmd.NXP_RESET_EAS), "02 A3 04"),
        (Command(Cmd.NXP_EAS_ALARM), "02 A5 04"),
        (Command(Cmd.READ_SINGLE, UID, b"\x00"), f"22 20 {UID_AIR} 00"),
        (Command(Cmd.WRITE_SINGLE, UID, h("05 11223344")), f"22 21 {UID_AIR} 05 11 22 33 44"),
        (Command(Cmd.LOCK_BLOCK, UID, b"\x03"), f"22 22 {UID_AIR} 03"),
        (Command(Cmd.READ_MULTIPLE, UID, h("00 1B"), option=True), f"62 23 {UID_AIR} 00 1B"),
        (
            Command(Cmd.WRITE_MULTIPLE, UID, h("00 01") + bytes(8)),
            f"22 24 {UID_AIR} 00 01" + " 00" * 8,
        ),
        (Command(Cmd.SELECT, UID), f"22 25 {UID_AIR}"),
        (Command(Cmd.RESET_TO_READY, UID), f"22 26 {UID_AIR}"),
        (Command(Cmd.STAY_QUIET, UID), f"22 02 {UID_AIR}"),
        (Command(Cmd.WRITE_AFI, UID, b"\x07"), f"22 27 {UID_AIR} 07"),
        (Command(Cmd.LOCK_AFI, UID), f"22 28 {UID_AIR}"),
        (Command(Cmd.WRITE_DSFID, UID, b"\x06"), f"22 29 {UID_AIR} 06"),
        (Command(Cmd.LOCK_DSFID, UID), f"22 2A {UID_AIR}"),
        (Command(Cmd.GET_SYSTEM_INFO, UID), f"22 2B {UID_AIR}"),
        (Command(Cmd.GET_SECURITY_STATUS, UID, h("00 03")), f"22 2C {UID_AIR} 00 03"),
        (Command(Cmd.NXP_SET_EAS, UID), f"22 A2 04 {UID_AIR}"),
        (Command(Cmd.NXP_LOCK_EAS, UID), f"22 A4 04 {UID_AIR}"),
        (Command(Cmd.NXP_EAS_ALARM, UID), f"22 A5 04 {UID_AIR}"),
        (Command(Cmd.NXP_GET_SYSTEM_INFO, UID), f"22 AB 04 {UID_AIR}"),
    ],
)
def test_build_request(command: Command, body: str) -> None:
    assert build_request(command) == with_crc(h(body))


def test_build_request_literal_frames() -> None:
    assert build_request(Command(Cmd.GET_SYSTEM_INFO)) == h("02 2B 26 A3")
    assert build_request(Command(Cmd.NXP_SET_EAS)) == h("02 A2 04 1F A9")
    assert build_request(Command(Cmd.READ_SINGLE, UID, b"\x00")) == h(f"22 20 {UID_AIR} 00 6C 3D")


def test_build_request_low_rate_clears_the_rate_flag() -> None:
    assert build_request(Command(Cmd.GET_SYSTEM_INFO), high_rate=False)[0] == 0x00


def test_custom_commands_carry_the_nxp_code() -> None:
    assert Command(Cmd.NXP_EAS_ALARM).is_custom
    assert not Command(Cmd.READ_SINGLE).is_custom
    assert build_request(Command(Cmd.NXP_EAS_ALARM))[2] == NXP


def test_build_request_rejects_a_short_uid() -> None:
    with pytest.raises(ValueError, match="UID must be 8 bytes, got 7"):
        build_request(Command(Cmd.READ_SINGLE, UID[:7], b"\x00"))


@pytest.mark.parametrize(
    ("kwargs", "frame"),
    [
        ({"one_slot": True}, "26 01 00 F6 0A"),
        ({}, "06 01 00 CD 09"),
        ({"afi": 0x07}, "16 01 07 00 31 63"),
    ],
)
def test_inventory_request(kwargs: dict[str, object], frame: str) -> None:
    assert inventory_request(**kwargs) == h(frame)  # type: ignore[arg-type]
    assert inventory_request(**kwargs)[0] & Flag.INVENTORY  # type: ignore[arg-type]


# --------------------------------------------------------------------------- responses
def test_parse_response_ok_with_data() -> None:
    assert parse_response(with_crc(h("00 11 22 33 44"))) == Reply(data=h("11 22 33 44"))
    assert parse_response(with_crc(h("00"))) == Reply()
    assert parse_response(with_crc(h("00"))).ok


@pytest.mark.parametrize("code", sorted(ERROR_TEXT))
def test_parse_response_error_codes(code: int) -> None:
    reply = parse_response(with_crc(bytes((0x01, code))))
    assert reply == Reply(error=code)
    assert not reply.ok


def test_parse_response_error_without_code() -> None:
    with pytest.raises(ReaderProtocolError, match="without an error code"):
        parse_response(with_crc(h("01")))


@pytest.mark.parametrize("frame", ["", "00", "00 78"])
def test_parse_response_too_short(frame: str) -> None:
    with pytest.raises(ReaderProtocolError, match="too short"):
        parse_response(h(frame))


def test_parse_response_crc_error_names_the_bytes() -> None:
    with pytest.raises(ReaderProtocolError, match="CRC error in 00 11 22 00 00"):
        parse_response(h("00 11 22 00 00"))


@given(st.binary(max_size=40))
def test_parse_response_never_raises_anything_else(frame: bytes) -> None:
    try:
        reply = parse_response(frame)
    except ReaderProtocolError:
        return
    assert isinstance(reply, Reply)


def test_parse_inventory_response() -> None:
    frame = with_crc(h(f"00 06 {UID_AIR}"))
    assert parse_inventory_response(frame) == (UID, 0x06)


@pytest.mark.parametrize("body", ["00 06 78 56 34", f"01 0F {UID_AIR}", f"00 06 {UID_AIR} 00"])
def test_parse_inventory_response_rejects_other_shapes(body: str) -> None:
    with pytest.raises(ReaderProtocolError, match="inventory response"):
        parse_inventory_response(with_crc(h(body)))


# --------------------------------------------------------------------------- UIDs
def test_uid_order_helpers() -> None:
    assert uid_to_air(UID) == h(UID_AIR)
    assert uid_from_air(h(UID_AIR)) == UID
    assert uid_hex(UID) == "E004010012345678"


@pytest.mark.parametrize(
    "text", ["E004010012345678", "e0 04 01 00 12 34 56 78", "E0:04:01:00:12:34:56:78"]
)
def test_uid_from_hex_accepts_separators(text: str) -> None:
    assert uid_from_hex(text) == UID


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("E00401001234567", "expected 16 hexadecimal digits"),
        ("E0040100123456ZZ", "expected 16 hexadecimal digits"),
        ("E004010012345678AA", "expected 8 bytes .16 hex digits., got 9"),
    ],
)
def test_uid_from_hex_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        uid_from_hex(text)


@given(st.binary(min_size=8, max_size=8))
def test_uid_round_trips(uid: bytes) -> None:
    assert uid_from_air(uid_to_air(uid)) == uid
    assert uid_from_hex(uid_hex(uid)) == uid


# --------------------------------------------------------------------------- system info
def test_parse_system_info_all_fields() -> None:
    data = h(f"0F {UID_AIR} 06 07 1B 03 01")
    assert parse_system_info(data) == SystemInfo(UID, 0x06, 0x07, 4, 28, 0x01)


def test_parse_system_info_eight_byte_blocks() -> None:
    info = parse_system_info(h(f"0C {UID_AIR} F9 07 00"))
    assert (info.dsfid, info.afi, info.block_size, info.block_count) == (None, None, 8, 250)
    assert info.ic_reference == 0


@pytest.mark.parametrize(
    ("flags", "rest", "expected"),
    [
        ("00", "", (None, None, None, None, None)),
        ("01", "06", (0x06, None, None, None, None)),
        ("02", "C2", (None, 0xC2, None, None, None)),
        ("08", "01", (None, None, None, None, 0x01)),
        ("03", "06 C2", (0x06, 0xC2, None, None, None)),
    ],
)
def test_parse_system_info_partial(flags: str, rest: str, expected: tuple[object, ...]) -> None:
    info = parse_system_info(h(f"{flags} {UID_AIR} {rest}"))
    assert (info.dsfid, info.afi, info.block_size, info.block_count, info.ic_reference) == expected
    assert info.uid == UID


def test_parse_system_info_too_short() -> None:
    with pytest.raises(ReaderProtocolError, match="system information of 5 bytes"):
        parse_system_info(h("0F 78 56 34 12"))


def test_parse_system_info_shorter_than_flags_say() -> None:
    with pytest.raises(ReaderProtocolError, match="shorter than its info flags"):
        parse_system_info(h(f"0F {UID_AIR} 06 07"))


@given(st.binary(max_size=20))
def test_parse_system_info_never_raises_anything_else(data: bytes) -> None:
    try:
        info = parse_system_info(data)
    except ReaderProtocolError:
        return
    assert len(info.uid) == 8
