"""The MQTT topic names of the kiosk ↔ central contract (mqtt-contract.md), built and parsed in
one place.

A kiosk's id is the segment after ``lib/v1/kiosk/``; the broker's ACLs let a kiosk write only
under its own id, so that segment (never a payload field) is who sent a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CENTRAL_STATUS",
    "KIOSK_PREFIX",
    "KioskTopic",
    "blocked_topic",
    "command_reply_topic",
    "command_topic",
    "config_topic",
    "holds_topic",
    "parse_kiosk_topic",
    "reply_topic",
    "subscriptions",
    "valid_id",
]

KIOSK_PREFIX = "lib/v1/kiosk/"
CENTRAL_STATUS = "lib/v1/central/status"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

# Kiosk → central topics central listens to: (suffix, QoS, shared among central instances).
# Retained state (status, info) goes to every instance: shared subscriptions get no retained
# messages, and recording the same state twice is harmless.
_INBOUND: tuple[tuple[str, int, bool], ...] = (
    ("evt/tx", 1, True),
    ("req/+", 1, True),
    ("cmd/res", 1, True),
    ("evt/alert", 1, True),
    ("evt/telemetry", 0, True),
    ("status", 1, False),
    ("info", 1, False),
)


def valid_id(value: str) -> bool:
    """A kiosk id, ISIL or command name usable as one topic level (no wildcards, no slash)."""
    return _ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class KioskTopic:
    """``lib/v1/kiosk/{kiosk}/{rest}`` split into its sender and its kind (``evt/tx``, …)."""

    kiosk: str
    kind: str


def parse_kiosk_topic(topic: str) -> KioskTopic | None:
    if not topic.startswith(KIOSK_PREFIX):
        return None
    kiosk, _, kind = topic[len(KIOSK_PREFIX) :].partition("/")
    if not valid_id(kiosk) or not kind:
        return None
    return KioskTopic(kiosk, kind)


def reply_topic(kiosk: str) -> str:
    return f"{KIOSK_PREFIX}{kiosk}/res"


def config_topic(kiosk: str) -> str:
    return f"{KIOSK_PREFIX}{kiosk}/config"


def command_topic(kiosk: str, name: str) -> str:
    return f"{KIOSK_PREFIX}{kiosk}/cmd/{name}"


def command_reply_topic(kiosk: str) -> str:
    return f"{KIOSK_PREFIX}{kiosk}/cmd/res"


def holds_topic(isil: str) -> str:
    return f"lib/v1/library/{isil}/holds"


def blocked_topic(isil: str) -> str:
    """The patron cards library ``isil``'s machines must refuse (retained)."""
    return f"lib/v1/library/{isil}/blocked"


def subscriptions(share_group: str | None) -> list[tuple[str, int]]:
    """Topic filters and QoS for one central instance; with ``share_group`` the work topics go
    through an MQTT 5 shared subscription, so each message reaches one instance of the group."""
    found = []
    for suffix, qos, shared in _INBOUND:
        topic = f"{KIOSK_PREFIX}+/{suffix}"
        if shared and share_group:
            topic = f"$share/{share_group}/{topic}"
        found.append((topic, qos))
    return found
