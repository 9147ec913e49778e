"""The central service's own records, next to the domain's in the same SQLite file: what each
kiosk last said about itself, the desired configuration per kiosk, and commands to kiosks.

They live in the database (not in the process) because the command line and every central
instance must see the same thing: ``kiosk-central config push`` or ``cmd`` writes a row, and
whichever instance ticks next publishes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import cbor2

from central.store.database import Database

__all__ = ["Command", "CommandState", "ConfigRecord", "KioskStatus", "ServiceStore"]


class CommandState:
    """A command's life: queued → sent → done, or expired when its time ran out unanswered."""

    QUEUED = "queued"
    SENT = "sent"
    DONE = "done"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class KioskStatus:
    """What a kiosk last said about itself (``status`` and ``info``) and when it was last heard."""

    kiosk: str
    online: bool | None = None
    status_ms: int | None = None
    info: Mapping[str, object] | None = None
    info_ms: int | None = None
    last_seen_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ConfigRecord:
    kiosk: str
    version: int
    document: Mapping[str, object]
    published: bool


@dataclass(frozen=True, slots=True)
class Command:
    cmd_id: str
    kiosk: str
    name: str
    args: Mapping[str, object]
    created_ms: int
    expires_ms: int
    state: str = CommandState.QUEUED
    sent_ms: int | None = None
    result: Mapping[str, object] | None = None
    result_ms: int | None = None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _map(value: object) -> Mapping[str, object] | None:
    return value if isinstance(value, dict) else None


class ServiceStore:
    """Reads and writes of the service tables (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # kiosk status

    def touch(self, kiosk: str, now_ms: int) -> None:
        self.db.execute(
            "INSERT INTO kiosk_status (kiosk, last_seen_ms) VALUES (?, ?) "
            "ON CONFLICT (kiosk) DO UPDATE SET last_seen_ms = max(coalesce(last_seen_ms, 0), ?)",
            (kiosk, now_ms, now_ms),
        )

    def record_status(self, kiosk: str, online: bool, now_ms: int) -> None:
        with self.db.atomic():
            self.touch(kiosk, now_ms)
            self.db.execute(
                "UPDATE kiosk_status SET online=?, status_ms=? WHERE kiosk=?",
                (int(online), now_ms, kiosk),
            )

    def record_info(self, kiosk: str, info: Mapping[str, object], now_ms: int) -> None:
        with self.db.atomic():
            self.touch(kiosk, now_ms)
            self.db.execute(
                "UPDATE kiosk_status SET info=?, info_ms=? WHERE kiosk=?",
                (cbor2.dumps(dict(info)), now_ms, kiosk),
            )

    def statuses(self) -> dict[str, KioskStatus]:
        rows = self.db.rows(
            "SELECT kiosk, online, status_ms, info, info_ms, last_seen_ms FROM kiosk_status"
        )
        found: dict[str, KioskStatus] = {}
        for kiosk, online, status_ms, info, info_ms, seen in rows:
            found[str(kiosk)] = KioskStatus(
                kiosk=str(kiosk),
                online=None if online is None else bool(online),
                status_ms=_int(status_ms),
                info=_map(cbor2.loads(info)) if isinstance(info, bytes) else None,
                info_ms=_int(info_ms),
                last_seen_ms=_int(seen),
            )
        return found

    # desired configuration

    def put_config(self, kiosk: str, document: Mapping[str, object]) -> int:
        """Store a new desired configuration; returns its version (one more than the last)."""
        text = json.dumps(dict(document), ensure_ascii=False, sort_keys=True)
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO configs VALUES (?, 1, ?, 0) ON CONFLICT (kiosk) DO UPDATE "
                "SET version = version + 1, document = excluded.document, published = 0",
                (kiosk, text),
            )
            version = _int(self.db.scalar("SELECT version FROM configs WHERE kiosk=?", (kiosk,)))
        assert version is not None
        return version

    def configs(self, *, unpublished_only: bool = False) -> list[ConfigRecord]:
        sql = "SELECT kiosk, version, document, published FROM configs"
        if unpublished_only:
            sql += " WHERE published = 0"
        return [
            ConfigRecord(str(k), int(str(v)), json.loads(str(doc)), bool(pub))
            for k, v, doc, pub in self.db.rows(sql + " ORDER BY kiosk")
        ]

    def mark_config_published(self, kiosk: str, version: int) -> None:
        self.db.execute(
            "UPDATE configs SET published = 1 WHERE kiosk=? AND version=?", (kiosk, version)
        )

    # commands

    def add_command(self, command: Command) -> None:
        self.db.execute(
            "INSERT INTO commands (cmd_id, kiosk, name, args, created_ms, expires_ms, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                command.cmd_id,
                command.kiosk,
                command.name,
                json.dumps(dict(command.args), ensure_ascii=False, sort_keys=True),
                command.created_ms,
                command.expires_ms,
                command.state,
            ),
        )

    def commands(self, kiosk: str | None = None, state: str | None = None) -> list[Command]:
        sql = (
            "SELECT cmd_id, kiosk, name, args, created_ms, expires_ms, state, sent_ms, result, "
            "result_ms FROM commands WHERE (?1 IS NULL OR kiosk = ?1) AND (?2 IS NULL OR "
            "state = ?2) ORDER BY created_ms, cmd_id"
        )
        found = []
        for row in self.db.rows(sql, (kiosk, state)):
            cmd_id, kiosk_id, name, args, created, expires, st, sent, result, result_ms = row
            found.append(
                Command(
                    cmd_id=str(cmd_id),
                    kiosk=str(kiosk_id),
                    name=str(name),
                    args=json.loads(str(args)),
                    created_ms=int(str(created)),
                    expires_ms=int(str(expires)),
                    state=str(st),
                    sent_ms=_int(sent),
                    result=_map(cbor2.loads(result)) if isinstance(result, bytes) else None,
                    result_ms=_int(result_ms),
                )
            )
        return found

    def mark_sent(self, cmd_id: str, now_ms: int) -> None:
        self.db.execute(
            "UPDATE commands SET state=?, sent_ms=? WHERE cmd_id=? AND state IN (?, ?)",
            (CommandState.SENT, now_ms, cmd_id, CommandState.QUEUED, CommandState.SENT),
        )

    def expire_commands(self, now_ms: int) -> list[str]:
        """Give up on unanswered commands past their expiry; returns their ids."""
        with self.db.atomic():
            ids = [
                str(r[0])
                for r in self.db.rows(
                    "SELECT cmd_id FROM commands WHERE state IN (?, ?) AND expires_ms <= ?",
                    (CommandState.QUEUED, CommandState.SENT, now_ms),
                )
            ]
            for cmd_id in ids:
                self.db.execute(
                    "UPDATE commands SET state=? WHERE cmd_id=?", (CommandState.EXPIRED, cmd_id)
                )
        return ids

    def record_command_result(
        self, cmd_id: str, kiosk: str, result: Mapping[str, object], now_ms: int
    ) -> bool:
        """Store a kiosk's ``cmd/res``; False when no command of that kiosk has the id."""
        cursor = self.db.execute(
            "UPDATE commands SET state=?, result=?, result_ms=? WHERE cmd_id=? AND kiosk=?",
            (CommandState.DONE, cbor2.dumps(dict(result)), now_ms, cmd_id, kiosk),
        )
        return cursor.rowcount == 1

    # what a tick publishes: claimed inside one transaction, so of several central instances
    # only one sends a new command or config (a resend after a restart is harmless: kiosks
    # execute a cmd_id at most once and configs are versioned)

    def claim_commands(self, now_ms: int, *, resend: bool = False) -> list[Command]:
        """Unexpired commands to publish now (marked sent); with ``resend`` also those sent
        before but not answered (after a restart nothing says they reached the broker)."""
        states = (CommandState.QUEUED, CommandState.SENT) if resend else (CommandState.QUEUED,)
        with self.db.atomic():
            due = [
                c for state in states for c in self.commands(state=state) if c.expires_ms > now_ms
            ]
            for command in due:
                self.mark_sent(command.cmd_id, now_ms)
        return sorted(due, key=lambda c: (c.created_ms, c.cmd_id))

    def claim_configs(self, *, everything: bool = False) -> list[ConfigRecord]:
        """Configs to publish now (marked published); ``everything`` after a restart."""
        with self.db.atomic():
            due = self.configs(unpublished_only=not everything)
            for record in due:
                self.mark_config_published(record.kiosk, record.version)
        return due
