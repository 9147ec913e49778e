"""FeigReader byte transcripts on a scripted line: every command, every status, line trouble."""

from __future__ import annotations

import termios

import pytest
import serial
from feig_script import ANS, CMD, HEX, FakeClock, Opener, ScriptedPort

from drivers.errors import (
    AuthenticationFailed,
    BlockLocked,
    NoTag,
    ReaderError,
    ReaderProtocolError,
    ReaderTimeout,
    ReaderUnavailable,
    WriteFailed,
)
from drivers.feig.frames import encode_request, encode_response
from drivers.feig.reader import FeigReader
from drivers.feig.translate import CardSeen, OutputMode
from drivers.feig.transport import SerialSettings, SerialTransport
from drivers.reader import SystemInfo, TagSeen

U = "E0 04 01 00 12 34 56 78"
UID = HEX(U)
U2 = "E0 04 01 00 00 00 00 02"
U3 = "E0 04 01 00 00 00 00 03"
OK_B0 = ANS("00 B0 00")


# ------------------------------------------------------------------------------ inventory
def test_inventory_one_tag(scripted) -> None:
    reader, _ = scripted([(CMD("FF B0 01 00"), ANS(f"00 B0 00 01 03 06 {U}"))])
    assert reader.inventory() == [TagSeen(UID, 0x06)]


def test_inventory_request_is_the_reference_vector(scripted) -> None:
    reader, port = scripted([(HEX("07 FF B0 01 00 1C 56"), ANS("00 B0 01"))])
    assert reader.inventory() == []  # status 0x01: no transponder is an empty field
    assert port.written == [HEX("07 FF B0 01 00 1C 56")]


def test_inventory_with_afi_sets_mode_bit_4(scripted) -> None:
    reader, _ = scripted([(CMD("FF B0 01 10 07"), ANS(f"00 B0 00 01 03 00 {U}"))])
    assert reader.inventory(afi=0x07) == [TagSeen(UID, 0)]


def test_inventory_follows_more_data_and_merges(scripted) -> None:
    reader, _ = scripted(
        [
            (CMD("FF B0 01 10 07"), ANS(f"00 B0 94 02 03 00 {U} 03 01 {U2}")),
            (CMD("FF B0 01 90 07"), ANS(f"00 B0 94 01 03 02 {U3}")),
            (CMD("FF B0 01 90 07"), ANS("00 B0 00 00")),
        ]
    )
    assert reader.inventory(afi=0x07) == [
        TagSeen(UID, 0),
        TagSeen(HEX(U2), 1),
        TagSeen(HEX(U3), 2),
    ]


def test_inventory_leaves_cards_to_cards(scripted) -> None:
    answer = ANS(f"00 B0 00 02 04 00 08 00 00 00 00 11 22 33 44 03 00 {U}")
    reader, _ = scripted([(CMD("FF B0 01 00"), answer), (CMD("FF B0 01 00"), answer)])
    assert reader.inventory() == [TagSeen(UID, 0)]
    assert reader.cards() == [CardSeen(HEX("11 22 33 44"), 0x08)]


def test_inventory_with_an_unknown_transponder_type(scripted) -> None:
    reader, _ = scripted([(CMD("FF B0 01 00"), ANS(f"00 B0 00 01 07 00 {U}"))])
    with pytest.raises(ReaderProtocolError, match="TR-TYPE 0x07"):
        reader.inventory()


def test_inventory_buffer_overflow(scripted) -> None:
    reader, _ = scripted([(CMD("FF B0 01 00"), ANS("00 B0 93"))])
    with pytest.raises(ReaderProtocolError, match="too many tags") as caught:
        reader.inventory()
    assert caught.value.status == 0x93


# ------------------------------------------------------------------------------ blocks
def test_read_blocks_reverses_each_block_and_keeps_lock_bits(scripted) -> None:
    reader, _ = scripted(
        [(CMD(f"FF B0 23 09 {U} 00 02"), ANS("00 B0 00 02 04 00 04 03 02 01 01 08 07 06 05"))]
    )
    blocks = reader.read_blocks(UID, 0, 2, block_size=4)
    assert blocks.data == HEX("01 02 03 04 05 06 07 08")
    assert blocks.locked_blocks == (1,)


def test_read_blocks_splits_at_128_bytes(scripted) -> None:
    def answer(count: int) -> bytes:
        return ANS("00 B0 00 " + f"{count:02X} 04 " + "00 44 33 22 11 " * count)

    reader, _ = scripted(
        [
            (CMD(f"FF B0 23 09 {U} 00 20"), answer(32)),
            (CMD(f"FF B0 23 09 {U} 20 08"), answer(8)),
        ]
    )
    assert reader.read_blocks(UID, 0, 40, block_size=4).data == HEX("11 22 33 44") * 40


def test_read_answer_with_the_wrong_block_count(scripted) -> None:
    reader, _ = scripted([(CMD(f"FF B0 23 09 {U} 00 02"), ANS("00 B0 00 01 04 00 04 03 02 01"))])
    with pytest.raises(ReaderProtocolError, match="1 blocks, 2 were requested"):
        reader.read_blocks(UID, 0, 2, block_size=4)


def test_write_block_sends_the_block_reversed(scripted) -> None:
    reader, _ = scripted([(CMD(f"FF B0 24 01 {U} 03 01 04 04 03 02 01"), OK_B0)])
    reader.write_blocks(UID, 3, HEX("01 02 03 04"), block_size=4)


def test_write_error_names_the_block(scripted) -> None:
    reader, _ = scripted([(CMD(f"FF B0 24 01 {U} 03 01 04 04 03 02 01"), ANS("00 B0 03 03"))])
    with pytest.raises(WriteFailed, match="write error at block 3") as caught:
        reader.write_blocks(UID, 3, HEX("01 02 03 04"), block_size=4)
    assert caught.value.status == 0x03


def test_lock_block(scripted) -> None:
    reader, _ = scripted([(CMD(f"FF B0 22 01 {U} 05 01"), OK_B0)])
    reader.lock_blocks(UID, [5])


# ------------------------------------------------------------------------------ tag fields
def test_system_info_from_the_reference_request(scripted) -> None:
    request = HEX(f"0F FF B0 2B 01 {U} 11 A3")
    reader, _ = scripted([(request, ANS(f"00 B0 00 06 {U} 07 03 1B 01"))])
    assert reader.system_info(UID) == SystemInfo(UID, 0x06, 0x07, 4, 28, 0x01)


def test_system_info_of_the_wrong_size(scripted) -> None:
    reader, _ = scripted([(CMD(f"FF B0 2B 01 {U}"), ANS(f"00 B0 00 06 {U} 07"))])
    with pytest.raises(ReaderProtocolError, match="expected 13"):
        reader.system_info(UID)


@pytest.mark.parametrize(
    ("call", "request_hex"),
    [
        (lambda r: r.write_afi(UID, 0x07), f"10 FF B0 27 01 {U} 07 D8 DE"),
        (lambda r: r.set_eas(UID, True), f"10 FF B1 04 A2 01 {U} FC BB"),
        (lambda r: r.set_eas(UID, False), f"10 FF B1 04 A3 01 {U} DB 97"),
    ],
)
def test_reference_vectors_from_the_driver(scripted, call, request_hex: str) -> None:
    command = HEX(request_hex)[2]
    reader, port = scripted([(HEX(request_hex), ANS(f"00 {command:02X} 00"))])
    call(reader)
    assert port.written == [HEX(request_hex)]


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda r: r.lock_afi(UID), f"FF B0 28 01 {U}"),
        (lambda r: r.write_dsfid(UID, 0x06), f"FF B0 29 01 {U} 06"),
        (lambda r: r.lock_dsfid(UID), f"FF B0 2A 01 {U}"),
        (lambda r: r.lock_eas(UID), f"FF B1 04 A4 01 {U}"),
    ],
)
def test_other_tag_field_commands(scripted, call, body: str) -> None:
    reader, _ = scripted([(CMD(body), ANS(f"00 {body.split()[1]} 00"))])
    call(reader)


def test_eas_alarm_set_and_silent(scripted) -> None:
    request = CMD(f"FF B1 04 A5 01 {U}")
    reader, _ = scripted([(request, ANS("00 B1 00")), (request, ANS("00 B1 01"))])
    assert reader.eas_alarm(UID) is True
    assert reader.eas_alarm(UID) is False  # status 0x01: the tag stayed silent


# ------------------------------------------------------------------------------ statuses
@pytest.mark.parametrize(
    ("status", "kind", "text"),
    [
        (0x01, NoTag, "no transponder"),
        (0x02, ReaderTimeout, "data false"),
        (0x03, WriteFailed, "write error"),
        (0x04, ReaderProtocolError, "address error"),
        (0x05, ReaderProtocolError, "wrong transponder type"),
        (0x08, AuthenticationFailed, "authentication error"),
        (0x0E, ReaderProtocolError, "general error"),
        (0x11, ReaderProtocolError, "parameter out of range"),
        (0x80, ReaderProtocolError, "unknown command — this reader model"),
        (0x81, ReaderProtocolError, "length error"),
        (0x82, ReaderProtocolError, "Scan or Buffered-Read mode: set CFG1 to ISO Host"),
        (0x83, ReaderTimeout, "RF communication error"),
        (0x84, ReaderProtocolError, "RF warning — check the antenna"),
        (0x93, ReaderProtocolError, "data buffer overflow"),
        (0x94, ReaderProtocolError, "more data"),
        (0x96, ReaderProtocolError, "ISO 14443 transponder error"),
        (0x42, ReaderProtocolError, "undocumented status"),
    ],
)
def test_status_maps_to_the_error_tree(scripted, status: int, kind, text: str) -> None:
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), ANS(f"00 B0 {status:02X}"))])
    with pytest.raises(kind, match=text) as caught:
        reader.write_afi(UID, 0x07)
    assert type(caught.value) is kind
    assert caught.value.status == status


@pytest.mark.parametrize(("status", "text"), [(0x10, "EEPROM"), (0xF1, "firmware")])
def test_broken_reader_statuses_are_unavailable(clock: FakeClock, status: int, text: str) -> None:
    step = (CMD(f"FF B0 27 01 {U} 07"), ANS(f"00 B0 {status:02X}"))
    ports = [ScriptedPort([step], clock), ScriptedPort([step], clock)]
    transport = SerialTransport("/dev/ttyFEIG", opener=Opener(list(ports)), clock=clock)
    reader = FeigReader(transport=transport, retries=0, sleep=clock.sleep)
    with pytest.raises(ReaderUnavailable, match=text) as caught:
        reader.write_afi(UID, 0x07)
    assert caught.value.status == status
    assert ports[0].closed  # the base class re-opened once before giving up


@pytest.mark.parametrize(("code", "kind"), [(0x12, BlockLocked), (0x13, WriteFailed)])
def test_iso_error_becomes_the_tag_error(scripted, code: int, kind) -> None:
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), ANS(f"00 B0 95 {code:02X}"))])
    with pytest.raises(kind) as caught:
        reader.write_afi(UID, 0x07)
    assert caught.value.tag_error == code


def test_iso_error_without_its_code(scripted) -> None:
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), ANS("00 B0 95"))])
    with pytest.raises(ReaderProtocolError, match="without the tag's error code"):
        reader.write_afi(UID, 0x07)


# ------------------------------------------------------------------------------ reader control
def test_software_version_and_health(scripted) -> None:
    answer = ANS("00 65 00 03 10 00 71 4C 00 18")
    reader, _ = scripted([(HEX("05 FF 65 E5 CB"), answer), (HEX("05 FF 65 E5 CB"), answer)])
    version = reader.software_version()
    assert version.firmware == "03.10.00"
    assert (version.hardware_type, version.transponders) == (0x71, 0x18)
    health = reader.health()
    assert health.ok
    assert health.extra["firmware"] == "03.10.00"


def test_health_reports_a_silent_reader(scripted) -> None:
    reader, _ = scripted([(HEX("05 FF 65 E5 CB"), None)])
    health = reader.health()
    assert not health.ok
    assert "no valid answer" in health.detail


def test_rf_reset_rf_off_and_outputs(scripted) -> None:
    reader, port = scripted(
        [
            (HEX("05 FF 69 89 01"), ANS("00 69 00")),
            (CMD("FF 6A 00"), ANS("00 6A 00")),
            (CMD("FF 71 00 31 00 00 00 05"), ANS("00 71 00")),
        ]
    )
    reader.rf_reset()
    reader.rf_on_off(False)
    reader.set_outputs(green=OutputMode.ON, beeper=OutputMode.FLASH, seconds=0.5)
    assert not port.steps


def test_outputs_refuse_impossible_times(scripted) -> None:
    reader, _ = scripted([])
    with pytest.raises(ValueError, match="output time"):
        reader.set_outputs(seconds=-1)


# ------------------------------------------------------------------------------ MIFARE
CARD = "11 22 33 44"
BLOCK = [bytes([n]) * 8 + bytes(range(8)) for n in (8, 9, 10)]
CARD_INVENTORY = (CMD("FF B0 01 00"), ANS(f"00 B0 00 01 04 00 08 00 00 00 00 {CARD}"))
CARD_SELECT = (CMD(f"FF B0 25 01 00 00 00 00 {CARD}"), OK_B0)
CARD_AUTH = CMD("FF B2 B0 0A 08 00 A0 A1 A2 A3 A4 A5")


def test_read_mifare_sector(scripted) -> None:
    blocks = " ".join("00 " + block[::-1].hex() for block in BLOCK)
    reader, _ = scripted(
        [
            CARD_INVENTORY,
            CARD_SELECT,
            (CARD_AUTH, ANS("00 B2 00")),
            (CMD("FF B0 23 02 08 03"), ANS(f"00 B0 00 03 10 {blocks}")),
        ]
    )
    assert reader.read_mifare_sector(HEX(CARD), 2, HEX("A0 A1 A2 A3 A4 A5")) == BLOCK


def test_read_mifare_sector_with_the_wrong_key(scripted) -> None:
    reader, _ = scripted([CARD_INVENTORY, CARD_SELECT, (CARD_AUTH, ANS("00 B2 08"))])
    with pytest.raises(AuthenticationFailed, match="authenticate sector 2") as caught:
        reader.read_mifare_sector(HEX(CARD), 2, HEX("A0 A1 A2 A3 A4 A5"))
    assert caught.value.status == 0x08


def test_read_mifare_sector_of_an_absent_card(scripted) -> None:
    reader, _ = scripted([(CMD("FF B0 01 00"), ANS(f"00 B0 00 01 03 00 {U}"))])
    with pytest.raises(NoTag, match="not in the field"):
        reader.read_mifare_sector(HEX(CARD), 2, bytes(6))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((HEX(CARD), 40, bytes(6)), "sector must be 0–39"),
        ((HEX(CARD), 2, bytes(5)), "key must be 6 bytes"),
        ((HEX(CARD), 2, bytes(6), "C"), "key type must be 'A' or 'B'"),
        ((HEX("11 22"), 2, bytes(6)), "UID must be 4 or 7 bytes"),
    ],
)
def test_read_mifare_sector_bad_arguments(scripted, args, message: str) -> None:
    reader, _ = scripted([])
    with pytest.raises(ValueError, match=message):
        reader.read_mifare_sector(*args)


# ------------------------------------------------------------------------------ the line
def test_timeout_when_the_reader_stays_silent(scripted, clock: FakeClock) -> None:
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), None)])
    start = clock.now
    with pytest.raises(ReaderTimeout, match="no valid answer within 1 s"):
        reader.write_afi(UID, 0x07)
    assert clock.now - start >= 1.0


def test_timeouts_are_retried_by_the_base_class(scripted) -> None:
    request = CMD(f"FF B0 27 01 {U} 07")
    reader, port = scripted([(request, None), (request, None), (request, OK_B0)], retries=2)
    reader.write_afi(UID, 0x07)
    assert len(port.written) == 3


def test_reply_with_a_bad_crc_is_no_reply(scripted) -> None:
    bad = OK_B0[:-1] + bytes((OK_B0[-1] ^ 0x01,))
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), bad)])
    with pytest.raises(ReaderTimeout):
        reader.write_afi(UID, 0x07)
    assert reader._transport.discarded >= len(bad)


@pytest.mark.parametrize("garbage", ["00 13 37", "FE", "02 FF FF", "06 06 06"])
def test_resync_after_garbage_before_the_reply(scripted, garbage: str) -> None:
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), HEX(garbage) + OK_B0)])
    reader.write_afi(UID, 0x07)


def test_stale_answer_to_another_command_is_skipped(scripted) -> None:
    stale = ANS("00 65 00 03 10 00 71 4C 00 18")
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), stale + OK_B0)])
    reader.write_afi(UID, 0x07)


def test_answer_from_another_bus_address_is_skipped(scripted) -> None:
    reader, _ = scripted(
        [(CMD(f"05 B0 27 01 {U} 07"), ANS("07 B0 01") + ANS("05 B0 00"))], address=0x05
    )
    reader.write_afi(UID, 0x07)


def test_input_is_flushed_before_each_request(scripted) -> None:
    reader, port = scripted([(CMD(f"FF B0 27 01 {U} 07"), OK_B0)])
    port.inject(ANS("00 B0 01"))  # a late "no transponder" from an earlier request
    reader.write_afi(UID, 0x07)
    assert port.events == ["flush", "write"]


def test_idle_time_before_a_request_on_a_serial_line(scripted, clock: FakeClock) -> None:
    request = CMD(f"FF B0 27 01 {U} 07")
    reader, _ = scripted([(request, OK_B0)] * 3)
    reader.write_afi(UID, 0x07)
    assert clock.sleeps == []
    reader.write_afi(UID, 0x07)
    assert clock.sleeps == [pytest.approx(0.005)]
    clock.now += 1
    reader.write_afi(UID, 0x07)
    assert clock.sleeps == [pytest.approx(0.005)]


def test_no_idle_on_a_socket_unless_asked(clock: FakeClock) -> None:
    assert SerialTransport("socket://10.0.0.9:10001").idle == 0
    assert SerialTransport("/dev/ttyUSB0").idle == 0.005
    assert SerialTransport("socket://h:1", SerialSettings(idle=0.01)).idle == 0.01


def test_serial_defaults_are_38400_8E1(clock: FakeClock) -> None:
    opener = Opener([ScriptedPort([], clock), ScriptedPort([], clock)])
    SerialTransport("/dev/ttyUSB0", opener=opener).open()
    SerialTransport("socket://127.0.0.1:10001", opener=opener).open()
    (_, device), (_, socket) = opener.calls
    assert (device["baudrate"], device["bytesize"], device["parity"], device["stopbits"]) == (
        38400,
        8,
        "E",
        1,
    )
    assert device["exclusive"] is True
    assert "exclusive" not in socket


@pytest.mark.parametrize(
    "settings",
    [{"baudrate": 0}, {"parity": "X"}, {"bytesize": 9}, {"stopbits": 3}, {"gap": 0}],
)
def test_bad_serial_settings(settings) -> None:
    with pytest.raises(ValueError):
        SerialSettings(**settings)


def test_advanced_frames_both_ways(scripted) -> None:
    request = encode_request(0xFF, 0x65, b"", advanced=True)
    answer = encode_response(0x00, 0x65, 0x00, HEX("03 10 00 71 4C 00 18"), advanced=True)
    reader, port = scripted([(request, answer)], advanced=True)
    assert reader.software_version().firmware == "03.10.00"
    assert port.written[0][:5] == HEX("02 00 07 FF 65")


def test_unplugged_adapter_becomes_unavailable_and_is_reopened(clock: FakeClock) -> None:
    request = CMD(f"FF B0 27 01 {U} 07")
    first = ScriptedPort([(request, serial.SerialException("device disconnected"))], clock)
    second = ScriptedPort([(request, OK_B0)], clock)
    opener = Opener([first, second])
    transport = SerialTransport("/dev/ttyFEIG", opener=opener, clock=clock, sleep=clock.sleep)
    reader = FeigReader(transport=transport, retries=0, sleep=clock.sleep)
    reader.write_afi(UID, 0x07)
    assert first.closed
    assert len(opener.calls) == 2


def test_vanished_pty_fails_tcflush_with_termios_error(clock: FakeClock) -> None:
    port = ScriptedPort([], clock)
    port.flush_error = termios.error(5, "Input/output error")
    opener = Opener([port, serial.SerialException("no such file")])
    transport = SerialTransport("/dev/pts/99", opener=opener, clock=clock, sleep=clock.sleep)
    reader = FeigReader(transport=transport, retries=0, sleep=clock.sleep)
    with pytest.raises(ReaderUnavailable, match="cannot open FEIG reader at /dev/pts/99"):
        reader.write_afi(UID, 0x07)


def test_port_that_cannot_be_opened(clock: FakeClock) -> None:
    opener = Opener([serial.SerialException("[Errno 2] no such file")])
    reader = FeigReader(transport=SerialTransport("/dev/ttyUSB7", opener=opener))
    with pytest.raises(ReaderUnavailable, match="cannot open FEIG reader at /dev/ttyUSB7"):
        reader.open()


def test_constructor_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="exactly one of url= or transport="):
        FeigReader()
    with pytest.raises(ValueError, match="COM-ADR"):
        FeigReader("socket://h:1", address=300)
    with pytest.raises(ValueError, match="timeout"):
        FeigReader("socket://h:1", timeout=0)
    with pytest.raises(ValueError, match="reader URL is empty"):
        SerialTransport("")


def test_errors_are_reader_errors(scripted) -> None:
    reader, _ = scripted([(CMD(f"FF B0 27 01 {U} 07"), ANS("00 B0 01"))])
    with pytest.raises(ReaderError):
        reader.write_afi(UID, 0x07)
