"""The kiosk's link to central over MQTT 5 (design/mqtt-contract.md; docs/mqtt.md).

- :mod:`~kiosk.link.topics` — topic names of the contract, builders and parser, the broker ACL.
- :mod:`~kiosk.link.payloads` — CBOR messages: schemas, size limits, checked encode/decode.
- :mod:`~kiosk.link.schema` — the small JSON Schema subset checker the payloads use.
- :mod:`~kiosk.link.commands` — remote commands, at most once per ``cmd_id``.
- :mod:`~kiosk.link.store` — the journal/state calls the link makes, on their owner thread.
- :mod:`~kiosk.link.link` — :class:`KioskLink`: outbox drain, online requests, downlink.
- :mod:`~kiosk.link._paho` — the only module importing paho-mqtt (also used by central).
"""

from kiosk.link._paho import Backoff, Endpoint, MqttClient, TlsFiles, Will
from kiosk.link.commands import CommandHandler, CommandRunner
from kiosk.link.link import ClientPort, KioskLink, LinkSettings
from kiosk.link.payloads import Message, decode, encode
from kiosk.link.store import ExecutorStore, LinkStore
from kiosk.link.topics import KioskTopics, mosquitto_acl, parse_topic

__all__ = [
    "Backoff",
    "ClientPort",
    "CommandHandler",
    "CommandRunner",
    "Endpoint",
    "ExecutorStore",
    "KioskLink",
    "KioskTopics",
    "LinkSettings",
    "LinkStore",
    "Message",
    "MqttClient",
    "TlsFiles",
    "Will",
    "decode",
    "encode",
    "mosquitto_acl",
    "parse_topic",
]
