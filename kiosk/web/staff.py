"""Staff sign-in for maintenance mode: verification, lockout and idle sign-out.

Credentials are checked by an injected ``verify(staff_id, pin) -> bool`` (in the daemon,
:meth:`kiosk.state.StateDocuments.verify_staff`, scrypt: slow on purpose, so it runs in a worker
thread). After ``max_failures`` consecutive failures staff sign-in is locked for ``lockout_s``
seconds *for every staff number* (a guesser must not get five tries per number), and while locked
the verifier is not even called. A session ends by itself after ``idle_s`` without a request.
The clock is injected (seconds, monotonic), so lockout and idle expiry are tested without waiting.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

__all__ = ["LoginResult", "StaffAuth", "StaffSession"]


@dataclass(frozen=True, slots=True)
class StaffSession:
    token: str
    staff_id: str
    started: float
    last_seen: float


@dataclass(frozen=True, slots=True)
class LoginResult:
    """``session`` when accepted; otherwise how many tries are left or how long the lock lasts."""

    session: StaffSession | None
    attempts_left: int
    locked_for: float = 0.0

    @property
    def ok(self) -> bool:
        return self.session is not None


class StaffAuth:
    """Sign-in state for one kiosk; lives on the asyncio loop."""

    def __init__(
        self,
        verify: Callable[[str, str], bool],
        *,
        clock: Callable[[], float],
        max_failures: int = 5,
        lockout_s: float = 300.0,
        idle_s: float = 120.0,
        new_token: Callable[[], str] = lambda: secrets.token_urlsafe(24),
    ) -> None:
        self._verify = verify
        self._clock = clock
        self._max = max_failures
        self._lockout = lockout_s
        self._idle = idle_s
        self._new_token = new_token
        self._failures = 0
        self._locked_until: float | None = None
        self._sessions: dict[str, StaffSession] = {}

    def locked_for(self) -> float:
        """Seconds the lock still lasts (0: not locked)."""
        until = self._locked_until
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            self._locked_until = None
            self._failures = 0
            return 0.0
        return left

    async def login(self, staff_id: str, pin: str) -> LoginResult:
        """Check the credentials (in a worker thread) unless sign-in is locked."""
        if self.locked_for() > 0:
            return LoginResult(None, 0, self.locked_for())
        ok = await asyncio.to_thread(self._verify, staff_id, pin)
        return self.record(staff_id, ok)

    def record(self, staff_id: str, ok: bool) -> LoginResult:
        """Count one verification outcome (``login`` calls this; tests may too)."""
        if self.locked_for() > 0:
            return LoginResult(None, 0, self.locked_for())
        if not ok:
            self._failures += 1
            if self._failures >= self._max:
                self._locked_until = self._clock() + self._lockout
                return LoginResult(None, 0, self._lockout)
            return LoginResult(None, self._max - self._failures)
        self._failures = 0
        now = self._clock()
        session = StaffSession(self._new_token(), staff_id, now, now)
        self._sessions[session.token] = session
        return LoginResult(session, self._max)

    def session(self, token: str | None) -> StaffSession | None:
        """The live session for ``token`` (and note the activity); None if unknown or idle."""
        if token is None:
            return None
        found = self._sessions.get(token)
        if found is None:
            return None
        now = self._clock()
        if now - found.last_seen >= self._idle:
            del self._sessions[token]
            return None
        found = self._sessions[token] = replace(found, last_seen=now)
        return found

    def logout(self, token: str | None) -> StaffSession | None:
        return None if token is None else self._sessions.pop(token, None)

    def expire(self) -> list[StaffSession]:
        """End and return every session idle for ``idle_s`` or longer."""
        now = self._clock()
        gone = [s for s in self._sessions.values() if now - s.last_seen >= self._idle]
        for s in gone:
            del self._sessions[s.token]
        return gone

    @property
    def active(self) -> bool:
        return bool(self._sessions)
