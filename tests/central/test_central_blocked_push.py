"""Central pushes the blocked cards to every member library's retained ``…/blocked`` topic, in
the contract's schema, whenever their version changes and again after a (re)start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest
from central_world import LIB_A, LIB_B, NOW, build

from central.service.handler import CentralHandler
from central.store.database import Database
from central.store.service_tables import ServiceStore
from kiosk.link.payloads import Message, decode
from kiosk.link.topics import TopicKind, blocked_topic, parse_topic


@pytest.fixture
def handler(tmp_path: Path) -> Iterator[CentralHandler]:
    db = Database(tmp_path / "service.db")
    yield CentralHandler(build(), ServiceStore(db))
    db.close()


def lists(handler: CentralHandler, now: int) -> dict[str, Any]:
    return {
        m.topic: decode(Message.BLOCKED_CARDS, m.topic, m.payload)
        for m in handler.tick(now)
        if m.topic.endswith("/blocked")
        and m.retain
        and m.qos == 1
    }


def test_every_member_library_gets_the_list_and_its_version(handler: CentralHandler) -> None:
    first = lists(handler, NOW)
    assert set(first) == {blocked_topic(LIB_A), blocked_topic(LIB_B)}  # not the non-member
    body = first[blocked_topic(LIB_A)]
    assert body == {"v": 1, "library": LIB_A, "version": body["version"], "cards": ["P3"]}
    assert first[blocked_topic(LIB_B)]["cards"] == ["P3"]
    ref = parse_topic(blocked_topic(LIB_B))
    assert ref is not None and (ref.kind, ref.owner) == (TopicKind.BLOCKED, LIB_B)

    assert lists(handler, NOW + 1000) == {}  # nothing changed: nothing sent
    handler.domain.block_patron("P1", "fines")
    second = lists(handler, NOW + 2000)
    assert second[blocked_topic(LIB_A)]["cards"] == ["P1", "P3"]
    assert second[blocked_topic(LIB_A)]["version"] > body["version"]
    handler.domain.unblock_patron("P3")
    assert lists(handler, NOW + 3000)[blocked_topic(LIB_B)]["cards"] == ["P1"]

    handler.resync()  # after a reconnection the retained lists are asserted again
    assert set(lists(handler, NOW + 4000)) == {blocked_topic(LIB_A), blocked_topic(LIB_B)}


def test_the_payload_is_plain_cbor_with_v1(handler: CentralHandler) -> None:
    (message,) = [m for m in handler.tick(NOW) if m.topic == blocked_topic(LIB_A)]
    assert cbor2.loads(message.payload)["v"] == 1
