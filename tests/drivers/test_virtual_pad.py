"""The virtual pad: the field, anticollision, AFI filtering, collisions, faults, thread safety."""

from __future__ import annotations

import random
import threading

import pytest

from drivers.errors import ReaderTimeout, ReaderUnavailable
from drivers.iso15693 import Cmd, Command, build_request, parse_response, with_crc
from drivers.virtual import (
    AirTiming,
    TagState,
    VirtualPad,
    VirtualTag,
    WriteKind,
    inventory_frame,
    make_uid,
)
from drivers.virtual.timing import exchange_s, inventory_round_s

UID = bytes.fromhex("E004010012345678")
UID2 = bytes.fromhex("E0040100AABBCCDD")


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def tag(uid: bytes = UID, **kwargs: object) -> VirtualTag:
    return VirtualTag("slix", uid, **kwargs)  # type: ignore[arg-type]


def read0(uid: bytes = UID) -> bytes:
    return build_request(Command(Cmd.READ_SINGLE, uid, b"\x00"))


# --------------------------------------------------------------------------- the field
def test_place_remove_and_look_up() -> None:
    pad = VirtualPad()
    first, second = tag(), tag(UID2)
    pad.place(first)
    pad.place(second)
    assert pad.tags() == [first, second]
    assert pad.tag(UID) is first
    assert UID in pad and len(pad) == 2
    assert pad.remove(UID) is first
    assert pad.remove(UID) is None
    assert pad.tag(UID) is None and UID not in pad
    pad.clear()
    assert pad.tags() == [] and len(pad) == 0


def test_placing_a_uid_twice_is_refused() -> None:
    pad = VirtualPad([tag()])
    with pytest.raises(ValueError, match="tag E004010012345678 is already on the pad"):
        pad.place(tag())


def test_leaving_the_field_resets_the_state() -> None:
    quiet = tag()
    pad = VirtualPad([quiet])
    pad.request(build_request(Command(Cmd.STAY_QUIET, UID)))
    assert quiet.state is TagState.QUIET
    assert pad.inventory() == []
    pad.remove(UID)
    pad.place(quiet)
    assert pad.inventory() == [(UID, 0)]


# --------------------------------------------------------------------------- inventory
def test_inventory_of_an_empty_field() -> None:
    result = VirtualPad().inventory_result()
    assert result.tags == ()
    assert (result.rounds, result.empty_slots, result.single_slots, result.collided_slots) == (
        1,
        16,
        0,
        0,
    )
    assert not result.truncated


def test_inventory_without_collisions_takes_one_round() -> None:
    uids = [make_uid("slix", n) for n in (0x01, 0x02, 0x0F)]
    pad = VirtualPad([VirtualTag("slix", u, dsfid=6) for u in uids])
    result = pad.inventory_result()
    assert sorted(result.tags) == sorted((u, 6) for u in uids)
    assert (result.rounds, result.empty_slots, result.single_slots, result.collided_slots) == (
        1,
        13,
        3,
        0,
    )


def test_collisions_are_resolved_with_longer_masks() -> None:
    uids = [make_uid("slix", n) for n in (0x01, 0x11, 0x02)]
    pad = VirtualPad([tag(u) for u in uids])
    result = pad.inventory_result()
    # round 1: slot 1 collides (…01, …11), slot 2 single; round 2 (mask 4 bits = 1): two singles
    assert {u for u, _ in result.tags} == set(uids)
    assert (result.rounds, result.empty_slots, result.single_slots, result.collided_slots) == (
        2,
        28,
        3,
        1,
    )


def test_uids_that_differ_only_high_up_take_many_rounds() -> None:
    a, b = h("E004010000000001"), h("E004020000000001")  # differ in UID bits 40–43
    result = VirtualPad([tag(a), tag(b)]).inventory_result()
    assert {u for u, _ in result.tags} == {a, b}
    assert (result.rounds, result.collided_slots, result.single_slots) == (11, 10, 2)


def test_twenty_tags_and_the_inventory_limit() -> None:
    uids = [make_uid("slix", 0x1000 + 7 * n) for n in range(20)]
    pad = VirtualPad([tag(u) for u in uids])
    truncated = pad.inventory_result()
    assert len(truncated.tags) == 16 and truncated.truncated
    assert {u for u, _ in truncated.tags} <= set(uids)
    pad.max_tags_per_inventory = 32
    full = pad.inventory_result()
    assert {u for u, _ in full.tags} == set(uids) and not full.truncated
    assert pad.inventory() == list(full.tags)


def test_inventory_with_afi() -> None:
    secured, on_loan, other = (make_uid("slix", n) for n in (1, 2, 3))
    pad = VirtualPad([tag(secured, afi=0x07), tag(on_loan, afi=0xC2), tag(other, afi=0xD7)])
    assert {u for u, _ in pad.inventory(0x07)} == {secured, other}  # 0Y: every family
    assert {u for u, _ in pad.inventory(0xC2)} == {on_loan}
    assert {u for u, _ in pad.inventory(0xC0)} == {on_loan}
    assert len(pad.inventory(0x00)) == 3
    assert len(pad.inventory()) == 3


def test_quiet_and_dropping_tags_are_missing_from_inventory() -> None:
    pad = VirtualPad([tag(), tag(UID2)])
    pad.drop_answers(UID2, every=1)
    assert pad.inventory() == [(UID, 0)]
    pad.drop_answers(UID2)  # stop dropping
    pad.request(build_request(Command(Cmd.STAY_QUIET, UID)))
    assert pad.inventory() == [(UID2, 0)]


# --------------------------------------------------------------------------- requests
def test_addressed_request_reaches_only_its_tag() -> None:
    pad = VirtualPad([tag(memory=b"\x11" * 112), tag(UID2)])
    assert pad.request(read0(UID)) == with_crc(h("00 11 11 11 11"))
    assert pad.request(read0(UID2)) == with_crc(h("00 00 00 00 00"))
    assert pad.request(read0(make_uid("slix", 9))) is None
    assert pad.collisions == 0
    assert pad.commands == 3


def test_non_addressed_request_with_two_tags_collides() -> None:
    pad = VirtualPad([tag(), tag(UID2)])
    exchange = pad.exchange(build_request(Command(Cmd.GET_SYSTEM_INFO)))
    assert exchange.answer is None and exchange.collision
    assert pad.collisions == 1
    pad.remove(UID2)
    assert pad.request(build_request(Command(Cmd.GET_SYSTEM_INFO))) is not None


def test_one_slot_inventory_through_request() -> None:
    pad = VirtualPad([tag(dsfid=6)])
    assert pad.request(inventory_frame(one_slot=True)) == with_crc(
        h("00 06 78 56 34 12 00 01 04 E0")
    )


def test_selecting_one_tag_deselects_the_other() -> None:
    pad = VirtualPad([tag(), tag(UID2)])
    selected_read = with_crc(h("12 20 00"))
    pad.request(build_request(Command(Cmd.SELECT, UID)))
    assert pad.request(selected_read) is not None
    pad.request(build_request(Command(Cmd.SELECT, UID2)))
    assert pad.tag(UID).state is TagState.READY  # type: ignore[union-attr]
    assert pad.tag(UID2).state is TagState.SELECTED  # type: ignore[union-attr]
    assert pad.request(selected_read) is not None  # exactly one answer: no collision


# --------------------------------------------------------------------------- faults
def test_fail_writes_through_the_pad() -> None:
    pad = VirtualPad([tag()])
    pad.fail_writes(UID, 1)
    write = build_request(Command(Cmd.WRITE_AFI, UID, b"\x07"))
    assert parse_response(pad.request(write) or b"").error == 0x13
    assert parse_response(pad.request(write) or b"").ok
    assert pad.tag(UID).afi == 0x07  # type: ignore[union-attr]


def test_lose_writes_accepts_kind_names() -> None:
    pad = VirtualPad([tag()])
    pad.lose_writes(UID, "eas")
    pad.lose_writes(UID, WriteKind.AFI, 2)
    assert parse_response(pad.request(build_request(Command(Cmd.NXP_SET_EAS, UID))) or b"").ok
    assert not pad.tag(UID).eas  # type: ignore[union-attr]
    for _ in range(2):
        pad.request(build_request(Command(Cmd.WRITE_AFI, UID, b"\x07")))
    assert pad.tag(UID).afi == 0  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="'colour' is not a valid WriteKind"):
        pad.lose_writes(UID, "colour")


def test_remove_after_counts_this_tags_commands_only() -> None:
    pad = VirtualPad([tag(), tag(UID2)])
    pad.remove_after(UID, commands=2)
    assert pad.request(read0(UID2)) is not None  # another tag's command does not count
    assert pad.request(read0(UID)) is not None
    assert pad.request(build_request(Command(Cmd.WRITE_AFI, UID, b"\x07"))) is not None
    assert UID not in pad  # left right after answering the write
    assert pad.request(read0(UID)) is None
    assert pad.tag(UID2) is not None


def test_remove_after_zero_commands_removes_at_once() -> None:
    pad = VirtualPad([tag()])
    pad.remove_after(UID, 0)
    assert UID not in pad


def test_faults_for_a_tag_not_on_the_pad() -> None:
    pad = VirtualPad()
    with pytest.raises(KeyError, match="tag E004010012345678 is not on the pad"):
        pad.fail_writes(UID)
    with pytest.raises(KeyError):
        pad.remove_after(UID, 1)


def test_pad_wide_drops_every_kth_answer() -> None:
    pad = VirtualPad([tag()])
    pad.drop_answers(every=3)
    answers = [pad.request(read0()) is not None for _ in range(6)]
    assert answers == [True, True, False, True, True, False]


def test_pad_wide_random_drops_need_a_random() -> None:
    pad = VirtualPad([tag()])
    with pytest.raises(ValueError, match=r"needs an injected random\.Random"):
        pad.drop_answers(probability=0.3)
    pad.drop_answers(probability=0.3, rng=random.Random(1))
    first = [pad.request(read0()) is None for _ in range(30)]
    pad.drop_answers(probability=0.3, rng=random.Random(1))
    assert first == [pad.request(read0()) is None for _ in range(30)]


def test_clear_faults() -> None:
    pad = VirtualPad([tag()])
    pad.fail_writes(UID, 5)
    pad.lose_writes(UID, "afi", 5)
    pad.drop_answers(UID, every=1)
    pad.drop_answers(every=1)
    pad.remove_after(UID, 3)
    pad.inject_reader_timeouts(2)
    pad.clear_faults()
    for _ in range(4):
        reply = parse_response(
            pad.request(build_request(Command(Cmd.WRITE_AFI, UID, b"\x07"))) or b""
        )
        assert reply.ok
    assert pad.tag(UID).afi == 0x07  # type: ignore[union-attr]
    pad.check_reader()


def test_unplug_and_reader_timeouts() -> None:
    pad = VirtualPad()
    assert pad.plugged
    pad.unplug()
    assert not pad.plugged
    with pytest.raises(ReaderUnavailable, match="inventory: virtual reader unplugged"):
        pad.check_reader("inventory")
    pad.replug()
    pad.check_reader()
    pad.inject_reader_timeouts(2)
    for _ in range(2):
        with pytest.raises(ReaderTimeout, match="injected timeout"):
            pad.check_reader()
    pad.check_reader()
    assert not pad.take_reader_timeout()


# --------------------------------------------------------------------------- air time
def test_air_time_of_exchanges_and_inventories() -> None:
    timing = AirTiming()
    pad = VirtualPad([tag()], timing=timing)
    request = read0()
    exchange = pad.exchange(request)
    assert exchange.air_time_s == pytest.approx(exchange_s(len(request), 7))
    missing = pad.exchange(read0(UID2))
    assert missing.air_time_s == pytest.approx(exchange_s(len(request), None))
    write = build_request(Command(Cmd.WRITE_SINGLE, UID, b"\x00" + bytes(4)))
    written = pad.exchange(write)
    assert written.air_time_s == pytest.approx(exchange_s(len(write), 3, busy_s=0.005))
    result = pad.inventory_result()
    assert result.air_time_s == pytest.approx(inventory_round_s(5, 15, 1))
    total = exchange.air_time_s + missing.air_time_s + written.air_time_s + result.air_time_s
    assert timing.air_time_s == pytest.approx(total)


def test_air_time_of_a_collided_inventory() -> None:
    uids = [make_uid("slix", n) for n in (0x01, 0x11)]
    pad = VirtualPad([tag(u) for u in uids], timing=AirTiming())
    result = pad.inventory_result()
    rounds = inventory_round_s(5, 15, 1) + inventory_round_s(6, 14, 2)  # 2nd frame has a mask byte
    assert result.air_time_s == pytest.approx(rounds)


def test_realtime_sleeps_for_the_modelled_time() -> None:
    slept: list[float] = []
    pad = VirtualPad([tag()], timing=AirTiming(realtime=True, sleep=slept.append))
    exchange = pad.exchange(read0())
    assert slept == [exchange.air_time_s]
    assert exchange.air_time_s > 0


def test_without_a_timing_model_air_time_is_zero() -> None:
    pad = VirtualPad([tag()])
    assert pad.exchange(read0()).air_time_s == 0.0
    assert pad.inventory_result().air_time_s == 0.0


# --------------------------------------------------------------------------- threads
def test_concurrent_ui_and_reader_threads() -> None:
    """A UI thread places/removes tags while a reader thread inventories and reads."""
    pad = VirtualPad(max_tags_per_inventory=64)
    steady = [tag(make_uid("slix", 0x100 + n)) for n in range(5)]
    for t in steady:
        pad.place(t)
    errors: list[BaseException] = []
    stop = threading.Event()

    def ui() -> None:
        try:
            for n in range(300):
                uid = make_uid("slix", 0x2000 + n % 7)
                if pad.tag(uid) is None:
                    pad.place(tag(uid))
                else:
                    pad.remove(uid)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    def reader() -> None:
        try:
            while not stop.is_set():
                seen = {u for u, _ in pad.inventory()}
                assert {t.uid for t in steady} <= seen
                for t in steady:
                    assert pad.request(read0(t.uid)) is not None
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ui), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert all(not thread.is_alive() for thread in threads)
