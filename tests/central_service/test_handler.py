"""The sans-IO handler, byte by byte: CBOR in, CBOR out, with MQTT 5 properties."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest
from central_world import DAY, LIB_A, LIB_B, NOW, build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_world import close, sqlite_copy

from central.domain import REPLY_KEYS, DomainConfig
from central.service.handler import CentralHandler, HandlerConfig, Publish
from central.service.topics import subscriptions
from central.store.service_tables import CommandState, ServiceStore
from central.store.sqlite import SqliteRepository
from kiosk.journal import Decision, Intent, ItemRef, Journal, Result
from kiosk.link.payloads import Message, decode, encode

RES = "lib/v1/kiosk/k-a1/res"
TX_TOPIC = "lib/v1/kiosk/k-a1/evt/tx"
ASK = {"response_topic": RES, "correlation_data": b"k-a1:1"}


@pytest.fixture
def handler(tmp_path: Path) -> Iterator[CentralHandler]:
    domain = sqlite_copy(build(DomainConfig(reorder_timeout_ms=10_000)), tmp_path / "c.db")
    repo = domain.repo
    assert isinstance(repo, SqliteRepository)
    yield CentralHandler(domain, ServiceStore(repo.db), HandlerConfig(max_payload=1024))
    close(domain)


def tx(seq: int, kiosk: str = "k-a1", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "v": 1,
        "tx_id": f"{kiosk}:{seq}",
        "seq": seq,
        "ts": NOW,
        "op": "checkout",
        "item": {"pii": f"A00{seq}", "owner": LIB_A},
        "patron": "P1",
        "offline": False,
    }
    body.update(extra)
    return body


def send_tx(h: CentralHandler, body: dict[str, object], now: int = NOW) -> list[Publish]:
    seq = body.get("seq")
    props = {"response_topic": RES, "correlation_data": f"k-a1:{seq}".encode()}
    return h.handle(TX_TOPIC, cbor2.dumps(body), props, now)


def decoded(message: Publish) -> Any:
    return cbor2.loads(message.payload)


def test_transaction_gets_a_reply_with_the_tx_id_as_correlation(handler: CentralHandler) -> None:
    # {"v":1,"tx_id":"k-a1:1","seq":1,"ts":…,"op":"checkout","item":{…},"patron":"P1",…}
    payload = cbor2.dumps(tx(1))
    assert payload[:16].hex() == "a86176016574785f6964666b2d61313a"
    (out,) = handler.handle(TX_TOPIC, payload, ASK, NOW)
    assert out.topic == RES and out.qos == 1 and not out.retain
    assert out.properties == {"correlation_data": b"k-a1:1"}
    assert out.payload[:4].hex() == "ad617601"  # a 13-entry map, "v": 1 first
    body = decoded(out)
    assert set(body) == {"v", *REPLY_KEYS}
    assert (body["tx_id"], body["result"], body["reason"]) == ("k-a1:1", "accepted", "ok")
    assert body["title"] == "书名 A001" and body["due"] > NOW
    assert body["message"]["en"] == "Done."


def test_a_repeated_transaction_gets_the_identical_reply(handler: CentralHandler) -> None:
    (first,) = send_tx(handler, tx(1))
    handler.domain.block_patron("P1")
    (again,) = send_tx(handler, tx(1), NOW + DAY)
    assert again.payload == first.payload and again.properties == first.properties
    assert len(handler.domain.loans("P1")) == 1


def test_an_offline_checkout_journalled_by_a_kiosk_is_accepted_with_its_due_date(
    handler: CentralHandler, tmp_path: Path
) -> None:
    """End to end on bytes: the kiosk journal's row, encoded by the kiosk link, is a valid
    ``evt/tx`` for central; central's reply is a valid ``TxReply`` for the kiosk and acks it."""
    offline_due = NOW + 14 * DAY
    journal = Journal.open(tmp_path / "kiosk.db", kiosk="k-a1", clock=lambda: NOW / 1000)
    try:
        item = ItemRef("A001", LIB_A, "E004010000000001")
        record = journal.begin(Intent("s1:e0:checkout", "checkout", item, patron="P1")).record
        journal.decide(record.tx_id, Decision(Result.ACCEPTED, "ok", offline_due), offline=True)
        (row,) = journal.outbox()
        payload = encode(Message.TX, row.event(), TX_TOPIC)
        assert cbor2.loads(payload)["decision"] == {"result": "accepted", "reason": "ok",
                                                    "due": offline_due}
        (out,) = handler.handle(TX_TOPIC, payload, ASK, NOW + DAY)
        reply = decode(Message.TX_REPLY, RES, out.payload)
        assert (reply["tx_id"], reply["result"], reply["reason"]) == ("k-a1:1", "accepted", "ok")
        (loan,) = handler.domain.loans("P1")
        assert loan.offline and loan.start_ms == NOW and reply["due"] == loan.due_ms > NOW
        assert journal.ack(row.tx_id, reply) is True and journal.outbox() == []
    finally:
        journal.close()


def test_a_text_due_date_is_refused_and_not_acknowledged(handler: CentralHandler) -> None:
    decision = {"result": "accepted", "reason": "ok", "due": "2026-04-01"}
    (out,) = send_tx(handler, tx(1, offline=True, decision=decision))
    body = decoded(out)
    assert body["error"] == "bad_transaction" and "result" not in body
    assert "decision.due: '2026-04-01', expected an unsigned integer" in body["detail"]
    assert handler.domain.loans() == []


def test_a_staff_action_is_answered_accepted_and_audited(handler: CentralHandler) -> None:
    # {"v":1,"tx_id":"k-a1:1","seq":1,"ts":…,"op":"staff:empty_bin","staff":"S07",…}
    body = {"v": 1, "tx_id": "k-a1:1", "seq": 1, "ts": NOW, "op": "staff:empty_bin",
            "staff": "S07", "detail": {"bin": "A", "n": 41}, "patron": None, "offline": False}
    payload = cbor2.dumps(body)
    assert payload[:16].hex() == "a96176016574785f6964666b2d61313a"  # a 9-entry map
    assert bytes.fromhex("626f706f73746166663a656d7074795f62696e") in payload  # op
    (out,) = handler.handle(TX_TOPIC, payload, ASK, NOW + 5)
    assert out.topic == RES and out.properties == {"correlation_data": b"k-a1:1"}
    reply = decoded(out)
    assert (reply["result"], reply["reason"], reply["due"], reply["title"]) == (
        "accepted", "ok", None, None
    )
    (again,) = handler.handle(TX_TOPIC, payload, ASK, NOW + 9)
    assert again.payload == out.payload
    (entry,) = handler.domain.audit()
    assert (entry.kiosk, entry.seq, entry.tx_id, entry.ts, entry.staff, entry.action) == (
        "k-a1", 1, "k-a1:1", NOW, "S07", "empty_bin"
    )
    assert entry.detail == {"bin": "A", "n": 41} and entry.recorded_ms == NOW + 5
    (next_out,) = send_tx(handler, tx(2))  # seq 2 is next in line, not held behind a gap
    assert decoded(next_out)["result"] == "accepted"


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"op": "staff"}, "op: 'staff', expected one of"),
        ({"staff": None}, "staff: missing, expected text"),
        ({"detail": {"raw": b"\x01"}}, "detail.raw: bytes"),
    ],
)
def test_a_bad_staff_action_gets_an_error_reply(
    handler: CentralHandler, change: dict[str, object], detail: str
) -> None:
    body = {**tx(1), "op": "staff:open_door", "staff": "S07", **change}
    del body["item"]
    (out,) = send_tx(handler, body)
    reply = decoded(out)
    assert reply["error"] == "bad_transaction" and detail in reply["detail"]
    assert handler.domain.audit() == [] and handler.domain.fleet()[0].last_seq == 0


def test_the_reply_goes_to_the_senders_own_res_topic(
    handler: CentralHandler, caplog: pytest.LogCaptureFixture
) -> None:
    props = {"response_topic": "lib/v1/kiosk/k-b1/res", "correlation_data": b"k-a1:1"}
    (out,) = handler.handle(TX_TOPIC, cbor2.dumps(tx(1)), props, NOW)
    assert out.topic == RES
    assert "asked for replies on lib/v1/kiosk/k-b1/res" in caplog.text


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (b"\xff\x00", "not CBOR"),
        (cbor2.dumps([1, 2]), "CBOR list, expected a map"),
        (cbor2.dumps({1: 2, "v": 1}), "non-text keys"),
        (cbor2.dumps({**tx(1), "v": 2}), "v=2, expected v=1"),
        (cbor2.dumps({k: v for k, v in tx(1).items() if k != "v"}), "v=None, expected v=1"),
        (cbor2.dumps({**tx(1), "seq": "1"}), "seq: '1', expected an unsigned integer"),
        (cbor2.dumps({**tx(1), "item": "A001"}), "item: str, expected a map"),
        (cbor2.dumps({**tx(1), "kiosk": "k-b1"}), "'k-b1' in the payload, but sent by 'k-a1'"),
        (cbor2.dumps({**tx(1), "patron": "P" * 2000}), "payload of"),
    ],
)
def test_bad_transactions_are_dropped_with_an_error_reply(
    handler: CentralHandler, caplog: pytest.LogCaptureFixture, payload: bytes, detail: str
) -> None:
    with caplog.at_level(logging.WARNING):
        (out,) = handler.handle(TX_TOPIC, payload, ASK, NOW)
    body = decoded(out)
    assert out.topic == RES and out.properties == {"correlation_data": b"k-a1:1"}
    assert body["v"] == 1 and body["error"] in {"bad_request", "bad_transaction"}
    assert "result" not in body  # not an acknowledgement: the kiosk keeps it queued
    assert detail in body["detail"]
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("dropped lib/v1/kiosk/k-a1/evt/tx") and detail in line
    assert handler.domain.loans() == [] and handler.domain.fleet()[0].processed == 0


def test_an_echoed_bad_value_is_cut_short(handler: CentralHandler) -> None:
    (out,) = send_tx(handler, {**tx(1), "seq": list(range(150))})
    detail = decoded(out)["detail"]
    assert len(detail) == 300 and detail.endswith("…") and "seq: [0, 1, 2" in detail


def test_without_a_response_topic_a_bad_message_is_only_logged(handler: CentralHandler) -> None:
    assert handler.handle(TX_TOPIC, b"\xff", {}, NOW) == []


def test_unregistered_kiosk_is_told_and_nothing_is_recorded(handler: CentralHandler) -> None:
    topic = "lib/v1/kiosk/k-new/evt/tx"
    props = {"response_topic": "lib/v1/kiosk/k-new/res", "correlation_data": b"k-new:1"}
    (out,) = handler.handle(topic, cbor2.dumps(tx(1, "k-new")), props, NOW)
    assert out.topic == "lib/v1/kiosk/k-new/res"
    assert decoded(out)["error"] == "unknown"
    assert handler.domain.loans() == []


@pytest.mark.parametrize(
    "topic",
    ["lib/v1/kiosk/k-a1/evt/nope", "lib/v1/other", "lib/v1/kiosk//evt/tx", "lib/v1/kiosk/+/status"],
)
def test_topics_central_does_not_handle_are_dropped(handler: CentralHandler, topic: str) -> None:
    assert handler.handle(topic, cbor2.dumps(tx(1)), ASK, NOW) == []
    assert handler.domain.loans() == []


def test_gap_is_held_then_released_when_the_missing_seq_arrives(handler: CentralHandler) -> None:
    assert send_tx(handler, tx(2)) == []  # held: seq 1 is missing
    assert send_tx(handler, tx(2)) == []  # a repeat of a held one is still held
    out = send_tx(handler, tx(1))
    assert [decoded(m)["tx_id"] for m in out] == ["k-a1:1", "k-a1:2"]
    assert [m.properties["correlation_data"] for m in out] == [b"k-a1:1", b"k-a1:2"]
    assert all(m.topic == RES for m in out)


def test_gap_is_released_by_tick_after_the_reorder_timeout(handler: CentralHandler) -> None:
    assert send_tx(handler, tx(3)) == []
    replies = [m for m in handler.tick(NOW + 5_000) if m.topic == RES]
    assert replies == []
    replies = [m for m in handler.tick(NOW + 10_000) if m.topic == RES]
    assert [decoded(m)["tx_id"] for m in replies] == ["k-a1:3"]
    (gap,) = handler.domain.gap_log()
    assert (gap.kind, gap.first, gap.last) == ("skipped", 1, 2)


def test_status_and_info_make_the_fleet_view(handler: CentralHandler) -> None:
    from central.service.fleet import fleet_view

    info = cbor2.dumps({"v": 1, "software": "0.1.0", "outbox_depth": 4, "config_version": 2})
    assert handler.handle("lib/v1/kiosk/k-a1/status", b"online", {}, NOW) == []
    assert handler.handle("lib/v1/kiosk/k-a1/info", info, {}, NOW + 10) == []
    assert handler.handle("lib/v1/kiosk/k-b1/status", b"offline", {}, NOW + 20) == []
    assert handler.handle("lib/v1/kiosk/k-zz/status", b"online", {}, NOW + 30) == []
    send_tx(handler, tx(1), NOW + 40)
    rows = {r.kiosk: r for r in fleet_view(handler.domain, handler.store)}
    a1 = rows["k-a1"]
    assert (a1.online, a1.outbox_depth, a1.config_applied) == (True, 4, 2)
    assert (a1.last_seq, a1.processed, a1.last_seen_ms) == (1, 1, NOW + 40)
    assert rows["k-b1"].online is False and rows["k-a2"].online is None
    assert rows["k-zz"].registered is False and rows["k-zz"].library is None


def test_bad_status_is_logged_not_recorded(
    handler: CentralHandler, caplog: pytest.LogCaptureFixture
) -> None:
    assert handler.handle("lib/v1/kiosk/k-a1/status", b"maybe", {}, NOW) == []
    assert "expected online/offline" in caplog.text
    assert handler.store.statuses() == {}


def test_lookups_reply_with_the_requests_correlation(handler: CentralHandler) -> None:
    props = {"response_topic": RES, "correlation_data": b"\x01\x02"}
    req = cbor2.dumps({"v": 1, "card": "P1", "pin": "1234"})
    (out,) = handler.handle("lib/v1/kiosk/k-a1/req/patron", req, props, NOW)
    body = decoded(out)
    assert out.properties == {"correlation_data": b"\x01\x02"}
    assert (body["v"], body["result"], body["name"]) == (1, "accepted", "读者P1")
    req = cbor2.dumps({"v": 1, "pii": "A001", "owner": LIB_A})
    (out,) = handler.handle("lib/v1/kiosk/k-a1/req/item", req, props, NOW)
    assert decoded(out)["status"] == "available"
    bad = cbor2.dumps({"v": 1, "card": 5})
    (out,) = handler.handle("lib/v1/kiosk/k-a1/req/patron", bad, props, NOW)
    assert decoded(out)["error"] == "bad_request" and "card: int" in decoded(out)["detail"]
    (out,) = handler.handle("lib/v1/kiosk/k-a1/req/holds", req, props, NOW)
    assert decoded(out)["error"] == "unknown_request"


def test_holds_snapshots_are_retained_and_follow_the_version(handler: CentralHandler) -> None:
    def snapshots(now: int) -> dict[str, Any]:
        return {
            m.topic: decoded(m)
            for m in handler.tick(now)
            if m.topic.startswith("lib/v1/library/") and m.topic.endswith("/holds") and m.retain
        }

    first = snapshots(NOW)
    assert set(first) == {f"lib/v1/library/{LIB_A}/holds", f"lib/v1/library/{LIB_B}/holds"}
    assert first[f"lib/v1/library/{LIB_A}/holds"] == {
        "v": 1,
        "library": LIB_A,
        "version": 0,
        "holds": [],
    }
    assert snapshots(NOW + 1000) == {}  # nothing changed
    handler.domain.place_hold(LIB_B, "B001", "P2", LIB_A, NOW)
    second = snapshots(NOW + 2000)
    a = second[f"lib/v1/library/{LIB_A}/holds"]
    assert a["version"] == 1 and [h["pii"] for h in a["holds"]] == ["B001"]
    assert second[f"lib/v1/library/{LIB_B}/holds"]["version"] == 1


def test_central_status_is_retained_online_and_reasserted(handler: CentralHandler) -> None:
    def statuses(now: int) -> list[Publish]:
        return [m for m in handler.tick(now) if m.topic == "lib/v1/central/status"]

    assert statuses(NOW) == [Publish("lib/v1/central/status", b"online", retain=True)]
    assert statuses(NOW + 1000) == []
    assert len(statuses(NOW + 61_000)) == 1
    assert handler.offline_status().payload == b"offline"


def test_config_is_published_retained_with_its_version(handler: CentralHandler) -> None:
    handler.tick(NOW)
    assert handler.push_config("k-a1", {"mode": "both"}) == 1
    assert handler.push_config("k-a1", {"mode": "return"}) == 2
    (out,) = [m for m in handler.tick(NOW + 1000) if m.topic.endswith("/config")]
    assert out.topic == "lib/v1/kiosk/k-a1/config" and out.retain
    assert decoded(out) == {"v": 1, "version": 2, "mode": "return"}
    assert [m for m in handler.tick(NOW + 2000) if m.topic.endswith("/config")] == []
    handler.resync()  # after a reconnection everything retained goes out again
    assert [m.topic for m in handler.tick(NOW + 3000) if m.topic.endswith("/config")] == [
        "lib/v1/kiosk/k-a1/config"
    ]
    with pytest.raises(LookupError):
        handler.push_config("k-nope", {})
    with pytest.raises(ValueError, match="key 'version' is set by central"):
        handler.push_config("k-a1", {"version": 9})


def test_commands_carry_id_expiry_and_response_topic(handler: CentralHandler) -> None:
    handler.tick(NOW)
    cmd = handler.queue_command(
        "k-a1", "reboot", {"delay": "5"}, cmd_id="c1", now_ms=NOW, expires_s=60
    )
    (out,) = [m for m in handler.tick(NOW + 500) if "/cmd/" in m.topic]
    assert out.topic == "lib/v1/kiosk/k-a1/cmd/reboot" and not out.retain and out.qos == 1
    assert out.properties == {
        "response_topic": "lib/v1/kiosk/k-a1/cmd/res",
        "correlation_data": b"c1",
        "message_expiry": 60,
    }
    assert decoded(out) == {"v": 1, "cmd_id": "c1", "args": {"delay": "5"}, "expires": NOW + 60_000}
    assert [m for m in handler.tick(NOW + 1000) if "/cmd/" in m.topic] == []  # sent once
    result = cbor2.dumps(
        {"v": 1, "cmd_id": "c1", "name": "reboot", "ok": True, "result": {"uptime": 3}}
    )
    assert handler.handle("lib/v1/kiosk/k-a1/cmd/res", result, {}, NOW + 2000) == []
    (done,) = handler.store.commands("k-a1")
    assert done.state == CommandState.DONE
    assert done.result == {"ok": True, "result": {"uptime": 3}, "error": None}
    assert cmd.expires_ms == NOW + 60_000


def test_unanswered_commands_expire_and_are_not_sent_late(handler: CentralHandler) -> None:
    handler.tick(NOW)
    handler.queue_command("k-a1", "ping", {}, cmd_id="c2", now_ms=NOW, expires_s=1)
    assert [m for m in handler.tick(NOW + 5000) if "/cmd/" in m.topic] == []
    assert handler.store.commands()[0].state == CommandState.EXPIRED


@pytest.mark.parametrize(("name", "expires"), [("res", 10), ("a/b", 10), ("#", 10), ("ok", 0)])
def test_bad_commands_are_refused(handler: CentralHandler, name: str, expires: int) -> None:
    with pytest.raises(ValueError, match="command"):
        handler.queue_command("k-a1", name, {}, cmd_id="x", now_ms=NOW, expires_s=expires)


def test_subscriptions_share_the_work_but_not_retained_state() -> None:
    subs = dict(subscriptions("central"))
    assert subs["$share/central/lib/v1/kiosk/+/evt/tx"] == 1
    assert subs["$share/central/lib/v1/kiosk/+/req/+"] == 1
    assert subs["lib/v1/kiosk/+/status"] == 1 and subs["lib/v1/kiosk/+/info"] == 1
    assert "lib/v1/kiosk/+/evt/tx" in dict(subscriptions(None))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    topic=st.sampled_from(
        ["evt/tx", "req/patron", "req/item", "status", "info", "cmd/res", "evt/alert"]
    ),
    payload=st.one_of(
        st.binary(max_size=64),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.binary(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=8), inner, max_size=6)
            ),
            max_leaves=12,
        ).map(cbor2.dumps),
        st.fixed_dictionaries(
            {"v": st.just(1)},
            optional={
                "tx_id": st.text(max_size=6),
                "seq": st.integers(-2, 3),
                "ts": st.integers(-1, 2) | st.text(max_size=2),
                "op": st.sampled_from(["checkout", "checkin", "renew", "x"]),
                "item": st.none() | st.dictionaries(st.sampled_from(["pii", "owner"]), st.text()),
                "patron": st.none() | st.text(max_size=4) | st.integers(),
                "card": st.text(max_size=4) | st.integers(),
                "pii": st.text(max_size=4),
                "cmd_id": st.text(max_size=4),
                "ok": st.booleans() | st.integers(),
            },
        ).map(cbor2.dumps),
    ),
)
def test_garbage_never_raises(handler: CentralHandler, topic: str, payload: bytes) -> None:
    for message in handler.handle(f"lib/v1/kiosk/k-a1/{topic}", payload, ASK, NOW):
        assert message.topic == RES
        body = decoded(message)
        assert body["v"] == 1
