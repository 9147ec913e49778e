"""Typed accessors for the kiosk's small state documents (TinyDB, crash-safe storage).

Three documents, each changed by one TinyDB operation (one atomic file replace):

- the remote configuration last applied, with its ``version`` (reported in ``info``);
- staff credentials as scrypt hashes, with a per-entry random salt and the parameters stored
  beside the hash (so they can be raised later without locking anyone out);
- return-bin counters (items dropped since the bin was last emptied).

Verification runs in constant time (``hmac.compare_digest``), and an unknown staff id costs the
same scrypt work as a known one, so timing tells nothing. Stored parameters are bounded before
use: a tampered file cannot make verification allocate gigabytes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tinydb import Query, TinyDB

from kiosk.errors import RecordError, StateError
from kiosk.state.storage import AtomicJSONStorage

__all__ = [
    "AppliedConfig",
    "BinCounter",
    "ScryptParams",
    "StaffCredential",
    "StateDocuments",
]

_MAX_SECRET = 1024
_CONFIG, _STAFF, _BINS = "config", "staff", "bins"  # TinyDB table names in the JSON file


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """scrypt cost: n (CPU/memory, a power of two), r (block size), p (parallelism).

    The default (n=2**15, r=8, p=1) needs 32 MiB and about 0.1 s on a PC, well under a second on
    a Pi 3; staff log in rarely. The bounds refuse parameters a Pi could not afford.
    """

    n: int = 2**15
    r: int = 8
    p: int = 1
    dklen: int = 32
    salt_len: int = 16

    def __post_init__(self) -> None:
        checks = (
            ("n", self.n, 2, 2**20),
            ("r", self.r, 1, 32),
            ("p", self.p, 1, 16),
            ("dklen", self.dklen, 16, 64),
            ("salt_len", self.salt_len, 16, 64),
        )
        for name, value, low, high in checks:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise RecordError(
                    f"scrypt {name}: expected an int from {low} to {high}, got {value!r}"
                )
        if self.n & (self.n - 1):
            raise RecordError(f"scrypt n: expected a power of two, got {self.n}")
        if 128 * self.r * self.n * self.p > 256 * 1024 * 1024:
            raise RecordError("scrypt parameters need more than 256 MiB; lower n, r or p")

    @property
    def maxmem(self) -> int:
        """Memory limit handed to hashlib.scrypt: what these parameters need, plus slack."""
        return 128 * self.r * (self.n + self.p + 2) + 1024 * 1024

    def derive(self, secret: bytes, salt: bytes) -> bytes:
        return hashlib.scrypt(
            secret, salt=salt, n=self.n, r=self.r, p=self.p, dklen=self.dklen, maxmem=self.maxmem
        )


@dataclass(frozen=True, slots=True)
class AppliedConfig:
    """The configuration central sent, as applied, with its version and when it was applied."""

    version: int
    body: Mapping[str, Any]
    applied_ms: int


@dataclass(frozen=True, slots=True)
class StaffCredential:
    """A staff member's scrypt hash, salt and parameters, and their roles."""

    staff_id: str
    roles: tuple[str, ...]
    params: ScryptParams
    salt: bytes
    digest: bytes
    updated_ms: int

    def matches(self, secret: str) -> bool:
        """Whether ``secret`` is this credential's PIN (slow on purpose; constant-time compare).

        Lets a caller fetch the credential on the thread that owns the documents and spend the
        scrypt time on another one.
        """
        computed = self.params.derive(_secret_bytes(secret), self.salt)
        return hmac.compare_digest(computed, self.digest)


@dataclass(frozen=True, slots=True)
class BinCounter:
    """Items dropped into a return bin since it was last emptied."""

    bin_id: str
    count: int
    emptied_ms: int | None = None


class StateDocuments:
    """The kiosk's state documents in one JSON file; one owner thread, like the journal."""

    def __init__(
        self,
        db: TinyDB,
        *,
        clock: Callable[[], float],
        random_bytes: Callable[[int], bytes] = os.urandom,
        scrypt: ScryptParams | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._random = random_bytes
        self._scrypt = ScryptParams() if scrypt is None else scrypt
        self._dummy_salt = bytes(self._scrypt.salt_len)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], float],
        random_bytes: Callable[[int], bytes] = os.urandom,
        scrypt: ScryptParams | None = None,
    ) -> StateDocuments:
        """Open (or start) the state file at ``path``; ``clock`` returns epoch seconds."""
        db = TinyDB(path, storage=AtomicJSONStorage)
        return cls(db, clock=clock, random_bytes=random_bytes, scrypt=scrypt)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateDocuments:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now_ms(self) -> int:
        return round(self._clock() * 1000)

    # -- applied remote configuration ------------------------------------------------------

    def applied_config(self) -> AppliedConfig | None:
        doc = self._db.table(_CONFIG).get(Query().kind == "applied")
        if doc is None:
            return None
        try:
            return AppliedConfig(int(doc["version"]), dict(doc["body"]), int(doc["applied_ms"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"state: applied config document is damaged: {exc!r}") from None

    def record_applied_config(self, version: int, body: Mapping[str, Any]) -> AppliedConfig:
        """Remember the configuration just applied (one atomic write)."""
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise RecordError(f"config version: expected an int >= 0, got {version!r}")
        if not isinstance(body, Mapping) or not all(isinstance(k, str) for k in body):
            raise RecordError("config body: expected a map with text keys")
        applied = AppliedConfig(version, dict(body), self._now_ms())
        self._db.table(_CONFIG).upsert(
            {
                "kind": "applied",
                "version": applied.version,
                "body": dict(applied.body),
                "applied_ms": applied.applied_ms,
            },
            Query().kind == "applied",
        )
        return applied

    # -- staff credentials -----------------------------------------------------------------

    def set_staff_secret(
        self, staff_id: str, secret: str, *, roles: tuple[str, ...] = ()
    ) -> StaffCredential:
        """Store (or replace) a staff member's PIN/password as a salted scrypt hash."""
        staff_id = _id("staff_id", staff_id)
        if not isinstance(roles, tuple) or not all(isinstance(r, str) and r for r in roles):
            raise RecordError(f"roles: expected a tuple of non-empty text, got {roles!r}")
        params = self._scrypt
        salt = self._random(params.salt_len)
        if not isinstance(salt, bytes) or len(salt) != params.salt_len:
            raise RecordError(f"random_bytes: expected {params.salt_len} bytes for the salt")
        credential = StaffCredential(
            staff_id=staff_id,
            roles=roles,
            params=params,
            salt=salt,
            digest=params.derive(_secret_bytes(secret), salt),
            updated_ms=self._now_ms(),
        )
        self._db.table(_STAFF).upsert(
            _credential_doc(credential), Query().staff_id == staff_id
        )
        return credential

    def staff(self, staff_id: str) -> StaffCredential | None:
        doc = self._db.table(_STAFF).get(Query().staff_id == staff_id)
        return None if doc is None else _credential_from(doc)

    def staff_ids(self) -> list[str]:
        return sorted(str(doc.get("staff_id")) for doc in self._db.table(_STAFF))

    def remove_staff(self, staff_id: str) -> bool:
        """Delete a staff credential; True if there was one."""
        removed = self._db.table(_STAFF).remove(Query().staff_id == staff_id)
        return bool(removed)

    def verify_staff(self, staff_id: str, secret: str) -> bool:
        """True when ``secret`` matches; same work and constant-time compare either way."""
        candidate = _secret_bytes(secret)
        credential = self.staff(staff_id) if isinstance(staff_id, str) else None
        if credential is None:
            self._scrypt.derive(candidate, self._dummy_salt)
            return False
        return credential.matches(secret)

    # -- return-bin counters ---------------------------------------------------------------

    def bin(self, bin_id: str) -> BinCounter:
        doc = self._db.table(_BINS).get(Query().bin_id == bin_id)
        return BinCounter(bin_id, 0) if doc is None else _bin_from(doc)

    def bins(self) -> list[BinCounter]:
        return sorted(
            (_bin_from(doc) for doc in self._db.table(_BINS)), key=lambda b: b.bin_id
        )

    def add_to_bin(self, bin_id: str, items: int = 1) -> BinCounter:
        """Count ``items`` more dropped into ``bin_id``; returns the new counter."""
        bin_id = _id("bin_id", bin_id)
        if isinstance(items, bool) or not isinstance(items, int) or items < 1:
            raise RecordError(f"items: expected an int >= 1, got {items!r}")
        current = self.bin(bin_id)
        updated = BinCounter(bin_id, current.count + items, current.emptied_ms)
        self._save_bin(updated)
        return updated

    def empty_bin(self, bin_id: str) -> BinCounter:
        """Staff emptied the bin: reset to zero; returns the counter as it was before."""
        bin_id = _id("bin_id", bin_id)
        before = self.bin(bin_id)
        self._save_bin(BinCounter(bin_id, 0, self._now_ms()))
        return before

    def _save_bin(self, counter: BinCounter) -> None:
        self._db.table(_BINS).upsert(
            {"bin_id": counter.bin_id, "count": counter.count, "emptied_ms": counter.emptied_ms},
            Query().bin_id == counter.bin_id,
        )


def _id(name: str, value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 64 or not value.isprintable():
        raise RecordError(f"{name}: expected 1..64 printable characters, got {value!r}")
    return value


def _secret_bytes(secret: object) -> bytes:
    """NFC-normalised UTF-8, so the same PIN typed on two keyboards gives the same bytes."""
    if not isinstance(secret, str) or not secret or len(secret) > _MAX_SECRET:
        raise RecordError(f"secret: expected 1..{_MAX_SECRET} characters of text")
    return unicodedata.normalize("NFC", secret).encode("utf-8")


def _credential_doc(c: StaffCredential) -> dict[str, Any]:
    return {
        "staff_id": c.staff_id,
        "roles": list(c.roles),
        "alg": "scrypt",
        "n": c.params.n,
        "r": c.params.r,
        "p": c.params.p,
        "salt": c.salt.hex(),
        "hash": c.digest.hex(),
        "updated_ms": c.updated_ms,
    }


def _credential_from(doc: Mapping[str, Any]) -> StaffCredential:
    staff_id = doc.get("staff_id")
    try:
        if doc["alg"] != "scrypt":
            raise ValueError(f"unknown algorithm {doc['alg']!r}")
        salt = bytes.fromhex(doc["salt"])
        digest = bytes.fromhex(doc["hash"])
        params = ScryptParams(
            n=doc["n"], r=doc["r"], p=doc["p"], dklen=len(digest), salt_len=len(salt)
        )
        return StaffCredential(
            staff_id=str(staff_id),
            roles=tuple(str(r) for r in doc.get("roles", ())),
            params=params,
            salt=salt,
            digest=digest,
            updated_ms=int(doc["updated_ms"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"state: credential of staff {staff_id!r} is damaged: {exc}") from None


def _bin_from(doc: Mapping[str, Any]) -> BinCounter:
    try:
        emptied = doc.get("emptied_ms")
        return BinCounter(
            str(doc["bin_id"]), int(doc["count"]), None if emptied is None else int(emptied)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"state: bin counter document is damaged: {exc!r}") from None

