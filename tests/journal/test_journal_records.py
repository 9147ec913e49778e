"""Journal values: validation with one clear error type, round trips, the step table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import JournalError, RecordError
from kiosk.journal.records import (
    TRANSITIONS,
    Decision,
    Intent,
    ItemRef,
    Result,
    Step,
    check_transition,
    make_tx_id,
    parse_tx_id,
    validate_kiosk_id,
)

kiosk_ids = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)
short_text = st.text(st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1,
                     max_size=16)
uids = st.binary(min_size=1, max_size=16).map(lambda b: b.hex())
items = st.builds(ItemRef, short_text, short_text, uids, st.none() | short_text)
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=10,
)


@given(kiosk_ids, st.integers(min_value=0, max_value=2**63))
def test_tx_id_round_trip(kiosk: str, seq: int) -> None:
    assert parse_tx_id(make_tx_id(kiosk, seq)) == (kiosk, seq)


@given(st.text(max_size=80) | anything)
def test_parse_tx_id_accepts_or_raises_record_error_only(value: object) -> None:
    try:
        kiosk, seq = parse_tx_id(value)
    except RecordError as exc:
        assert "tx_id" in str(exc)
    else:
        assert make_tx_id(kiosk, seq) == value  # only canonical ids are accepted


@given(items)
def test_item_map_round_trip(item: ItemRef) -> None:
    assert ItemRef.from_map(item.as_map()) == item
    assert ("set" in item.as_map()) is (item.set_info is not None)


@given(anything)
def test_item_from_any_map_is_an_item_or_a_record_error(value: object) -> None:
    try:
        ItemRef.from_map(value)
    except RecordError as exc:
        assert str(exc).startswith("item")


@given(st.dictionaries(st.sampled_from(["result", "reason", "due", "x"]), anything, max_size=4))
def test_decision_from_any_map_is_a_decision_or_a_record_error(value: dict[str, object]) -> None:
    try:
        decision = Decision.from_map(value)
    except RecordError as exc:
        assert str(exc).startswith("decision")
    else:
        assert Decision.from_map(decision.as_map()) == decision


@given(st.sampled_from(Step), st.sampled_from(Step))
def test_check_transition_agrees_with_the_table(current: Step, new: Step) -> None:
    if new in TRANSITIONS[current]:
        check_transition("k:1", current, new)
    else:
        with pytest.raises(JournalError, match="cannot go from"):
            check_transition("k:1", current, new)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ItemRef("", "CN-1", "E0"), "item.pii: expected 1..64"),
        (lambda: ItemRef("P1", "CN-1", "E0X1"), "item.uid: expected 1..16 bytes as hex"),
        (lambda: ItemRef("P1", "CN-1", ""), "item.uid"),
        (lambda: ItemRef("P\n1", "CN-1", "E0"), "control characters"),
        (lambda: ItemRef("P1", 7, "E0"), "item.owner: expected text, got int"),  # type: ignore[arg-type]
        (lambda: Decision("maybe"), "decision.result"),  # type: ignore[arg-type]
        (lambda: Decision(Result.REFUSED, reason="x" * 65), "decision.reason"),
        (lambda: Intent("k", "lend", ItemRef("P1", "CN-1", "E0")), "op: expected one of"),
        (lambda: Intent("k", "checkout"), "item: a checkout needs an ItemRef"),
        (lambda: Intent("", "renew", ItemRef("P1", "CN-1", "E0")), "intent_key"),
        (lambda: Intent("k", "renew", ItemRef("P1", "CN-1", "E0"), ts_ms=-1), "ts_ms"),
        (lambda: Intent("k", "renew", ItemRef("P1", "CN-1", "E0"), ts_ms=True), "ts_ms"),
        (lambda: Intent("k", "renew", ItemRef("P1", "CN-1", "E0"), detail={1: 2}), "detail"),
        (lambda: validate_kiosk_id("kiosk/1"), "kiosk id"),
        (lambda: validate_kiosk_id("k" * 65), "kiosk id"),
    ],
)
def test_bad_values_give_one_clear_record_error(build: object, message: str) -> None:
    with pytest.raises(RecordError, match=message) as info:
        build()  # type: ignore[operator]
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_non_canonical_tx_ids_are_refused() -> None:
    for alias in ("k1:007", "k1:+7", "k1: 7", "k1:٧"):
        with pytest.raises(RecordError):
            parse_tx_id(alias)


def test_decision_accepts_result_text_from_a_stored_map() -> None:
    assert Decision("refused", "reserved").result is Result.REFUSED


DUE_MS = 1_792_592_000_000  # 2026-10-21T16:53:20Z


def test_decision_due_is_epoch_milliseconds_on_the_contract_map() -> None:
    decision = Decision(Result.ACCEPTED, "ok", DUE_MS)
    assert decision.as_map() == {"result": "accepted", "reason": "ok", "due": DUE_MS}
    assert Decision.from_map(decision.as_map()) == decision
    for bad in ("2026-12-24", str(DUE_MS), -1, True, 1.5):
        with pytest.raises(RecordError, match=r"decision\.due: expected epoch milliseconds"):
            Decision(Result.ACCEPTED, due=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stored", "due"),
    [
        (str(DUE_MS), DUE_MS),  # what the runtime wrote: decimal milliseconds as text
        ("2026-12-24", 1_798_113_600_000),  # an ISO date: noon UTC of that day
        ("2026-12-24T15:59:59.999+00:00", 1_798_127_999_999),
        ("2026-12-24T23:59:59.999+08:00", 1_798_127_999_999),
        ("2026-12-24T15:59:59", 1_798_127_999_000),  # no offset: UTC
        ("2026-12-24 07:59:59.999-08:00", 1_798_127_999_999),
        ("2026-12-24T15:59:59.999Z", 1_798_127_999_999),
        ("2024-02-29T15:59", 1_709_222_340_000),
    ],
)
def test_a_text_due_from_an_older_journal_is_migrated_on_read(stored: str, due: int) -> None:
    decision = Decision.from_map({"result": "accepted", "reason": "ok", "due": stored})
    assert decision.due == due
    assert decision.as_map()["due"] == due


@pytest.mark.parametrize(
    "stored",
    ["soon", "2026-13-01", "2026-02-30", "0000-01-01", "", "1969-12-31", "2026-12-24T24:00",
     "2026-12-24T10:00+25:00", "２０２６-12-24"],
)
def test_an_unreadable_text_due_is_a_record_error(stored: str) -> None:
    with pytest.raises(RecordError, match=r"decision\.due") as info:
        Decision.from_map({"result": "accepted", "due": stored})
    assert "\n" not in str(info.value)
