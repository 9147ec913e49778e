"""The FEIG emulator byte for byte: FeigEmulator.handle() transcripts against a VirtualPad."""

from __future__ import annotations

import pytest
from feig_script import ANS, CMD, HEX, EmulatorTransport
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.feig.emulator import FeigEmulator
from drivers.feig.frames import FrameReader, encode_request, encode_response, parse_response
from drivers.feig.mifare import MifareClassic
from drivers.feig.reader import FeigReader
from drivers.feig.translate import OutputMode
from drivers.virtual import AirTiming, VirtualPad, VirtualTag, make_uid

U = "E0 04 01 00 12 34 56 78"
UID = HEX(U)
MEMORY = bytes(range(112))
VERSION = "03 10 00 71 4C 00 18"


def slix(uid: bytes = UID, **kwargs: object) -> VirtualTag:
    return VirtualTag("slix", uid, MEMORY, afi=0x07, dsfid=0x06, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def pad() -> VirtualPad:
    return VirtualPad([slix()])


@pytest.fixture
def emulator(pad: VirtualPad) -> FeigEmulator:
    return FeigEmulator(pad)


def talk(emulator: FeigEmulator, request: bytes) -> str | None:
    answer = emulator.handle(request)
    return None if answer is None else answer.hex(" ").upper()


def shown(frame: bytes) -> str:
    return frame.hex(" ").upper()


# ------------------------------------------------------------------------------ the vectors
@pytest.mark.parametrize(
    ("request_hex", "answer"),
    [
        ("07 FF B0 01 00 1C 56", f"00 B0 00 01 03 06 {U}"),
        ("05 FF 65 E5 CB", f"00 65 00 {VERSION}"),
        ("05 FF 69 89 01", "00 69 00"),
        (f"0F FF B0 2B 01 {U} 11 A3", f"00 B0 00 06 {U} 07 03 1B 01"),
        (f"10 FF B0 27 01 {U} 07 D8 DE", "00 B0 00"),
        (f"10 FF B1 04 A2 01 {U} FC BB", "00 B1 00"),
        (f"10 FF B1 04 A3 01 {U} DB 97", "00 B1 00"),
    ],
)
def test_reference_vectors_are_answered(emulator, request_hex: str, answer: str) -> None:
    assert talk(emulator, HEX(request_hex)) == shown(ANS(answer))


def test_read_vector_answers_blocks_reversed(emulator) -> None:
    # hardware.md's "read 8 blocks" vector: MODE 01 (no SEC), DB_ADR 0, DB-N 8.
    blocks = " ".join(f"00 {MEMORY[4 * n : 4 * n + 4][::-1].hex()}" for n in range(8))
    request = HEX(f"11 FF B0 23 01 {U} 00 08 07 D6")
    assert talk(emulator, request) == shown(ANS(f"00 B0 00 08 04 {blocks}"))


def test_read_with_security_status(emulator, pad) -> None:
    pad.tag(UID).locked_blocks.add(1)
    answer = talk(emulator, CMD(f"FF B0 23 09 {U} 00 02"))
    assert answer == shown(ANS("00 B0 00 02 04 00 03 02 01 00 01 07 06 05 04"))


# ------------------------------------------------------------------------------ silence
@pytest.mark.parametrize(
    "raw",
    [
        "07 FF B0 01 00 1C 57",  # bad CRC
        "08 FF B0 01 00 1C 56",  # LEN says 8, frame has 7
        "04 FF 65 00",  # too short
        "",
    ],
)
def test_no_answer_to_a_bad_frame(emulator, raw: str) -> None:
    assert emulator.handle(HEX(raw)) is None
    assert emulator.ignored == 1


def test_bus_addressing(pad) -> None:
    emulator = FeigEmulator(pad, address=0x05)
    assert talk(emulator, CMD("07 65")) is None  # another reader's address
    assert talk(emulator, CMD("05 65")) == shown(ANS(f"05 65 00 {VERSION}"))
    assert talk(emulator, CMD("FF 65")) == shown(ANS(f"05 65 00 {VERSION}"))  # real address


def test_unplugged_and_injected_timeouts_are_silent(emulator, pad) -> None:
    pad.inject_reader_timeouts(1)
    assert talk(emulator, CMD("FF 65")) is None
    assert talk(emulator, CMD("FF 65")) is not None
    pad.unplug()
    assert talk(emulator, CMD("FF 65")) is None


def test_advanced_request_gets_an_advanced_answer(emulator) -> None:
    answer = emulator.handle(encode_request(0xFF, 0x65, b"", advanced=True))
    assert answer == encode_response(0x00, 0x65, 0x00, HEX(VERSION), advanced=True)


# ------------------------------------------------------------------------------ inventory
def test_more_data_continuation(pad) -> None:
    uids = [make_uid("slix", n) for n in (1, 2, 3)]
    pad.clear()
    for uid in uids:
        pad.place(VirtualTag("slix", uid))
    emulator = FeigEmulator(pad, sets_per_answer=2)
    first = emulator.handle(CMD("FF B0 01 00"))
    assert first is not None and first[3] == 0x94 and first[4] == 2
    second = emulator.handle(CMD("FF B0 01 80"))
    assert second is not None and second[3] == 0x00 and second[4] == 1
    sets = first[5:-2] + second[5:-2]
    assert sorted(sets[i + 2 : i + 10] for i in range(0, 30, 10)) == sorted(uids)
    assert talk(emulator, CMD("FF B0 01 80")) == shown(ANS("00 B0 01"))  # nothing left


def test_one_answer_never_exceeds_a_standard_frame(pad) -> None:
    pad.clear()
    pad.max_tags_per_inventory = 40
    for n in range(30):
        pad.place(VirtualTag("slix", make_uid("slix", 0x100 + 7 * n)))
    emulator = FeigEmulator(pad)
    first = emulator.handle(CMD("FF B0 01 00"))
    assert first is not None and first[0] == 255 - 8 and first[3] == 0x94 and first[4] == 24
    second = emulator.handle(CMD("FF B0 01 80"))
    assert second is not None and second[3] == 0x00 and second[4] == 6


def test_inventory_by_afi_and_empty_field(emulator, pad) -> None:
    assert talk(emulator, CMD("FF B0 01 10 C2")) == shown(ANS("00 B0 01"))
    assert talk(emulator, CMD("FF B0 01 10 07")) == shown(ANS(f"00 B0 00 01 03 06 {U}"))


def test_cards_appear_with_their_own_transponder_type(emulator) -> None:
    emulator.place_card(MifareClassic(HEX("04 11 22 33 44 55 66")))
    answer = talk(emulator, CMD("FF B0 01 00"))
    assert answer == shown(ANS(f"00 B0 00 02 03 06 {U} 04 01 08 00 04 11 22 33 44 55 66"))
    assert talk(emulator, CMD("FF B0 01 10 07")) == shown(ANS(f"00 B0 00 01 03 06 {U}"))


# ------------------------------------------------------------------------------ statuses
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("FF 99", "80"),  # unknown command
        ("FF B0 77 00", "80"),  # unknown [0xB0] sub-command
        ("FF B0", "81"),  # no sub-command
        ("FF B0 01", "81"),  # inventory without MODE
        (f"FF B0 27 01 {U}", "81"),  # write AFI without the AFI
        ("FF B0 27 01 E0 04", "81"),  # UID cut short
        (f"FF B0 27 05 {U} 07", "11"),  # ADR 101 does not exist
        ("FF B0 27 02 07", "01"),  # "selected" with nothing selected
        ("FF B0 2B 01 E0 04 01 00 99 99 99 99", "01"),  # no such tag
        (f"FF B0 23 01 {U} 00 21", "11"),  # 33 blocks × 4 bytes > 128
        (f"FF B0 23 01 {U} 00 00", "11"),  # DB-N 0
        (f"FF B0 24 01 {U} 00 01 04 01 02 03", "81"),  # data shorter than DB-N × DB-SIZE
        ("FF 6A", "81"),
        ("FF 71 00", "81"),
        ("FF B2 C1", "80"),
        ("FF B2 B0 0A 08 00 00 00", "81"),
        ("FF B2 B0 01 08 00 00 00 00 00 00 00", "11"),  # authentication needs ADR = selected
    ],
)
def test_error_statuses(emulator, body: str, status: str) -> None:
    answer = emulator.handle(CMD(body))
    assert answer is not None
    assert f"{answer[3]:02X}" == status


def test_tag_errors_come_back_as_0x95(emulator, pad) -> None:
    pad.tag(UID).locked_blocks.add(3)
    write = CMD(f"FF B0 24 01 {U} 03 01 04 00 00 00 00")
    assert talk(emulator, write) == shown(ANS("00 B0 95 12"))
    assert talk(emulator, CMD(f"FF B0 23 01 {U} 1B 02")) == shown(ANS("00 B0 95 10"))


def test_collision_is_data_false(pad) -> None:
    pad.place(slix(make_uid("slix", 9)))
    emulator = FeigEmulator(pad)
    assert talk(emulator, CMD("FF B0 2B 00")) == shown(ANS("00 B0 02"))  # both tags answer


def test_write_multiple_is_split_into_single_writes_in_memory_order(emulator, pad) -> None:
    request = CMD(f"FF B0 24 01 {U} 02 02 04 04 03 02 01 08 07 06 05")
    assert talk(emulator, request) == shown(ANS("00 B0 00"))
    assert bytes(pad.tag(UID).memory[8:16]) == HEX("01 02 03 04 05 06 07 08")


def test_lock_multiple_and_security_status(emulator, pad) -> None:
    assert talk(emulator, CMD(f"FF B0 22 01 {U} 04 02")) == shown(ANS("00 B0 00"))
    assert pad.tag(UID).locked_blocks == {4, 5}
    assert talk(emulator, CMD(f"FF B0 2C 01 {U} 03 04")) == shown(ANS("00 B0 00 04 00 01 01 00"))


def test_select_then_selected_mode(emulator, pad) -> None:
    assert talk(emulator, CMD(f"FF B0 25 01 {U}")) == shown(ANS("00 B0 00"))
    assert talk(emulator, CMD("FF B0 27 02 C2")) == shown(ANS("00 B0 00"))
    assert pad.tag(UID).afi == 0xC2


def test_eas_alarm_set_and_silent(emulator, pad) -> None:
    alarm = CMD(f"FF B1 04 A5 01 {U}")
    assert talk(emulator, alarm) == shown(ANS("00 B1 01"))
    pad.tag(UID).eas = True
    assert talk(emulator, alarm) == shown(ANS("00 B1 00"))


def test_stay_quiet_then_rf_reset(emulator) -> None:
    assert talk(emulator, CMD(f"FF B0 02 01 {U}")) == shown(ANS("00 B0 00"))
    assert talk(emulator, CMD("FF B0 01 00")) == shown(ANS("00 B0 01"))  # quiet tags hide
    assert talk(emulator, CMD("FF 69")) == shown(ANS("00 69 00"))
    assert talk(emulator, CMD("FF B0 01 00")) == shown(ANS(f"00 B0 00 01 03 06 {U}"))


def test_rf_off_empties_the_field(emulator) -> None:
    assert talk(emulator, CMD("FF 6A 00")) == shown(ANS("00 6A 00"))
    assert talk(emulator, CMD("FF B0 01 00")) == shown(ANS("00 B0 01"))
    assert talk(emulator, CMD(f"FF B0 2B 01 {U}")) == shown(ANS("00 B0 01"))
    talk(emulator, CMD("FF 6A 01"))
    assert talk(emulator, CMD("FF B0 01 00")) == shown(ANS(f"00 B0 00 01 03 06 {U}"))


def test_outputs_are_recorded(emulator) -> None:
    assert talk(emulator, CMD("FF 71 00 31 00 00 00 05")) == shown(ANS("00 71 00"))
    assert emulator.outputs["green"] is OutputMode.ON
    assert emulator.outputs["beeper"] is OutputMode.FLASH
    assert emulator.outputs["red"] is OutputMode.OFF
    assert emulator.output_seconds == 0.5


# ------------------------------------------------------------------------------ MIFARE
CARD = HEX("11 22 33 44")
KEY_A = HEX("A0 A1 A2 A3 A4 A5")
SECTOR2 = {8: b"8" * 16, 9: b"9" * 16, 10: b"X" * 16}


@pytest.fixture
def card_emulator(pad) -> FeigEmulator:
    card = MifareClassic(CARD, blocks=SECTOR2, keys={2: (KEY_A, HEX("B0 B1 B2 B3 B4 B5"))})
    return FeigEmulator(pad, cards=[card], mifare_keys={3: KEY_A})


def test_mifare_select_authenticate_read(card_emulator) -> None:
    em = card_emulator
    assert talk(em, CMD("FF B0 25 01 00 00 00 00 11 22 33 44")) == shown(ANS("00 B0 00"))
    assert talk(em, CMD("FF B0 23 02 08 03")) == shown(ANS("00 B0 08"))  # not authenticated
    auth = CMD("FF B2 B0 0A 08 00 " + KEY_A.hex())
    assert talk(em, auth) == shown(ANS("00 B2 00"))
    blocks = " ".join("00 " + SECTOR2[n][::-1].hex() for n in (8, 9, 10))
    assert talk(em, CMD("FF B0 23 02 08 03")) == shown(ANS(f"00 B0 00 03 10 {blocks}"))
    assert talk(em, CMD("FF B0 23 02 0C 01")) == shown(ANS("00 B0 08"))  # sector 3: other key
    trailer = em.handle(CMD("FF B0 23 02 0B 01"))  # key A never reads back
    assert trailer is not None
    assert trailer[7:-2][::-1] == bytes(6) + HEX("FF 07 80 69 B0 B1 B2 B3 B4 B5")


def test_mifare_wrong_key_and_reader_keys(card_emulator) -> None:
    em = card_emulator
    talk(em, CMD("FF B0 25 01 00 00 00 00 11 22 33 44"))
    assert talk(em, CMD("FF B2 B0 0A 08 00 FF FF FF FF FF FF")) == shown(ANS("00 B2 08"))
    assert talk(em, CMD("FF B2 B0 0A 08 01 B0 B1 B2 B3 B4 B5")) == shown(ANS("00 B2 00"))
    assert talk(em, CMD("FF B2 B0 02 08 00 03")) == shown(ANS("00 B2 00"))  # key from EEPROM
    assert talk(em, CMD("FF B2 B0 02 08 00 04")) == shown(ANS("00 B2 11"))  # no such key
    assert talk(em, CMD("FF B0 27 02 07")) == shown(ANS("00 B0 05"))  # not an ISO 15693 tag


def test_mifare_authentication_without_a_card(emulator) -> None:
    assert talk(emulator, CMD("FF B2 B0 0A 08 00 " + KEY_A.hex())) == shown(ANS("00 B2 01"))


# ------------------------------------------------------------------------------ timing
def test_air_time_is_spent_per_request(pad) -> None:
    slept: list[float] = []
    pad.timing = AirTiming(realtime=True, sleep=slept.append)
    emulator = FeigEmulator(pad)
    emulator.handle(CMD(f"FF B0 23 09 {U} 00 1C"))
    assert len(slept) == 1
    assert slept[0] == pytest.approx(pad.timing.air_time_s)
    assert slept[0] > 0.04  # 28 blocks with security bytes take > 40 ms on the air


# ------------------------------------------------------------------------------ with the driver
@settings(max_examples=40, deadline=None)
@given(
    memory=st.binary(min_size=112, max_size=112),
    first=st.integers(0, 27),
    count=st.integers(1, 28),
    locked=st.sets(st.integers(0, 27), max_size=5),
)
def test_driver_reads_tag_memory_through_the_emulator(memory, first, count, locked) -> None:
    count = min(count, 28 - first)
    pad = VirtualPad([VirtualTag("slix", UID, memory, locked_blocks=locked)])
    reader = FeigReader(transport=EmulatorTransport(FeigEmulator(pad).handle))
    blocks = reader.read_blocks(UID, first, count, block_size=4)
    assert blocks.data == memory[4 * first : 4 * (first + count)]
    assert set(blocks.locked_blocks) == {b for b in locked if first <= b < first + count}


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=8, max_size=8), block=st.integers(0, 26))
def test_driver_writes_land_in_memory_order(data, block) -> None:
    pad = VirtualPad([VirtualTag("slix", UID)])
    reader = FeigReader(transport=EmulatorTransport(FeigEmulator(pad).handle))
    reader.write_blocks(UID, block, data, block_size=4)
    assert bytes(pad.tag(UID).memory[4 * block : 4 * block + 8]) == data


@settings(max_examples=25, deadline=None)
@given(count=st.integers(0, 40), per_answer=st.integers(1, 30))
def test_driver_merges_any_number_of_continuations(count, per_answer) -> None:
    uids = {make_uid("slix", 0x2000 + 11 * n) for n in range(count)}
    pad = VirtualPad([VirtualTag("slix", uid) for uid in uids], max_tags_per_inventory=64)
    emulator = FeigEmulator(pad, sets_per_answer=per_answer)
    reader = FeigReader(transport=EmulatorTransport(emulator.handle))
    assert {t.uid for t in reader.inventory()} == uids


# ------------------------------------------------------------------------------ robustness
_COMMANDS = st.sampled_from([0x65, 0x69, 0x6A, 0x71, 0xB0, 0xB1, 0xB2, 0x63, 0x00])
_SUBS = st.sampled_from([0x01, 0x02, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2B, 0x2C, 0xA5, 0xB0])
_MODES = st.sampled_from([0x00, 0x01, 0x02, 0x08, 0x09, 0x0A, 0x10, 0x80, 0x90, 0xFF])


@settings(max_examples=300, deadline=None)
@given(
    head=st.tuples(_COMMANDS, _SUBS, _MODES),
    uid=st.sampled_from([UID, HEX("00 00 00 00 11 22 33 44"), b""]),
    tail=st.binary(max_size=40),
    advanced=st.booleans(),
)
def test_any_well_framed_request_gets_a_well_framed_answer(head, uid, tail, advanced) -> None:
    command, sub, mode = head
    pad = VirtualPad([slix(), slix(make_uid("slix", 5))])
    emulator = FeigEmulator(pad, cards=[MifareClassic(HEX("11 22 33 44"))])
    data = bytes((sub, mode)) + uid + tail
    answer = emulator.handle(encode_request(0xFF, command, data, advanced=advanced))
    assert answer is not None
    assert FrameReader(responses=True).feed(answer) == [answer]
    response = parse_response(answer)
    assert (response.address, response.command, response.advanced) == (0x00, command, advanced)
