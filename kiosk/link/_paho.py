"""The one module that imports paho-mqtt: a small MQTT 5 + TLS client of our own shape.

Used by the kiosk link and by the reference central service, so it knows nothing about kiosks.
Why it looks the way it does (facts in reference/mqtt-edge.md §1):

- paho's network thread (``loop_start``) does the I/O and the reconnecting, but every wait
  before a new attempt is ours: jittered exponential backoff (:class:`Backoff`), handed to paho
  as ``reconnect_delay_set(d, d)`` before each wait, never paho's un-jittered doubling.
  ``connect_async`` so that start-up never blocks on the network. (Running paho's ``loop()`` in
  a thread of our own is not an option: paho then writes to the socket from the publishing
  thread too, and two writers interleave packets.)
- MQTT 5, ``clean_start=False`` and a session expiry, so commands queued while we were away are
  still delivered after a restart (paho's default wipes the session on every new process).
- On every CONNACK paho's own resend queue is dropped (``drop_out_messages``): paho resends
  everything at once, out of order, ignoring its in-flight limit; the caller's durable outbox
  re-drives delivery in order instead.
- Every paho callback becomes one frozen event value handed to ``on_event``; with ``loop`` given
  it is marshalled onto that asyncio loop (``call_soon_threadsafe``), so nothing the caller owns
  is touched from paho's thread, and no application lock is ever taken inside a paho callback.
- ``TCP_NODELAY`` on the socket: paho leaves Nagle on, so a publish written while an earlier one
  is unacknowledged at TCP level waits for the peer's delayed ACK (~40 ms on Linux); the drain's
  one-publish-per-reply rhythm hit that wait every few messages.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

__all__ = [
    "Backoff",
    "ConnectFailed",
    "Connected",
    "Disconnected",
    "Endpoint",
    "Incoming",
    "MqttClient",
    "MqttEvent",
    "PublishDone",
    "TlsFiles",
    "Will",
]

_log = logging.getLogger(__name__)
_DEFAULT_RECEIVE_MAXIMUM = 65535  # MQTT 5 §3.2.2.3.3: absent means 65,535
_DISCONNECT_WITH_WILL = 0x04


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """CA bundle that signed the broker, and our client certificate and key (PEM files)."""

    ca: Path
    cert: Path
    key: Path


@dataclass(frozen=True, slots=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and who: broker address, client id, TLS files and session settings."""

    host: str
    port: int
    client_id: str
    tls: TlsFiles
    keepalive_s: int = 30
    session_expiry_s: int = 7 * 24 * 3600
    max_inflight: int = 20  # paho's own cap; mosquitto announces Receive Maximum 20
    connect_timeout_s: float = 5.0
    will: Will | None = None


@dataclass(frozen=True, slots=True)
class Connected:
    """CONNACK success: the broker's Receive Maximum bounds our un-acknowledged publishes."""

    session_present: bool
    receive_maximum: int


@dataclass(frozen=True, slots=True)
class ConnectFailed:
    """A connection attempt failed (socket, TLS, or a CONNACK refusal); a retry is scheduled."""

    reason: str
    retry_in_s: float


@dataclass(frozen=True, slots=True)
class Disconnected:
    reason: str


@dataclass(frozen=True, slots=True)
class PublishDone:
    """PUBACK (or local completion of QoS 0) for ``mid``; ``code`` ≥ 0x80 is a refusal."""

    mid: int
    code: int
    reason: str

    @property
    def failed(self) -> bool:
        return self.code >= 0x80


@dataclass(frozen=True, slots=True)
class Incoming:
    """One received PUBLISH with the MQTT 5 properties we use."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    correlation: bytes | None = None
    response_topic: str | None = None
    expiry_s: int | None = None  # remaining Message Expiry Interval, as the broker forwarded it


MqttEvent = Connected | ConnectFailed | Disconnected | PublishDone | Incoming


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential backoff: attempt n waits uniform(d/2, d), d = min(cap, base·2ⁿ).

    The jitter spreads a fleet of kiosks reconnecting after a broker restart.
    """

    base_s: float = 0.5
    cap_s: float = 60.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempt, 30)))
        return rng.uniform(ceiling / 2, ceiling)


class MqttClient:
    """An MQTT 5 client over TLS with a client certificate, driven by its own network thread."""

    def __init__(
        self,
        endpoint: Endpoint,
        on_event: Callable[[MqttEvent], None],
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        drop_resend_queue: bool = True,
    ) -> None:
        self._endpoint = endpoint
        self._on_event = on_event
        self._loop = loop
        self._backoff = Backoff() if backoff is None else backoff
        self._rng = random.Random() if rng is None else rng
        self._drop_resend = drop_resend_queue
        self._started = False
        self._attempt = 0
        self._client = self._build()

    # -- public API (any thread) -----------------------------------------------------------

    def start(self) -> None:
        """Begin connecting in the background; returns at once."""
        if self._started:
            return
        ep = self._endpoint
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = ep.session_expiry_s
        self._client.connect_async(
            ep.host, ep.port, keepalive=ep.keepalive_s, clean_start=False, properties=props
        )
        self._schedule_retry()
        self._client.loop_start()
        self._started = True

    def stop(self, *, send_will: bool = True) -> None:
        """Disconnect and end the network thread; ``send_will`` asks the broker for the Will."""
        if not self._started:
            return
        self._started = False
        code = _DISCONNECT_WITH_WILL if send_will else 0
        try:
            self._client.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT, identifier=code))
        except (OSError, ValueError) as exc:  # already gone: nothing to tell the broker
            _log.debug("mqtt %s: disconnect: %s", self._endpoint.client_id, exc)
        self._client.loop_stop()

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def publish(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int = 1,
        retain: bool = False,
        correlation: bytes | None = None,
        response_topic: str | None = None,
        expiry_s: int | None = None,
    ) -> int | None:
        """Send one message; the mid to match with :class:`PublishDone`, or None if not sent.

        None means the client is not connected: paho would keep a QoS 1 message for the next
        connection, but that queue is dropped on CONNACK, so the caller must send it again.
        """
        props: Properties | None = None
        if correlation is not None or response_topic is not None or expiry_s is not None:
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            if correlation is not None:
                props.CorrelationData = correlation
            if response_topic is not None:
                props.ResponseTopic = response_topic
            if expiry_s is not None:
                props.MessageExpiryInterval = expiry_s
        info = self._client.publish(topic, payload, qos=qos, retain=retain, properties=props)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        return int(info.mid)

    def subscribe(self, topics: Sequence[tuple[str, int]], *, no_local: bool = False) -> bool:
        """Subscribe (QoS per topic); False when not connected (subscribe again on Connected)."""
        if not topics:
            return True
        pairs = [(t, SubscribeOptions(qos=q, noLocal=no_local)) for t, q in topics]
        rc, _mid = self._client.subscribe(pairs)
        return bool(rc == mqtt.MQTT_ERR_SUCCESS)

    # -- paho side (network thread) --------------------------------------------------------

    def _build(self) -> mqtt.Client:
        ep = self._endpoint
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=ep.client_id,
            protocol=mqtt.MQTTv5,
        )
        client.tls_set_context(_tls_context(ep.tls))
        client.max_inflight_messages_set(ep.max_inflight)
        client.connect_timeout = ep.connect_timeout_s
        if ep.will is not None:
            w = ep.will
            client.will_set(w.topic, w.payload, qos=w.qos, retain=w.retain)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_connect_fail = self._handle_connect_fail
        client.on_publish = self._handle_publish
        client.on_message = self._handle_message
        client.on_socket_open = _no_delay
        return client

    def _schedule_retry(self) -> float:
        """Set the wait before paho's next connection attempt: our jittered exponential delay.

        paho's loop thread does the waiting and the reconnecting, but only ever with the delay
        chosen here (min = max = our delay), never its own un-jittered doubling.
        """
        delay = self._backoff.delay(self._attempt, self._rng)
        self._attempt += 1
        self._client.reconnect_delay_set(min_delay=delay, max_delay=delay)  # type: ignore[arg-type]
        return delay

    def _handle_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        delay = self._schedule_retry()
        ep = self._endpoint
        self._emit(ConnectFailed(f"cannot connect to {ep.host}:{ep.port}", delay))

    def _handle_connect(
        self, client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            delay = self._schedule_retry()
            self._emit(ConnectFailed(f"broker refused the connection: {reason}", delay))
            return
        if self._drop_resend:
            client.drop_out_messages()  # only here: it does not reset paho's in-flight count
        self._attempt = 0
        self._schedule_retry()  # the delay after losing this connection starts small again
        receive_max = getattr(props, "ReceiveMaximum", _DEFAULT_RECEIVE_MAXIMUM)
        self._emit(Connected(bool(flags.session_present), int(receive_max)))

    def _handle_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        self._emit(Disconnected(str(reason)))

    def _handle_publish(
        self, _client: mqtt.Client, _userdata: Any, mid: int, reason: Any, _props: Any
    ) -> None:
        self._emit(PublishDone(int(mid), int(reason.value), str(reason)))

    def _handle_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        props = getattr(msg, "properties", None)
        correlation = getattr(props, "CorrelationData", None)
        response = getattr(props, "ResponseTopic", None)
        expiry = getattr(props, "MessageExpiryInterval", None)
        self._emit(
            Incoming(
                topic=msg.topic,
                payload=bytes(msg.payload),
                qos=int(msg.qos),
                retain=bool(msg.retain),
                correlation=bytes(correlation) if isinstance(correlation, bytes) else None,
                response_topic=response if isinstance(response, str) else None,
                expiry_s=expiry if isinstance(expiry, int) else None,
            )
        )

    def _emit(self, event: MqttEvent) -> None:
        if self._loop is None:
            self._on_event(event)
            return
        try:
            self._loop.call_soon_threadsafe(self._on_event, event)
        except RuntimeError:  # the loop is closed: the owner has gone away
            _log.debug("mqtt %s: event after loop closed: %r", self._endpoint.client_id, event)


def _no_delay(_client: mqtt.Client, _userdata: Any, sock: Any) -> None:
    """Send each MQTT packet at once (see the module docstring: Nagle vs. delayed ACK)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError) as exc:  # not a TCP socket (e.g. a test double)
        _log.debug("mqtt: TCP_NODELAY not set: %s", exc)


def _tls_context(files: TlsFiles) -> ssl.SSLContext:
    """Verify the broker against our CA (hostname included), present our cert; TLS 1.2 or later."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(files.ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(files.cert), str(files.key))
    return context
