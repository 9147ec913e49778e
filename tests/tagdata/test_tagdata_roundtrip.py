"""Whole-tag round trips with random element sets, lock sets and block sizes (Hypothesis)."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.tagdata import Compaction, Encoded, TagDataError, decode, encode

ISIL_UNIT = string.ascii_letters + string.digits + "-:/"
ONE_BYTE = (5, 19, 20)


@st.composite
def isils(draw: st.DrawFn) -> str:
    prefix = draw(st.one_of(
        st.text(string.ascii_uppercase, min_size=2, max_size=2),
        st.text(string.ascii_letters + string.digits, min_size=1, max_size=1),
        st.text(string.ascii_letters + string.digits, min_size=3, max_size=4),
    ))
    unit = draw(st.text(ISIL_UNIT, min_size=1, max_size=15 - len(prefix)))
    return f"{prefix}-{unit}"


@st.composite
def set_information(draw: st.DrawFn) -> str:
    width = draw(st.sampled_from((1, 2, 3)))
    total = draw(st.integers(1, 10**width - 1))
    part = draw(st.integers(1, total))
    return f"{total:0{width}d}{part:0{width}d}"


@st.composite
def gtin13(draw: st.DrawFn) -> str:
    body = draw(st.text(string.digits, min_size=12, max_size=12))
    check = -sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10
    return f"{body}{check}"


# text that exercises every scheme: digits, upper case, 6-bit punctuation, ASCII, Latin-1, CJK
general_text = st.one_of(
    st.text(string.digits, min_size=1, max_size=25),
    st.text(string.ascii_uppercase + "[\\]^_", min_size=1, max_size=30),
    st.text(string.ascii_uppercase + string.digits + " ./-()=", min_size=1, max_size=30),
    st.text(string.printable, min_size=1, max_size=30),
    st.text(st.characters(max_codepoint=0xFF), min_size=1, max_size=30),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=25),
)
one_byte_value = st.one_of(
    st.binary(min_size=1, max_size=1),
    st.integers(0, 255).map(lambda b: f"{b:02x}"),
    st.integers(0, 255).map(lambda b: f"{b:02X}"),
)
VALUES = {
    3: isils(),
    11: isils(),
    4: set_information(),
    7: st.one_of(st.text(string.ascii_uppercase, min_size=2, max_size=2), st.just("00")),
    13: gtin13(),
    **{oid: one_byte_value for oid in ONE_BYTE},
}


def value_for(oid: int) -> st.SearchStrategy[str | bytes]:
    if oid in VALUES:
        return VALUES[oid]
    return st.one_of(general_text, st.binary(min_size=1, max_size=40))


def expected_text(oid: int, value: str | bytes) -> str:
    """What decode shows: one-byte codes as two uppercase hex digits, octets as text or hex."""
    if oid in ONE_BYTE:
        return value.hex().upper() if isinstance(value, bytes) else value.upper()
    if isinstance(value, bytes):
        printable = all(0x20 <= b < 0x7F or b >= 0xA0 for b in value)
        return value.decode("latin-1") if printable else value.hex().upper()
    return value


@st.composite
def tags(draw: st.DrawFn) -> tuple[dict[int, str | bytes], set[int], int]:
    oids = draw(st.sets(st.sampled_from([1, *range(3, 27)]), min_size=1, max_size=8))
    elements = {oid: draw(value_for(oid)) for oid in sorted(oids)}
    lock = draw(st.sets(st.sampled_from(sorted(oids))))
    return elements, lock, draw(st.sampled_from((4, 8)))


def check_lock_alignment(encoded: Encoded, lock: set[int]) -> None:
    """Locked blocks hold locked data sets only, and every locked byte is in a locked block.

    (A locked *run* is aligned as a whole: consecutive locked data sets may share a block, as in
    vector C2, because they are locked together; no unlocked byte or free byte is ever locked.)
    """
    size = encoded.block_size
    locked_bytes: set[int] = set()
    for dataset in encoded.layout:
        if dataset.oid in lock:
            locked_bytes.update(range(dataset.offset, dataset.end))
    blocks = {i // size for i in locked_bytes}
    assert set(encoded.lock_blocks) == blocks
    assert list(encoded.lock_blocks) == sorted(blocks)
    for block in blocks:
        assert set(range(block * size, (block + 1) * size)) <= locked_bytes


@settings(max_examples=300, deadline=None)
@given(tags())
def test_whole_tag_round_trip(tag: tuple[dict[int, str | bytes], set[int], int]) -> None:
    elements, lock, block_size = tag
    try:
        encoded = encode(elements, lock=lock, block_size=block_size, capacity=316)
    except TagDataError as exc:
        # the only acceptable refusal for these values: the tag does not fit a SLIX2
        assert "over the 316-byte capacity" in exc.reason
        return
    decoded = decode(encoded.data, block_size=block_size)
    assert dict(decoded.elements) == {o: expected_text(o, v) for o, v in elements.items()}
    assert decoded.problems == ()
    assert decoded.datasets == encoded.layout
    assert decoded.used_bytes == len(encoded.data)
    assert decode(b"".join(encoded.blocks), block_size=block_size) == decoded
    # structure: PII first, CP second, unlocked before locked
    oids = [d.oid for d in encoded.layout]
    if 1 in elements:
        assert oids[0] == 1
    if any(oid >= 3 for oid in elements):
        assert oids.index(2) == (1 if 1 in elements else 0)
        assert decoded.content_parameter == frozenset(o for o in elements if o >= 3)
    rest = [oid in lock for oid in oids[oids.index(2) + 1:]] if 2 in oids else []
    assert rest == sorted(rest)
    check_lock_alignment(encoded, lock)


@settings(max_examples=100, deadline=None)
@given(tags(), st.sampled_from(list(Compaction)))
def test_explicit_compaction_either_round_trips_or_is_refused(
    tag: tuple[dict[int, str | bytes], set[int], int], scheme: Compaction
) -> None:
    elements, lock, block_size = tag
    oid = next(iter(elements))
    try:
        encoded = encode(elements, lock=lock, block_size=block_size, compaction={oid: scheme})
    except TagDataError as exc:
        assert f"OID {oid} (" in exc.reason or "compaction" in exc.reason
        return
    written = next(d for d in encoded.layout if d.oid == oid)
    assert written.compaction is scheme
    decoded = decode(encoded.data, block_size=block_size)
    assert dict(decoded.elements) == {o: expected_text(o, v) for o, v in elements.items()}
