"""Debouncing the pad: when a tag counts as placed, and when as removed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.circulation import Debounce
from kiosk.circulation._pad import Pad, PadChange

A, B, C = "E0A", "E0B", "E0C"


def run(debounce: Debounce, snapshots: list[tuple[int, set[str]]]) -> list[PadChange]:
    pad = Pad(debounce)
    return [pad.update(frozenset(s), now) for now, s in snapshots]


@pytest.mark.parametrize(
    ("debounce", "snapshots", "expected"),
    [
        # K = 2 consecutive inventories
        (Debounce(appear_count=2), [(0, {A}), (100, {A})], [PadChange(), PadChange((A,))]),
        # a single sighting does not count; the streak restarts after a gap
        (Debounce(appear_count=2), [(0, {A}), (100, set()), (200, {A}), (300, {A})],
         [PadChange(), PadChange(), PadChange(), PadChange((A,))]),
        # or T ms of continuous sightings
        (Debounce(appear_count=9, appear_ms=250), [(0, {A}), (100, {A}), (250, {A})],
         [PadChange(), PadChange(), PadChange((A,))]),
        # M = 2 missed inventories to count as removed; one miss is a flicker
        (Debounce(appear_count=1, vanish_count=2), [(0, {A}), (100, set()), (200, {A}),
                                                    (300, set()), (400, set())],
         [PadChange((A,)), PadChange(), PadChange(), PadChange(), PadChange((), (A,))]),
        # or not seen for T ms
        (Debounce(appear_count=1, vanish_count=9, vanish_ms=500),
         [(0, {A}), (300, set()), (500, set())],
         [PadChange((A,)), PadChange(), PadChange((), (A,))]),
        # several at once come out sorted, removals too
        (Debounce(appear_count=1, vanish_count=1), [(0, {C, A, B}), (100, {B})],
         [PadChange((A, B, C)), PadChange((), (A, C))]),
    ],
)
def test_debounce_rules(
    debounce: Debounce, snapshots: list[tuple[int, set[str]]], expected: list[PadChange]
) -> None:
    assert run(debounce, snapshots) == expected


def test_present_keeps_stack_order_and_in_hand_means_seen_last() -> None:
    pad = Pad(Debounce(appear_count=1, vanish_count=2))
    pad.update(frozenset({B}), 0)
    pad.update(frozenset({A, B}), 100)
    assert pad.present == (B, A)
    pad.update(frozenset({A}), 200)  # B missed once: still counted, but not in hand
    assert pad.present == (B, A)
    assert pad.is_present(B) and not pad.in_hand(B) and pad.in_hand(A)
    assert not pad.is_present(C) and not pad.in_hand(C)


@given(st.lists(st.frozensets(st.sampled_from([A, B, C])), max_size=30),
       st.integers(1, 4), st.integers(1, 4))
def test_appeared_and_removed_alternate_per_tag(
    snapshots: list[frozenset[str]], appear: int, vanish: int
) -> None:
    pad = Pad(Debounce(appear_count=appear, vanish_count=vanish))
    counted: set[str] = set()
    for i, snapshot in enumerate(snapshots):
        change = pad.update(snapshot, i * 100)
        assert counted.isdisjoint(change.appeared)
        assert set(change.removed) <= counted
        assert set(change.appeared) <= snapshot and snapshot.isdisjoint(change.removed)
        counted = (counted - set(change.removed)) | set(change.appeared)
        assert set(pad.present) == counted
