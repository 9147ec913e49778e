"""The contract in code and in docs agree; topics, payload limits and the schema checker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cbor2
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import PayloadError
from kiosk.journal import Decision, ItemRef, Result, Step, TxRecord
from kiosk.link import KioskTopics, Message, decode, encode, mosquitto_acl, parse_topic
from kiosk.link.payloads import SCHEMAS
from kiosk.link.schema import first_error
from kiosk.link.topics import TopicKind, blocked_topic, holds_delta_topic, holds_topic

ROOT = Path(__file__).resolve().parents[2]
DOC = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def _record() -> TxRecord:
    return TxRecord(
        seq=7, tx_id="k1:7", intent_key="s:7", ts_ms=1_790_000_000_000, op="checkout",
        item=ItemRef("31000007", "CN-440100-1", "E004000000000007", "1203"), patron="P1",
        staff=None, detail=None, step=Step.DECIDED, step_ms=1, offline=True,
        decision=Decision(Result.ACCEPTED, "ok", 1_792_592_000_000), security=None, reply=None,
        answered_ms=None, parked=None, note=None,
    )


def test_asyncapi_document_has_the_3_0_structure() -> None:
    assert DOC["asyncapi"] == "3.0.0"
    assert {"title", "version"} <= set(DOC["info"])
    messages = DOC["components"]["messages"]
    for name, channel in DOC["channels"].items():
        assert channel["address"].startswith("lib/v1/")
        for param in re.findall(r"{(\w+)}", channel["address"]):
            assert param in channel["parameters"], (name, param)
        for ref in channel["messages"].values():
            assert ref["$ref"].removeprefix("#/components/messages/") in messages
    for op in DOC["operations"].values():
        assert op["action"] in ("send", "receive")
        assert op["channel"]["$ref"].removeprefix("#/channels/") in DOC["channels"]


@pytest.mark.parametrize("message", list(Message))
def test_asyncapi_schemas_are_the_code_schemas(message: Message) -> None:
    assert DOC["components"]["schemas"][message.value] == _plain(SCHEMAS[message])
    ref = DOC["components"]["messages"][message.value]["payload"]["$ref"]
    assert ref == f"#/components/schemas/{message.value}"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def test_messages_built_by_the_code_match_the_documented_schemas() -> None:
    schemas = DOC["components"]["schemas"]
    built = {
        "Tx": encode(Message.TX, _record().event()),
        "Alert": encode(Message.ALERT, {"kind": "bin_full", "severity": "warning",
                                        "detail": "bin 1 full", "ts": 1}),
        "Telemetry": encode(Message.TELEMETRY, {"ts": 1, "counters": {"checkouts": 3}}),
        "PatronRequest": encode(Message.PATRON_REQUEST, {"card": "C1", "pin": None}),
        "ItemRequest": encode(Message.ITEM_REQUEST, {"pii": "31000007", "owner": None}),
        "CommandResult": encode(Message.COMMAND_RESULT, {"cmd_id": "c1", "name": "restart",
                                                         "ok": True, "result": None}),
    }
    for name, payload in built.items():
        assert first_error(schemas[name], cbor2.loads(payload)) is None, name


def test_topics_build_and_parse_round_trip() -> None:
    t = KioskTopics("kiosk-A")
    cases = {
        t.status: TopicKind.STATUS, t.info: TopicKind.INFO, t.tx: TopicKind.TX,
        t.request("patron"): TopicKind.REQUEST, t.response: TopicKind.RESPONSE,
        t.command("restart"): TopicKind.COMMAND, t.command_result: TopicKind.COMMAND_RESULT,
        t.config: TopicKind.CONFIG, t.alert: TopicKind.ALERT, t.telemetry: TopicKind.TELEMETRY,
        holds_topic("CN-1"): TopicKind.HOLDS, holds_delta_topic("CN-1"): TopicKind.HOLDS_DELTA,
        blocked_topic("CN-1"): TopicKind.BLOCKED,
        "lib/v1/central/status": TopicKind.CENTRAL_STATUS,
    }
    for topic, kind in cases.items():
        ref = parse_topic(topic)
        assert ref is not None and ref.kind is kind, topic
    assert parse_topic(t.command("restart")).name == "restart"  # type: ignore[union-attr]
    for bad in ("lib/v2/kiosk/a/status", "lib/v1/kiosk/a/evt/other", "lib/v1/kiosk/+/res", ""):
        assert parse_topic(bad) is None
    with pytest.raises(ValueError, match="kiosk id"):
        KioskTopics("a/b")
    assert "pattern read lib/v1/kiosk/%u/res" in mosquitto_acl()
    assert "%c" not in mosquitto_acl()


@given(st.binary(max_size=300))
def test_decode_of_random_bytes_is_a_payload_or_a_payload_error(data: bytes) -> None:
    for message in Message:
        try:
            value = decode(message, "t", data)
        except PayloadError as exc:
            assert str(exc).startswith("t: ") and "\n" not in str(exc)
        else:
            assert value["v"] == 1


def test_oversized_payload_is_refused_before_decoding() -> None:
    with pytest.raises(PayloadError, match="expected ≤ 16384"):
        decode(Message.COMMAND, "t", b"\xff" * 20000)


def test_an_offline_due_date_goes_on_the_wire_as_integer_milliseconds() -> None:
    body = cbor2.loads(encode(Message.TX, _record().event()))
    assert body["decision"] == {"result": "accepted", "reason": "ok", "due": 1_792_592_000_000}
    with pytest.raises(PayloadError, match=r"decision\.due: str, expected integer"):
        encode(Message.TX, {**_record().event(), "decision": {"result": "accepted", "due": "x"}})
    reply = {"tx_id": "k1:7", "result": "accepted", "due": "2026-01-01"}
    with pytest.raises(PayloadError, match="due: str, expected integer or null"):
        decode(Message.TX_REPLY, "t", cbor2.dumps({"v": 1, **reply}))


def test_a_staff_row_is_a_valid_tx_message() -> None:
    staff = TxRecord(
        seq=8, tx_id="k1:8", intent_key="staff:8", ts_ms=1_790_000_000_000, op="staff:open_bin",
        item=None, patron=None, staff="S1", detail={"bin": 1}, step=Step.SHOWN, step_ms=1,
        offline=False, decision=None, security=None, reply=None, answered_ms=None, parked=None,
        note=None,
    )
    body = cbor2.loads(encode(Message.TX, staff.event()))
    assert (body["op"], body["staff"], body["detail"], "item" in body) == (
        "staff:open_bin", "S1", {"bin": 1}, False
    )


def test_encode_refuses_a_message_off_the_schema() -> None:
    with pytest.raises(PayloadError, match="op"):
        encode(Message.TX, {**_record().event(), "op": "steal"})


def test_examples_in_mqtt_md_are_valid_messages() -> None:
    text = (ROOT / "docs" / "mqtt.md").read_text(encoding="utf-8")
    blocks = re.findall(r"Hex \(\d+ bytes\):\n\n```\n([0-9a-f]+)\n```", text)
    kinds = [Message.TX, Message.TX_REPLY, Message.TX, Message.COMMAND, Message.CONFIG,
             Message.HOLDS, Message.BLOCKED_CARDS]
    assert len(blocks) == len(kinds)
    for hexed, kind in zip(blocks, kinds, strict=True):
        assert decode(kind, "doc", bytes.fromhex(hexed))["v"] == 1
    offline, staff = (cbor2.loads(bytes.fromhex(blocks[i])) for i in (0, 2))
    assert offline["decision"]["due"] == 1_792_591_999_999
    assert (staff["op"], staff["staff"], "item" in staff) == ("staff:empty_bin", "S07", False)
