"""Scenario files (JSON or TOML) parsed and checked into frozen values (format: docs/scenarios.md).

Everything that can be wrong with a file is found here, before the kiosk starts: a bad file is
one :class:`~kiosk.errors.ConfigError` line naming the file, the place (``step 4``, ``items[2]``,
``machine``), the key and what was expected. References to tags (by ``name``, UID, PII or card
number) are resolved to UIDs here, so the runner never meets an unknown name.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from central.domain import CentralDomain, CentralError, DomainConfig
from drivers.errors import TagFileError
from drivers.virtual import chip_model, make_uid, tags_from_json, tags_to_json
from drivers.virtual.tag import VirtualTag
from kiosk import tagdata
from kiosk.circulation import MachineMode, OfflineConfig, Op
from kiosk.errors import ConfigError, KioskError
from kiosk.security import SecurityMode

__all__ = [
    "STEP_KINDS",
    "Expect",
    "ExpectLoan",
    "ExpectResult",
    "ExpectTag",
    "MachineSpec",
    "Scenario",
    "Step",
    "TagSpec",
    "load",
    "parse",
]

DEFAULT_START = "2025-06-02T09:00:00+08:00"
STEP_KINDS = (
    "card",
    "pin",
    "place",
    "remove",
    "choose",
    "finish",
    "receipt",
    "cancel",
    "network",
    "advance",
    "kill",
    "lift",
    "expect",
)
DURABLE_STEPS = ("intent", "decided", "written", "effect", "shown", "reconcile")
_ITEM_SERIAL = 0x30000000
_CARD_SERIAL = 0x38000000
_USAGE = re.compile(r"[0-9A-Fa-f]{2}")


@dataclass(frozen=True, slots=True)
class MachineSpec:
    """The kiosk's configuration for the run (defaults in docs/scenarios.md)."""

    kiosk: str
    home_library: str
    members: frozenset[str]
    mode: MachineMode
    ops: tuple[Op, ...]
    security: SecurityMode
    pin_required: bool
    receipts: bool
    return_secure_first: bool
    central_timeout_ms: int
    start_ms: int
    offline: OfflineConfig


@dataclass(frozen=True, slots=True)
class TagSpec:
    """One tag of the scenario (item, patron card or raw), as it is at the start."""

    name: str
    uid: str
    kind: str  # item | card | raw
    pii: str | None
    on_pad: bool
    tag_json: str  # the tag-file form (JSON text), so each run gets fresh tag objects

    def build(self) -> VirtualTag:
        return tags_from_json([json.loads(self.tag_json)], self.name)[0]


@dataclass(frozen=True, slots=True)
class ExpectResult:
    ref: str
    uids: tuple[str, ...]
    result: str | None = None  # accepted | refused | none (no result yet)
    reason: str | None = None
    route: str | None = None
    offline: bool | None = None
    op: str | None = None


@dataclass(frozen=True, slots=True)
class ExpectTag:
    ref: str
    uids: tuple[str, ...]
    secured: bool | None = None
    afi: int | None = None
    eas: bool | None = None


@dataclass(frozen=True, slots=True)
class ExpectLoan:
    pii: str
    patron: str | None = None
    offline: bool | None = None
    renewals: int | None = None


@dataclass(frozen=True, slots=True)
class Expect:
    """Assertions checked when the step is reached (``None``: not checked)."""

    results: tuple[ExpectResult, ...] = ()
    notices: tuple[tuple[str, tuple[str, ...], str], ...] = ()  # (ref, uids, reason)
    tags: tuple[ExpectTag, ...] = ()
    loans: tuple[ExpectLoan, ...] = ()
    not_on_loan: tuple[str, ...] = ()
    loan_count: int | None = None
    holds: tuple[tuple[str, str | None, str | None], ...] = ()  # (pii, patron, state)
    hold_count: int | None = None
    exceptions: int | None = None
    outbox: int | None = None
    transactions: int | None = None
    offline_transactions: int | None = None
    open_transactions: int | None = None
    screen: str | None = None
    screen_reason: str | None = None
    consistent: bool = False


@dataclass(frozen=True, slots=True)
class Step:
    """One step: ``kind`` and its resolved argument (see docs/scenarios.md)."""

    index: int
    kind: str
    uids: tuple[str, ...] = ()
    text: str | None = None  # card number, PIN, operation, network state, kill point
    number: int | None = None  # advance ms, kill count, receipt 0/1
    card_uid: str | None = None
    expect: Expect | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    source: str
    name: str
    description: str
    library: Mapping[str, Any]
    loans: tuple[tuple[str, str, str, int], ...]  # (owner, pii, patron, renewals)
    machine: MachineSpec
    tags: tuple[TagSpec, ...]
    steps: tuple[Step, ...] = field(default=())


def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and check a scenario file (``.toml`` is TOML, anything else JSON)."""
    file = Path(path)
    source = str(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the scenario: {exc.strerror or exc}") from None
    try:
        if file.suffix.lower() == ".toml":
            data: object = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: not JSON: {exc.msg} at line {exc.lineno}") from None
    return parse(data, source, base=file.parent)


def parse(data: object, source: str, *, base: Path | None = None) -> Scenario:
    """Check an already-decoded scenario document."""
    return _Parser(source, base or Path.cwd()).scenario(data)


class _Parser:
    def __init__(self, source: str, base: Path) -> None:
        self.source = source
        self.base = base
        self.names: dict[str, tuple[str, ...]] = {}
        self.piis: dict[str, list[str]] = {}
        self.numbers: dict[str, str] = {}
        self.uids: set[str] = set()
        self.catalogue: dict[str, str] = {}

    # ------------------------------------------------------------------ errors and values

    def fail(self, where: str, key: str | None, expected: str, got: object = ...) -> ConfigError:
        at = f"{self.source}: {where}"
        if key is not None:
            at += f": '{key}'"
        seen = "" if got is ... else f" (got {got!r})"
        return ConfigError(f"{at}: expected {expected}{seen}")

    def table(
        self, obj: object, where: str, key: str | None, allowed: tuple[str, ...]
    ) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise self.fail(where, key, "a table / object", type(obj).__name__)
        for name in obj:
            if name not in allowed:
                raise self.fail(where, name, f"one of the keys {', '.join(allowed)}", "unknown key")
        return obj

    def text(self, obj: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = obj.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, key, "non-empty text", value if key in obj else ...)
        return value.strip()

    def flag(self, obj: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(where, key, "true or false", value)
        return value

    def whole(self, value: object, where: str, key: str, low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(where, key, f"a whole number ≥ {low}", value)
        return value

    def choice(self, value: object, where: str, key: str, options: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in options:
            raise self.fail(where, key, f"one of {', '.join(options)}", value)
        return value

    # ------------------------------------------------------------------ the document

    def scenario(self, data: object) -> Scenario:
        top = self.table(
            data,
            "scenario",
            None,
            (
                "name",
                "description",
                "library",
                "loans",
                "machine",
                "tags",
                "items",
                "cards",
                "steps",
            ),
        )
        name = self.text(top, "name", "scenario", default=Path(self.source).stem)
        description = top.get("description", "")
        if not isinstance(description, str):
            raise self.fail("scenario", "description", "text", description)
        library = self.library(top.get("library"))
        machine = self.machine(top.get("machine", {}), library)
        loans = self.loans(top.get("loans", []), machine)
        tags: list[TagSpec] = []
        tags += self.raw_tags(top.get("tags", []))
        tags += self.items(top.get("items", []), machine, len(tags))
        tags += self.cards(top.get("cards", []), machine)
        steps = top.get("steps")
        if not isinstance(steps, list) or not steps:
            raise self.fail("scenario", "steps", "a non-empty list of steps", steps)
        return Scenario(
            self.source,
            name,
            description,
            library,
            loans,
            machine,
            tuple(tags),
            tuple(self.step(i, s) for i, s in enumerate(steps, start=1)),
        )

    def library(self, value: object) -> dict[str, Any]:
        where = "library"
        if isinstance(value, str):
            path = self.base / value
            try:
                value = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise self.fail(
                    where, None, f"a readable JSON library document at {path}", str(exc)
                ) from None
        if not isinstance(value, dict):
            raise self.fail(where, None, "a library document (object) or a path to one", value)
        try:
            domain = CentralDomain(
                config=DomainConfig(pin_salt=lambda: b"scenario", pin_cost=(2, 1, 1))
            )
            domain.load_json(value, source=f"{self.source}: library")
        except (CentralError, ValueError) as exc:
            raise ConfigError(str(exc)) from None
        for entry in value.get("catalogue", []) or []:
            self.catalogue.setdefault(str(entry["pii"]).strip(), str(entry["owner"]).strip())
        return value

    def machine(self, value: object, library: Mapping[str, Any]) -> MachineSpec:
        where = "machine"
        m = self.table(
            value,
            where,
            None,
            (
                "kiosk",
                "home_library",
                "members",
                "mode",
                "ops",
                "security",
                "pin_required",
                "receipts",
                "return_secure_first",
                "central_timeout_ms",
                "start",
                "offline",
            ),
        )
        kiosks = library.get("kiosks") or []
        first = kiosks[0] if kiosks and isinstance(kiosks[0], dict) else {}
        kiosk = self.text(m, "kiosk", where, default=first.get("kiosk"))
        home = self.text(m, "home_library", where, default=first.get("library"))
        members_default = [
            lib["isil"]
            for lib in library.get("members") or []
            if isinstance(lib, dict) and lib.get("member", True) not in (False, "false")
        ]
        members = m.get("members", members_default)
        if not isinstance(members, list) or not all(isinstance(x, str) for x in members):
            raise self.fail(where, "members", "a list of member ISILs", members)
        mode = MachineMode(
            self.choice(m.get("mode", "checkout"), where, "mode", tuple(MachineMode))
        )
        ops_raw = m.get("ops", ["checkout", "return", "renew"])
        if not isinstance(ops_raw, list) or not ops_raw:
            raise self.fail(where, "ops", "a list of operations", ops_raw)
        ops = tuple(Op(self.choice(o, where, "ops", tuple(Op))) for o in ops_raw)
        security = SecurityMode(
            self.choice(m.get("security", "both"), where, "security", tuple(SecurityMode))
        )
        timeout = self.whole(m.get("central_timeout_ms", 500), where, "central_timeout_ms", 50)
        start_text = m.get("start", DEFAULT_START)
        try:
            if not isinstance(start_text, str):
                raise ValueError
            start = datetime.fromisoformat(start_text)
            if start.tzinfo is None:
                raise ValueError
        except ValueError:
            raise self.fail(where, "start", "an ISO 8601 time with offset", start_text) from None
        return MachineSpec(
            kiosk=kiosk,
            home_library=home,
            members=frozenset(x for x in members if x != home),
            mode=mode,
            ops=ops,
            security=security,
            pin_required=self.flag(m, "pin_required", where, False),
            receipts=self.flag(m, "receipts", where, False),
            return_secure_first=self.flag(m, "return_secure_first", where, True),
            central_timeout_ms=timeout,
            start_ms=int(start.timestamp() * 1000),
            offline=self.offline(m.get("offline", {}), home),
        )

    def offline(self, value: object, home: str) -> OfflineConfig:
        where = "machine.offline"
        o = self.table(value, where, None, ("ops", "item_limit", "loan_days", "patrons"))
        ops = o.get("ops", ["checkout", "return"])
        if not isinstance(ops, list):
            raise self.fail(where, "ops", "a list of operations", ops)
        try:
            return OfflineConfig(
                library=home,
                ops=frozenset(Op(self.choice(x, where, "ops", tuple(Op))) for x in ops),
                item_limit=self.whole(o.get("item_limit", 5), where, "item_limit"),
                loan_days=self.whole(o.get("loan_days", 30), where, "loan_days"),
                patrons=self.flag(o, "patrons", where, True),
            )
        except ConfigError as exc:
            raise ConfigError(f"{self.source}: {where}: {exc}") from None

    def loans(self, value: object, machine: MachineSpec) -> tuple[tuple[str, str, str, int], ...]:
        if not isinstance(value, list):
            raise self.fail("scenario", "loans", "a list of loans", value)
        out = []
        for i, entry in enumerate(value):
            where = f"loans[{i}]"
            e = self.table(entry, where, None, ("pii", "patron", "owner", "renewals"))
            pii = self.text(e, "pii", where)
            if pii not in self.catalogue:
                raise self.fail(where, "pii", "a PII of the library's catalogue", pii)
            owner = self.text(e, "owner", where, default=self.catalogue[pii])
            renewals = self.whole(e.get("renewals", 0), where, "renewals")
            out.append((owner, pii, self.text(e, "patron", where), renewals))
        return tuple(out)

    # ------------------------------------------------------------------ tags

    def register(self, spec: TagSpec, where: str, number: str | None = None) -> TagSpec:
        if spec.uid in self.uids:
            raise self.fail(where, "uid", "a UID no other tag uses", spec.uid)
        if spec.name in self.names:
            raise self.fail(where, "name", "a name no other tag uses", spec.name)
        self.uids.add(spec.uid)
        self.names[spec.name] = (spec.uid,)
        if spec.pii:
            self.piis.setdefault(spec.pii, []).append(spec.uid)
        if number:
            self.numbers[number] = spec.uid
        return spec

    def raw_tags(self, value: object) -> list[TagSpec]:
        if not isinstance(value, list):
            raise self.fail("scenario", "tags", "a list of tag objects (tag-file format)", value)
        out = []
        for i, entry in enumerate(value):
            where = f"tags[{i}]"
            obj = dict(
                self.table(
                    entry,
                    where,
                    None,
                    (
                        "uid",
                        "chip",
                        "memory",
                        "afi",
                        "dsfid",
                        "eas",
                        "locked_blocks",
                        "locked_afi",
                        "locked_dsfid",
                        "locked_eas",
                        "name",
                        "on_pad",
                    ),
                )
            )
            name = obj.pop("name", None)
            on_pad = self.flag(obj, "on_pad", where, True)
            obj.pop("on_pad", None)
            try:
                tag = tags_from_json([obj], f"{self.source}: {where}")[0]
            except TagFileError as exc:
                raise ConfigError(str(exc)) from None
            uid = tag.uid.hex().upper()
            label = name if isinstance(name, str) and name else uid
            text = json.dumps(tags_to_json([tag])[0])
            out.append(self.register(TagSpec(label, uid, "raw", None, on_pad, text), where))
        return out

    def _uid(self, e: Mapping[str, Any], where: str, chip: str, serial: int) -> str:
        if "uid" not in e:
            return make_uid(chip, serial).hex().upper()
        uid = e["uid"]
        if not isinstance(uid, str) or not re.fullmatch(r"[0-9A-Fa-f]{16}", uid):
            raise self.fail(where, "uid", "16 hex digits", uid)
        return uid.upper()

    def _tag_json(
        self,
        uid: str,
        chip: str,
        elements: dict[int, str],
        *,
        secured: bool,
        locked: bool,
        blank: bool,
        where: str,
    ) -> str:
        model = chip_model(chip)
        memory = bytes(model.memory_size)
        locked_blocks: tuple[int, ...] = ()
        if not blank:
            try:
                encoded = tagdata.encode(
                    elements, lock=(1, 3) if locked else (), capacity=model.memory_size
                )
            except (KioskError, ValueError) as exc:
                raise self.fail(where, None, "elements that fit the tag", str(exc)) from None
            memory = encoded.data + bytes(model.memory_size - len(encoded.data))
            locked_blocks = tuple(encoded.lock_blocks)
        tag = VirtualTag(
            model,
            bytes.fromhex(uid),
            memory,
            afi=0x07 if secured else 0xC2,
            dsfid=0x06,
            eas=secured and model.eas,
            locked_blocks=locked_blocks,
        )
        return json.dumps(tags_to_json([tag])[0])

    def items(self, value: object, machine: MachineSpec, offset: int) -> list[TagSpec]:
        if not isinstance(value, list):
            raise self.fail("scenario", "items", "a list of items", value)
        out = []
        for i, entry in enumerate(value):
            where = f"items[{i}]"
            e = self.table(
                entry,
                where,
                None,
                (
                    "pii",
                    "name",
                    "owner",
                    "usage",
                    "set",
                    "ill",
                    "secured",
                    "locked",
                    "chip",
                    "uid",
                    "on_pad",
                    "blank",
                ),
            )
            pii = self.text(e, "pii", where)
            owner = self.text(e, "owner", where, default=self.catalogue.get(pii))
            usage = e.get("usage", "10")
            if not isinstance(usage, str) or not _USAGE.fullmatch(usage):
                raise self.fail(where, "usage", 'two hex digits (type of usage, e.g. "10")', usage)
            chip = self.choice(e.get("chip", "slix"), where, "chip", ("slix", "slix2"))
            elements = {1: pii, 3: owner, 5: usage}
            if "set" in e:
                elements[4] = self.text(e, "set", where)
            if "ill" in e:
                elements[11] = self.text(e, "ill", where)
            uid = self._uid(e, where, chip, _ITEM_SERIAL + offset + i + 1)
            text = self._tag_json(
                uid,
                chip,
                elements,
                secured=self.flag(e, "secured", where, True),
                locked=self.flag(e, "locked", where, False),
                blank=self.flag(e, "blank", where, False),
                where=where,
            )
            name = self.text(e, "name", where, default=pii if "set" not in e else uid)
            spec = TagSpec(name, uid, "item", pii, self.flag(e, "on_pad", where, False), text)
            out.append(self.register(spec, where))
        return out

    def cards(self, value: object, machine: MachineSpec) -> list[TagSpec]:
        if not isinstance(value, list):
            raise self.fail("scenario", "cards", "a list of patron-card tags", value)
        out = []
        for i, entry in enumerate(value):
            where = f"cards[{i}]"
            e = self.table(
                entry, where, None, ("number", "name", "owner", "usage", "uid", "on_pad", "chip")
            )
            number = self.text(e, "number", where)
            usage = e.get("usage", "80")
            if not isinstance(usage, str) or not re.fullmatch(r"8[0-9A-Fa-f]", usage):
                raise self.fail(where, "usage", "a patron-card type of usage 80..8F", usage)
            owner = self.text(e, "owner", where, default=machine.home_library)
            chip = self.choice(e.get("chip", "slix"), where, "chip", ("slix", "slix2"))
            uid = self._uid(e, where, chip, _CARD_SERIAL + i + 1)
            text = self._tag_json(
                uid,
                chip,
                {1: number, 3: owner, 5: usage},
                secured=False,
                locked=False,
                blank=False,
                where=where,
            )
            name = self.text(e, "name", where, default=number)
            spec = TagSpec(name, uid, "card", None, self.flag(e, "on_pad", where, False), text)
            out.append(self.register(spec, where, number))
        return out

    # ------------------------------------------------------------------ steps

    def resolve(self, ref: object, where: str, key: str) -> tuple[str, ...]:
        if not isinstance(ref, str) or not ref.strip():
            raise self.fail(where, key, "a tag name, UID, PII or card number", ref)
        ref = ref.strip()
        if ref in self.names:
            return self.names[ref]
        if ref.upper() in self.uids:
            return (ref.upper(),)
        if ref in self.piis:
            return tuple(self.piis[ref])
        if ref in self.numbers:
            return (self.numbers[ref],)
        raise self.fail(where, key, "a tag name, UID, PII or card number of this scenario", ref)

    def refs(self, value: object, where: str, key: str) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.fail(where, key, "at least one tag", value)
        out: list[str] = []
        for ref in items:
            if ref == "all" and key == "remove":
                return ("*",)
            out += [u for u in self.resolve(ref, where, key) if u not in out]
        return tuple(out)

    def step(self, index: int, value: object) -> Step:
        where = f"step {index}"
        s = self.table(value, where, None, (*STEP_KINDS, "note"))
        kinds = [k for k in s if k != "note"]
        if len(kinds) != 1:
            raise self.fail(where, None, f"exactly one of {', '.join(STEP_KINDS)}", kinds or None)
        kind = kinds[0]
        arg = s[kind]
        note = s.get("note", "")
        if not isinstance(note, str):
            raise self.fail(where, "note", "text", note)
        make = functools.partial(Step, index, kind, note=note)
        if kind == "card":
            if isinstance(arg, str):
                return make(text=arg.strip())
            c = self.table(arg, where, "card", ("number", "uid"))
            number = c.get("number")
            uid = c.get("uid")
            if number is None and uid is None:
                raise self.fail(where, "card", "a card number, or {number, uid}", arg)
            if number is not None and (not isinstance(number, str) or not number.strip()):
                raise self.fail(where, "card.number", "text", number)
            if uid is not None and (
                not isinstance(uid, str) or not re.fullmatch(r"(?:[0-9A-Fa-f]{2}){4,10}", uid)
            ):
                raise self.fail(where, "card.uid", "the card UID in hex", uid)
            return make(text=number, card_uid=uid.upper() if uid else None)
        if kind == "pin":
            if not isinstance(arg, str) or not arg:
                raise self.fail(where, kind, "the PIN as text", arg)
            return make(text=arg)
        if kind in ("place", "remove"):
            return make(uids=self.refs(arg, where, kind))
        if kind == "lift":
            return make(uids=self.refs(arg, where, kind))
        if kind == "choose":
            return make(text=self.choice(arg, where, kind, tuple(Op)))
        if kind in ("finish", "cancel"):
            if arg is not True:
                raise self.fail(where, kind, "true", arg)
            return make()
        if kind == "receipt":
            if not isinstance(arg, bool):
                raise self.fail(where, kind, "true (print) or false", arg)
            return make(number=int(arg))
        if kind == "network":
            return make(text=self.choice(arg, where, kind, ("down", "up")))
        if kind == "advance":
            return make(number=self.whole(arg, where, kind, 1))
        if kind == "kill":
            if arg == "now" or arg is True:
                return make(text=None, number=0)
            k = self.table(arg, where, kind, ("after", "count"))
            after = self.choice(k.get("after"), where, "kill.after", DURABLE_STEPS)
            return make(text=after, number=self.whole(k.get("count", 1), where, "kill.count", 1))
        return make(expect=self.expect(arg, where))

    def expect(self, value: object, where: str) -> Expect:
        e = self.table(
            value,
            where,
            "expect",
            (
                "results",
                "notices",
                "tags",
                "loans",
                "not_on_loan",
                "loan_count",
                "holds",
                "hold_count",
                "exceptions",
                "outbox",
                "transactions",
                "offline_transactions",
                "open_transactions",
                "screen",
                "screen_reason",
                "consistent",
            ),
        )

        def entries(key: str, allowed: tuple[str, ...]) -> list[dict[str, Any]]:
            raw = e.get(key, [])
            if not isinstance(raw, list):
                raise self.fail(where, f"expect.{key}", "a list", raw)
            return [self.table(x, where, f"expect.{key}[{i}]", allowed) for i, x in enumerate(raw)]

        def opt_int(key: str) -> int | None:
            return None if key not in e else self.whole(e[key], where, f"expect.{key}")

        def opt_bool(obj: Mapping[str, Any], key: str, at: str) -> bool | None:
            return None if key not in obj else self.flag(obj, key, at, False)

        results = []
        for i, r in enumerate(
            entries("results", ("item", "result", "reason", "route", "offline", "op"))
        ):
            at = f"expect.results[{i}]"
            result = r.get("result")
            if result is not None:
                self.choice(result, where, f"{at}.result", ("accepted", "refused", "none"))
            for key in ("reason", "route", "op"):
                if key in r and not isinstance(r[key], str):
                    raise self.fail(where, f"{at}.{key}", "text", r[key])
            results.append(
                ExpectResult(
                    str(r.get("item")),
                    self.resolve(r.get("item"), where, f"{at}.item"),
                    result,
                    r.get("reason"),
                    r.get("route"),
                    opt_bool(r, "offline", where),
                    r.get("op"),
                )
            )
        notices = []
        for i, n in enumerate(entries("notices", ("item", "reason"))):
            at = f"expect.notices[{i}]"
            reason = self.text(n, "reason", where)
            notices.append(
                (str(n.get("item")), self.resolve(n.get("item"), where, f"{at}.item"), reason)
            )
        tags = []
        for i, t in enumerate(entries("tags", ("item", "secured", "afi", "eas"))):
            at = f"expect.tags[{i}]"
            afi = None if "afi" not in t else self.whole(t["afi"], where, f"{at}.afi")
            tags.append(
                ExpectTag(
                    str(t.get("item")),
                    self.resolve(t.get("item"), where, f"{at}.item"),
                    opt_bool(t, "secured", where),
                    afi,
                    opt_bool(t, "eas", where),
                )
            )
        loans = []
        for i, loan in enumerate(entries("loans", ("pii", "patron", "offline", "renewals"))):
            at = f"expect.loans[{i}]"
            patron = None if "patron" not in loan else self.text(loan, "patron", where)
            renewals = (
                None
                if "renewals" not in loan
                else self.whole(loan["renewals"], where, f"{at}.renewals")
            )
            loans.append(
                ExpectLoan(
                    self.text(loan, "pii", where),
                    patron,
                    opt_bool(loan, "offline", where),
                    renewals,
                )
            )
        not_on_loan = e.get("not_on_loan", [])
        if not isinstance(not_on_loan, list) or not all(isinstance(p, str) for p in not_on_loan):
            raise self.fail(where, "expect.not_on_loan", "a list of PIIs", not_on_loan)
        holds = []
        for h in entries("holds", ("pii", "patron", "state")):
            holds.append((self.text(h, "pii", where), h.get("patron"), h.get("state")))
        for key in ("screen", "screen_reason"):
            if key in e and not isinstance(e[key], str):
                raise self.fail(where, f"expect.{key}", "text", e[key])
        return Expect(
            results=tuple(results),
            notices=tuple(notices),
            tags=tuple(tags),
            loans=tuple(loans),
            not_on_loan=tuple(not_on_loan),
            loan_count=opt_int("loan_count"),
            holds=tuple(holds),
            hold_count=opt_int("hold_count"),
            exceptions=opt_int("exceptions"),
            outbox=opt_int("outbox"),
            transactions=opt_int("transactions"),
            offline_transactions=opt_int("offline_transactions"),
            open_transactions=opt_int("open_transactions"),
            screen=e.get("screen"),
            screen_reason=e.get("screen_reason"),
            consistent=self.flag(e, "consistent", where, False),
        )
