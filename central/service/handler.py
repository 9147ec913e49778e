"""Sans-IO message handling of the reference central service.

:meth:`CentralHandler.handle` takes one received message (topic, payload bytes, MQTT 5
properties) and returns the messages to publish; :meth:`CentralHandler.tick` does the periodic
work (reorder timeouts, hold-shelf expiry, retained snapshots of the holds and the blocked
cards, configs, commands, central's own status). No sockets, threads or clocks here: the runner
(:mod:`central.service.runner`) feeds it and publishes what it returns, and tests feed it bytes.

Trust: a kiosk is who the topic says (the broker's ACLs key on the certificate name); a payload
naming another kiosk is refused, and replies always go to the sender's own ``…/res`` topic,
whatever Response Topic the request carried.

Properties (in and out) are a dict with the keys ``response_topic`` (str),
``correlation_data`` (bytes) and ``message_expiry`` (seconds).

Staff actions (``op`` = ``staff:<action>``) arrive on ``evt/tx`` like transactions and are
answered the same way (``accepted`` / ``ok``); the domain records them in its audit list.

Errors: a message that cannot be processed (bad CBOR, too big, wrong field types, an
unregistered kiosk) is logged on one line and, when the sender asked for a reply (a Response
Topic), answered with ``{"v": 1, "error": code, "detail": text}``. Such a reply carries no
``result`` and is NOT an acknowledgement: the kiosk keeps the transaction queued. A database error
gets no reply at all, so the kiosk simply retries.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from central.domain.errors import CentralError, TransactionError, UnknownRecordError
from central.domain.messages import Held, Reply
from central.domain.service import CentralDomain
from central.service.payloads import MAX_PAYLOAD, decode_map, encode_map, field_text
from central.service.topics import (
    CENTRAL_STATUS,
    blocked_topic,
    command_reply_topic,
    command_topic,
    config_topic,
    holds_topic,
    parse_kiosk_topic,
    reply_topic,
    valid_id,
)
from central.store.service_tables import Command, ServiceStore

__all__ = ["CentralHandler", "HandlerConfig", "Publish"]

Properties = Mapping[str, object]
_MAX_DETAIL = 300


@dataclass(frozen=True, slots=True)
class Publish:
    """One message to publish."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False
    properties: Properties = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HandlerConfig:
    """``max_payload``: bytes accepted per message. ``status_every_ms``: how often each instance
    re-asserts the retained ``lib/v1/central/status`` = ``online`` (another instance's Will may
    have set it ``offline``). ``command_expiry_s``: default life of a command."""

    max_payload: int = MAX_PAYLOAD
    status_every_ms: int = 60_000
    command_expiry_s: int = 3600


class _Refused(Exception):
    """A message that is answered with an error reply (``code``) instead of being processed."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class CentralHandler:
    """Turns received messages and clock ticks into messages to publish."""

    def __init__(
        self,
        domain: CentralDomain,
        store: ServiceStore,
        config: HandlerConfig | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.domain = domain
        self.store = store
        self.config = config if config is not None else HandlerConfig()
        self._log = log if log is not None else logging.getLogger("central.service")
        self._ticked = False
        self._holds_version: int | None = None
        self._blocked_version: int | None = None
        self._status_ms: int | None = None
        self._routes: dict[str, Callable[[str, bytes, Properties, int], list[Publish]]] = {
            "evt/tx": self._transaction,
            "req/patron": self._patron,
            "req/item": self._item,
            "status": self._status,
            "info": self._info,
            "cmd/res": self._command_result,
            "evt/alert": self._alert,
            "evt/telemetry": self._telemetry,
        }

    # ------------------------------------------------------------------ messages in

    def handle(
        self, topic: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        parsed = parse_kiosk_topic(topic)
        route = None if parsed is None else self._routes.get(parsed.kind)
        if parsed is not None and route is None and parsed.kind.startswith("req/"):
            detail = f"{parsed.kind}: unknown request, expected req/patron or req/item"
            return self._refuse(parsed.kiosk, topic, properties, "unknown_request", detail)
        if parsed is None or route is None:
            self._log.warning("dropped %s: not a kiosk topic central handles", topic)
            return []
        try:
            return route(parsed.kiosk, payload, properties, now_ms)
        except _Refused as exc:
            return self._refuse(parsed.kiosk, topic, properties, exc.code, str(exc))
        except UnknownRecordError as exc:
            return self._refuse(parsed.kiosk, topic, properties, "unknown", str(exc))
        except CentralError as exc:
            return self._refuse(parsed.kiosk, topic, properties, "bad_request", str(exc))
        except sqlite3.Error as exc:  # no reply: the kiosk retries, nothing was acknowledged
            self._log.error("not processed %s: database error: %s", topic, exc)
            return []

    def _refuse(
        self, kiosk: str, topic: str, properties: Properties, code: str, detail: str
    ) -> list[Publish]:
        if len(detail) > _MAX_DETAIL:  # a bad value may be echoed; keep log and reply small
            detail = detail[: _MAX_DETAIL - 1] + "…"
        self._log.warning("dropped %s (%s): %s", topic, code, detail)
        if not isinstance(properties.get("response_topic"), str):
            return []
        body = {"error": code, "detail": detail}
        return [self._reply(kiosk, body, properties.get("correlation_data"))]

    def _reply(self, kiosk: str, body: Mapping[str, object], correlation: object) -> Publish:
        props: dict[str, object] = {}
        if isinstance(correlation, bytes):
            props["correlation_data"] = correlation
        return Publish(reply_topic(kiosk), encode_map(body), properties=props)

    def _tx_reply(self, kiosk: str, reply: Reply) -> Publish:
        return self._reply(kiosk, reply.to_wire(), reply.tx_id.encode())

    def _transaction(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        topic = f"{kiosk}/evt/tx"
        data = decode_map(topic, payload, self.config.max_payload)
        self._check_response_topic(kiosk, properties)
        self.store.touch(kiosk, now_ms)
        try:
            outcome = self.domain.apply_wire(data, now_ms, kiosk=kiosk)
        except TransactionError as exc:
            raise _Refused("bad_transaction", f"{topic}: {exc}") from None
        out = [] if isinstance(outcome, Held) else [self._tx_reply(kiosk, outcome)]
        if isinstance(outcome, Held):
            self._log.info(
                "held %s: waiting for seq %d of %s", outcome.tx_id, outcome.expected, kiosk
            )
        return out + self._replies(self.domain.take_released())

    def _replies(self, replies: list[Reply]) -> list[Publish]:
        """Publishes for replies of transactions that ran later than they arrived."""
        out = []
        for reply in replies:
            done = self.domain.repo.get_processed(reply.tx_id)
            if done is not None:
                out.append(self._tx_reply(done.kiosk, reply))
        return out

    def _check_response_topic(self, kiosk: str, properties: Properties) -> None:
        asked = properties.get("response_topic")
        if isinstance(asked, str) and asked != reply_topic(kiosk):
            self._log.warning(
                "%s asked for replies on %s; replying on %s", kiosk, asked, reply_topic(kiosk)
            )

    def _patron(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        topic = f"{kiosk}/req/patron"
        data = decode_map(topic, payload, self.config.max_payload)
        self._check_response_topic(kiosk, properties)
        card = field_text(topic, data, "card")
        pin = data.get("pin")
        if pin is not None and not isinstance(pin, str):
            raise _Refused("bad_request", f"{topic}: pin: {type(pin).__name__}, expected text")
        self.store.touch(kiosk, now_ms)
        answer = self.domain.patron(card, pin, now_ms, kiosk=kiosk)
        return [self._reply(kiosk, answer.to_wire(), properties.get("correlation_data"))]

    def _item(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        topic = f"{kiosk}/req/item"
        data = decode_map(topic, payload, self.config.max_payload)
        self._check_response_topic(kiosk, properties)
        pii = field_text(topic, data, "pii")
        owner = field_text(topic, data, "owner", required=False)
        self.store.touch(kiosk, now_ms)
        answer = self.domain.item(pii, owner or None)
        return [self._reply(kiosk, answer.to_wire(), properties.get("correlation_data"))]

    def _status(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        del properties
        states = {b"online": True, b"offline": False}
        if payload == b"":  # a cleared retained message: nothing to record
            return []
        if payload not in states:
            raise _Refused(
                "bad_status", f"{kiosk}/status: {payload[:32]!r}, expected online/offline"
            )
        self.store.record_status(kiosk, states[payload], now_ms)
        return []

    def _info(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        del properties
        if payload == b"":
            return []
        data = decode_map(f"{kiosk}/info", payload, self.config.max_payload)
        self.store.record_info(kiosk, data, now_ms)
        return []

    def _command_result(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        del properties
        topic = f"{kiosk}/cmd/res"
        data = decode_map(topic, payload, self.config.max_payload)
        cmd_id = field_text(topic, data, "cmd_id")
        ok = data.get("ok")
        if not isinstance(ok, bool):
            raise _Refused("bad_request", f"{topic}: ok: {ok!r}, expected true or false")
        result = {"ok": ok, "result": data.get("result"), "error": data.get("error")}
        if not self.store.record_command_result(cmd_id, kiosk, result, now_ms):
            self._log.warning("%s: result for unknown command %s", topic, cmd_id)
        self.store.touch(kiosk, now_ms)
        return []

    def _alert(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        del properties
        data = decode_map(f"{kiosk}/evt/alert", payload, self.config.max_payload)
        self.store.touch(kiosk, now_ms)
        self._log.warning("alert from %s: %s", kiosk, {k: v for k, v in data.items() if k != "v"})
        return []

    def _telemetry(
        self, kiosk: str, payload: bytes, properties: Properties, now_ms: int
    ) -> list[Publish]:
        del payload, properties
        self.store.touch(kiosk, now_ms)
        return []

    # ------------------------------------------------------------------ periodic work

    def tick(self, now_ms: int) -> list[Publish]:
        """Reorder timeouts, hold expiry, snapshots, configs, commands and central's status.

        The first tick after start re-publishes every retained document and re-sends unanswered
        commands: what was marked published just before a crash may never have left.
        """
        first = not self._ticked
        self._ticked = True
        out = self._replies(self.domain.take_released())
        released = self.domain.release_gaps(now_ms)
        for reply in released:
            self._log.warning("gap skipped: %s ran after the reorder timeout", reply.tx_id)
        out += self._replies(released)
        for hold in self.domain.expire_holds(now_ms):
            self._log.info("hold %d expired on the shelf", hold.hold_id)
        out += self._holds_snapshots(force=first)
        out += self._blocked_lists(force=first)
        out += self._configs(everything=first)
        for cmd_id in self.store.expire_commands(now_ms):
            self._log.warning("command %s expired unanswered", cmd_id)
        out += [self._command(c, now_ms) for c in self.store.claim_commands(now_ms, resend=first)]
        if (
            first
            or self._status_ms is None
            or now_ms - self._status_ms >= self.config.status_every_ms
        ):
            self._status_ms = now_ms
            out.append(self.online_status())
        return out

    def _holds_snapshots(self, *, force: bool) -> list[Publish]:
        version = self.domain.holds_snapshot()["version"]
        if not force and version == self._holds_version:
            return []
        assert isinstance(version, int)
        self._holds_version = version
        out = []
        for library in self.domain.libraries():
            if library.member:
                snapshot = self.domain.holds_snapshot(library.isil)
                body = {"library": library.isil, **snapshot}
                out.append(Publish(holds_topic(library.isil), encode_map(body), retain=True))
        return out

    def _blocked_lists(self, *, force: bool) -> list[Publish]:
        """The network's blocked cards, retained on every member library's ``…/blocked`` topic
        (the patrons of a 通借通还 network use any member's machines), when their version
        changed or after a (re)start."""
        blocked = self.domain.blocked_cards()
        version = blocked["version"]
        if not force and version == self._blocked_version:
            return []
        assert isinstance(version, int)
        self._blocked_version = version
        return [
            Publish(
                blocked_topic(library.isil),
                encode_map({"library": library.isil, **blocked}),
                retain=True,
            )
            for library in self.domain.libraries()
            if library.member
        ]

    def _configs(self, *, everything: bool) -> list[Publish]:
        return [
            Publish(
                config_topic(record.kiosk),
                encode_map({**record.document, "version": record.version}),
                retain=True,
            )
            for record in self.store.claim_configs(everything=everything)
        ]

    def _command(self, command: Command, now_ms: int) -> Publish:
        body = {"cmd_id": command.cmd_id, "args": dict(command.args), "expires": command.expires_ms}
        props = {
            "response_topic": command_reply_topic(command.kiosk),
            "correlation_data": command.cmd_id.encode(),
            "message_expiry": max(1, math.ceil((command.expires_ms - now_ms) / 1000)),
        }
        return Publish(
            command_topic(command.kiosk, command.name), encode_map(body), properties=props
        )

    def resync(self) -> None:
        """After a (re)connection: the next tick re-publishes every retained document and
        re-sends unanswered commands (whatever was in flight may have been lost)."""
        self._ticked = False

    def online_status(self) -> Publish:
        return Publish(CENTRAL_STATUS, b"online", retain=True)

    def offline_status(self) -> Publish:
        """Central's Will and its last word on a clean stop."""
        return Publish(CENTRAL_STATUS, b"offline", retain=True)

    # ------------------------------------------------------------------ staff operations

    def push_config(self, kiosk: str, document: Mapping[str, object]) -> int:
        """Store a new desired configuration for a registered kiosk; the next tick publishes it
        (retained). Returns its version."""
        self.domain.kiosk(kiosk)
        reserved = sorted({"v", "version"} & set(document))
        if reserved:
            raise TransactionError(
                f"config for {kiosk}: key {reserved[0]!r} is set by central, leave it out"
            )
        return self.store.put_config(kiosk, document)

    def queue_command(
        self,
        kiosk: str,
        name: str,
        args: Mapping[str, object],
        *,
        cmd_id: str,
        now_ms: int,
        expires_s: int | None = None,
    ) -> Command:
        """Store a command for a registered kiosk; the next tick sends it with its expiry."""
        self.domain.kiosk(kiosk)
        if not valid_id(name) or name == "res":
            raise TransactionError(f"command name {name!r}: expected letters, digits, - or _")
        life = self.config.command_expiry_s if expires_s is None else expires_s
        if life <= 0:
            raise TransactionError(f"command expiry {life} s: expected > 0")
        command = Command(cmd_id, kiosk, name, dict(args), now_ms, now_ms + life * 1000)
        self.store.add_command(command)
        return command
