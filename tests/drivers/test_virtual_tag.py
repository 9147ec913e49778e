"""A simulated tag answering ISO 15693 air frames: byte transcripts per command, chip and error.

Transcripts are written without CRC (request body → response body); :func:`talk` appends the
request CRC and checks and strips the response CRC, whose routine is pinned by test_iso15693.py.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.iso15693 import crc16, inventory_request, with_crc
from drivers.virtual import (
    CHIPS,
    EAS_SEQUENCE,
    TagState,
    VirtualTag,
    WriteKind,
    afi_matches,
    inventory_frame,
    make_uid,
)
from drivers.virtual.faults import DropRule

UID = bytes.fromhex("E004010012345678")
A = "78 56 34 12 00 01 04 E0"  # UID in air order
B = "DD CC BB AA 00 01 04 E0"  # another UID (E0040100AABBCCDD) in air order
FUJI_UID = bytes.fromhex("E008010000000001")
F = "01 00 00 00 00 01 08 E0"
EAS_HEX = EAS_SEQUENCE.hex(" ").upper()


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def talk(tag: VirtualTag, request: str) -> str | None:
    answer = tag.handle(with_crc(h(request)))
    if answer is None:
        return None
    assert crc16(answer) == 0x0F47, "response CRC must be valid"
    return answer[:-2].hex(" ").upper()


def run(tag: VirtualTag, transcript: list[tuple[str, str | None]]) -> None:
    for number, (request, expected) in enumerate(transcript):
        assert talk(tag, request) == expected, f"step {number}: {request}"


@pytest.fixture
def slix() -> VirtualTag:
    return VirtualTag("slix", UID, bytes(range(112)), afi=0x07, dsfid=0x06)


@pytest.fixture
def slix2() -> VirtualTag:
    return VirtualTag("slix2", UID, afi=0xC2, dsfid=0x06)


@pytest.fixture
def fuji() -> VirtualTag:
    return VirtualTag("mb89r118", FUJI_UID, bytes(range(250)) * 8)


# --------------------------------------------------------------------------- chips
def test_chip_table() -> None:
    geometry = {n: (c.block_size, c.block_count, c.manufacturer, c.eas) for n, c in CHIPS.items()}
    assert geometry == {
        "slix": (4, 28, 0x04, True),
        "slix2": (4, 79, 0x04, True),
        "mb89r118": (8, 250, 0x08, False),
    }
    assert CHIPS["slix"].memory_size == 112
    assert CHIPS["mb89r118"].memory_size == 2000


def test_make_uid() -> None:
    assert make_uid("slix", 0x12345678) == h("E0 04 01 00 12 34 56 78")
    assert make_uid("mb89r118", 1) == FUJI_UID
    with pytest.raises(ValueError, match="32 bits"):
        make_uid("slix", 1 << 32)


# --------------------------------------------------------------------------- reads
def test_read_single_and_multiple(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 20 {A} 00", "00 00 01 02 03"),
            (f"62 20 {A} 01", "00 00 04 05 06 07"),  # option flag: security status first
            (f"22 20 {A} 1B", "00 6C 6D 6E 6F"),  # last block
            (f"22 23 {A} 00 01", "00 00 01 02 03 04 05 06 07"),
            (f"62 23 {A} 1A 01", "00 00 68 69 6A 6B 00 6C 6D 6E 6F"),
            (f"22 23 {A} 00 00", "00 00 01 02 03"),  # count − 1 = 0: one block
        ],
    )


def test_read_errors(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 20 {A} 1C", "01 10"),  # block 28 does not exist
            (f"22 23 {A} 1B 01", "01 10"),  # 27 + 2 blocks runs past the end
            (f"22 23 {A} FF 00", "01 10"),
            (f"22 20 {A}", "01 02"),  # block number missing
            (f"22 20 {A} 00 00", "01 02"),
            (f"22 23 {A} 00", "01 02"),
        ],
    )


def test_whole_memory_in_one_read(slix2: VirtualTag) -> None:
    answer = talk(slix2, f"22 23 {A} 00 4E")
    assert answer is not None
    assert len(h(answer)) == 1 + 79 * 4


# --------------------------------------------------------------------------- writes and locks
def test_write_single_then_read_back(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 21 {A} 02 AA BB CC DD", "00"),
            (f"22 20 {A} 02", "00 AA BB CC DD"),
        ],
    )
    assert slix.block(2) == h("AA BB CC DD")


def test_write_errors(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 21 {A} 02 AA BB", "01 02"),  # short block
            (f"22 21 {A} 02 AA BB CC DD EE", "01 02"),
            (f"22 21 {A} 1C AA BB CC DD", "01 10"),
        ],
    )
    assert slix.memory == bytearray(range(112))


def test_lock_block(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 22 {A} 02", "00"),
            (f"22 22 {A} 02", "01 11"),  # already locked
            (f"22 21 {A} 02 AA BB CC DD", "01 12"),  # locked: cannot change
            (f"62 20 {A} 02", "00 01 08 09 0A 0B"),
            (f"62 23 {A} 01 01", "00 00 04 05 06 07 01 08 09 0A 0B"),
            (f"22 2C {A} 00 03", "00 00 00 01 00"),  # block security status
            (f"22 2C {A} 1B 01", "01 10"),
            (f"22 22 {A} 1C", "01 10"),
            (f"22 22 {A}", "01 02"),
        ],
    )
    assert slix.locked_blocks == {2}


def test_write_multiple_is_not_native_on_slix(slix: VirtualTag) -> None:
    run(slix, [(f"22 24 {A} 00 00 11 22 33 44", "01 01")])


def test_afi(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 27 {A} C2", "00"),
            (f"22 2B {A}", f"00 0F {A} 06 C2 1B 03 01"),
            (f"22 28 {A}", "00"),
            (f"22 28 {A}", "01 11"),
            (f"22 27 {A} 07", "01 12"),
            (f"22 27 {A}", "01 02"),
        ],
    )
    assert (slix.afi, slix.locked_afi) == (0xC2, True)


def test_dsfid(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 29 {A} 00", "00"),
            (f"22 2B {A}", f"00 0F {A} 00 07 1B 03 01"),
            (f"22 2A {A}", "00"),
            (f"22 2A {A}", "01 11"),
            (f"22 29 {A} 06", "01 12"),
        ],
    )
    assert (slix.dsfid, slix.locked_dsfid) == (0x00, True)


def test_system_info_per_chip(slix2: VirtualTag, fuji: VirtualTag) -> None:
    assert talk(slix2, f"22 2B {A}") == f"00 0F {A} 06 C2 4E 03 02"
    assert talk(fuji, f"22 2B {F}") == f"00 0F {F} 00 00 F9 07 00"
    assert talk(slix2, f"22 2B {A} 00") == "01 02"


# --------------------------------------------------------------------------- NXP EAS
def test_eas_set_alarm_reset(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 A5 04 {A}", None),  # EAS not set: silent
            (f"22 A2 04 {A}", "00"),
            (f"22 A5 04 {A}", f"00 {EAS_HEX}"),
            ("02 A5 04", f"00 {EAS_HEX}"),  # non-addressed too
            (f"22 A3 04 {A}", "00"),
            (f"22 A5 04 {A}", None),
        ],
    )
    assert len(EAS_SEQUENCE) == 32


def test_eas_lock(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 A2 04 {A}", "00"),
            (f"22 A4 04 {A}", "00"),
            (f"22 A4 04 {A}", "01 11"),
            (f"22 A3 04 {A}", "01 12"),
            (f"22 A2 04 {A}", "01 12"),
            (f"22 A5 04 {A}", f"00 {EAS_HEX}"),
        ],
    )
    assert (slix.eas, slix.locked_eas) == (True, True)


def test_nxp_system_info_only_on_slix2(slix: VirtualTag, slix2: VirtualTag) -> None:
    assert talk(slix, f"22 AB 04 {A}") == "01 01"
    assert talk(slix2, f"22 AB 04 {A}") == "00 00 00 00 00 00 00 00"
    run(slix2, [(f"22 28 {A}", "00"), (f"22 A4 04 {A}", "00"), (f"22 2A {A}", "00")])
    assert talk(slix2, f"22 AB 04 {A}") == "00 00 00 07 00 00 00 00"


def test_custom_command_of_another_manufacturer_is_ignored(slix: VirtualTag) -> None:
    run(slix, [(f"22 A2 07 {A}", None), ("02 A2", None)])
    assert not slix.eas


def test_non_nxp_chip_ignores_nxp_commands(fuji: VirtualTag) -> None:
    run(
        fuji,
        [
            (f"22 A2 04 {F}", None),
            (f"22 A5 04 {F}", None),
            (f"22 AB 04 {F}", None),
            (f"22 A2 08 {F}", "01 01"),  # its own manufacturer code, not implemented
        ],
    )


def test_unknown_commands(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 2D {A}", "01 01"),
            (f"22 03 {A}", "01 01"),
            (f"22 A0 04 {A}", "01 01"),  # NXP inventory read: not modelled
            (f"22 E0 {A}", None),  # proprietary range: silent
        ],
    )


# --------------------------------------------------------------------------- 8-byte blocks
def test_eight_byte_blocks(fuji: VirtualTag) -> None:
    block0 = " ".join(["00"] * 1 + [f"{b:02X}" for b in range(1, 8)])
    run(
        fuji,
        [
            (f"22 20 {F} 00", f"00 {block0}"),
            (f"22 21 {F} 00 11 22 33 44 55 66 77 88", "00"),
            (f"22 20 {F} 00", "00 11 22 33 44 55 66 77 88"),
            (f"22 21 {F} 00 11 22 33 44", "01 02"),
            (f"22 20 {F} F9", "00 " + " ".join(f"{(249 * 8 + i) % 250:02X}" for i in range(8))),
            (f"22 20 {F} FA", "01 10"),
        ],
    )


def test_write_multiple_on_fram(fuji: VirtualTag) -> None:
    data = " ".join(f"{b:02X}" for b in range(0xA0, 0xB0))
    run(
        fuji,
        [
            (f"22 24 {F} 04 01 {data}", "00"),
            (f"22 23 {F} 04 01", f"00 {data}"),
            (f"22 24 {F} 04 02 {data} {data[:23]}", "01 0F"),  # 3 blocks: more than the chip takes
            (f"22 24 {F} 04 01 {data[:23]}", "01 02"),  # data shorter than 2 blocks
            (f"22 24 {F} F9 01 {data}", "01 10"),
            (f"22 22 {F} 05", "00"),
            (f"22 24 {F} 04 01 {data}", "01 12"),
        ],
    )


# --------------------------------------------------------------------------- addressing and state
def test_frames_for_someone_else_or_broken_are_ignored(slix: VirtualTag) -> None:
    run(
        slix,
        [
            (f"22 20 {B} 00", None),
            (f"22 20 {A[:11]}", None),  # too short to carry a UID
            (f"32 2B {A}", None),  # address and select flags together
        ],
    )
    good = with_crc(h(f"22 20 {A} 00"))
    assert slix.handle(good[:-1] + bytes((good[-1] ^ 0x01,))) is None  # bad CRC: silence
    assert slix.handle(b"\x22") is None


def test_non_addressed_commands(slix: VirtualTag) -> None:
    run(slix, [("02 20 00", "00 00 01 02 03"), ("02 2B", f"00 0F {A} 06 07 1B 03 01")])


def test_stay_quiet_and_reset_to_ready(slix: VirtualTag) -> None:
    run(
        slix,
        [
            ("02 02", None),  # stay quiet must be addressed
            ("02 2B", f"00 0F {A} 06 07 1B 03 01"),
            (f"22 02 {A}", None),  # stay quiet never answers
            ("02 2B", None),  # quiet: non-addressed requests are ignored
            ("26 01 00", None),  # ... and so are inventories
            (f"22 20 {A} 00", "00 00 01 02 03"),  # addressed ones still work
            (f"22 26 {A}", "00"),
            ("02 2B", f"00 0F {A} 06 07 1B 03 01"),
        ],
    )
    assert slix.state is TagState.READY


def test_select_and_deselect(slix: VirtualTag) -> None:
    run(
        slix,
        [
            ("12 20 00", None),  # select flag: only a selected tag answers
            ("02 25", None),  # select must be addressed
            (f"22 25 {A}", "00"),
            ("12 20 00", "00 00 01 02 03"),
            (f"22 25 {B}", None),  # another tag is selected: this one returns to ready
            ("12 20 00", None),
            (f"22 25 {A}", "00"),
            ("12 26", "00"),
        ],
    )
    assert slix.state is TagState.READY


def test_quiet_tag_can_be_selected(slix: VirtualTag) -> None:
    run(slix, [(f"22 02 {A}", None), (f"22 25 {A}", "00"), ("12 2B", f"00 0F {A} 06 07 1B 03 01")])
    assert slix.state is TagState.SELECTED


# --------------------------------------------------------------------------- inventory frames
def test_inventory_answers(slix: VirtualTag) -> None:
    run(
        slix,
        [
            ("26 01 00", f"00 06 {A}"),
            ("06 01 00", f"00 06 {A}"),  # 16 slots: the pad places the answer in its slot
            ("36 01 07 00", f"00 06 {A}"),  # AFI 0x07 matches
            ("36 01 C2 00", None),
            ("36 01 00 00", f"00 06 {A}"),  # AFI 0 in the request: every tag
            ("26 01 04 08", f"00 06 {A}"),  # mask: UID ends in nibble 8
            ("26 01 04 07", None),
            ("26 01 08 78", f"00 06 {A}"),
            ("26 01 08", None),  # mask byte missing
            ("26 01 41 00 00 00 00 00 00 00 00 00", None),  # mask longer than a UID
            ("26 20 00", None),  # inventory flag with another command
            ("36 01", None),
        ],
    )


def test_inventory_frame_builder() -> None:
    assert inventory_frame() == inventory_request()
    assert inventory_frame(0x07) == inventory_request(0x07)
    assert inventory_frame(one_slot=True) == h("26 01 00 F6 0A")
    assert inventory_frame(mask_len=4, mask_value=0x8) == with_crc(h("06 01 04 08"))
    assert inventory_frame(mask_len=12, mask_value=0x678) == with_crc(h("06 01 0C 78 06"))
    with pytest.raises(ValueError, match="mask length must be 0–60 bits, got 64"):
        inventory_frame(mask_len=64)
    with pytest.raises(ValueError, match="AFI must be 0–255"):
        inventory_frame(256)


@pytest.mark.parametrize(
    ("requested", "tag_afi", "matches"),
    [
        (0x00, 0x00, True),
        (0x00, 0xC2, True),
        (0x07, 0x07, True),
        (0x07, 0xD7, True),  # 0Y: subfamily Y of every family
        (0x07, 0xC2, False),
        (0xC0, 0xC2, True),  # X0: every subfamily of family X
        (0xC0, 0xD2, False),
        (0xC2, 0xC2, True),
        (0xC2, 0xC3, False),
        (0x07, 0x00, False),
    ],
)
def test_afi_matching(requested: int, tag_afi: int, matches: bool) -> None:
    assert afi_matches(requested, tag_afi) is matches


# --------------------------------------------------------------------------- faults at the tag
def test_failing_writes(slix: VirtualTag) -> None:
    slix.faults.fail_writes = 2
    run(
        slix,
        [
            (f"22 21 {A} 00 AA BB CC DD", "01 13"),
            (f"22 27 {A} C2", "01 13"),
            (f"22 27 {A} C2", "00"),
        ],
    )
    assert slix.block(0) == h("00 01 02 03")
    assert slix.afi == 0xC2


@pytest.mark.parametrize(
    ("kind", "request_", "field", "before"),
    [
        (WriteKind.AFI, f"22 27 {A} C2", "afi", 0x07),
        (WriteKind.DSFID, f"22 29 {A} 00", "dsfid", 0x06),
        (WriteKind.EAS, f"22 A2 04 {A}", "eas", False),
    ],
)
def test_writes_that_do_not_stick(
    slix: VirtualTag, kind: WriteKind, request_: str, field: str, before: object
) -> None:
    slix.faults.lose_writes[kind] = 1
    assert talk(slix, request_) == "00"
    assert getattr(slix, field) == before
    assert talk(slix, request_) == "00"
    assert getattr(slix, field) != before


def test_block_write_that_does_not_stick(slix: VirtualTag) -> None:
    slix.faults.lose_writes[WriteKind.BLOCK] = 1
    run(slix, [(f"22 21 {A} 00 AA BB CC DD", "00"), (f"22 20 {A} 00", "00 00 01 02 03")])


def test_dropped_answers_still_take_effect(slix: VirtualTag) -> None:
    slix.faults.drop = DropRule(every=2)
    run(
        slix,
        [
            (f"22 27 {A} C2", "00"),
            (f"22 27 {A} 09", None),  # answer lost ...
            (f"22 2B {A}", f"00 0F {A} 06 09 1B 03 01"),  # ... but the write happened
            (f"22 20 {A} 00", None),
        ],
    )


def test_random_drops_replay_from_a_seed(slix: VirtualTag) -> None:
    def pattern(seed: int) -> list[bool]:
        slix.faults.drop = DropRule(probability=0.5, rng=random.Random(seed))
        return [talk(slix, f"22 20 {A} 00") is None for _ in range(40)]

    first = pattern(7)
    assert first == pattern(7)
    assert 5 < sum(first) < 35


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"every": -1}, "drop every must be ≥ 0"),
        ({"probability": 1.5}, "drop probability must be in"),
        ({"probability": 0.5}, "needs an injected random.Random"),
    ],
)
def test_drop_rule_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DropRule(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- construction
@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("slix", UID[:7]), {}, "UID must be 8 bytes"),
        (("slix", UID, bytes(111)), {}, "memory of chip slix must be 112 bytes, got 111"),
        (("slix", UID), {"afi": 256}, "AFI must be an integer 0–255, got 256"),
        (("slix", UID), {"dsfid": -1}, "DSFID must be an integer 0–255"),
        (("mb89r118", FUJI_UID), {"eas": True}, "chip mb89r118 has no EAS bit"),
        (("slix", UID), {"locked_blocks": [28]}, "locked block 28 is outside 0–27"),
        (("slx", UID), {}, "unknown chip 'slx': expected one of mb89r118, slix, slix2"),
    ],
)
def test_constructor_rejects(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        VirtualTag(*args, **kwargs)  # type: ignore[arg-type]


def test_repr_names_the_tag(slix: VirtualTag) -> None:
    assert repr(slix) == (
        "VirtualTag('slix', E004010012345678, afi=0x07, dsfid=0x06, eas=False, state=ready)"
    )


# --------------------------------------------------------------------------- fuzz
@given(st.binary(min_size=1, max_size=40), st.sampled_from(sorted(CHIPS)))
@settings(max_examples=300)
def test_any_frame_gets_silence_or_a_well_formed_answer(body: bytes, chip: str) -> None:
    tag = VirtualTag(chip, make_uid(chip, 0x12345678))
    for frame in (with_crc(body), body):  # with a correct CRC, and (mostly) without
        answer = tag.handle(frame)
        if answer is not None:
            assert crc16(answer) == 0x0F47
            assert answer[0] in (0x00, 0x01)
            if answer[0] == 0x01:
                assert len(answer) == 4  # flags, error code, CRC


@given(st.integers(0, 0xFF), st.binary(min_size=1, max_size=12))
def test_addressed_frames_for_another_uid_are_always_ignored(code: int, params: bytes) -> None:
    tag = VirtualTag("slix", UID)
    other = h(B)
    assert tag.handle(with_crc(bytes((0x22, code)) + other + params)) is None
    assert tag.handle(with_crc(bytes((0x22, code, 0x04)) + other + params)) is None
