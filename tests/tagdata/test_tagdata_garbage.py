"""Garbage in: ``decode`` returns or raises TagDataError — never anything else, in both modes.

Also: relax mode never raises, its first problem is exactly the strict error, and when strict
succeeds relax returns the same result with no problems.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.tagdata import Compaction, TagData, TagDataError, decode, encode

SEEDS = [
    bytes.fromhex("9100051CBE991A14 0201D0 140204B3 4607441CB6E2E335D6 830207ACC09EBAA06F6B0000"),
    bytes.fromhex("9100051CBE991A14 020205D00000000000 140204B3 4607441CB6E2E335D6"),
    encode({1: "0001100012345", 3: "CN-440100-1-0001", 5: "10", 6: "I247.5/1234",
            15: "3F-A12-03", 16: "PT01"}, lock=(1, 3), capacity=112).data,
    encode({1: "T0012345", 4: "0201", 7: "BA", 13: "9787111234562", 17: "哈利·波特",
            19: b"\x01", 20: "02", 23: "Lib01", 6: "TP312.8/Py/2019/v.2"}, lock=(1, 17),
           block_size=8, capacity=316).data,
    encode({1: "AB", 3: "SM361001", 26: "x\ty", 9: b"\x00\x01"},
           compaction={3: Compaction.OCTET, 1: Compaction.FIVE_BIT}).data,
    bytes.fromhex("1100 8200 01A0 E50001 32 5F0805") + bytes(3),
]
HEADER_BYTES = [0x00, 0x02, 0x03, 0x11, 0x1F, 0x21, 0x3F, 0x41, 0x5F, 0x63, 0x7F, 0x80, 0x82,
                0x91, 0xC6, 0xE5, 0xFF]


def _mutate(rng: random.Random, data: bytearray) -> bytearray:
    op = rng.randrange(6)
    where = rng.randrange(len(data) + 1)
    if op == 0 and data:
        data[min(where, len(data) - 1)] = rng.getrandbits(8)
    elif op == 1 and data:
        data[min(where, len(data) - 1)] ^= 1 << rng.randrange(8)
    elif op == 2:
        del data[where:]
    elif op == 3:
        data[where:where] = bytes([rng.choice(HEADER_BYTES)])
    elif op == 4:
        del data[where:where + rng.randrange(1, 4)]
    else:
        other = rng.choice(SEEDS)
        start = rng.randrange(len(other))
        data[where:where] = other[start:start + rng.randrange(1, 12)]
    return data


def generated_inputs(rng: random.Random, count: int) -> Iterator[bytes]:
    for index in range(count):
        kind = index % 4
        if kind == 0:
            yield rng.randbytes(rng.randrange(0, 80))
        elif kind == 1:
            yield bytes(rng.choice(HEADER_BYTES) if rng.random() < 0.5 else rng.getrandbits(8)
                        for _ in range(rng.randrange(1, 40)))
        else:
            data = bytearray(rng.choice(SEEDS))
            for _ in range(rng.randrange(1, 4)):
                data = _mutate(rng, data)
            yield bytes(data)


def check_invariants(data: bytes, block_size: int) -> None:
    strict: TagData | None = None
    error: TagDataError | None = None
    try:
        strict = decode(data, block_size=block_size)
    except TagDataError as exc:
        error = exc
    relax = decode(data, block_size=block_size, errors="relax")
    if strict is not None:
        assert relax == strict and relax.problems == ()
    else:
        assert error is not None and error.offset is not None
        assert 0 <= error.offset <= len(data)
        assert relax.problems and relax.problems[0] == str(error)
    assert 0 <= relax.used_bytes <= len(data)
    previous_end = 0
    for dataset in relax.datasets:
        assert previous_end <= dataset.offset < dataset.end <= len(data)
        assert isinstance(dataset.value, str)
        previous_end = dataset.end
    assert all(1 <= oid <= 26 and oid != 2 and isinstance(value, str)
               for oid, value in relax.elements.items())


def test_one_hundred_thousand_garbage_inputs_in_both_modes() -> None:
    rng = random.Random(28560)
    seen_ok = seen_error = 0
    for data in generated_inputs(rng, 100_000):
        check_invariants(data, rng.choice((1, 4, 4, 8, 32)))
        try:
            decode(data)
            seen_ok += 1
        except TagDataError:
            seen_error += 1
    # the generator reaches both outcomes often (a generator of only-garbage tests too little)
    assert seen_ok > 5_000 and seen_error > 5_000


def test_large_memory_decodes_in_one_linear_pass() -> None:
    """256 KiB of repeated data sets: every one after the first is a duplicate (relax lists
    them all); the pytest timeout catches anything worse than linear time."""
    memory = bytes.fromhex("02 01 80 63 01 41") * (1 << 16)
    tag = decode(memory, errors="relax")
    assert len(tag.datasets) == 2 * (1 << 16)
    assert tag.elements[3] == "A"


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=120), st.integers(1, 32))
def test_random_bytes(data: bytes, block_size: int) -> None:
    check_invariants(data, block_size)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)),
                                        max_size=4), st.integers(0, 400))
def test_mutated_tags(seed: bytes, changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for where, byte in changes:
        if data:
            data[where % len(data)] = byte
    check_invariants(bytes(data[:cut]), 4)
