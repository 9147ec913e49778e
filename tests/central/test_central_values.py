"""Wire forms, PIN hashes, calendar arithmetic, masking, repository atomicity, public names."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from central_world import CHEAP, LIB_A, NOW, local
from hypothesis import given
from hypothesis import strategies as st

import central.domain as api
from central.domain import (
    CIRCULATION_OPS,
    REPLY_KEYS,
    CentralDomain,
    InMemoryRepository,
    Library,
    OfflineDecision,
    Op,
    Reply,
    Result,
    Transaction,
    TransactionError,
    TxItem,
    due_ms,
    end_of_day_ms,
    hash_pin,
    local_date,
    mask_card,
    mask_name,
    verify_pin,
)
from kiosk.circulation.reasons import REASONS, Reason

GOOD = {
    "tx_id": "k1:7",
    "seq": 7,
    "ts": NOW,
    "op": "checkout",
    "item": {"pii": "A001", "owner": LIB_A, "set": "1203", "uid": "E004010012345678"},
    "patron": "P1",
    "offline": True,
    "decision": {"result": "accepted", "reason": "ok", "due": NOW + 1},
}


def test_transaction_from_wire() -> None:
    tx = Transaction.from_wire(GOOD, kiosk="k1")
    assert (tx.tx_id, tx.seq, tx.kiosk, tx.ts, tx.op, tx.patron, tx.offline) == (
        "k1:7",
        7,
        "k1",
        NOW,
        Op.CHECKOUT,
        "P1",
        True,
    )
    assert tx.item == TxItem("A001", LIB_A, "1203", "E004010012345678")
    assert tx.decision == OfflineDecision(Result.ACCEPTED, "ok", NOW + 1)
    assert Transaction.from_wire(tx.to_wire()) == tx


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tx_id": None}, "tx_id: missing, expected text"),
        ({"tx_id": 7}, "tx_id: int, expected text"),
        ({"seq": -1}, "seq: -1, expected an unsigned integer"),
        ({"seq": True}, "seq: True, expected an unsigned integer"),
        ({"seq": 0}, "seq: 0, expected an integer ≥ 1"),
        ({"ts": "now"}, "ts: 'now', expected an unsigned integer"),
        ({"op": "lend"}, "op: 'lend', expected one of checkout, checkin, renew"),
        ({"item": None}, "item: missing, expected a map"),
        ({"item": [1]}, "item: list, expected a map"),
        ({"item": {"owner": LIB_A}}, "item.pii: missing, expected text"),
        (
            {"item": {"pii": "A", "owner": LIB_A, "ill": "yes"}},
            "item.ill: 'yes', expected true or false",
        ),
        ({"patron": None}, "patron: missing, expected text"),
        ({"offline": 1}, "offline: 1, expected true or false"),
        ({"decision": {"result": "maybe"}}, "decision.result: 'maybe', expected one of accepted"),
        ({"kiosk": "k2"}, "kiosk: 'k2' in the payload, but sent by 'k1'"),
        ({"patron": "x" * 300}, "patron: 300 chars, expected ≤ 256"),
    ],
)
def test_transaction_from_wire_refuses_bad_fields(change: dict[str, object], message: str) -> None:
    data = {**GOOD, **change}
    with pytest.raises(TransactionError) as caught:
        Transaction.from_wire(data, kiosk="k1")
    assert message in str(caught.value)


def test_kiosk_comes_from_payload_or_topic() -> None:
    with pytest.raises(TransactionError, match="kiosk: missing"):
        Transaction.from_wire(GOOD)
    assert Transaction.from_wire({**GOOD, "kiosk": "k1"}).kiosk == "k1"


def test_checkin_needs_no_patron() -> None:
    tx = Transaction.from_wire({**GOOD, "op": "checkin", "patron": None}, kiosk="k1")
    assert tx.patron is None


def test_not_a_map() -> None:
    with pytest.raises(TransactionError, match="transaction: list, expected a map"):
        Transaction.from_wire([], kiosk="k1")  # type: ignore[arg-type]


def test_apply_wire(domain: CentralDomain) -> None:
    reply = domain.apply_wire(
        {**GOOD, "seq": 1, "tx_id": "k-a1:1", "offline": False}, NOW, kiosk="k-a1"
    )
    assert isinstance(reply, Reply) and reply.result is Result.ACCEPTED


def test_reply_wire_has_exactly_the_contract_keys() -> None:
    reply = Reply("k1:1", Result.REFUSED, Reason.RESERVED, REASONS[Reason.RESERVED])
    wire = reply.to_wire()
    assert tuple(wire) == REPLY_KEYS
    assert wire["result"] == "refused" and wire["reason"] == "reserved"
    assert wire["message"] == {"zh": REASONS[Reason.RESERVED].zh, "en": REASONS[Reason.RESERVED].en}
    assert wire["route"] is None and wire["title"] is None


_text = st.text(min_size=1, max_size=20)


@given(
    seq=st.integers(1, 2**40),
    ts=st.integers(0, 2**45),
    op=st.sampled_from(sorted(CIRCULATION_OPS)),
    pii=_text,
    owner=st.text(max_size=16),
    patron=_text,
    offline=st.booleans(),
    decision=st.none()
    | st.builds(
        OfflineDecision,
        st.sampled_from(list(Result)),
        st.none() | _text,
        st.none() | st.integers(0, 2**45),
    ),
)
def test_transaction_round_trip(
    *,
    seq: int,
    ts: int,
    op: Op,
    pii: str,
    owner: str,
    patron: str,
    offline: bool,
    decision: OfflineDecision | None,
) -> None:
    tx = Transaction(f"k:{seq}", seq, "k", ts, op, TxItem(pii, owner), patron, offline, decision)
    assert Transaction.from_wire(tx.to_wire(), kiosk="k") == tx


STAFF = {
    "tx_id": "k1:8",
    "seq": 8,
    "ts": NOW,
    "op": "staff:empty_bin",
    "staff": "S07",
    "detail": {"bin": "A", "n": 41, "ok": True, "list": [1.5, None, {"x": "y"}]},
    "patron": None,
    "offline": False,
}


def test_staff_action_from_wire() -> None:
    tx = Transaction.from_wire(STAFF, kiosk="k1")
    assert (tx.op, tx.action, tx.staff, tx.item, tx.wire_op) == (
        Op.STAFF, "empty_bin", "S07", None, "staff:empty_bin"
    )
    assert tx.detail == STAFF["detail"]
    assert Transaction.from_wire(tx.to_wire()) == tx
    assert tx.to_wire()["op"] == "staff:empty_bin" and "item" not in tx.to_wire()
    bare = Transaction.from_wire({k: v for k, v in STAFF.items() if k != "detail"}, kiosk="k1")
    assert bare.detail == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op": "staff"}, "'staff', expected one of checkout, checkin, renew or staff:<action>"),
        ({"op": "staff:"}, "op: 'staff:', expected staff:<action> with 1..48 of a-z"),
        ({"op": "staff:Open Door"}, "op: 'staff:Open Door', expected staff:<action>"),
        ({"op": "staff:" + "a" * 49}, "expected staff:<action> with 1..48"),
        ({"staff": None}, "staff: missing, expected text"),
        ({"staff": 7}, "staff: int, expected text"),
        ({"detail": "x"}, "detail: str, expected a map"),
        ({"detail": {"raw": b"\x00"}}, "detail.raw: bytes, expected text, number"),
        ({"detail": {"n": float("nan")}}, "detail.n: nan, expected a finite number"),
        ({"detail": {"m": {1: 2}}}, "detail.m: key 1, expected text keys"),
        ({"detail": {"d": [[[[[[[[[[1]]]]]]]]]]}}, "nested deeper than 8"),
    ],
)
def test_staff_action_from_wire_refuses_bad_fields(change: dict[str, object], message: str) -> None:
    with pytest.raises(TransactionError) as caught:
        Transaction.from_wire({**STAFF, **change}, kiosk="k1")
    assert message in str(caught.value) and "\n" not in str(caught.value)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=3),
    max_leaves=10,
)


@given(
    action=st.from_regex(r"[a-z][a-z0-9_.-]{0,47}", fullmatch=True),
    staff=_text,
    detail=st.dictionaries(st.text(max_size=6), _json, max_size=4),
    item=st.none() | st.builds(TxItem, _text, st.text(max_size=16)),
)
def test_staff_action_round_trip(
    action: str, staff: str, detail: dict[str, object], item: TxItem | None
) -> None:
    tx = Transaction("k:1", 1, "k", NOW, Op.STAFF, item, staff=staff, action=action,
                     detail=detail)
    assert Transaction.from_wire(tx.to_wire(), kiosk="k") == tx


@given(
    st.dictionaries(
        st.sampled_from([*sorted(GOOD), "kiosk", "x", "staff", "detail"]),
        st.none() | st.integers() | st.text() | st.booleans() | st.lists(st.integers()),
    )
)
def test_garbage_transactions_raise_only_transaction_error(data: dict[str, object]) -> None:
    with contextlib.suppress(TransactionError):
        Transaction.from_wire(data, kiosk="k1")


def test_pin_hashes() -> None:
    stored = hash_pin("2468", b"pepper-salt", cost=CHEAP)
    assert stored.startswith("scrypt$16$1$1$")
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert not verify_pin("2468", "scrypt$16$1$1$zz$00")
    assert not verify_pin("2468", "")
    assert hash_pin("2468", b"pepper-salt", cost=CHEAP) == stored  # salt in, same hash out
    assert hash_pin("2468", b"other-salt", cost=CHEAP) != stored
    with pytest.raises(ValueError, match="at least 8"):
        hash_pin("1", b"short", cost=CHEAP)
    with pytest.raises(ValueError, match="power of two"):
        hash_pin("1", b"longsalt", cost=(1000, 1, 1))


def test_default_cost_hash_verifies() -> None:
    stored = hash_pin("1234", b"saltsalt")
    assert stored.startswith("scrypt$16384$8$1$") and verify_pin("1234", stored)


def test_calendar() -> None:
    assert local_date(NOW, 480) == date(2026, 3, 2)
    assert local_date(NOW, -600) == date(2026, 3, 1)  # Hawaii: still the day before
    end = end_of_day_ms(date(2026, 3, 2), 480)
    assert local(end).isoformat() == "2026-03-02T23:59:59.999000+08:00"
    assert local_date(end, 480) == date(2026, 3, 2) and local_date(end + 1, 480) == date(2026, 3, 3)
    closed = Library(LIB_A, "0001", "馆", closed_weekdays=frozenset(range(7)))
    assert due_ms(NOW, 1, closed) == end_of_day_ms(date(2026, 3, 3), 480)  # no open day at all


def test_masking() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("Alice  Smith") == "A**** S****"
    assert mask_name("") == ""
    assert mask_card("0001000123456") == "*********3456"
    assert mask_card("1234") == "**34"
    assert mask_card("") == ""


def test_atomic_rolls_back_every_table() -> None:
    repo = InMemoryRepository()
    repo.put_library(Library(LIB_A, "0001", "馆"))
    with pytest.raises(RuntimeError), repo.atomic():
        repo.put_library(Library("CN-X", "0002", "乙"))
        repo.bump_version("holds")
        repo.next_id("hold")
        with repo.atomic():  # nested blocks belong to the outer one
            repo.delete_loan((LIB_A, "x"))
        raise RuntimeError("boom")
    assert [lib.isil for lib in repo.libraries()] == [LIB_A]
    assert repo.version("holds") == 0 and repo.next_id("hold") == 1


def test_public_names_are_exported() -> None:
    assert sorted(api.__all__) == sorted(set(api.__all__))
    for name in api.__all__:
        assert hasattr(api, name), name
