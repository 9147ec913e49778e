"""The central service's MQTT transport: the project's paho wrapper
(:mod:`kiosk.link._paho`, the one module that imports paho) shaped to
:class:`~central.service.runner.Transport`.

Central keeps a persistent session (``clean_start=False``) under a stable client id per instance,
so a restarted instance gets what the broker queued for it; its Will sets the retained
``lib/v1/central/status`` to ``offline``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from central.service.handler import Publish
from central.service.runner import CentralRunner, Connected, Received
from central.service.topics import CENTRAL_STATUS
from kiosk.link._paho import Connected as MqttConnected
from kiosk.link._paho import (
    ConnectFailed,
    Disconnected,
    Endpoint,
    Incoming,
    MqttClient,
    MqttEvent,
    PublishDone,
    TlsFiles,
    Will,
)

__all__ = ["BrokerSettings", "MqttTransport"]

_log = logging.getLogger("central.service.mqtt")


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    host: str
    port: int
    client_id: str
    cafile: Path
    cert: Path
    key: Path
    session_expiry_s: int = 600  # a dead instance's share of a shared subscription goes soon


class MqttTransport:
    """Connects one central instance to the broker and delivers to a :class:`CentralRunner`."""

    def __init__(self, settings: BrokerSettings, runner: CentralRunner) -> None:
        self._runner = runner
        endpoint = Endpoint(
            host=settings.host,
            port=settings.port,
            client_id=settings.client_id,
            tls=TlsFiles(settings.cafile, settings.cert, settings.key),
            session_expiry_s=settings.session_expiry_s,
            will=Will(CENTRAL_STATUS, b"offline", qos=1, retain=True),
        )
        self._client = MqttClient(endpoint, self._on_event)

    def start(self) -> None:
        self._client.start()

    def stop(self) -> None:
        self._client.stop(send_will=False)

    @property
    def connected(self) -> bool:
        return self._client.connected

    def publish(self, message: Publish) -> bool:
        props = message.properties
        correlation = props.get("correlation_data")
        response = props.get("response_topic")
        expiry = props.get("message_expiry")
        mid = self._client.publish(
            message.topic,
            message.payload,
            qos=message.qos,
            retain=message.retain,
            correlation=correlation if isinstance(correlation, bytes) else None,
            response_topic=response if isinstance(response, str) else None,
            expiry_s=expiry if isinstance(expiry, int) else None,
        )
        return mid is not None

    def subscribe(self, topics: Sequence[tuple[str, int]]) -> bool:
        return self._client.subscribe(topics)

    def _on_event(self, event: MqttEvent) -> None:
        """On paho's thread: hand over, never process here."""
        if isinstance(event, MqttConnected):
            self._runner.deliver(Connected())
        elif isinstance(event, Incoming):
            props: dict[str, object] = {}
            if event.response_topic is not None:
                props["response_topic"] = event.response_topic
            if event.correlation is not None:
                props["correlation_data"] = event.correlation
            if event.expiry_s is not None:
                props["message_expiry"] = event.expiry_s
            self._runner.deliver(Received(event.topic, event.payload, props))
        elif isinstance(event, ConnectFailed | Disconnected):
            _log.warning("mqtt: %s", event.reason)
        elif isinstance(event, PublishDone) and event.failed:
            _log.error("mqtt: publish %d refused by the broker: %s", event.mid, event.reason)
