"""Topic names of the MQTT contract (design/mqtt-contract.md), built and parsed in one place.

``{kiosk}`` is the kiosk id = TLS certificate CN = MQTT username = client id. Broker ACLs key on
the certificate name (``%u``), never on the client id; :func:`mosquitto_acl` writes the contract's
ACL so deployments and the test broker use the very same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CENTRAL_STATUS",
    "COMMAND_NAMES",
    "LOOKUP_OPS",
    "PREFIX",
    "KioskTopics",
    "TopicKind",
    "TopicRef",
    "blocked_topic",
    "holds_delta_topic",
    "holds_topic",
    "mosquitto_acl",
    "parse_topic",
]

PREFIX = "lib/v1"
CENTRAL_STATUS = f"{PREFIX}/central/status"
LOOKUP_OPS = frozenset({"patron", "item"})
COMMAND_NAMES = frozenset(
    {
        "out_of_service",
        "in_service",
        "sync_now",
        "restart",
        "log_level",
        "open_chute",
        "diagnostics",
    }
)
_LEVEL = re.compile(r"[A-Za-z0-9._-]{1,64}")  # one topic level: no '/', '+', '#' or NUL


class TopicKind(StrEnum):
    STATUS = "status"
    INFO = "info"
    TX = "evt/tx"
    TELEMETRY = "evt/telemetry"
    ALERT = "evt/alert"
    REQUEST = "req"
    RESPONSE = "res"
    COMMAND = "cmd"
    COMMAND_RESULT = "cmd/res"
    CONFIG = "config"
    HOLDS = "holds"
    HOLDS_DELTA = "holds/delta"
    BLOCKED = "blocked"
    CENTRAL_STATUS = "central/status"


@dataclass(frozen=True, slots=True)
class TopicRef:
    """A parsed topic: its kind, the kiosk (or library ISIL) it belongs to, and a name level."""

    kind: TopicKind
    owner: str | None = None  # kiosk id, or library ISIL for holds and blocked cards
    name: str | None = None  # lookup op or command name


def _level(what: str, value: str) -> str:
    if not isinstance(value, str) or not _LEVEL.fullmatch(value):
        raise ValueError(f"{what}: expected 1..64 of A-Z a-z 0-9 . _ -, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class KioskTopics:
    """Every topic of one kiosk."""

    kiosk: str

    def __post_init__(self) -> None:
        _level("kiosk id", self.kiosk)

    @property
    def base(self) -> str:
        return f"{PREFIX}/kiosk/{self.kiosk}"

    @property
    def status(self) -> str:
        return f"{self.base}/status"

    @property
    def info(self) -> str:
        return f"{self.base}/info"

    @property
    def tx(self) -> str:
        return f"{self.base}/evt/tx"

    @property
    def telemetry(self) -> str:
        return f"{self.base}/evt/telemetry"

    @property
    def alert(self) -> str:
        return f"{self.base}/evt/alert"

    def request(self, op: str) -> str:
        if op not in LOOKUP_OPS:
            raise ValueError(f"lookup op: expected one of {sorted(LOOKUP_OPS)}, got {op!r}")
        return f"{self.base}/req/{op}"

    @property
    def response(self) -> str:
        return f"{self.base}/res"

    def command(self, name: str) -> str:
        return f"{self.base}/cmd/{_level('command name', name)}"

    @property
    def commands(self) -> str:
        """The subscription filter for every command (it also matches ``cmd/res``)."""
        return f"{self.base}/cmd/+"

    @property
    def command_result(self) -> str:
        return f"{self.base}/cmd/res"

    @property
    def config(self) -> str:
        return f"{self.base}/config"


def holds_topic(isil: str) -> str:
    return f"{PREFIX}/library/{_level('library ISIL', isil)}/holds"


def holds_delta_topic(isil: str) -> str:
    return f"{holds_topic(isil)}/delta"


def blocked_topic(isil: str) -> str:
    """The cards library ``isil``'s machines must refuse (retained, with a version)."""
    return f"{PREFIX}/library/{_level('library ISIL', isil)}/blocked"


_KIOSK_TAILS: dict[tuple[str, ...], TopicKind] = {
    ("status",): TopicKind.STATUS,
    ("info",): TopicKind.INFO,
    ("evt", "tx"): TopicKind.TX,
    ("evt", "telemetry"): TopicKind.TELEMETRY,
    ("evt", "alert"): TopicKind.ALERT,
    ("res",): TopicKind.RESPONSE,
    ("cmd", "res"): TopicKind.COMMAND_RESULT,
    ("config",): TopicKind.CONFIG,
}


def parse_topic(topic: object) -> TopicRef | None:
    """What a contract topic is, or None for anything outside the contract."""
    if not isinstance(topic, str):
        return None
    parts = topic.split("/")
    if parts[:2] != PREFIX.split("/") or len(parts) < 4:
        return None
    area, owner, tail = parts[2], parts[3], tuple(parts[4:])
    if area == "central" and owner == "status" and not tail:
        return TopicRef(TopicKind.CENTRAL_STATUS)
    if not _LEVEL.fullmatch(owner):
        return None
    if area == "library":
        kinds = {
            ("holds",): TopicKind.HOLDS,
            ("holds", "delta"): TopicKind.HOLDS_DELTA,
            ("blocked",): TopicKind.BLOCKED,
        }
        kind = kinds.get(tail)
        return None if kind is None else TopicRef(kind, owner)
    if area != "kiosk":
        return None
    if tail in _KIOSK_TAILS:
        return TopicRef(_KIOSK_TAILS[tail], owner)
    if len(tail) == 2 and _LEVEL.fullmatch(tail[1]):
        if tail[0] == "req" and tail[1] in LOOKUP_OPS:
            return TopicRef(TopicKind.REQUEST, owner, tail[1])
        if tail[0] == "cmd":
            return TopicRef(TopicKind.COMMAND, owner, tail[1])
    return None


def mosquitto_acl(central_users: tuple[str, ...] = ("central",)) -> str:
    """The contract's ACL as a mosquitto ``acl_file`` (patterns key on ``%u``, the cert CN)."""
    base = f"{PREFIX}/kiosk/%u"
    lines = [
        "# Kiosks: write only their own uplink topics, read only their own downlink topics.",
        f"pattern write {base}/status",
        f"pattern write {base}/info",
        f"pattern write {base}/evt/#",
        f"pattern write {base}/req/#",
        f"pattern write {base}/cmd/res",
        f"pattern read {base}/res",
        f"pattern read {base}/cmd/#",
        f"pattern read {base}/config",
        f"pattern read {PREFIX}/library/#",
        f"pattern read {CENTRAL_STATUS}",
    ]
    for user in central_users:
        lines += ["", f"user {_level('central user', user)}", f"topic readwrite {PREFIX}/#"]
    return "\n".join(lines) + "\n"
