"""The kiosk's link to central over MQTT 5: outbox drain, online requests, commands, config, holds.

Everything here runs on the asyncio loop. The MQTT client (:mod:`kiosk.link._paho`) turns each
paho callback into an event value on this loop; one consumer task handles them in order, so the
journal is only ever reached through :class:`~kiosk.link.store.LinkStore` (its owner thread).

Delivery (contract "Guarantees"): on every connect paho's resend queue is dropped and the outbox
is drained again from the start, in ``seq`` order, with at most ``window`` transactions awaiting
central's reply (never more than the broker's Receive Maximum). A row leaves the outbox only when
central's reply arrives on ``res`` (:meth:`LinkStore.ack`); a PUBACK refusal (reason ≥ 0x80, e.g.
not authorized) parks the row and raises an alert. Replies that do not come within
``resend_after_s`` make the drain start over (duplicates are expected; central dedupes by tx_id).

Online requests (:meth:`KioskLink.request_tx`, :meth:`KioskLink.lookup_patron`,
:meth:`KioskLink.lookup_item`) return None when the link is down or central does not answer in
``request_timeout_s``: the caller's offline policy decides then. Their method names and meaning
match the runtime's ``CentralPort``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.errors import KioskError, PayloadError
from kiosk.journal import HoldRow
from kiosk.link._paho import (
    Backoff,
    Connected,
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
from kiosk.link.commands import CommandHandler, CommandRunner
from kiosk.link.payloads import (
    ALERT_KINDS,
    STATUS_OFFLINE,
    STATUS_ONLINE,
    Message,
    decode,
    decode_status,
    encode,
)
from kiosk.link.store import LinkStore
from kiosk.link.topics import (
    CENTRAL_STATUS,
    KioskTopics,
    TopicKind,
    blocked_topic,
    holds_delta_topic,
    holds_topic,
    parse_topic,
)

__all__ = ["ClientPort", "KioskLink", "LinkSettings"]

_log = logging.getLogger(__name__)
# While the drain is busy, info (which counts the outbox) goes out at most this often; once
# nothing is in flight it goes out at once.
_INFO_EVERY_S = 1.0

ConfigApplier = Callable[[Mapping[str, Any]], Awaitable[None] | None]


class ClientPort(Protocol):
    """The part of :class:`~kiosk.link._paho.MqttClient` the link uses."""

    @property
    def connected(self) -> bool: ...
    def start(self) -> None: ...
    def stop(self, *, send_will: bool = True) -> None: ...
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
    ) -> int | None: ...
    def subscribe(self, topics: list[tuple[str, int]], *, no_local: bool = False) -> bool: ...


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """Who the kiosk is, where the broker is, and the link's limits."""

    kiosk: str
    host: str
    port: int
    tls: TlsFiles
    software: str
    boot_id: str
    libraries: tuple[str, ...] = ()  # ISILs whose holds snapshots to keep for offline use
    # the first is the kiosk's own library: its blocked-card list is kept too
    window: int = 10  # transactions awaiting central's reply at once (drain)
    request_timeout_s: float = 3.0
    resend_after_s: float = 30.0
    keepalive_s: int = 30
    session_expiry_s: int = 7 * 24 * 3600
    tick_s: float = 0.5  # drain housekeeping period (stall check, info refresh)
    backoff: Backoff = field(default_factory=Backoff)


class KioskLink:
    """One kiosk's MQTT link; :meth:`start` inside the running loop, :meth:`stop` at exit."""

    def __init__(
        self,
        settings: LinkSettings,
        store: LinkStore,
        *,
        clock: Callable[[], float] = time.time,
        commands: Mapping[str, CommandHandler] | None = None,
        apply_config: ConfigApplier | None = None,
        health: Callable[[], Mapping[str, Any]] | None = None,
        client_factory: Callable[
            [Endpoint, Callable[[MqttEvent], None], asyncio.AbstractEventLoop], ClientPort
        ]
        | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not 1 <= settings.window <= 65535:
            raise ValueError(f"window: expected 1..65535, got {settings.window}")
        self._settings = settings
        self._topics = KioskTopics(settings.kiosk)
        self._store = store
        self._clock = clock
        self._apply_config = apply_config
        self._health = health
        self._rng = random.Random() if rng is None else rng
        self._factory = client_factory
        self._commands = CommandRunner(commands or {}, store, clock)
        self._commands.add("sync_now", self._sync_now)
        self._client: ClientPort | None = None
        self._inbox: asyncio.Queue[MqttEvent] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._spawned: set[asyncio.Task[None]] = set()
        # connection state (reset on every connect)
        self._connected = False
        self._epoch = 0
        self._receive_max = 65535
        self._cursor = 0
        self._inflight: dict[str, float] = {}  # tx_id → monotonic time it was published
        self._mids: dict[int, str] = {}  # mid → tx_id, for PUBACK refusals
        # requests awaiting a reply
        self._tx_waiters: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._lookups: dict[bytes, tuple[Message, asyncio.Future[dict[str, Any] | None]]] = {}
        # downlink state
        self._config_version: int | None = None
        self._holds: dict[str, tuple[int, list[HoldRow]]] = {}
        self._central_online: bool | None = None
        self._pending_alerts: deque[bytes] = deque(maxlen=100)
        self._info_dirty = False
        self._info_at = 0.0  # monotonic time of the last info publish

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect in the background; returns at once (start-up never waits for the network)."""
        loop = asyncio.get_running_loop()
        applied = await self._store.applied_config()
        self._config_version = None if applied is None else applied.version
        s = self._settings
        endpoint = Endpoint(
            host=s.host,
            port=s.port,
            client_id=s.kiosk,
            tls=s.tls,
            keepalive_s=s.keepalive_s,
            session_expiry_s=s.session_expiry_s,
            will=Will(self._topics.status, STATUS_OFFLINE, qos=1, retain=True),
        )
        if self._factory is None:
            self._client = MqttClient(
                endpoint, self._on_event, loop=loop, backoff=s.backoff, rng=self._rng
            )
        else:
            self._client = self._factory(endpoint, self._on_event, loop)
        self._tasks = [
            asyncio.create_task(self._consume(), name="link-consume"),
            asyncio.create_task(self._drain(), name="link-drain"),
        ]
        self._client.start()

    async def stop(self) -> None:
        """Disconnect (the broker then publishes our retained ``offline``) and end the tasks."""
        for task in [*self._tasks, *self._spawned]:
            task.cancel()
        for task in [*self._tasks, *self._spawned]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._fail_waiters()
        if self._client is not None:
            await asyncio.to_thread(self._client.stop, send_will=True)
            self._client = None
        self._connected = False

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def central_online(self) -> bool | None:
        """Central's retained status: True, False, or None before it was heard."""
        return self._central_online

    @property
    def config_version(self) -> int | None:
        return self._config_version

    # -- the runtime's CentralPort ---------------------------------------------------------

    async def request_tx(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Send one ``evt/tx`` now and wait for central's reply; None → offline policy decides.

        The row is in the outbox already (journal first); the reply also acknowledges it.
        """
        tx_id = str(event.get("tx_id"))
        if not self._connected:
            return None
        future = self._tx_waiters.get(tx_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._tx_waiters[tx_id] = future
            if not self._send_tx(event):
                self._tx_waiters.pop(tx_id, None)
                return None
        try:
            return await asyncio.wait_for(
                asyncio.shield(future), self._settings.request_timeout_s
            )
        except TimeoutError:
            return None
        finally:
            if self._tx_waiters.get(tx_id) is future and future.done():
                self._tx_waiters.pop(tx_id, None)

    async def lookup_patron(self, card: str, pin: str | None) -> dict[str, Any] | None:
        """Ask central about a patron card (and PIN); None when central cannot be asked."""
        body = {"card": card, "pin": pin}
        return await self._lookup("patron", Message.PATRON_REQUEST, body, Message.PATRON_REPLY)

    async def lookup_item(self, pii: str, owner: str | None = None) -> dict[str, Any] | None:
        """Ask central for an item's display data and status; None when it cannot be asked."""
        body = {"pii": pii, "owner": owner}
        return await self._lookup("item", Message.ITEM_REQUEST, body, Message.ITEM_REPLY)

    # -- uplink helpers --------------------------------------------------------------------

    def notify_outbox(self) -> None:
        """A new row is in the outbox: drain now rather than at the next tick."""
        self._wake.set()

    def raise_alert(
        self,
        kind: str,
        detail: str,
        *,
        severity: str = "warning",
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Publish an alert (QoS 1); kept and sent on the next connect while the link is down."""
        if kind not in ALERT_KINDS:
            raise ValueError(f"alert kind: expected one of {', '.join(ALERT_KINDS)}, got {kind!r}")
        body: dict[str, Any] = {
            "kind": kind,
            "severity": severity,
            "detail": detail,
            "ts": self._now_ms(),
        }
        if data is not None:
            body["data"] = dict(data)
        payload = encode(Message.ALERT, body, self._topics.alert)
        if self._publish(self._topics.alert, payload) is None:
            self._pending_alerts.append(payload)

    def publish_telemetry(
        self,
        counters: Mapping[str, int | float] | None = None,
        gauges: Mapping[str, int | float] | None = None,
    ) -> bool:
        """Publish counters and gauges (QoS 0, lossy by design); False when not connected."""
        body = {
            "ts": self._now_ms(),
            "counters": dict(counters or {}),
            "gauges": dict(gauges or {}),
        }
        payload = encode(Message.TELEMETRY, body, self._topics.telemetry)
        return self._publish(self._topics.telemetry, payload, qos=0) is not None

    async def publish_info(self) -> bool:
        """Publish the retained ``info`` (software, boot id, config version, outbox depth)."""
        depth = await self._store.outbox_depth()
        health = dict(self._health()) if self._health is not None else {}
        body = {
            "kiosk": self._settings.kiosk,
            "sw": self._settings.software,
            "boot_id": self._settings.boot_id,
            "config_version": self._config_version,
            "outbox_depth": depth,
            "health": health,
            "ts": self._now_ms(),
        }
        payload = encode(Message.INFO, body, self._topics.info)
        self._info_dirty = False
        self._info_at = time.monotonic()
        return self._publish(self._topics.info, payload, retain=True) is not None

    # -- events from the MQTT client -------------------------------------------------------

    def _on_event(self, event: MqttEvent) -> None:
        self._inbox.put_nowait(event)

    async def _consume(self) -> None:
        while True:
            event = await self._inbox.get()
            try:
                await self._handle(event)
            except (KioskError, ValueError, TypeError, KeyError) as exc:
                _log.warning("link: event %s not handled: %s", type(event).__name__, exc)

    async def _handle(self, event: MqttEvent) -> None:
        if isinstance(event, Incoming):
            await self._incoming(event)
        elif isinstance(event, PublishDone):
            await self._publish_done(event)
        elif isinstance(event, Connected):
            await self._on_connected(event)
        elif isinstance(event, Disconnected | ConnectFailed):
            if self._connected:
                _log.warning("link: disconnected: %s", event.reason)
            else:
                _log.info("link: not connected: %s", event.reason)
            self._on_down()

    async def _on_connected(self, event: Connected) -> None:
        client = self._require_client()
        self._connected = True
        self._epoch += 1
        self._receive_max = max(1, event.receive_maximum)
        self._cursor = 0
        self._inflight.clear()
        self._mids.clear()
        t = self._topics
        downlink = [(t.response, 1), (t.config, 1), (CENTRAL_STATUS, 1)]
        downlink += [(holds_topic(isil), 1) for isil in self._settings.libraries]
        downlink += [(holds_delta_topic(isil), 1) for isil in self._settings.libraries]
        downlink += [(blocked_topic(isil), 1) for isil in self._settings.libraries[:1]]
        client.subscribe(downlink)
        client.subscribe([(t.commands, 1)], no_local=True)
        self._publish(t.status, STATUS_ONLINE, retain=True)
        await self.publish_info()
        while self._pending_alerts and self._connected:
            if self._publish(t.alert, self._pending_alerts[0]) is None:
                break
            self._pending_alerts.popleft()
        _log.info("link: connected (session present: %s)", event.session_present)
        self._wake.set()

    def _on_down(self) -> None:
        self._connected = False
        self._inflight.clear()
        self._mids.clear()
        self._fail_waiters()

    def _fail_waiters(self) -> None:
        """Requests in flight get None at once: the offline policy should not wait for nothing."""
        for future in self._tx_waiters.values():
            if not future.done():
                future.set_result(None)
        self._tx_waiters.clear()
        for _kind, future in self._lookups.values():
            if not future.done():
                future.set_result(None)
        self._lookups.clear()

    async def _publish_done(self, event: PublishDone) -> None:
        tx_id = self._mids.pop(event.mid, None)
        if tx_id is None or not event.failed:
            return
        reason = f"broker refused the publish: {event.reason} (0x{event.code:02X})"
        _log.error("link: %s parked: %s", tx_id, reason)
        self._inflight.pop(tx_id, None)
        waiter = self._tx_waiters.pop(tx_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        await self._store.park(tx_id, reason)
        self.raise_alert(
            "outbox_parked", f"{tx_id}: {reason}", severity="critical", data={"tx_id": tx_id}
        )
        self._info_dirty = True
        self._wake.set()

    async def _incoming(self, msg: Incoming) -> None:
        ref = parse_topic(msg.topic)
        own = ref is not None and ref.owner == self._settings.kiosk
        try:
            if ref is None:
                raise PayloadError(f"{msg.topic}: not a topic of the contract")
            if ref.kind is TopicKind.RESPONSE and own:
                await self._response(msg)
            elif ref.kind is TopicKind.COMMAND and own and ref.name is not None:
                self._spawn(self._command(ref.name, msg))
            elif ref.kind is TopicKind.CONFIG and own:
                await self._config(msg)
            elif ref.kind is TopicKind.HOLDS and ref.owner is not None:
                await self._holds_snapshot(ref.owner, msg)
            elif ref.kind is TopicKind.HOLDS_DELTA and ref.owner is not None:
                await self._holds_delta(ref.owner, msg)
            elif ref.kind is TopicKind.BLOCKED and ref.owner in self._settings.libraries[:1]:
                await self._blocked_cards(msg)
            elif ref.kind is TopicKind.CENTRAL_STATUS:
                self._central_online = decode_status(msg.topic, msg.payload)
            elif ref.kind is TopicKind.COMMAND_RESULT:
                return  # our own results, should a broker ignore No Local
            else:
                raise PayloadError(f"{msg.topic}: not a topic this kiosk reads")
        except PayloadError as exc:
            _log.warning("link: dropped message: %s", exc)

    # -- replies ---------------------------------------------------------------------------

    async def _response(self, msg: Incoming) -> None:
        pending = self._lookups.get(msg.correlation or b"")
        if pending is not None:
            kind, future = pending
            reply = decode(kind, msg.topic, msg.payload)
            self._lookups.pop(msg.correlation or b"", None)
            if not future.done():
                future.set_result(reply)
            return
        reply = decode(Message.TX_REPLY, msg.topic, msg.payload)
        tx_id = str(reply["tx_id"])
        if msg.correlation is not None and msg.correlation != tx_id.encode():
            raise PayloadError(
                f"{msg.topic}: reply for {tx_id!r} carries correlation data "
                f"{msg.correlation[:40]!r}, expected the tx_id"
            )
        # not awaited here: the next replies are read meanwhile, and the store writes them in
        # one transaction (the row is only released once its reply is committed)
        self._spawn(self._record_reply(msg.topic, tx_id, reply))

    async def _record_reply(self, topic: str, tx_id: str, reply: dict[str, Any]) -> None:
        try:
            await self._store.ack(tx_id, reply)
        except KioskError as exc:
            _log.warning("link: dropped message: %s: reply for %r cannot be recorded: %s",
                         topic, tx_id, exc)
            return
        self._inflight.pop(tx_id, None)
        waiter = self._tx_waiters.pop(tx_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)
        self._info_dirty = True
        self._wake.set()

    async def _lookup(
        self, op: str, kind: Message, body: dict[str, Any], reply_kind: Message
    ) -> dict[str, Any] | None:
        topic = self._topics.request(op)
        payload = encode(kind, body, topic)
        if not self._connected:
            return None
        correlation = b"req:" + os.urandom(8).hex().encode()
        future: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
        self._lookups[correlation] = (reply_kind, future)
        sent = self._publish(
            topic, payload, correlation=correlation, response_topic=self._topics.response
        )
        try:
            if sent is None:
                return None
            return await asyncio.wait_for(future, self._settings.request_timeout_s)
        except TimeoutError:
            return None
        finally:
            self._lookups.pop(correlation, None)

    # -- commands, config, holds -----------------------------------------------------------

    async def _command(self, name: str, msg: Incoming) -> None:
        try:
            command = decode(Message.COMMAND, msg.topic, msg.payload)
        except PayloadError as exc:
            _log.warning("link: dropped message: %s", exc)
            return
        if msg.response_topic not in (None, self._topics.command_result):
            _log.warning(
                "link: command %s asks for replies on %s; answering on %s instead",
                command["cmd_id"],
                msg.response_topic,
                self._topics.command_result,
            )
        result = await self._commands.run(name, command, msg.expiry_s)
        if result is None:
            return
        topic = self._topics.command_result
        self._publish(topic, encode(Message.COMMAND_RESULT, result, topic),
                      correlation=msg.correlation)

    async def _sync_now(self, _args: Mapping[str, Any]) -> dict[str, Any]:
        """Built-in ``sync_now``: start the drain over and report the outbox depth."""
        self._cursor = 0
        self._inflight.clear()
        self._wake.set()
        return {"outbox_depth": await self._store.outbox_depth()}

    async def _config(self, msg: Incoming) -> None:
        config = decode(Message.CONFIG, msg.topic, msg.payload)
        version = int(config["version"])
        if self._config_version is not None and version <= self._config_version:
            _log.debug("link: config v%d already applied (have v%d)", version,
                       self._config_version)
            return
        body = {k: v for k, v in config.items() if k != "v"}
        if self._apply_config is not None:
            try:
                outcome = self._apply_config(body)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception as exc:  # a config the daemon refuses is reported, never fatal
                _log.error("link: config v%d not applied: %s", version, exc)
                return
        await self._store.record_applied_config(version, body)
        self._config_version = version
        _log.info("link: config v%d applied", version)
        await self.publish_info()

    async def _holds_snapshot(self, library: str, msg: Incoming) -> None:
        snapshot = decode(Message.HOLDS, msg.topic, msg.payload)
        rows = _hold_rows(msg.topic, snapshot["holds"])
        version = int(snapshot["version"])
        self._holds[library] = (version, rows)
        stored = await self._store.replace_holds(library, version, rows)
        _log.info("link: holds of %s v%d: %d rows%s", library, version, len(rows),
                  "" if stored else " (already stored)")

    async def _holds_delta(self, library: str, msg: Incoming) -> None:
        delta = decode(Message.HOLDS_DELTA, msg.topic, msg.payload)
        have = self._holds.get(library)
        base, version = int(delta["base"]), int(delta["version"])
        if have is None or have[0] != base:
            raise PayloadError(
                f"{msg.topic}: delta from v{base}, but holds of {library} are at "
                f"{'no version' if have is None else f'v{have[0]}'}; waiting for a snapshot"
            )
        gone = {(h.pii, h.owner, h.patron) for h in _hold_rows(msg.topic, delta.get("remove", []))}
        rows = [h for h in have[1] if (h.pii, h.owner, h.patron) not in gone]
        rows += _hold_rows(msg.topic, delta.get("add", []))
        self._holds[library] = (version, rows)
        await self._store.replace_holds(library, version, rows)

    async def _blocked_cards(self, msg: Incoming) -> None:
        """Central's blocked-card list for the offline policy; an older version is ignored."""
        body = decode(Message.BLOCKED_CARDS, msg.topic, msg.payload)
        version, cards = int(body["version"]), list(body["cards"])
        stored = await self._store.replace_blocked_cards(version, cards)
        _log.info("link: blocked cards v%d: %d cards%s", version, len(cards),
                  "" if stored else " (already stored)")

    # -- drain -----------------------------------------------------------------------------

    async def _drain(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.tick_s)
            self._wake.clear()
            if not self._connected:
                continue
            self._check_stall()
            await self._fill_window()
            if self._info_dirty and self._connected and (
                not self._inflight or time.monotonic() - self._info_at >= _INFO_EVERY_S
            ):
                await self.publish_info()

    async def _fill_window(self) -> None:
        window = min(self._settings.window, self._receive_max)
        while self._connected:
            free = window - len(self._inflight)
            if free <= 0:
                return
            epoch = self._epoch
            rows = await self._store.outbox(free, self._cursor)
            if epoch != self._epoch or not rows:
                return
            for row in rows:
                if not self._connected or epoch != self._epoch:
                    return
                self._cursor = max(self._cursor, row.seq)
                if row.tx_id in self._inflight:
                    continue
                try:
                    sent = self._send_tx(row.event())
                except PayloadError as exc:
                    await self._store.park(row.tx_id, f"cannot be sent: {exc}")
                    self.raise_alert("outbox_parked", str(exc), severity="critical",
                                     data={"tx_id": row.tx_id})
                    continue
                if not sent:
                    return

    def _check_stall(self) -> None:
        if not self._inflight:
            return
        oldest = min(self._inflight.values())
        if time.monotonic() - oldest > self._settings.resend_after_s:
            _log.warning(
                "link: no reply to %d transaction(s) for %.0f s; sending the outbox again",
                len(self._inflight),
                self._settings.resend_after_s,
            )
            self._inflight.clear()
            self._cursor = 0

    def _send_tx(self, event: Mapping[str, Any]) -> bool:
        tx_id = str(event["tx_id"])
        topic = self._topics.tx
        payload = encode(Message.TX, event, topic)
        mid = self._publish(
            topic, payload, correlation=tx_id.encode(), response_topic=self._topics.response
        )
        if mid is None:
            return False
        self._inflight[tx_id] = time.monotonic()
        self._mids[mid] = tx_id
        return True

    # -- small helpers ---------------------------------------------------------------------

    def _publish(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int = 1,
        retain: bool = False,
        correlation: bytes | None = None,
        response_topic: str | None = None,
    ) -> int | None:
        if self._client is None or not self._connected:
            return None
        return self._client.publish(
            topic,
            payload,
            qos=qos,
            retain=retain,
            correlation=correlation,
            response_topic=response_topic,
        )

    def _require_client(self) -> ClientPort:
        if self._client is None:
            raise RuntimeError("link: not started")
        return self._client

    def _spawn(self, coro: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await coro
            except (KioskError, ValueError, TypeError, KeyError) as exc:
                _log.warning("link: task failed: %s", exc)

        task = asyncio.create_task(run())
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)

    def _now_ms(self) -> int:
        return round(self._clock() * 1000)


def _hold_rows(topic: str, items: list[dict[str, Any]]) -> list[HoldRow]:
    try:
        return [
            HoldRow(h["pii"], h["owner"], h["patron"], h["pickup"], h.get("expires"))
            for h in items
        ]
    except (KioskError, ValueError, KeyError) as exc:
        raise PayloadError(f"{topic}: a hold cannot be used: {exc}") from None
